import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { isTransient, withRetry } from '../../src/deploy/retry.ts';

const api = (code: number) => new ApiException(code, `HTTP ${code}`, '{}', {});

describe('withRetry', () => {
  it.each([
    [api(409), true],
    [api(429), true],
    [api(503), true],
    [api(422), false],
    [api(404), false],
    [
      new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:6443') }),
      true,
    ],
    [new Error('boom'), false],
  ])('%s is transient: %s', (error, expected) => {
    expect(isTransient(error)).toBe(expected);
  });

  it('retries transient failures until the call succeeds', async () => {
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls += 1;
        if (calls < 3) throw api(503);
        return 'ok';
      },
      { firstDelayMs: 1 },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });

  it('gives up after the last attempt, and at once on a permanent error', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls += 1;
          throw api(429);
        },
        { attempts: 3, firstDelayMs: 1 },
      ),
    ).rejects.toThrow('HTTP 429');
    expect(calls).toBe(3);
    calls = 0;
    await expect(
      withRetry(
        async () => {
          calls += 1;
          throw api(422);
        },
        { firstDelayMs: 1 },
      ),
    ).rejects.toThrow('HTTP 422');
    expect(calls).toBe(1);
  });
});
