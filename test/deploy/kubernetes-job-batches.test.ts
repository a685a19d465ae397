import type { V1ConfigMap } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { RecordBody } from '../../src/deploy/kubernetes-config-maps.ts';
import {
  JobBatches,
  jobBody,
  orphanedBatchAgeMs,
  type BatchRecords,
} from '../../src/deploy/kubernetes-job-batches.ts';

const kindLabel = 'pr-preview.dev/record';

/** ConfigMaps in memory, with every write in order; a create's answer waits for `release`. */
class MemoryRecords implements BatchRecords {
  readonly stored = new Map<string, V1ConfigMap>();
  readonly writes: string[] = [];
  private gates: (() => void)[] = [];
  holding = false;
  failCreates = false;

  create(name: string, body: RecordBody): Promise<boolean> {
    this.writes.push(`create ${name}`);
    if (this.failCreates) return Promise.reject(new Error('the API server is away'));
    const taken = this.stored.has(name);
    if (!taken) {
      const metadata = { name, resourceVersion: '1', creationTimestamp: new Date() };
      this.stored.set(name, {
        metadata: { ...metadata, labels: body.labels ?? {} },
        data: body.data,
      });
    }
    if (!this.holding) return Promise.resolve(!taken);
    return new Promise((resolve) => this.gates.push(() => resolve(!taken)));
  }

  delete(name: string, resourceVersion?: string): Promise<boolean> {
    this.writes.push(`delete ${name}${resourceVersion ? ` at ${resourceVersion}` : ''}`);
    return Promise.resolve(this.stored.delete(name));
  }

  list(selector: string): Promise<V1ConfigMap[]> {
    const [key, value] = selector.split('=');
    return Promise.resolve(
      [...this.stored.values()].filter((item) => item.metadata?.labels?.[key ?? ''] === value),
    );
  }

  release(): void {
    this.holding = false;
    for (const open of this.gates.splice(0)) open();
  }
}

const job = (n: number) => ({
  repository: { id: 7, owner: 'acme', name: 'shop', installationId: 1 },
  number: n,
  delivery: `d-${n}`,
  acceptedAt: 0,
  work: { kind: 'checks', sha: 'a'.repeat(40) },
});
const bodyOf = (n: number) => jobBody(job(n), JSON.stringify(job(n)));
const batches = (records: MemoryRecords) => new JobBatches(records, { instance: 'default' });

describe('JobBatches', () => {
  it('writes jobs that arrive during a write as one batch, then gives each its own record', async () => {
    const records = new MemoryRecords();
    const log = batches(records);
    records.holding = true;
    const first = log.write('job-1', bodyOf(1));
    const rest = [2, 3, 4].map((n) => log.write(`job-${n}`, bodyOf(n)));
    // Only the first is written while its answer is awaited; the others wait for it.
    expect(records.writes).toEqual(['create job-1']);
    records.release();
    await Promise.all([first, ...rest]);
    expect(await log.takeSplit('job-3')).toBe('recorded');
    expect(records.writes[1]).toMatch(/^create pr-preview-default-jobs-[0-9a-f]{12}$/);
    const batchName = (records.writes[1] ?? '').slice('create '.length);
    expect(records.writes.slice(2)).toEqual([
      'create job-2',
      'create job-3',
      'create job-4',
      `delete ${batchName}`,
    ]);
    expect([...records.stored.keys()].sort()).toEqual(['job-1', 'job-2', 'job-3', 'job-4']);
    expect(records.stored.get('job-4')?.data?.job).toBe(JSON.stringify(job(4)));
    // Read once: a later begin reads the record itself.
    expect(log.takeSplit('job-3')).toBeUndefined();
  });

  it('says a job was recorded before when its name is taken (a redelivery)', async () => {
    const records = new MemoryRecords();
    const log = batches(records);
    await log.write('job-1', bodyOf(1));
    expect(await log.takeSplit('job-1')).toBe('recorded');
    records.holding = true;
    const again = log.write('job-1', bodyOf(1));
    const other = log.write('job-2', bodyOf(2));
    records.release();
    await Promise.all([again, other]);
    expect(await log.takeSplit('job-1')).toBe('recorded-before');
  });

  it('fails the webhooks of a batch that could not be stored', async () => {
    const records = new MemoryRecords();
    records.failCreates = true;
    const log = batches(records);
    await expect(log.write('job-1', bodyOf(1))).rejects.toThrow('the API server is away');
    expect(log.takeSplit('job-1')).toBeUndefined();
  });

  it("splits a stopped replica's batch once it is old enough, and only then", async () => {
    const records = new MemoryRecords();
    const writtenAt = Date.parse('2026-12-02T10:00:00Z');
    records.stored.set('pr-preview-default-jobs-abc', {
      metadata: {
        name: 'pr-preview-default-jobs-abc',
        resourceVersion: '42',
        creationTimestamp: new Date(writtenAt),
        labels: { [kindLabel]: 'batch' },
      },
      data: { 'job-5': JSON.stringify(job(5)), 'job-6': 'not a job' },
    });
    const log = batches(records);
    await log.takeOrphans(writtenAt + orphanedBatchAgeMs - 1);
    expect(records.writes).toEqual([]);
    await log.takeOrphans(writtenAt + orphanedBatchAgeMs + 1);
    expect(records.writes).toEqual(['create job-5', 'delete pr-preview-default-jobs-abc at 42']);
    expect(records.stored.get('job-5')?.metadata?.labels).toEqual({
      [kindLabel]: 'job',
      'pr-preview.dev/repository-id': '7',
      'pr-preview.dev/pull-request': '5',
    });
  });
});
