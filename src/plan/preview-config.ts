/**
 * The repository's configuration (`.github/preview.yml`) with every default
 * filled in: what the planner and the deploy read. config/ validates the
 * file and resolves it into this; here it is a plain type, below both.
 */
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

/** What loading the configuration gave: the configuration, or every problem the user must fix. */
export type ConfigResult =
  { ok: true; config: PreviewConfig; found: boolean } | { ok: false; problems: string[] };
