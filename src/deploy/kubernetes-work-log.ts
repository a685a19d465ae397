import { createHash } from 'node:crypto';
import type { KubeConfig, V1ConfigMap } from '@kubernetes/client-node';
import type { AcceptedJob, CommandAnswer } from '../plan/accepted-work.ts';
import type { WorkLog } from '../ports.ts';
import { AppConfigMaps, recordLabel } from './kubernetes-config-maps.ts';
import { JobBatches, jobBody, parseJob } from './kubernetes-job-batches.ts';

/**
 * Accepted jobs as ConfigMaps of the app's namespace, one per job, named
 * after the webhook delivery and the pull request: recording the same
 * delivery twice (GitHub redelivers) finds the name taken. Jobs accepted
 * together are stored first in one batch (see `JobBatches`), so that a burst
 * of webhooks is answered after a few writes.
 */
export class KubernetesWorkLog implements WorkLog {
  private readonly records: AppConfigMaps;
  private readonly batches: JobBatches;
  private readonly instance: string;
  /** This replica, named on the answers it keeps. */
  private readonly identity: string;

  constructor(
    kubeConfig: KubeConfig,
    options: { namespace: string; instance: string; identity: string },
  ) {
    this.records = new AppConfigMaps(kubeConfig, options);
    this.batches = new JobBatches(this.records, { instance: options.instance });
    this.instance = options.instance;
    this.identity = options.identity;
  }

  /**
   * Resolves once the job is stored. A redelivery is found out when the
   * batch is split, after the webhook was answered: `begin` then gives
   * nothing, and the job recorded first is the one that runs.
   */
  async accept(job: Omit<AcceptedJob, 'id' | 'attempts'>): Promise<AcceptedJob | undefined> {
    const recorded: AcceptedJob = { ...job, id: this.nameOf(job), attempts: 0 };
    await this.batches.write(recorded.id, body(recorded));
    return recorded;
  }

  async read(id: string): Promise<AcceptedJob | undefined> {
    return parse(await this.records.read(id));
  }

  async begin(id: string): Promise<AcceptedJob | undefined> {
    const split = this.batches.takeSplit(id);
    if (split && (await split) === 'recorded-before') return undefined;
    let begun: AcceptedJob | undefined;
    await this.records.update(id, (current) => {
      const job = parse(current);
      begun = job ? { ...job, attempts: job.attempts + 1 } : undefined;
      return begun ? body(begun) : undefined;
    });
    return begun;
  }

  async answered(id: string, answer: CommandAnswer): Promise<void> {
    await this.records.update(id, (current) => {
      const job = parse(current);
      return job
        ? body({ ...job, answer, answeredBy: this.identity, answeredAt: Date.now() })
        : undefined;
    });
  }

  async done(id: string): Promise<void> {
    await this.records.delete(id);
  }

  async pending(): Promise<AcceptedJob[]> {
    await this.batches.takeOrphans(Date.now());
    const items = await this.records.list(`${recordLabel}=job`);
    return items.flatMap((item) => parse(item) ?? []);
  }

  /** Short and stable: the delivery and the pull request, hashed, as one delivery may name several. */
  private nameOf(job: Omit<AcceptedJob, 'id' | 'attempts'>): string {
    const digest = createHash('sha256')
      .update(`${job.delivery}/${job.repository.id}/${job.number}/${job.work.kind}`)
      .digest('hex')
      .slice(0, 20);
    return `pr-preview-${this.instance}-job-${digest}`;
  }
}

function body(job: AcceptedJob) {
  return jobBody(job, JSON.stringify(job));
}

function parse(item: V1ConfigMap | undefined): AcceptedJob | undefined {
  const text = item?.data?.job;
  if (!text || !item.metadata?.name) return undefined;
  const job = parseJob(text);
  return job ? { ...job, id: item.metadata.name } : undefined;
}
