import { durationMs } from './duration.ts';
import type { PreviewConfigFile } from './schema.ts';

/** The repository's configuration with every default filled in. */
export interface PreviewConfig {
  app: string;
  chart: string;
  /** Values files relative to the chart; `{tenant}` replaced per tenant. */
  valuesFiles: string[];
  /** False when valuesFiles came from the defaults: then missing files are skipped. */
  valuesFilesRequired: boolean;
  /** Values paths that receive the head commit SHA. */
  imageTagKeys: string[];
  /** Values paths and the templates that fill them, after the values files. */
  set: Record<string, string>;
  tenants: string[];
  defaultTenants: string[];
  host: string;
  ingress: {
    className: string;
    classAnnotation: boolean;
    /** As the repository set them; the render decides otherwise (see `chooseIngressBackend`). */
    service?: string;
    port?: string | number;
    annotations: Record<string, string>;
    tlsSecret?: string;
  };
  /** Labels and pushes deploy drafts too. */
  drafts: boolean;
  waitFor: string[];
  waitTimeoutMs: number;
  rolloutTimeoutMs: number;
  smoke?: { path: string };
  ttlMs?: number;
  /** The repository's own `sleepAfter`, which the operator's settings bound (see `sleepAfterMs`). */
  sleepAfter?: number | 'off';
}

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
