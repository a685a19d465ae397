import { randomBytes } from 'node:crypto';
import type { AcceptedJob } from '../plan/accepted-work.ts';
import { labelKeys } from '../plan/labels.ts';
import { recordLabel, type AppConfigMaps, type RecordBody } from './kubernetes-config-maps.ts';

/** What becomes of a job written in a batch once its own record is made. */
export type Split = 'recorded' | 'recorded-before';

/** A batch holds at most this many jobs, and this much of their text (a ConfigMap holds 1 MiB). */
const maxJobs = 250;
const maxBytes = 512 * 1024;

/**
 * A batch no replica split after this long was left by one that stopped:
 * a live writer splits its batch within moments, and only then runs its jobs.
 */
export const orphanedBatchAgeMs = 10_000;

/** The records a batch is written to: the app's ConfigMaps. */
export type BatchRecords = Pick<AppConfigMaps, 'create' | 'delete' | 'list'>;

interface Job {
  id: string;
  body: RecordBody;
}

interface Waiting extends Job {
  durable: PromiseWithResolvers<void>;
  split: PromiseWithResolvers<Split>;
}

/**
 * Group commit for accepted jobs. Webhooks that arrive while a write is
 * under way are written together in one ConfigMap when it ends, so a burst
 * of deliveries costs the API server a few writes before they are answered,
 * not one each. Once a batch is stored, each job gets its own record (the
 * name of its delivery: a redelivery finds it taken) and the batch goes; a
 * job runs only after that. Written by hand, as neither client-go nor
 * client-node batches writes.
 */
export class JobBatches {
  private waiting: Waiting[] = [];
  private writing = false;
  private readonly splits = new Map<string, Promise<Split>>();

  private readonly records: BatchRecords;
  private readonly instance: string;

  constructor(records: BatchRecords, options: { instance: string }) {
    this.records = records;
    this.instance = options.instance;
  }

  /** Resolves once the job is stored (in a batch); `takeSplit` tells when its own record is made. */
  write(id: string, body: RecordBody): Promise<void> {
    const job: Waiting = {
      id,
      body,
      durable: Promise.withResolvers<void>(),
      split: Promise.withResolvers<Split>(),
    };
    this.splits.set(id, job.split.promise);
    this.waiting.push(job);
    void this.flush();
    return job.durable.promise;
  }

  /** The job's split, read once (by `begin`) and forgotten. */
  takeSplit(id: string): Promise<Split> | undefined {
    const split = this.splits.get(id);
    this.splits.delete(id);
    return split;
  }

  /** Splits the batches a stopped replica left (older than `orphanedBatchAgeMs`). */
  async takeOrphans(now: number): Promise<void> {
    const batches = await this.records.list(`${recordLabel}=batch`);
    for (const batch of batches) {
      const created = Date.parse(String(batch.metadata?.creationTimestamp ?? ''));
      const name = batch.metadata?.name;
      if (!name || !(now - created > orphanedBatchAgeMs)) continue;
      const jobs = Object.entries(batch.data ?? {}).flatMap(([id, text]) => {
        const job = parseJob(text);
        // Unreadable text is no job: the batch goes all the same, as a job record would.
        return job ? [{ id, body: jobBody(job, text) }] : [];
      });
      await this.split(name, jobs, batch.metadata?.resourceVersion);
    }
  }

  /**
   * Writes what waits as one batch; the next batch is written as soon as
   * this one is stored, while this one's jobs get their own records.
   */
  private async flush(): Promise<void> {
    if (this.writing || this.waiting.length === 0) return;
    this.writing = true;
    const batch = this.take();
    let stored: string | undefined;
    try {
      stored = await this.store(batch);
    } catch (error) {
      for (const job of batch) {
        job.durable.reject(error);
        this.splits.delete(job.id);
      }
      return;
    } finally {
      this.writing = false;
      void this.flush();
    }
    for (const job of batch) job.durable.resolve();
    if (stored === undefined) return;
    try {
      const splits = await this.split(stored, batch);
      batch.forEach((job, i) => job.split.resolve(splits[i] ?? 'recorded'));
    } catch {
      // Stored but not split: `begin` reads what is there, and a pass splits the batch later.
      for (const job of batch) {
        this.splits.delete(job.id);
        job.split.resolve('recorded');
      }
    }
  }

  private take(): Waiting[] {
    const batch: Waiting[] = [];
    let bytes = 0;
    while (this.waiting.length > 0 && batch.length < maxJobs) {
      const next = this.waiting[0] as Waiting;
      const size = textOf(next).length;
      if (batch.length > 0 && bytes + size > maxBytes) break;
      bytes += size;
      batch.push(next);
      this.waiting.shift();
    }
    return batch;
  }

  /**
   * Stores the batch: one job alone is written as its own record at once
   * (its split known then, and no name returned); several together in one
   * ConfigMap, whose name is returned.
   */
  private async store(batch: Waiting[]): Promise<string | undefined> {
    const [only] = batch;
    if (only && batch.length === 1) {
      const created = await this.records.create(only.id, only.body);
      only.split.resolve(created ? 'recorded' : 'recorded-before');
      return undefined;
    }
    const name = `pr-preview-${this.instance}-jobs-${randomBytes(6).toString('hex')}`;
    await this.records.create(name, {
      labels: { [recordLabel]: 'batch' },
      data: Object.fromEntries(batch.map((job) => [job.id, textOf(job)])),
    });
    return name;
  }

  /**
   * Each job of the batch `name` given its own record, then the batch
   * deleted (as read, when `resourceVersion` is given): a live replica's
   * batch, or one a stopped replica left.
   */
  private async split(name: string, jobs: Job[], resourceVersion?: string): Promise<Split[]> {
    const splits = await Promise.all(
      jobs.map(async (job): Promise<Split> =>
        (await this.records.create(job.id, job.body)) ? 'recorded' : 'recorded-before',
      ),
    );
    await this.records.delete(name, resourceVersion);
    return splits;
  }
}

function textOf(job: Job): string {
  return job.body.data.job ?? '';
}

/** A job's own record: labels to find it by pull request, and its text. */
export function jobBody(
  job: { repository: { id: number }; number: number },
  text: string,
): RecordBody {
  return {
    labels: {
      [recordLabel]: 'job',
      [labelKeys.repositoryId]: String(job.repository.id),
      [labelKeys.pullRequest]: String(job.number),
    },
    data: { job: text },
  };
}

/** A job's text as stored, or undefined when it is not one (written by hand, or damaged). */
export function parseJob(text: string): AcceptedJobText | undefined {
  try {
    const job = JSON.parse(text) as AcceptedJobText;
    if (typeof job.work?.kind !== 'string' || typeof job.repository?.id !== 'number')
      return undefined;
    return job;
  } catch {
    return undefined;
  }
}

type AcceptedJobText = Omit<AcceptedJob, 'id'>;
