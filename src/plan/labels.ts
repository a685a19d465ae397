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
} as const;

export type PreviewOrigin = 'label' | 'command';

export const managerName = 'pr-preview';

/** The label that asks for previews, alone or as `cd/preview:<tenant>`. */
export const previewLabel = 'cd/preview';
