import type { ParsedCommand } from './parse-commands.ts';
import type { PullRequestEvent } from './plan-pull-request.ts';
import type { Reaction } from './types.ts';

/** A repository as the app knows it without a webhook: from GitHub's lists or a record. */
export interface RepositoryRef {
  id: number;
  owner: string;
  name: string;
  installationId: number;
}

/** The pull request as read when a comment arrived: a fork's approval covers that head. */
export interface PullRequestView {
  headSha: string;
  state: 'open' | 'closed';
  fromFork: boolean;
}

/** What a webhook asked for, with everything the job needs that the webhook alone told. */
export type AcceptedWork =
  | { kind: 'pull_request'; event: PullRequestEvent }
  | {
      kind: 'command';
      commands: ParsedCommand[];
      author: string;
      commentId: number;
      /** When GitHub says the comment was written (ms since the epoch). */
      commentedAt: number;
      pullAtComment?: PullRequestView;
    }
  | { kind: 'checks'; sha: string };

/** A command's answer, kept once the commands ran, so that a restart only sends it. */
export interface CommandAnswer {
  reply?: string;
  reaction: Reaction;
}

/** Work the app acknowledged to GitHub: recorded before the webhook is answered, dropped when done. */
export interface AcceptedJob {
  /** The record's name. */
  id: string;
  repository: RepositoryRef;
  number: number;
  delivery: string;
  acceptedAt: number;
  work: AcceptedWork;
  /** How often a replica began it: a job that ends its process each time is given up. */
  attempts: number;
  answer?: CommandAnswer;
  /** Which replica kept the answer, and when (ms): it is sending it. */
  answeredBy?: string;
  answeredAt?: number;
}

/** Tries before a job is given up: one that crashed the app this often would crash it again. */
export const maxAttempts = 3;

/** An answer another replica kept is its to send for this long; then any replica sends it. */
export const answerSendingMs = 10 * 60_000;

/**
 * Which recorded jobs this replica takes up, oldest first (a pull request's
 * jobs in the order they were accepted): all at start; on a reconcile pass
 * only those accepted a while ago (a replica that just accepted one runs it
 * itself), and never one this replica has queued already, nor an answer
 * another replica is sending. Jobs begun `maxAttempts` times are given up.
 */
export function planResume(params: {
  jobs: AcceptedJob[];
  queued: ReadonlySet<string>;
  now: number;
  /** 0 at start; on a reconcile pass, how old a job must be to be taken up. */
  minAgeMs: number;
  /** This replica: an answer another replica kept lately is left to it. */
  identity: string;
}): { resume: AcceptedJob[]; giveUp: AcceptedJob[] } {
  const resume: AcceptedJob[] = [];
  const giveUp: AcceptedJob[] = [];
  const jobs = [...params.jobs].sort(
    (a, b) => a.acceptedAt - b.acceptedAt || (a.id < b.id ? -1 : 1),
  );
  for (const job of jobs) {
    if (params.queued.has(job.id) || params.now - job.acceptedAt < params.minAgeMs) continue;
    const sending =
      job.answer &&
      job.answeredBy !== params.identity &&
      params.now - (job.answeredAt ?? 0) < answerSendingMs;
    if (sending) continue;
    if (job.attempts >= maxAttempts) giveUp.push(job);
    else resume.push(job);
  }
  return { resume, giveUp };
}
