/**
 * The names of what the app puts into every preview namespace. The admission
 * policies (charts/pr-preview/admission/fences.yaml) spell the same names:
 * only the app may write objects of these names there.
 */
export const appObjects = {
  quota: 'pr-preview-quota',
  limits: 'pr-preview-limits',
  isolation: 'pr-preview-isolation',
  /** ServiceAccount and RoleBinding through which helm's `lookup` reads the namespace. */
  reader: 'pr-preview-lookup',
  /** The RoleBinding that gives the app its rights in the namespace (PREVIEW_NAMESPACE_ROLE). */
  appBinding: 'pr-preview-app',
  /** The Service through which a sleeping preview's Ingress reaches the app. */
  wakeService: 'pr-preview-wake',
} as const;

export const appObjectNames: string[] = Object.values(appObjects);
