import { describe, expect, it } from 'vitest';
import { hostsTaken } from '../../src/plan/host-claims.ts';
import type { ObservedPreview } from '../../src/ports.ts';
import type { PreviewTarget } from '../../src/plan/types.ts';

const target = (namespace: string, host: string) => ({ namespace, host }) as PreviewTarget;
const preview = (namespace: string, host: string, extra: Partial<ObservedPreview> = {}) =>
  ({
    namespace,
    host,
    repositoryId: 7,
    repository: 'acme/web',
    pullRequest: 12,
    terminating: false,
    ...extra,
  }) as ObservedPreview;

describe('hostsTaken', () => {
  it('refuses a host that another preview serves, naming whose it is', () => {
    expect(
      hostsTaken(
        [target('shop-pr-12', 'web-12.preview.bar.com'), target('shop-pr-12-be', 'shop-12-be.x')],
        [preview('web-pr-12', 'web-12.preview.bar.com')],
      ),
    ).toEqual(
      new Map([
        [
          'shop-pr-12',
          'host `web-12.preview.bar.com` is already served by the preview of acme/web#12 (namespace `web-pr-12`); give this repository a `host` template of its own in .github/preview.yml',
        ],
      ]),
    );
  });

  it('lets a preview keep its own host, and take one whose holder is going away', () => {
    expect(
      hostsTaken(
        [target('web-pr-12', 'web-12.preview.bar.com'), target('new-pr-1', 'gone.preview.bar.com')],
        [
          preview('web-pr-12', 'web-12.preview.bar.com'),
          preview('old-pr-1', 'gone.preview.bar.com', { terminating: true }),
        ],
      ).size,
    ).toBe(0);
  });
});
