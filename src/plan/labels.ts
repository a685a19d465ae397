/** Label and annotation keys the app writes on every namespace and object it owns. */
export const labelKeys = {
  managedBy: 'app.kubernetes.io/managed-by',
  repositoryId: 'pr-preview.dev/repository-id',
  pullRequest: 'pr-preview.dev/pull-request',
  tenant: 'pr-preview.dev/tenant',
  installationId: 'pr-preview.dev/installation-id',
} as const;

export const annotationKeys = {
  repository: 'pr-preview.dev/repository',
  sha: 'pr-preview.dev/sha',
  host: 'pr-preview.dev/host',
  /** On the namespace: the objects the last successful deploy applied, for pruning. */
  inventory: 'pr-preview.dev/inventory',
  /** On the namespace while a deploy is under way: a crash leaves it behind for the reconciler. */
  deployingSha: 'pr-preview.dev/deploying-sha',
  /** `label` or `command`: what asked for the preview, so a lost `unlabeled` can be caught up. */
  origin: 'pr-preview.dev/origin',
  /** When the preview expires (ISO time), from the repository's `ttl`. */
  expiresAt: 'pr-preview.dev/expires-at',
  /** When a deploy last finished (ISO time): idle time is counted from it, or from a wake. */
  activeAt: 'pr-preview.dev/active-at',
  /** Seconds without a deploy, command or wake before the preview sleeps; absent: it never does. */
  sleepAfter: 'pr-preview.dev/sleep-after',
  /** How long the deploy let workloads take to become ready (seconds), for a wake's rollout. */
  rolloutTimeout: 'pr-preview.dev/rollout-timeout',
  /** On the namespace while it sleeps (ISO time); written and removed by the sleep manager only. */
  sleepingSince: 'pr-preview.dev/sleeping-since',
  /** On the namespace: when the preview last woke (ISO time); idle time counts from it too. */
  wokenAt: 'pr-preview.dev/woken-at',
  /** On the namespace while `/preview keep` holds it past its ttl: who kept it. */
  keptBy: 'pr-preview.dev/kept-by',
  /** On the namespace after `/preview unkeep`: its ttl runs again from then (ISO time). */
  expiresNotBefore: 'pr-preview.dev/expires-not-before',
  /** On the namespace: the expiry (ISO time) the pull request was warned of. */
  expiryWarnedFor: 'pr-preview.dev/expiry-warned-for',
} as const;

/**
 * Field manager of the lifetime marks (kept, warned): a deploy's apply,
 * which sends only its own annotations, neither removes them nor is removed by them.
 */
export const lifetimeManagerName = 'pr-preview-lifetime';

/**
 * Field manager of sleep and wake: its fields (replicas, routes, marks) are
 * its own, so the deploy's manager neither removes them nor is removed by them.
 */
export const sleepManagerName = 'pr-preview-sleep';

export type PreviewOrigin = 'label' | 'command';

export const managerName = 'pr-preview';

/** The label that asks for previews, alone or as `cd/preview:<tenant>`. */
export const previewLabel = 'cd/preview';
