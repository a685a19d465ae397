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

/** The FR preview of acme/shop's pull request 7, deployed at `a…a`, for tests of what is shown of previews. */
export function shopPreview(overrides: Partial<ObservedPreview> = {}): ObservedPreview {
  return observedPreview({
    namespace: 'shop-pr-7-fr',
    repositoryId: 11,
    repository: 'acme/shop',
    pullRequest: 7,
    installationId: 5,
    tenant: 'fr',
    sha: 'a'.repeat(40),
    host: 'shop-7-fr.preview.bar.com',
    ...overrides,
  });
}
