import { z } from 'zod';
import { durationExamples, isDuration } from './duration.ts';

const dnsLabel = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** A tenant is part of namespaces, hosts and label values: one short DNS label. */
export const tenantSchema = z
  .string()
  .transform((tenant) => tenant.toLowerCase())
  .pipe(
    z
      .string()
      .max(20, 'a tenant is at most 20 characters')
      .regex(dnsLabel, 'a tenant is lowercase letters, digits and inner dashes'),
  );

/** A dotted path into a chart's values, such as `image.tag`. */
const valuePathSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'a values path is dotted, like image.tag');

/** What a `set:` template may name: the preview's facts. */
export const setPlaceholders = ['host', 'url', 'pr', 'tenant', 'sha', 'app', 'domain'] as const;

/** A duration like `90s`, `30m`, `1h30m` or `7d` (the app's grammar, `duration.ts`). */
export const durationSchema = z
  .string()
  .refine(
    isDuration,
    `a duration is numbers with the units d, h, m and s, largest first (e.g. ${durationExamples})`,
  );

const smokeSchema = z
  .object({
    /** Path requested through the ingress controller once the preview is ready. */
    path: z.string().regex(/^\/[^\s]*$/, 'a path starts with / and has no spaces'),
  })
  .strict();

const ingressSchema = z
  .object({
    /** Ingress class of the shared controller, written as spec.ingressClassName. */
    className: z.string().min(1).default('haproxy-v1'),
    /** Write the class as the legacy kubernetes.io/ingress.class annotation instead. */
    classAnnotation: z.boolean().default(false),
    /**
     * Service the app's own Ingress routes to (when the chart has no Ingress);
     * default `<app>-service`, else the chart's only Service.
     */
    service: z.string().regex(dnsLabel, 'a service name is a DNS label').optional(),
    /** Service port, by name or number; default the port named `nginx`, else the first. */
    port: z.union([z.string().min(1), z.number().int().min(1).max(65535)]).optional(),
    /** Extra annotations for every preview Ingress (HAProxy's, for example). */
    annotations: z.record(z.string(), z.string()).default({}),
    /** Secret holding the TLS certificate for the preview hosts. */
    tlsSecret: z.string().regex(dnsLabel, 'a secret name is a DNS label').optional(),
  })
  .strict();

