import { describe, expect, it } from 'vitest';
import { growingPauses } from '../../src/deploy/poll-until.ts';

describe('growingPauses', () => {
  it.each([
    [100, 500, 2, [100, 200, 400, 500, 500]],
    [250, 2_000, undefined, [250, 375, 562.5, 843.75, 1265.625, 1898.4375, 2_000]],
  ])('from %i ms up to %i ms, by %s', (first, max, growth, expected) => {
    const next = growingPauses(first, max, growth);
    expect(expected.map(() => next())).toEqual(expected);
  });
});
