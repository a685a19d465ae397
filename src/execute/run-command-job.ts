import { loadConfig } from '../config/load-config.ts';
import { helpText, keptText, quoteCommand, statusText } from '../github/command-replies.ts';
import { needsWriteAccess } from '../plan/permissions.ts';
import type { PullRequestConversation } from '../ports.ts';
import type { ParsedCommand } from '../plan/parse-commands.ts';
import type { CommandAnswer, PullRequestView } from '../plan/accepted-work.ts';
import { keepMarks } from '../plan/expiry.ts';
import { forkApproval, type ForkApproval } from '../plan/fork-approval.ts';
import { planCommand } from '../plan/plan-command.ts';
import { previewSelector } from '../plan/targets.ts';
import type { PullRequestScope } from '../pull-request-scope.ts';
import type { Services } from '../services.ts';
import { withKeptBy } from '../plan/comment-rows.ts';
import { deployWhenChecksPass } from './deploy-when-checks-pass.ts';
import { destroyDeps, sleepDeps } from './job-deps.ts';
import { gatedDeployDeps, type ChecksJobServices } from './run-checks-job.ts';
import { destroyPreviews } from './destroy-previews.ts';
import { wakePreviews } from './sleep-previews.ts';

/** Commands deploy, destroy, wake, keep and unkeep; answers keep to the conversation budget. */
export type CommandJobServices = ChecksJobServices & Pick<Services, 'conversations' | 'headLog'>;

export interface CommandJob extends PullRequestScope {
  commands: ParsedCommand[];
  author: string;
  commentId: number;
  /** When GitHub says the comment was written (ms since the epoch). */
  commentedAt: number;
  /** The pull request as read when the comment arrived: a fork's approval covers that head. */
  pullAtComment: PullRequestView | undefined;
  conversation: PullRequestConversation;
  /** Told the answer before it is sent, to keep it with the accepted job. */
  answered?: (answer: CommandAnswer) => Promise<void>;
}

/** What the app answers to one comment: one reply at most, help once. */
interface Answer {
  lines: string[];
  help: boolean;
  /** The repository's tenants, for the help. */
  tenants: string[];
}

/**
 * Runs the commands of one comment in order, then answers once: one reply
 * for all of them (help at most once), and a reaction with the overall
 * result, both within the conversation budget of the author and the pull
 * request.
 */
export async function runCommandJob(
  services: CommandJobServices,
  job: CommandJob,
): Promise<{ sent: Promise<boolean>; failure?: unknown }> {
  const answer: Answer = { lines: [], help: false, tenants: [] };
  try {
    const succeeded = await runCommands(services, job, answer);
    return await answerOnce(services, job, answer, succeeded);
  } catch (error) {
    // Stopped by a lost Lease: the commands run again once it is back, and answer then.
    if (job.stop.signal.aborted) throw error;
    // A command that failed is answered all the same (😕); the failure is the caller's to log.
    return { ...(await answerOnce(services, job, answer, false)), failure: error };
  }
}

async function answerOnce(
  services: Pick<Services, 'conversations'>,
  job: CommandJob,
  answer: Answer,
  succeeded: boolean,
): Promise<{ sent: Promise<boolean> }> {
  const body = [...answer.lines, ...(answer.help ? [helpText(answer.tenants)] : [])].join('\n\n');
  const writes = (body ? 1 : 0) + 1;
  if (!services.conversations.take(job.author, job.queueKey, writes)) {
    job.logger.warn(
      { user: job.author },
      'past the conversation budget of this user or pull request: the command is not answered',
    );
    return { sent: Promise.resolve(true) };
  }
  const reply: CommandAnswer = {
    ...(body ? { reply: body } : {}),
    reaction: succeeded ? 'rocket' : 'confused',
  };
  // Kept before it is sent: a restart from here sends it, and runs nothing again.
  await job.answered?.(reply);
  // Not awaited: the outbox sends it while the queue goes on.
  return { sent: sendAnswer(job.conversation, job.commentId, reply) };
}

/** Queues a command's answer in the outbox; resolves once it has left: true when all was sent. */
export async function sendAnswer(
  conversation: PullRequestConversation,
  commentId: number,
  answer: CommandAnswer,
): Promise<boolean> {
  const sent = await Promise.all([
    answer.reply ? conversation.reply(answer.reply) : true,
    conversation.react(commentId, answer.reaction),
  ]);
  return sent.every(Boolean);
}

