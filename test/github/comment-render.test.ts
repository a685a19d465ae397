import { describe, expect, it } from 'vitest';
import { parseCommentState, renderComment } from '../../src/github/comment-render.ts';
import type { CommentRow, CommentState } from '../../src/ports.ts';

const state: CommentState = {
  rows: [
    { tenant: 'be', url: 'https://foo-241-be.preview.bar.com', status: 'ready', sha: 'abc1234def' },
    {
      tenant: 'fr',
      url: 'https://foo-241-fr.preview.bar.com',
      status: 'deploying',
      sha: 'abc1234def',
    },
    {
      tenant: 'hr',
      url: 'https://foo-241-hr.preview.bar.com',
      status: 'failed',
      sha: 'abc1234def',
      reason: 'helm template failed:\nError: parse error | at line 3',
    },
    {
      tenant: 'hu',
      url: 'https://foo-241-hu.preview.bar.com',
      status: 'destroyed',
      sha: 'abc1234def',
    },
  ],
};

describe('renderComment', () => {
  it('renders one table with a link, status and short commit per tenant', () => {
    const body = renderComment(state);
    expect(body.replace(/<!-- pr-preview:state .* -->/, '<!-- state -->')).toMatchInlineSnapshot(`
      "<!-- pr-preview:sticky -->
      ### Preview environments

      | Tenant | URL | Status | Commit |
      | --- | --- | --- | --- |
      | BE | [foo-241-be.preview.bar.com](https://foo-241-be.preview.bar.com) | ✅ ready | \`abc1234\` |
      | FR | [foo-241-fr.preview.bar.com](https://foo-241-fr.preview.bar.com) | ⏳ deploying | \`abc1234\` |
      | HR | [foo-241-hr.preview.bar.com](https://foo-241-hr.preview.bar.com) | ❌ failed: \`helm template failed:\` | \`abc1234\` |
      | HU | ~~foo-241-hu.preview.bar.com~~ | 🗑️ destroyed | \`abc1234\` |

      - ❌ Failed: push a fix, or comment \`/preview redeploy hr\` to try the same commit again.

      <details><summary>HR: why it failed</summary>

      \`\`\`text
      helm template failed:
      Error: parse error | at line 3
      \`\`\`
      </details>

      <!-- state -->"
    `);
  });

  it('shows problems above the table and a dash for a preview without tenant', () => {
    const body = renderComment({
      rows: [
        { tenant: null, url: 'https://foo-241.preview.bar.com', status: 'ready', sha: 'abc1234' },
      ],
      problems: ['`tenants`: expected array'],
    });
    expect(body).toContain('> ⚠️ `tenants`: expected array');
    expect(body).toContain(
      '| — | [foo-241.preview.bar.com](https://foo-241.preview.bar.com) | ✅ ready |',
    );
  });

  it('says what to do next for each state shown, naming its tenants', () => {
    const row = (tenant: string | null, status: CommentRow['status']): CommentRow => ({
      tenant,
      url: `https://foo-${tenant ?? 'x'}.preview.bar.com`,
      status,
      sha: 'abc1234',
    });
    const body = renderComment({
      rows: [
        row('fr', 'sleeping'),
        row('be', 'sleeping'),
        row('hr', 'expired'),
        row('hu', 'waiting'),
      ],
    });
    expect(body).toContain(
      '- 😴 Sleeping: open its URL (it wakes in a few seconds) or comment `/preview wake fr be`.',
    );
    expect(body).toContain('- 💤 Expired: comment `/preview deploy hr` to bring it back.');
    expect(body).toContain('- ⏸️ Waiting: it deploys by itself once the checks it waits for pass.');
    expect(renderComment({ rows: [row(null, 'failed')] })).toContain(
      '- ❌ Failed: push a fix, or comment `/preview redeploy` to try the same commit again.',
    );
    expect(renderComment({ rows: [row(null, 'ready')] })).not.toContain('\n- ');
  });

  it('offers the label only when nothing stands in the way', () => {
    expect(renderComment({ rows: [] })).toContain(
      'No previews yet. Add the label `cd/preview` to deploy one.',
    );
    const refused = renderComment({ rows: [], problems: ['This pull request comes from a fork'] });
    expect(refused).not.toContain('Add the label');
    expect(refused).toContain('Nothing is deployed until the above is resolved.');
  });

  it('says who kept a preview, as code (no mention), and not once it is gone', () => {
    const body = renderComment({
      rows: [
        {
          tenant: 'fr',
          url: 'https://a.preview.bar.com',
          status: 'ready',
          sha: 'abc1234',
          keptBy: 'ann',
        },
        {
          tenant: 'be',
          url: 'https://b.preview.bar.com',
          status: 'sleeping',
          sha: 'abc1234',
          keptBy: 'bob',
        },
        {
          tenant: 'hr',
          url: 'https://c.preview.bar.com',
          status: 'destroyed',
          sha: 'abc1234',
          keptBy: 'cy',
        },
      ],
    });
    expect(body).toContain(
      '| FR | [a.preview.bar.com](https://a.preview.bar.com) | ✅ ready · kept by `ann` |',
    );
    expect(body).toMatch(/\| BE \|[^\n]*sleeping[^\n]* · kept by `bob` \|/);
    expect(body).not.toContain('`cy`');
    expect(body).not.toContain('@ann');
  });

  it('escapes table cells', () => {
    const body = renderComment({
      rows: [{ tenant: 'fr', url: 'https://x', status: 'failed', sha: 'a', reason: 'a | b' }],
    });
    expect(body).toContain('❌ failed: `a \\| b`');
  });
});

