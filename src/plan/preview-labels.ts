import type { PreviewConfig } from './preview-config.ts';
import { previewLabel } from './labels.ts';

export type LabelTenants =
  { ok: true; tenants: (string | null)[] } | { ok: false; problem: string };

export function isPreviewLabel(name: string): boolean {
  return name === previewLabel || name.startsWith(`${previewLabel}:`);
}

/** The tenant `cd/preview:<tenant>` names, as written (case and spaces aside). */
export function tenantOfLabel(name: string): string {
  return name
    .slice(previewLabel.length + 1)
    .trim()
    .toLowerCase();
}

/** The tenants one preview label stands for under this configuration. */
export function tenantsOfLabel(name: string, config: PreviewConfig): LabelTenants {
  if (name === previewLabel) {
    return { ok: true, tenants: config.tenants.length > 0 ? config.defaultTenants : [null] };
  }
  const tenant = tenantOfLabel(name);
  if (config.tenants.length === 0) {
    return {
      ok: false,
      problem: `label \`${name}\` names a tenant, but this repository has no tenants: use \`${previewLabel}\``,
    };
  }
  if (!config.tenants.includes(tenant)) {
    return {
      ok: false,
      problem: `label \`${name}\`: unknown tenant \`${tenant}\`; valid tenants are ${config.tenants.map((t) => `\`${t}\``).join(', ')}`,
    };
  }
  return { ok: true, tenants: [tenant] };
}

/** The union of tenants that all preview labels on the pull request ask for. */
export function tenantsOfLabels(labels: string[], config: PreviewConfig): LabelTenants {
  const tenants: (string | null)[] = [];
  for (const label of labels.filter(isPreviewLabel)) {
    const result = tenantsOfLabel(label, config);
    if (!result.ok) return result;
    tenants.push(...result.tenants);
  }
  return { ok: true, tenants: unique(tenants) };
}

/**
 * The tenants the preview labels ask for, passing over labels that name no
 * configured tenant (a tenant removed from .github/preview.yml leaves its
 * label behind): the others still deploy, and each label passed over is
 * named in `ignored`.
 */
export function tenantsOfValidLabels(
  labels: string[],
  config: PreviewConfig,
): { tenants: (string | null)[]; ignored: string[] } {
  const tenants: (string | null)[] = [];
  const ignored: string[] = [];
  for (const label of labels.filter(isPreviewLabel)) {
    const result = tenantsOfLabel(label, config);
    if (result.ok) tenants.push(...result.tenants);
    else ignored.push(`${result.problem}; the label is ignored`);
  }
  return { tenants: unique(tenants), ignored };
}

export function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
