import type { PreviewConfig } from '../plan/preview-config.ts';
import { durationMs } from './duration.ts';
import type { PreviewConfigFile } from './schema.ts';

/** The file as validated, with every default filled in. */
export function resolveConfig(file: PreviewConfigFile, repositoryName: string): PreviewConfig {
  const app = file.app ?? appNameFrom(repositoryName);
  const withTenants = file.tenants.length > 0;
  return {
    app,
    chart: file.chart ?? `.cloud/charts/${app}`,
    valuesFiles: file.valuesFiles ?? ['values-preview.yaml', 'values-{tenant}.yaml'],
    valuesFilesRequired: file.valuesFiles !== undefined,
    imageTagKeys:
      file.imageTagKey === 'none'
        ? []
        : typeof file.imageTagKey === 'string'
          ? [file.imageTagKey]
          : file.imageTagKey,
    set: file.set,
    tenants: file.tenants,
    defaultTenants: file.defaultTenants ?? file.tenants,
    host: file.host ?? (withTenants ? '{app}-{pr}-{tenant}.{domain}' : '{app}-{pr}.{domain}'),
    ingress: file.ingress,
    drafts: file.drafts,
    waitFor: file.waitFor,
    waitTimeoutMs: durationMs(file.waitTimeout),
    rolloutTimeoutMs: durationMs(file.rolloutTimeout),
    ...(file.smoke ? { smoke: file.smoke } : {}),
    ...(file.ttl ? { ttlMs: durationMs(file.ttl) } : {}),
    ...(file.sleepAfter
      ? { sleepAfter: file.sleepAfter === 'off' ? 'off' : durationMs(file.sleepAfter) }
      : {}),
  };
}

/** Repository names allow characters and lengths that a DNS label does not. */
function appNameFrom(repositoryName: string): string {
  const name = repositoryName
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, 30)
    .replace(/^-+|-+$/g, '');
  return name || 'app';
}
