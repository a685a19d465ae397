import { createHash } from 'node:crypto';

const maxLabelLength = 63;

/** Shortens to a valid DNS label, keeping names unique with a hash of the full name. */
export function toDnsLabel(name: string): string {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (cleaned.length <= maxLabelLength && cleaned === name) return cleaned;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  const head = cleaned.slice(0, maxLabelLength - hash.length - 1).replace(/-+$/, '');
  return `${head}-${hash}`;
}

export function namespaceName(params: { app: string; pr: number; tenant: string | null }): string {
  const parts = [params.app, 'pr', String(params.pr)];
  if (params.tenant) parts.push(params.tenant);
  return toDnsLabel(parts.join('-'));
}

export interface HostVariables {
  app: string;
  pr: number;
  tenant: string | null;
  domain: string;
}

/** Fills the host template; the result must be a valid DNS name or the plan is rejected. */
export function renderHost(template: string, vars: HostVariables): string {
  const host = template
    .replaceAll('{app}', vars.app)
    .replaceAll('{pr}', String(vars.pr))
    .replaceAll('{tenant}', vars.tenant ?? '')
    .replaceAll('{domain}', vars.domain)
    .toLowerCase()
    .replace(/-+\./g, '.');
  return host;
}

const dnsLabelPattern = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Why a rendered host cannot be a preview's; hosts stay under the app's domain, never beside it. */
export function hostProblem(host: string, domain: string): string | undefined {
  if (/\{[a-z]+\}/.test(host)) return `host \`${host}\` has an unknown {placeholder}`;
  if (host.length > 253) return `host \`${host}\` is longer than 253 characters`;
  const bad = host.split('.').find((label) => !dnsLabelPattern.test(label));
  if (bad !== undefined) {
    return `host \`${host}\` is not a valid DNS name (\`${bad}\` is not a DNS label of at most 63 characters)`;
  }
  if (!host.endsWith(`.${domain}`)) {
    return `host \`${host}\` is not under the preview domain \`${domain}\`; previews only get hosts there`;
  }
  return undefined;
}

/** The GitHub Deployments environment of a preview, e.g. `preview-pr-241-fr`. */
export function environmentName(pr: number, tenant: string | null): string {
  return tenant ? `preview-pr-${pr}-${tenant}` : `preview-pr-${pr}`;
}
