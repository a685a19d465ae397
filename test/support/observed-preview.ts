import type { ObservedPreview } from '../../src/ports.ts';

/**
 * A preview as the cluster records it, for unit tests: the one namespace of
 * pull request 1 of repository 1, label-made and awake, with `overrides`.
 */
export function observedPreview(overrides: Partial<ObservedPreview> = {}): ObservedPreview {
  return {
    namespace: 'foo-pr-1',
    repositoryId: 1,
    pullRequest: 1,
    installationId: 1,
    tenant: null,
    origin: 'label',
    inventory: [],
    terminating: false,
    ...overrides,
  };
}