async function runCommands(
  services: CommandJobServices,
  job: CommandJob,
  answer: Answer,
): Promise<boolean> {
  const { pr, logger } = job;
  const access = job.commands.some(needsWriteAccess)
    ? await job.conversation.permissionOf(job.author)
    : undefined;
  const pull = await job.conversation.pullRequest();
  const config = await loadConfig(job.readConfig, pr.repo);
  answer.tenants = config.ok ? config.config.tenants : [];
  const approval = pull.fromFork ? await forkApprovalOf(services, job) : undefined;
  let succeeded = true;

  for (const command of job.commands) {
    const log = logger.child({ command: command.kind });
    const observed = await services.cluster.listPreviews(previewSelector(pr));
    const plan = planCommand(command, {
      pr,
      config,
      domain: services.settings.previewDomain,
      headSha: pull.headSha,
      state: pull.state,
      deployedTenants: observed.filter((p) => !p.terminating).map((p) => p.tenant),
      author: job.author,
      now: Date.now(),
      ...(access ? { access } : {}),
      ...(approval ? { approval } : {}),
    });
    log.info(
      { action: plan.action, sha: plan.action === 'deploy' ? plan.sha : pull.headSha },
      'planned command',
    );
    switch (plan.action) {
      case 'help':
        answer.help = true;
        break;
      case 'status':
        answer.lines.push(statusText(observed));
        break;
      case 'refuse':
        if (plan.refusedFor) {
          log.info(
            { user: job.author, permission: access?.permission, refusedFor: plan.refusedFor },
            'command refused',
          );
        }
        answer.lines.push(`${quoteCommand(command.line)}\n\n${plan.reply}`);
        if (plan.showHelp) answer.help = true;
        succeeded = false;
        break;
      case 'destroy':
        await destroyPreviews(
          { ...destroyDeps(services, job), logger: log },
          { pr: pr.number, selection: plan.selection, observed, reason: plan.reason },
        );
        break;
      case 'wake':
        await wakePreviews(
          { ...sleepDeps(services, job), logger: log },
          {
            previews: observed.filter((p) => !p.terminating && plan.tenants.includes(p.tenant)),
            trigger: 'command',
          },
        );
        break;
      case 'keep': {
        const previews = observed.filter((p) => !p.terminating && plan.tenants.includes(p.tenant));
        const { change } = plan;
        const { cluster } = sleepDeps(services, job);
        for (const preview of previews) {
          await cluster.markLifetime(preview.namespace, keepMarks(preview, change));
        }
        await job.comment.update((state) =>
          withKeptBy(
            state,
            previews.map((p) => p.tenant),
            change.keep ? change.user : undefined,
          ),
        );
        log.info(
          { namespaces: previews.map((p) => p.namespace), keep: change.keep },
          'lifetime marked',
        );
        answer.lines.push(`${quoteCommand(command.line)}\n\n${keptText(previews, change)}`);
        break;
      }
      case 'deploy': {
        if (!config.ok) break;
        if (plan.approvesForkCommit) {
          await job.comment.update((state) => ({ ...state, approvedSha: plan.sha }));
        }
        // A redeploy deletes nothing until the checks have passed.
        const result = await deployWhenChecksPass(
          { ...gatedDeployDeps(services, job), logger: log },
          {
            pr: pr.number,
            sha: plan.sha,
            targets: plan.targets,
            config: config.config,
            observed,
            recreate: plan.recreate,
          },
        );
        if (result.state === 'blocked') succeeded = false;
        if (result.state === 'deployed' && result.outcomes.some((o) => o.error)) succeeded = false;
        break;
      }
    }
  }
  return succeeded;
}

/** Which commit of the fork the comment approves, if any (see `forkApproval`). */
async function forkApprovalOf(
  services: Pick<Services, 'headLog'>,
  job: CommandJob,
): Promise<ForkApproval> {
  const seen = job.pullAtComment;
  return forkApproval({
    sha: seen?.headSha,
    commentedAt: job.commentedAt,
    ...(seen ? optionalPushedAt(await services.headLog.pushedAt(job.pr, seen.headSha)) : {}),
  });
}

function optionalPushedAt(at: number | undefined): { pushedAt?: number } {
  return at === undefined ? {} : { pushedAt: at };
}
