import type { ObservedPreview } from '../ports.ts';
import { expiryOf } from '../plan/expiry.ts';

export function helpText(tenants: string[]): string {
  const tenantLine =
    tenants.length > 0
      ? `Tenants of this repository: ${tenants.map((t) => `\`${t}\``).join(', ')} (case does not matter).`
      : 'This repository has no tenants: commands take no tenant.';
  return [
    '**Preview commands**, one per line:',
    '',
    '| Command | What it does |',
    '| --- | --- |',
    '| `/preview deploy [tenant ...]` | Deploys the head commit (default: the default tenants). |',
    '| `/preview redeploy [tenant ...]` | Deletes and deploys again (default: what is deployed). |',
    '| `/preview destroy [tenant ...]` | Destroys previews (default: all of them). |',
    '| `/preview wake [tenant ...]` | Wakes sleeping previews, or keeps awake ones so (default: all of them). |',
    "| `/preview keep [tenant ...]` | Keeps previews past the repository's `ttl` (default: all of them). |",
    '| `/preview unkeep [tenant ...]` | Lets the `ttl` run again, from now (default: all of them). |',
    '| `/preview status` | Shows what is deployed. |',
    '| `/preview help` | Shows this help. |',
    '',
    tenantLine,
    'Deploy, redeploy, destroy, keep and unkeep need write, maintain or admin permission on the repository.',
  ].join('\n');
}

export function statusText(previews: ObservedPreview[]): string {
  const live = previews.filter((p) => !p.terminating);
  if (live.length === 0) return 'No previews are deployed for this pull request.';
  const rows = [...live]
    .sort((a, b) => (a.tenant ?? '').localeCompare(b.tenant ?? ''))
    .map((p) => {
      const link = p.host ? `[${p.host}](https://${p.host})` : '—';
      const commit = `${p.sha ? `\`${p.sha.slice(0, 7)}\`` : 'deploying'}${p.sleepingSince ? ' (sleeping)' : ''}`;
      return `| ${p.tenant ? p.tenant.toUpperCase() : '—'} | ${link} | ${commit} | \`${p.namespace}\` |`;
    });
  return [
    '**Preview status**',
    '',
    '| Tenant | URL | Commit | Namespace |',
    '| --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/** The command the reply answers, as code: whatever else its line held cannot link or mention. */
export function quoteCommand(line: string): string {
  return `> \`${line.replaceAll('`', "'")}\``;
}

/** Which previews expire when, and what keeps them: one reply, so the pull request is told once. */
export function expiryWarningText(previews: ObservedPreview[], now: number): string {
  const sorted = [...previews].sort((a, b) => (a.tenant ?? '').localeCompare(b.tenant ?? ''));
  const rows = sorted.map((p) => {
    const expiry = expiryOf(p) ?? now;
    const host = p.host ? `[${p.host}](https://${p.host})` : `\`${p.namespace}\``;
    return `| ${p.tenant ? p.tenant.toUpperCase() : '—'} | ${host} | in ${roughly(expiry - now)} (${new Date(expiry).toISOString().slice(0, 16).replace('T', ' ')} UTC) |`;
  });
  return [
    `⏳ **${sorted.length === 1 ? 'This preview expires' : 'These previews expire'} soon**: no push or command within the repository's \`ttl\`.`,
    '',
    '| Tenant | URL | Destroyed |',
    '| --- | --- | --- |',
    ...rows,
    '',
    'Push, or comment `/preview keep` to keep them past the ttl (`/preview unkeep` lets it run again).',
  ].join('\n');
}

/** The answer to `/preview keep` or `/preview unkeep`. */
export function keptText(
  previews: ObservedPreview[],
  change: { keep: true } | { keep: false; now: number; ttlMs: number },
): string {
  const names = [...previews]
    .map((p) => (p.tenant ? p.tenant.toUpperCase() : `\`${p.namespace}\``))
    .sort()
    .join(', ');
  if (change.keep) {
    return `Kept past the \`ttl\`: ${names}. They stay until the pull request closes, or \`/preview unkeep\`.`;
  }
  const at = new Date(change.now + change.ttlMs).toISOString().slice(0, 16).replace('T', ' ');
  return `The \`ttl\` runs again for ${names}: destroyed in ${roughly(change.ttlMs)} (${at} UTC), unless pushed or kept.`;
}

/** A duration as a person reads it: seconds, minutes, hours or days, rounded. */
export function roughly(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 48 * 3600) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} days`;
}