describe('parseCommentState', () => {
  it('reads back what renderComment wrote', () => {
    expect(parseCommentState(renderComment(state))).toEqual(state);
  });
  it('starts afresh on a body without state or with a broken one', () => {
    expect(parseCommentState('hello')).toEqual({ rows: [] });
    expect(parseCommentState('<!-- pr-preview:state !!! -->')).toEqual({ rows: [] });
  });
  it("keeps a chart's words inert: no link, no mention, no Markdown outside code", () => {
    const body = renderComment({
      rows: [
        {
          tenant: 'fr',
          url: 'https://x',
          status: 'failed',
          sha: 'a',
          reason: 'ping @octocat, see [here](https://evil.example) `tick` ```fence```\nmore @team',
        },
      ],
    });
    expect(body).toContain(
      "❌ failed: `ping @octocat, see [here](https://evil.example) 'tick' '''fence'''`",
    );
    const outsideCode = body
      .replace(/```text[\s\S]*?```\n<\/details>/g, '')
      .replace(/`[^`\n]*`/g, '')
      .replace(/<!-- pr-preview:state .* -->/, '');
    expect(outsideCode).not.toMatch(/@octocat|@team|evil\.example/);
  });

  it('links each full commit id to GitHub, and never a short or odd one', () => {
    const url = (sha: string) => `https://github.com/acme/foo/commit/${sha}`;
    const full = 'c'.repeat(40);
    const body = renderComment(
      {
        rows: [
          { tenant: 'fr', url: 'https://a', status: 'ready', sha: full },
          { tenant: 'be', url: 'https://b', status: 'ready', sha: 'abc1234](javascript:x)' },
        ],
      },
      url,
    );
    expect(body).toContain(`| [\`ccccccc\`](https://github.com/acme/foo/commit/${full}) |`);
    expect(body).toContain('| `abc1234` |');
    expect(
      renderComment({ rows: [{ tenant: 'fr', url: 'https://a', status: 'ready', sha: full }] }),
    ).toContain('| `ccccccc` |');
  });

  it('says when it last changed, to the minute', () => {
    expect(renderComment({ rows: [], updatedAt: '2026-12-01T23:17:56.642Z' })).toContain(
      '\n<sub>Updated 2026-12-01 23:17 UTC</sub>\n',
    );
  });
});
