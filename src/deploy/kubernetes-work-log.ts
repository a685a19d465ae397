import { createHash } from 'node:crypto';
import type { KubeConfig, V1ConfigMap } from '@kubernetes/client-node';
import type { AcceptedJob, CommandAnswer } from '../plan/accepted-work.ts';
import { labelKeys } from '../plan/labels.ts';
import type { WorkLog } from '../ports.ts';
import { AppConfigMaps } from './kubernetes-config-maps.ts';

const kindLabel = 'pr-preview.dev/record';

/**
 * Accepted jobs as ConfigMaps of the app's namespace, one per job, named
 * after the webhook delivery and the pull request: recording the same
 * delivery twice (GitHub redelivers) finds the name taken.
 */
export class KubernetesWorkLog implements WorkLog {
  private readonly records: AppConfigMaps;
  private readonly instance: string;
  /** This replica, named on the answers it keeps. */
  private readonly identity: string;

  constructor(
    kubeConfig: KubeConfig,
    options: { namespace: string; instance: string; identity: string },
  ) {
    this.records = new AppConfigMaps(kubeConfig, options);
    this.instance = options.instance;
    this.identity = options.identity;
  }

  async accept(job: Omit<AcceptedJob, 'id' | 'attempts'>): Promise<AcceptedJob | undefined> {
    const recorded: AcceptedJob = { ...job, id: this.nameOf(job), attempts: 0 };
    const created = await this.records.create(recorded.id, body(recorded));
    return created ? recorded : undefined;
  }

  async read(id: string): Promise<AcceptedJob | undefined> {
    return parse(await this.records.read(id));
  }

  async begin(id: string): Promise<AcceptedJob | undefined> {
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
    const items = await this.records.list(`${kindLabel}=job`);
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
  return {
    labels: {
      [kindLabel]: 'job',
      [labelKeys.repositoryId]: String(job.repository.id),
      [labelKeys.pullRequest]: String(job.number),
    },
    data: { job: JSON.stringify(job) },
  };
}

function parse(item: V1ConfigMap | undefined): AcceptedJob | undefined {
  const text = item?.data?.job;
  if (!text || !item.metadata?.name) return undefined;
  try {
    const job = JSON.parse(text) as AcceptedJob;
    if (typeof job.work?.kind !== 'string' || typeof job.repository?.id !== 'number')
      return undefined;
    return { ...job, id: item.metadata.name };
  } catch {
    return undefined;
  }
}
