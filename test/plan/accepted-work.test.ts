import { describe, expect, it } from 'vitest';
import { planResume, type AcceptedJob } from '../../src/plan/accepted-work.ts';

const now = Date.parse('2026-12-01T12:00:00Z');
const job = (id: string, overrides: Partial<AcceptedJob> = {}): AcceptedJob => ({
  id,
  repository: { id: 1, owner: 'acme', name: 'foo', installationId: 7 },
  number: 2,
  delivery: `d-${id}`,
  acceptedAt: now - 10 * 60_000,
  work: { kind: 'checks', sha: 'a'.repeat(40) },
  attempts: 0,
  ...overrides,
});

describe('planResume', () => {
  it.each([
    { case: 'a job left by a stop', jobs: [job('a')], resume: ['a'], giveUp: [] },
    {
      case: 'oldest first, as they were accepted',
      jobs: [job('b', { acceptedAt: now - 60_000 }), job('a', { acceptedAt: now - 120_000 })],
      minAgeMs: 0,
      resume: ['a', 'b'],
      giveUp: [],
    },
    { case: 'one this replica queued', jobs: [job('a')], queued: ['a'], resume: [], giveUp: [] },
    {
      case: 'one accepted a moment ago, on a pass',
      jobs: [job('a', { acceptedAt: now - 30_000 })],
      minAgeMs: 120_000,
      resume: [],
      giveUp: [],
    },
    {
      case: 'one begun three times',
      jobs: [job('a', { attempts: 3 })],
      resume: [],
      giveUp: ['a'],
    },
    {
      case: 'an answer another replica is sending',
      jobs: [
        job('a', { answer: { reaction: 'rocket' }, answeredBy: 'b', answeredAt: now - 60_000 }),
      ],
      resume: [],
      giveUp: [],
    },
    {
      case: 'an answer another replica kept long ago (it died)',
      jobs: [
        job('a', { answer: { reaction: 'rocket' }, answeredBy: 'b', answeredAt: now - 3_600_000 }),
      ],
      resume: ['a'],
      giveUp: [],
    },
  ])('$case', ({ jobs, queued, minAgeMs, resume, giveUp }) => {
    const plan = planResume({
      jobs,
      queued: new Set(queued ?? []),
      now,
      minAgeMs: minAgeMs ?? 0,
      identity: 'me',
    });
    expect(plan.resume.map((j) => j.id)).toEqual(resume);
    expect(plan.giveUp.map((j) => j.id)).toEqual(giveUp);
  });
});
