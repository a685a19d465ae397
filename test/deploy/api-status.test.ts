import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { awaitsDefaultServiceAccount } from '../../src/deploy/api-status.ts';

describe('awaitsDefaultServiceAccount', () => {
  const forbidden = (message: string) =>
    new ApiException(403, 'Forbidden', JSON.stringify({ kind: 'Status', message }), {});

  it.each([
    [
      forbidden(
        'pods "seed" is forbidden: error looking up service account shop-pr-1/default: serviceaccount "default" not found',
      ),
      true,
    ],
    // Another ServiceAccount is the chart's to make: sending again would not help.
    [
      forbidden(
        'pods "seed" is forbidden: error looking up service account shop-pr-1/seeder: serviceaccount "seeder" not found',
      ),
      false,
    ],
    [forbidden('pods "seed" is forbidden: violates PodSecurity "restricted:latest"'), false],
    [new ApiException(404, 'Not Found', '{}', {}), false],
  ])('%#: %s', (error, expected) => {
    expect(awaitsDefaultServiceAccount(error)).toBe(expected);
  });
});
