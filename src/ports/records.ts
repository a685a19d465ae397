// What the app keeps in its own namespace, where no preview can write:
// hooks and sleep per preview, claims, heads, failures and accepted work.
// Adapters: deploy/kubernetes-{records,claims,head-log,failure-memory,work-log}.ts.

import type { AcceptedJob, CommandAnswer } from '../plan/accepted-work.ts';
import type { Claim, PreviewCaps } from '../plan/claims.ts';
import type { FailureRecord } from '../plan/failure-memory.ts';
import type { Hook } from '../plan/helm-hooks.ts';
import type { PullRequestRef } from '../plan/types.ts';

/** The `pre-delete` hooks a deploy left for the destroy that may come much later. */
export interface HookRecord {
  /** How long each hook may take: the repository's `rolloutTimeout` at the deploy. */
  timeoutMs: number;
  hooks: Hook[];
}

interface IngressBackend {
  service?: { name: string; port?: { name?: string; number?: number } };
  resource?: unknown;
}

/** The routing part of an Ingress spec: what sleep changes and a wake restores. */
export interface IngressRoutes {
  rules?: { host?: string; http?: { paths?: { backend?: IngressBackend }[] } }[];
}

/** What a sleeping preview had, to be given back by a wake. */
export interface SleepRecord {
  /** Replicas by `Kind/name` of each Deployment and StatefulSet put to sleep. */
  replicas: Record<string, number>;
  /** Rules and default backend by Ingress name, as they were. */
  routes: Record<string, IngressRoutes>;
}

/**
 * What the app keeps about each preview where no preview can write (the
 * app's own namespace): whatever the app later acts on is read from here.
 */
export interface PreviewRecords {
  /** Records the hooks (none removes the record). */
  putHooks(preview: string, record: HookRecord): Promise<void>;
  hooks(preview: string): Promise<HookRecord | undefined>;
  putSleep(preview: string, record: SleepRecord): Promise<void>;
  sleep(preview: string): Promise<SleepRecord | undefined>;
  forgetSleep(preview: string): Promise<void>;
  /** Removes every record of the preview namespace. */
  forget(preview: string): Promise<void>;
  /** Preview namespaces that have records, to find those left by namespaces gone. */
  previews(): Promise<string[]>;
}

/** Namespaces, hosts and places under the caps, reserved atomically (see `reserveClaims`). */
export interface PreviewClaims {
  /** Reserves what each preview needs; returns the refused, by namespace, with why. */
  reserve(
    wanted: { namespace: string; claim: Omit<Claim, 'at'> }[],
    caps: PreviewCaps,
  ): Promise<Map<string, string>>;
  release(namespaces: string[]): Promise<void>;
  /** Every live preview holds a claim; claims of namespaces long gone are let go. */
  repair(live: { namespace: string; claim: Omit<Claim, 'at'> }[], graceMs: number): Promise<void>;
}

/** When GitHub said each head of a fork's pull request was pushed. */
export interface HeadLog {
  record(
    pr: Pick<PullRequestRef, 'repositoryId' | 'number'>,
    sha: string,
    atMs: number,
  ): Promise<void>;
  pushedAt(
    pr: Pick<PullRequestRef, 'repositoryId' | 'number'>,
    sha: string,
  ): Promise<number | undefined>;
  forget(pr: Pick<PullRequestRef, 'repositoryId' | 'number'>): Promise<void>;
}

/** Failed commits, kept in the cluster so that a restart forgets nothing. */
export interface FailureMemory {
  list(): Promise<FailureRecord[]>;
  get(pr: Pick<PullRequestRef, 'repositoryId' | 'number'>): Promise<FailureRecord | undefined>;
  put(record: FailureRecord): Promise<void>;
  clear(pr: Pick<PullRequestRef, 'repositoryId' | 'number'>): Promise<void>;
}

/** Work acknowledged to GitHub, in the cluster until it is done: a restart takes it up again. */
export interface WorkLog {
  /**
   * Records the job; undefined when this delivery's job was recorded before (a redelivery).
   * A log that finds redeliveries out later makes `begin` give nothing for them.
   */
  accept(job: Omit<AcceptedJob, 'id' | 'attempts'>): Promise<AcceptedJob | undefined>;
  /** The job as recorded now, or undefined once another replica finished it. */
  read(id: string): Promise<AcceptedJob | undefined>;
  /** Counts one more try of the job and returns it, or undefined when it is gone. */
  begin(id: string): Promise<AcceptedJob | undefined>;
  /** Keeps a command's answer, so that a restart sends it instead of running the commands again. */
  answered(id: string, answer: CommandAnswer): Promise<void>;
  done(id: string): Promise<void>;
  pending(): Promise<AcceptedJob[]>;
}
