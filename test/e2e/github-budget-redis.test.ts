import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { BottleneckWriteBudget } from '../../src/github/write-budget.ts';

/**
 * The GitHub write budget in the bed's Redis (7.0, as Debian ships it): a
 * limiter whose keys Redis let expire after a quiet spell is made again, as
 * Bottleneck means to, instead of failing every write after it.
 */
const redis = new Redis(inject('redisUrl'));
const budget = new BottleneckWriteBudget(
  { spacingMs: 10, perMinute: 80, perHour: 500 },
  { redisUrl: inject('redisUrl') },
);

afterAll(async () => {
  await budget.stop();
  redis.disconnect();
});

describe('the write budget in Redis', () => {
  it('writes again after Redis let its keys expire', async () => {
    const installation = 770_000 + Math.floor(Math.random() * 10_000);
    expect(await budget.spend(installation, 1, async () => 'first')).toBe('first');
    const keys = await redis.keys(`b_pr-preview-github-*-${installation}_*`);
    expect(keys.length).toBeGreaterThan(0);
    // What two quiet hours (the limiters' timeout) do to them.
    await redis.del(...keys);
    expect(await budget.spend(installation, 1, async () => 'after')).toBe('after');
    expect((await redis.keys(`b_pr-preview-github-*-${installation}_settings`)).length).toBe(3);
  });
});
