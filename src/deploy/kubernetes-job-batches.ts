import { randomBytes } from 'node:crypto';
import type { V1ConfigMap } from '@kubernetes/client-node';
import type { AcceptedJob } from '../plan/accepted-work.ts';
import { labelKeys } from '../plan/labels.ts';
import type { AppConfigMaps, RecordBody } from './kubernetes-config-maps.ts';

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

export const batchLabel = 'batch';

/** The records a batch is written to: the app's ConfigMaps. */
export type BatchRecords = Pick<AppConfigMaps, 'create' | 'delete' | 'list'>;

interface Waiting {
  id: string;
  body: RecordBody;
  text: string;
  durable: { resolve: () => void; reject: (error: unknown) => void };
  split: { resolve: (split: Split) => void };
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
  private readonly options: { instance: string; kindLabel: string };

  constructor(records: BatchRecords, options: { instance: string; kindLabel: string }) {
    this.records = records;
    this.options = options;
  }

  /** Resolves once the job is stored (in a batch); `takeSplit` tells when its own record is made. */
  write(id: string, body: RecordBody): Promise<void> {
    const text = body.data.job ?? '';
    return new Promise<void>((resolve, reject) => {
      let settle: (split: Split) => void = () => undefined;
      this.splits.set(
        id,
        new Promise<Split>((done) => {
          settle = done;
        }),
      );
      this.waiting.push({
        id,
        body,
        text,
        durable: { resolve, reject },
        split: { resolve: settle },
      });
      void this.flush();
    });
  }

  /** Splits the batches a stopped replica left (older than `orphanedBatchAgeMs`). */
  async takeOrphans(now: number): Promise<void> {
    const batches = await this.records.list(`${this.options.kindLabel}=${batchLabel}`);
    for (const batch of batches) {
      const created = Date.parse(String(batch.metadata?.creationTimestamp ?? ''));
      if (!(now - created > orphanedBatchAgeMs)) continue;
      await this.split(batch);
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
    try {
      const splits = await this.splitJobs(stored, batch);
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
      if (batch.length > 0 && bytes + next.text.length > maxBytes) break;
      bytes += next.text.length;
      batch.push(next);
      this.waiting.shift();
    }
    return batch;
  }

  /**
   * Stores the batch: one job alone is written as its own record at once
   * (its split known then); several together in one ConfigMap, whose name
   * is returned.
   */
  private async store(batch: Waiting[]): Promise<string | undefined> {
    const [only] = batch;
    if (only && batch.length === 1) {
      const created = await this.records.create(only.id, only.body);
      only.split.resolve(created ? 'recorded' : 'recorded-before');
      return undefined;
    }
    const name = `pr-preview-${this.options.instance}-jobs-${randomBytes(6).toString('hex')}`;
    await this.records.create(name, {
      labels: { [this.options.kindLabel]: batchLabel },
      data: Object.fromEntries(batch.map((job) => [job.id, job.text])),
    });
    return name;
  }

  /** Each job's own record made, then the batch deleted; a single job's was made already. */
  private async splitJobs(stored: string | undefined, batch: Waiting[]): Promise<Split[]> {
    if (stored === undefined) return [];
    const splits = await Promise.all(
      batch.map(async (job): Promise<Split> =>
        (await this.records.create(job.id, job.body)) ? 'recorded' : 'recorded-before',
      ),
    );
    await this.records.delete(stored);
    return splits;
  }

  /** A batch read back (a stopped replica's): each job's record made, then the batch deleted. */
  private async split(batch: V1ConfigMap): Promise<void> {
    const name = batch.metadata?.name;
    if (!name) return;
    for (const [id, text] of Object.entries(batch.data ?? {})) {
      const job = parseJob(text);
      // Unreadable text is no job: the batch goes all the same, as a job record would.
      if (job) await this.records.create(id, jobBody(this.options.kindLabel, job, text));
    }
    await this.records.delete(name, batch.metadata?.resourceVersion);
  }

  /** The job's split, read once (by `begin`) and forgotten. */
  takeSplit(id: string): Promise<Split> | undefined {
    const split = this.splits.get(id);
    this.splits.delete(id);
    return split;
  }
}

/** A job's own record: labels to find it by pull request, and its text. */
export function jobBody(
  kindLabel: string,
  job: { repository: { id: number }; number: number },
  text: string,
): RecordBody {
  return {
    labels: {
      [kindLabel]: 'job',
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
