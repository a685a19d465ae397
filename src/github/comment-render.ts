import type { CommentRow, CommentState, RowStatus } from '../ports.ts';

export const commentMarker = '<!-- pr-preview:sticky -->';
const statePrefix = '<!-- pr-preview:state ';
const stateSuffix = ' -->';

const statusText: Record<RowStatus, string> = {
  waiting: '⏸️ waiting',
  deploying: '⏳ deploying',
  ready: '✅ ready',
  sleeping: '😴 sleeping',
  failed: '❌ failed',
  destroyed: '🗑️ destroyed',
  expired: '💤 expired',
};

/** Where a commit of the pull request's repository is shown on GitHub. */
export type CommitUrl = (sha: string) => string;

/**
 * The comment body: a table for people and the same state, hidden, for the
 * next update. With `commitUrl` each commit links to GitHub's page of it.
 */
export function renderComment(state: CommentState, commitUrl?: CommitUrl): string {
  const lines = [commentMarker, '### Preview environments', ''];
  for (const problem of state.problems ?? []) lines.push(`> ⚠️ ${oneLine(problem)}`);
  if (state.problems?.length) lines.push('');
  if (state.rows.length === 0) {
    lines.push(
      state.problems?.length
        ? 'Nothing is deployed until the above is resolved.'
        : 'No previews yet. Add the label `cd/preview` to deploy one.',
    );
  } else {
    lines.push('| Tenant | URL | Status | Commit |', '| --- | --- | --- | --- |');
    for (const row of state.rows) lines.push(renderRow(row, commitUrl));
    const steps = nextSteps(state.rows);
    if (steps.length > 0) lines.push('', ...steps.map((step) => `- ${step}`));
    const failures = state.rows.filter((row) => row.status === 'failed' && row.reason);
    for (const row of failures) {
      lines.push(
        '',
        `<details><summary>${tenantName(row)}: why it failed</summary>`,
        '',
        '```text',
        (row.reason ?? '').replaceAll('```', "'''"),
        '```',
        '</details>',
      );
    }
  }
  if (state.updatedAt) lines.push('', `<sub>Updated ${readableTime(state.updatedAt)}</sub>`);
  lines.push(
    '',
    `${statePrefix}${Buffer.from(JSON.stringify(state)).toString('base64')}${stateSuffix}`,
  );
  return lines.join('\n');
}

/** Reads back the state a previous body carried; an unreadable one starts afresh. */
export function parseCommentState(body: string): CommentState {
  const start = body.indexOf(statePrefix);
  if (start < 0) return { rows: [] };
  const end = body.indexOf(stateSuffix, start + statePrefix.length);
  try {
    const json = Buffer.from(body.slice(start + statePrefix.length, end), 'base64').toString(
      'utf8',
    );
    const state = JSON.parse(json) as CommentState;
    return Array.isArray(state.rows) ? state : { rows: [] };
  } catch {
    return { rows: [] };
  }
}

/** What someone reading the comment can do next, once per state shown, naming its tenants. */
function nextSteps(rows: CommentRow[]): string[] {
  const tenantsWith = (status: RowStatus) => {
    const named = rows.filter((r) => r.status === status && r.tenant).map((r) => r.tenant);
    return named.length > 0 ? ` ${named.join(' ')}` : '';
  };
  const has = (status: RowStatus) => rows.some((r) => r.status === status);
  const steps: string[] = [];
  if (has('failed')) {
    steps.push(
      `❌ Failed: push a fix, or comment \`/preview redeploy${tenantsWith('failed')}\` to try the same commit again.`,
    );
  }
  if (has('sleeping')) {
    steps.push(
      `😴 Sleeping: open its URL (it wakes in a few seconds) or comment \`/preview wake${tenantsWith('sleeping')}\`.`,
    );
  }
  if (has('waiting')) {
    steps.push('⏸️ Waiting: it deploys by itself once the checks it waits for pass.');
  }
  if (has('expired')) {
    steps.push(
      `💤 Expired: comment \`/preview deploy${tenantsWith('expired')}\` to bring it back.`,
    );
  }
  return steps;
}

function renderRow(row: CommentRow, commitUrl: CommitUrl | undefined): string {
  const host = row.url.replace(/^https?:\/\//, '');
  const gone = row.status === 'destroyed' || row.status === 'expired';
  const url = gone ? `~~${host}~~` : `[${host}](${row.url})`;
  let status = statusText[row.status];
  // A failure's reason may quote a chart, helm or the API server: as code, inert. Waiting and
  // expired reasons, and notes, are the app's own words.
  if (row.status === 'failed' && row.reason)
    status += `: ${code(cell(firstNonBlankLine(row.reason), 120))}`;
  if ((row.status === 'waiting' || row.status === 'expired') && row.reason) {
    status += `: ${cell(firstNonBlankLine(row.reason), 120)}`;
  }
  if (row.note) status += ` (${cell(row.note, 80)})`;
  // A login as code: no mention, so no notification on every edit of the comment.
  if (row.keptBy && !gone) status += ` · kept by \`${cell(row.keptBy, 40)}\``;
  const short = `\`${row.sha.slice(0, 7)}\``;
  // Only a full commit id links: it is the app's own word, never a chart's.
  const commit =
    commitUrl && /^[0-9a-f]{40}$/.test(row.sha) ? `[${short}](${commitUrl(row.sha)})` : short;
  return `| ${tenantName(row)} | ${url} | ${status} | ${commit} |`;
}

/** An ISO time as people read it, to the minute, in UTC. */
function readableTime(iso: string): string {
  const at = new Date(iso);
  return Number.isFinite(at.getTime())
    ? `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`
    : '';
}

function tenantName(row: CommentRow): string {
  return row.tenant ? row.tenant.toUpperCase() : '—';
}

/** A reason in one cell: its first line with any text, so one that starts with a break still says something. */
function firstNonBlankLine(text: string): string {
  return text.split('\n').find((line) => line.trim() !== '') ?? text;
}

function cell(text: string, max: number): string {
  const short = text.length > max ? `${text.slice(0, max - 1)}…` : text;
  return short.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function oneLine(text: string): string {
  return text.replaceAll('\n', ' ');
}

/**
 * Text that a chart, helm or the API server wrote, as inline code: inert in
 * Markdown, so it can neither link nor mention anyone. Backticks inside
 * become quotes, which is all a code span cannot hold.
 */
function code(text: string): string {
  return `\`${text.replaceAll('`', "'")}\``;
}
