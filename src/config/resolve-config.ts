import type { PreviewConfig } from '../plan/preview-config.ts';
import { durationMs } from './duration.ts';
import { derivedDefaults, type PreviewConfigFile } from './schema.ts';

/**
 * The file as validated, in the form the planner takes: durations in
 * milliseconds, the image tag keys a list. The defaults are the schema's.
 */
export function resolveConfig(file: PreviewConfigFile, repositoryName: string): PreviewConfig {
  const defaults = derivedDefaults(file, repositoryName);
  return {
    app: defaults.app,
    chart: defaults.chart,
    valuesFiles: defaults.valuesFiles,
    // Named values files must exist; the defaults are read only where the chart has them.
    valuesFilesRequired: file.valuesFiles !== undefined,
    imageTagKeys:
      file.imageTagKey === 'none'
        ? []
        : typeof file.imageTagKey === 'string'
          ? [file.imageTagKey]
          : file.imageTagKey,
    set: file.set,
    tenants: file.tenants,
    defaultTenants: defaults.defaultTenants,
    host: defaults.host,
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
