/** The objects the app puts into every preview namespace before the chart's own, in order. */
export const previewFences = [
  'ResourceQuota/pr-preview-quota',
  'LimitRange/pr-preview-limits',
  'NetworkPolicy/pr-preview-isolation',
  'ServiceAccount/pr-preview-lookup',
  'RoleBinding/pr-preview-lookup',
];
