import type { ObservedPreview } from '../ports.ts';

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
    '| `/preview status` | Shows what is deployed. |',
    '| `/preview help` | Shows this help. |',
    '',
    tenantLine,
    'Deploy, redeploy and destroy need write, maintain or admin permission on the repository.',
  ].join('\n');
}

export function refusedPermission(params: {
  user: string;
  command: string;
  permission: string;
}): string {
  return `@${params.user}, \`${params.command}\` needs write, maintain or admin permission on this repository; you have ${params.permission}. Anyone may use \`/preview status\` and \`/preview help\`.`;
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
