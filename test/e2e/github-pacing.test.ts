import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PreviewWorld, sha } from './support/preview-world.ts';

const world = new PreviewWorld();
const repo = { owner: 'acme', repo: 'monday', repositoryId: 8101 };

beforeAll(async () => {
  await world.github.start();
  world.github.addRepository(repo.owner, repo.repo, repo.repositoryId);
  world.github.setConfig(repo.owner, repo.repo, 'app: monday\n');
}, 60_000);

afterAll(async () => {
  await world.github.stop();
});

describe('a burst on one installation', () => {
  it('two replicas sharing a Redis write together one request a second, and only the comment when Deployments are off', async () => {
    const env = {
      REDIS_URL: inject('redisUrl'),
      PREVIEW_GITHUB_DEPLOYMENTS: 'off',
      PREVIEW_RECONCILE_INTERVAL: '0',
    };
    const replicas = [await world.replica(env), await world.replica(env)];
    const numbers = [901, 902, 903, 904, 905, 906];
    const via = (n: number) => replicas[n % 2] as (typeof replicas)[number];
    try {
      world.commit(repo, sha(1), 'foo', 'monday');
      const before = world.github.calls.length;
      await Promise.all(
        numbers.map((number) =>
          world.send(
            'labeled',
            { ...repo, number, sha: sha(1), labels: ['cd/preview'], label: 'cd/preview' },
            undefined,
            via(number),
          ),
        ),
      );
      for (const number of numbers)
        await world.waitForComment({ ...repo, number }, /✅ ready \| `1111111`/);

      const writes = world.github.writesSince(before);
      // Each replica wrote the comments of the pull requests it was sent.
      const wroteFor = (parity: number) =>
        writes.some((w) => numbers.some((n) => n % 2 === parity && w.path.includes(`/${n}/`)));
      expect(wroteFor(0) && wroteFor(1)).toBe(true);
      expect(writes.every((w) => /^\/repos\/acme\/monday\/issues\//.test(w.path))).toBe(true);
      expect(world.github.calls.slice(before).some((c) => c.path.includes('/deployments'))).toBe(
        false,
      );
      // One budget for both: their writes, taken together, arrive a second apart.
      const gaps = writes.slice(1).map((w, i) => w.at - (writes[i] as { at: number }).at);
      expect(gaps.length).toBeGreaterThanOrEqual(numbers.length);
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(900);
    } finally {
      for (const number of numbers) {
        await world
          .send(
            'closed',
            { ...repo, number, sha: sha(1), labels: ['cd/preview'] },
            undefined,
            via(number),
          )
          .catch(() => undefined);
      }
      for (const number of numbers)
        await world.waitForComment({ ...repo, number }, /🗑️ destroyed/).catch(() => undefined);
      await Promise.all(replicas.map((replica) => replica.stop()));
    }
  });
});
