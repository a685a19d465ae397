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
} as const;

export const managerName = 'pr-preview';

/** The label that asks for previews, alone or as `cd/preview:<tenant>`. */
export const previewLabel = 'cd/preview';