/** `.github/preview.yml`: every key is optional. */
export const previewConfigSchema = z
  .object({
    /** Short name used in namespaces and hosts; default: the repository name. */
    app: z
      .string()
      .max(30, 'app is at most 30 characters')
      .regex(dnsLabel, 'app is lowercase letters, digits and inner dashes')
      .optional(),
    /** Chart folder inside the repository; default `.cloud/charts/<app>`. */
    chart: z
      .string()
      .min(1)
      .refine(
        (path) => !path.startsWith('/') && !path.split(/[\\/]/).includes('..'),
        'the chart folder must be a relative path inside the repository',
      )
      .optional(),
    /**
     * Values files inside the chart folder, in order; `{tenant}` is replaced.
     * Default `values-preview.yaml` then `values-{tenant}.yaml`, each when present.
     */
    valuesFiles: z.array(z.string().min(1)).optional(),
    /**
     * Dotted values path (or a list of them) that receives the head SHA;
     * `none` (or `[]`) leaves the chart's images alone, e.g. a public image.
     */
    imageTagKey: z
      .union([z.literal('none'), valuePathSchema, z.array(valuePathSchema)])
      .default('image.tag'),
    /**
     * Values of the chart's own keys, from templates with {host}, {url}, {pr},
     * {tenant}, {sha}, {app} and {domain}; applied after the values files.
     */
    set: z.record(valuePathSchema, z.string().superRefine(onlyKnownPlaceholders)).default({}),
    /** Tenants; none means one preview per pull request. */
    tenants: z.array(tenantSchema).default([]),
    /** Tenants that the plain `cd/preview` label deploys; default: all. */
    defaultTenants: z.array(tenantSchema).optional(),
    /**
     * Host template with {app}, {pr}, {tenant} and {domain}; default
     * `{app}-{pr}.{domain}`, with tenants `{app}-{pr}-{tenant}.{domain}`.
     */
    host: z.string().min(1).optional(),
    ingress: ingressSchema.default(() => ingressSchema.parse({})),
    /** Whether labels and pushes deploy draft pull requests (commands always do). */
    drafts: z.boolean().default(false),
    /** Check runs or commit statuses that must pass on the head commit before a deploy. */
    waitFor: z.array(z.string().min(1)).default([]),
    /** How long to wait for them. */
    waitTimeout: durationSchema.default('30m'),
    /** How long Deployments, StatefulSets and Jobs may take to become ready. */
    rolloutTimeout: durationSchema.default('5m'),
    /** Previews are destroyed this long after the last push or command, e.g. `7d`. */
    ttl: durationSchema.optional(),
    /**
     * Previews sleep (scaled to zero, woken by the next request) this long
     * after the last push, command or wake, e.g. `2h`; `off` never, unless the
     * operator sets a maximum. Default and maximum are the operator's.
     */
    sleepAfter: z.union([durationSchema, z.literal('off')]).optional(),
    /** An HTTP request sent to each ready preview, whose status code is reported. */
    smoke: smokeSchema.optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    const duplicates = config.tenants.filter((t, i) => config.tenants.indexOf(t) !== i);
    if (duplicates.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['tenants'],
        message: `tenants are listed twice: ${[...new Set(duplicates)].join(', ')}`,
      });
    }
    for (const [index, tenant] of (config.defaultTenants ?? []).entries()) {
      if (!config.tenants.includes(tenant)) {
        ctx.addIssue({
          code: 'custom',
          path: ['defaultTenants', index],
          message: `"${tenant}" is not one of tenants (${config.tenants.join(', ') || 'none'})`,
        });
      }
    }
    if (
      config.host !== undefined &&
      config.tenants.length > 0 &&
      !config.host.includes('{tenant}')
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['host'],
        message: 'with tenants, the host template needs {tenant} so that hosts differ',
      });
    }
    if (config.host !== undefined && !config.host.includes('{pr}')) {
      ctx.addIssue({
        code: 'custom',
        path: ['host'],
        message: 'the host template needs {pr} so that pull requests get their own hosts',
      });
    }
  });

export type PreviewConfigFile = z.output<typeof previewConfigSchema>;

/** The values files read when the file names none: each only when the chart has it. */
export const defaultValuesFiles = ['values-preview.yaml', 'values-{tenant}.yaml'];

/**
 * The defaults a `.default` cannot hold: they follow from the repository's
 * name or from other keys, or (`valuesFiles`) whether the key was given
 * decides how missing files are taken. Every other default is in the schema.
 */
export function derivedDefaults(
  file: PreviewConfigFile,
  repositoryName: string,
): Pick<Required<PreviewConfigFile>, 'app' | 'chart' | 'valuesFiles' | 'defaultTenants' | 'host'> {
  const app = file.app ?? appNameFrom(repositoryName);
  return {
    app,
    chart: file.chart ?? `.cloud/charts/${app}`,
    valuesFiles: file.valuesFiles ?? [...defaultValuesFiles],
    defaultTenants: file.defaultTenants ?? file.tenants,
    host:
      file.host ??
      (file.tenants.length > 0 ? '{app}-{pr}-{tenant}.{domain}' : '{app}-{pr}.{domain}'),
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

function onlyKnownPlaceholders(template: string, ctx: z.RefinementCtx): void {
  const unknown = [...template.matchAll(/\{([^{}]*)\}/g)]
    .map(([, name]) => name as string)
    .filter((name) => !setPlaceholders.includes(name as (typeof setPlaceholders)[number]));
  if (unknown.length === 0) return;
  ctx.addIssue({
    code: 'custom',
    message: `unknown placeholder ${unknown.map((n) => `{${n}}`).join(', ')}; use ${setPlaceholders.map((n) => `{${n}}`).join(', ')}`,
  });
}
