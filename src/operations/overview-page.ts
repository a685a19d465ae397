import type { Overview, OverviewRow, OverviewState } from '../plan/previews-overview.ts';

/** Each state's colour: the sticky comment's meaning, readable at a glance. */
const stateColours: Record<OverviewState, string> = {
  running: '#1a7f37',
  ready: '#1a7f37',
  deploying: '#9a6700',
  waiting: '#6e7781',
  failed: '#cf222e',
  sleeping: '#0969da',
  destroying: '#8250df',
};

const style = `
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1f2328; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
p.meta { color: #59636e; margin: 0 0 1rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #d1d9e0; vertical-align: top; }
th { background: #f6f8fa; }
td.state span { display: inline-block; padding: .1rem .5rem; border-radius: 1rem; color: #fff; }
code { font-size: .85rem; }
ul.totals { list-style: none; padding: 0; display: flex; gap: 1rem; margin: 0 0 1rem; }
`;

/**
 * The previews overview as one self-contained page (no script, no asset):
 * the same rows as the JSON, for the platform team's browser. Every value is
 * escaped: repository names, hosts and failure reasons come from the
 * repositories and their charts.
 */
export function renderOverviewPage(overview: Overview): string {
  const rows = overview.previews.map(renderRow).join('\n');
  const totals = Object.entries(overview.totals)
    .filter(([, count]) => count > 0)
    .map(([state, count]) => `<li>${escape(state)}: <strong>${count}</strong></li>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Previews</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${style}</style></head>
<body>
<h1>Previews</h1>
<p class="meta">${overview.previews.length} as of <time datetime="${overview.generatedAt}">${escape(overview.generatedAt)}</time> · the same as JSON: <a href="previews.json">previews.json</a></p>
<ul class="totals">${totals}</ul>
<table id="previews">
<thead><tr><th>Repository</th><th>Pull request</th><th>Tenant</th><th>Host</th><th>State</th><th>Commit</th><th>Age</th><th>Sleeping since</th><th>Kept by</th></tr></thead>
<tbody>
${rows || '<tr><td colspan="9">No previews.</td></tr>'}
</tbody></table>
</body></html>
`;
}

function renderRow(row: OverviewRow): string {
  const cells: [string, string][] = [
    ['repository', escape(row.repository)],
    ['pull-request', link(row.pullRequestUrl, `#${row.pullRequest}`)],
    ['tenant', escape(row.tenant ?? '–')],
    ['host', row.host ? link(row.url, row.host) : '–'],
    ['state', stateCell(row)],
    ['commit', commitCell(row)],
    ['age', row.ageSeconds === undefined ? '–' : timeCell(row.createdAt, duration(row.ageSeconds))],
    ['sleeping-since', row.sleepingSince ? timeCell(row.sleepingSince, row.sleepingSince) : '–'],
    ['kept-by', escape(row.keptBy ?? '–')],
  ];
  const tds = cells.map(([name, html]) => `<td class="${name}">${html}</td>`).join('');
  const namespace = row.namespace ? ` data-namespace="${escape(row.namespace)}"` : '';
  return `<tr data-state="${row.state}"${namespace}>${tds}</tr>`;
}

function stateCell(row: OverviewRow): string {
  const badge = `<span style="background:${stateColours[row.state]}">${row.state}</span>`;
  if (!row.reason) return badge;
  const reason = row.reason.length > 160 ? `${row.reason.slice(0, 157)}…` : row.reason;
  return `${badge} <small title="${escape(row.reason)}">${escape(reason)}</small>`;
}

function commitCell(row: OverviewRow): string {
  const short = (sha: string) => `<code title="${escape(sha)}">${escape(sha.slice(0, 7))}</code>`;
  if (!row.commit && !row.deploying) return '–';
  const now = row.commit ? short(row.commit) : '';
  return row.deploying ? `${now} → ${short(row.deploying)}`.trim() : now;
}

function timeCell(iso: string | undefined, text: string): string {
  return iso ? `<time datetime="${escape(iso)}">${escape(text)}</time>` : escape(text);
}

/** Seconds as the two largest units: `3d 4h`, `2h 5m`, `40s`. */
export function duration(seconds: number): string {
  const units: [string, number][] = [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ];
  const parts: string[] = [];
  let rest = Math.floor(seconds);
  for (const [name, size] of units) {
    if (parts.length === 2) break;
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0 || parts.length > 0) parts.push(`${count}${name}`);
  }
  return parts.length > 0 ? parts.join(' ').replace(/ 0[a-z]$/, '') : '0s';
}

/** A link only to http(s); anything else is shown as text. */
function link(url: string | undefined, text: string): string {
  if (!url || !/^https?:\/\//.test(url)) return escape(text);
  return `<a href="${escape(url)}">${escape(text)}</a>`;
}

function escape(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}
