import { describe, expect, it } from 'vitest';
import { kindBatches } from '../../src/plan/kind-order.ts';

const named = (kind: string, name: string) => ({ kind, name });

describe('kindBatches', () => {
  it.each([
    { objects: [], batches: [] },
    {
      objects: [named('ConfigMap', 'a'), named('ConfigMap', 'b'), named('Service', 'web')],
      batches: [['a', 'b'], ['web']],
    },
    // Runs, as helm cuts them: a kind that comes back later is a run of its own.
    {
      objects: [named('Secret', 's'), named('ConfigMap', 'a'), named('Secret', 't')],
      batches: [['s'], ['a'], ['t']],
    },
  ])('cuts $objects.length objects into $batches.length runs', ({ objects, batches }) => {
    expect(kindBatches(objects).map((batch) => batch.map((o) => o.name))).toEqual(batches);
  });
});
