import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.ts';
import type { ConfigResult } from '../../src/plan/preview-config.ts';
import {
  draftWaits,
  planPullRequest,
  type DeployedPreview,
  type PullRequestEvent,
} from '../../src/plan/plan-pull-request.ts';
import type { Plan } from '../../src/plan/types.ts';

const pr = { owner: 'acme', repo: 'foo', repositoryId: 99, installationId: 7, number: 241 };
const sha = 'abc1234def5678abc1234def5678abc1234def56';
const tenanted = parseConfig({ tenants: ['fr', 'be', 'hr', 'hu'] }, 'foo');
const singular = parseConfig(null, 'foo');

function plan(
  event: Partial<PullRequestEvent> & { action: string },
  config: ConfigResult = tenanted,
  deployed: DeployedPreview[] = [],
  approvedSha?: string,
): Plan {
  return planPullRequest({
    pr,
    event: { labels: [], headSha: sha, state: 'open', ...event },
    config,
    domain: 'preview.bar.com',
    observed: { deployed, ...(approvedSha ? { approvedSha } : {}) },
  });
}

function tenantsOf(result: Plan): (string | null)[] {
  if (result.action !== 'deploy') throw new Error(`expected deploy, got ${JSON.stringify(result)}`);
  return result.targets.map((t) => t.tenant);
}

describe('planPullRequest', () => {
  it('deploys every default tenant for cd/preview, with names, hosts, labels and values', () => {
    const result = plan({ action: 'labeled', label: 'cd/preview', labels: ['cd/preview'] });
    expect(tenantsOf(result)).toEqual(['fr', 'be', 'hr', 'hu']);
    expect(result.action === 'deploy' && result.targets[0]).toEqual({
      origin: 'label',
      tenant: 'fr',
      namespace: 'foo-pr-241-fr',
      host: 'foo-241-fr.preview.bar.com',
      url: 'https://foo-241-fr.preview.bar.com',
      releaseName: 'foo',
      labels: {
        'app.kubernetes.io/managed-by': 'pr-preview',
        'pr-preview.dev/repository-id': '99',
        'pr-preview.dev/pull-request': '241',
        'pr-preview.dev/installation-id': '7',
        'pr-preview.dev/tenant': 'fr',
      },
      annotations: {
        'pr-preview.dev/repository': 'acme/foo',
        'pr-preview.dev/sha': sha,
        'pr-preview.dev/host': 'foo-241-fr.preview.bar.com',
      },
      values: {
        image: { tag: sha },
        preview: { pr: 241, tenant: 'fr', host: 'foo-241-fr.preview.bar.com', sha },
      },
    });
  });

  it('deploys one preview without tenants', () => {
    const result = plan({ action: 'labeled', label: 'cd/preview' }, singular);
    expect(result.action === 'deploy' && result.targets.map((t) => [t.namespace, t.host])).toEqual([
      ['foo-pr-241', 'foo-241.preview.bar.com'],
    ]);
  });

  it('deploys only the default tenants when they are set', () => {
    const config = parseConfig(
      { tenants: ['fr', 'be', 'hr', 'hu'], defaultTenants: ['fr', 'be'] },
      'foo',
    );
    expect(tenantsOf(plan({ action: 'labeled', label: 'cd/preview' }, config))).toEqual([
      'fr',
      'be',
    ]);
  });

  it('deploys one tenant for cd/preview:<tenant>, case-insensitively', () => {
    expect(tenantsOf(plan({ action: 'labeled', label: 'cd/preview:HR' }))).toEqual(['hr']);
  });

  it.each([
    [
      { action: 'labeled', label: 'cd/preview:de' },
      tenanted,
      /unknown tenant `de`; valid tenants are `fr`, `be`, `hr`, `hu`/,
    ],
    [{ action: 'labeled', label: 'cd/preview:fr' }, singular, /this repository has no tenants/],
  ])('rejects %j', (event, config, problem) => {
    const result = plan(event, config);
    expect(result.action).toBe('reject');
    expect(result.action === 'reject' && result.problems[0]).toMatch(problem);
  });

  it('rejects a bad configuration with its problems', () => {
    const bad = parseConfig({ tenants: 'fr' }, 'foo');
    expect(plan({ action: 'labeled', label: 'cd/preview' }, bad)).toEqual({
      action: 'reject',
      problems: ['`tenants`: Invalid input: expected array, received string'],
    });
  });

  it('ignores other labels and other actions', () => {
    expect(plan({ action: 'labeled', label: 'bug' }).action).toBe('skip');
    expect(plan({ action: 'edited' }).action).toBe('skip');
    expect(plan({ action: 'synchronize', labels: ['bug'] }).action).toBe('skip');
  });

  it('redeploys on synchronize what labels ask for and what a command deployed', () => {
    const result = plan({ action: 'synchronize', labels: ['cd/preview:fr'] }, tenanted, [
      { tenant: 'hu', origin: 'command' },
    ]);
    expect(tenantsOf(result)).toEqual(['fr', 'hu']);
    expect(result.action === 'deploy' && result.sha).toBe(sha);
    expect(result.action === 'deploy' && result.retire).toEqual([]);
  });

  const label = (tenant: string | null): DeployedPreview => ({ tenant, origin: 'label' });
  const command = (tenant: string | null): DeployedPreview => ({ tenant, origin: 'command' });
  const noLongerLabelled = 'no preview label asks for it';
  const unconfigured = 'its tenant is no longer in .github/preview.yml';
  it.each([
    {
      case: "a tenant's label removed while the app was down",
      labels: ['cd/preview:fr'],
      deployed: [label('fr'), label('be')],
      deploys: ['fr'],
      retires: [{ tenants: ['be'], reason: noLongerLabelled }],
    },
    {
      case: 'every label removed while the app was down, a command preview stays',
      labels: [],
      deployed: [label('fr'), command('hr')],
      deploys: ['hr'],
      retires: [{ tenants: ['fr'], reason: noLongerLabelled }],
    },
    {
      case: 'the plain label still asks for the default tenants',
      labels: ['cd/preview'],
      deployed: [label('fr'), label('hu')],
      deploys: ['fr', 'be', 'hr', 'hu'],
      retires: [],
    },
    {
      case: 'a tenant no longer configured goes, label or command; its label is passed over',
      labels: ['cd/preview:fr', 'cd/preview:xx'],
      deployed: [label('fr'), label('xx'), command('yy')],
      config: parseConfig({ tenants: ['fr', 'be'] }, 'foo'),
      deploys: ['fr'],
      retires: [{ tenants: ['xx', 'yy'], reason: unconfigured }],
      ignored: [
        'label `cd/preview:xx`: unknown tenant `xx`; valid tenants are `fr`, `be`; the label is ignored',
      ],
    },
    {
      case: 'a tenant removed from the config, its label gone too',
      labels: ['cd/preview:fr'],
      deployed: [label('fr'), label('hu'), command('hr')],
      config: parseConfig({ tenants: ['fr', 'be'] }, 'foo'),
      deploys: ['fr'],
      retires: [{ tenants: ['hu', 'hr'], reason: unconfigured }],
    },
    {
      case: 'a repository that gave up tenants: its tenant previews go, the single one comes',
      labels: ['cd/preview'],
      deployed: [label('fr'), command('be')],
      config: singular,
      deploys: [null],
      retires: [
        {
          tenants: ['fr', 'be'],
          reason: 'this repository no longer has tenants in .github/preview.yml',
        },
      ],
    },
    {
      case: 'a repository that took up tenants: the single preview goes',
      labels: ['cd/preview:fr'],
      deployed: [label(null)],
      deploys: ['fr'],
      retires: [{ tenants: [null], reason: unconfigured }],
    },
  ])(
    'on reconcile and synchronize: $case',
    ({ labels, deployed, config, deploys, retires, ignored }) => {
      for (const action of ['synchronize', 'reconcile']) {
        const result = plan({ action, labels }, config ?? tenanted, deployed);
        expect(tenantsOf(result)).toEqual(deploys);
        expect(result.action === 'deploy' && result.retire).toEqual(retires);
        expect(result.action === 'deploy' && result.ignored).toEqual(ignored ?? []);
      }
    },
  );

  it('on a push, names a label whose tenant left the config when it is the only one', () => {
    const config = parseConfig({ tenants: ['fr', 'be'] }, 'foo');
    expect(plan({ action: 'synchronize', labels: ['cd/preview:hu'] }, config)).toEqual({
      action: 'reject',
      problems: [
        'label `cd/preview:hu`: unknown tenant `hu`; valid tenants are `fr`, `be`; the label is ignored',
      ],
    });
    // Its preview goes, and the label is named beside it.
    expect(
      plan({ action: 'synchronize', labels: ['cd/preview:hu'] }, config, [label('hu')]),
    ).toEqual({
      action: 'retire',
      retire: [{ tenants: ['hu'], reason: unconfigured }],
      ignored: [
        'label `cd/preview:hu`: unknown tenant `hu`; valid tenants are `fr`, `be`; the label is ignored',
      ],
    });
  });

  it('only retires when nothing is left to deploy', () => {
    expect(plan({ action: 'reconcile', labels: [] }, tenanted, [label('fr'), label('be')])).toEqual(
      {
        action: 'retire',
        retire: [{ tenants: ['fr', 'be'], reason: noLongerLabelled }],
        ignored: [],
      },
    );
  });

  it('deploys a draft only when the repository previews drafts, and says so once when labelled', () => {
    expect(plan({ action: 'labeled', label: 'cd/preview:fr', draft: true })).toEqual({
      action: 'reject',
      problems: [draftWaits],
    });
    for (const action of ['synchronize', 'reconcile', 'reopened']) {
      expect(plan({ action, labels: ['cd/preview:fr'], draft: true })).toEqual({
        action: 'skip',
        reason: 'a draft pull request',
      });
    }
    expect(tenantsOf(plan({ action: 'ready_for_review', labels: ['cd/preview:fr'] }))).toEqual([
      'fr',
    ]);
    const drafts = parseConfig({ tenants: ['fr', 'be'], drafts: true }, 'foo');
    expect(
      tenantsOf(plan({ action: 'labeled', label: 'cd/preview:be', draft: true }, drafts)),
    ).toEqual(['be']);
    // Closing or unlabelling a draft still destroys.
    expect(plan({ action: 'closed', state: 'closed', draft: true }).action).toBe('destroy');
    // And a draft's sync still retires what no label wants any more (an unlabeled lost meanwhile).
    expect(
      plan({ action: 'reconcile', labels: ['cd/preview:fr'], draft: true }, tenanted, [
        { tenant: 'fr', origin: 'label' },
        { tenant: 'be', origin: 'label' },
      ]),
    ).toEqual({
      action: 'retire',
      retire: [{ tenants: ['be'], reason: 'no preview label asks for it' }],
      ignored: [],
    });
  });

  it('deploys again on reopened with the label', () => {
    expect(tenantsOf(plan({ action: 'reopened', labels: ['cd/preview:be'] }))).toEqual(['be']);
  });

  it('destroys everything on closed, merged or not, even with a broken config', () => {
    const broken: ConfigResult = { ok: false, problems: ['x'] };
    expect(plan({ action: 'closed', state: 'closed' }, broken)).toEqual({
      action: 'destroy',
      selection: { all: true },
      reason: 'pull request closed',
    });
  });

  it('destroys what a removed label deployed, keeping what other labels still want', () => {
    expect(plan({ action: 'unlabeled', label: 'cd/preview', labels: ['cd/preview:hr'] })).toEqual({
      action: 'destroy',
      selection: { all: false, tenants: ['fr', 'be', 'hu'] },
      reason: 'label cd/preview removed',
    });
    expect(plan({ action: 'unlabeled', label: 'cd/preview:hr', labels: [] })).toMatchObject({
      action: 'destroy',
      selection: { all: true },
    });
    expect(
      plan({ action: 'unlabeled', label: 'cd/preview:hr', labels: ['cd/preview'] }).action,
    ).toBe('skip');
  });

  it('does nothing on a closed pull request except destroy', () => {
    expect(plan({ action: 'labeled', label: 'cd/preview', state: 'closed' }).action).toBe('skip');
  });

  it('rejects a host template that makes an invalid host', () => {
    const config = parseConfig(
      { app: 'a'.repeat(30), host: '{app}-{app}-{app}-{pr}.{domain}' },
      'foo',
    );
    const result = plan({ action: 'labeled', label: 'cd/preview' }, config);
    expect(result.action === 'reject' && result.problems[0]).toMatch(/is not a valid DNS name/);
  });

  it('deploys nothing from a fork until a maintainer approved that very commit', () => {
    const fork = { action: 'labeled', label: 'cd/preview:fr', fromFork: true };
    expect(plan(fork)).toEqual({
      action: 'reject',
      problems: [
        'This pull request comes from a fork, so its code is not deployed on its own: someone with write access approves commit `abc1234` with `/preview deploy`. Each new push needs approval again.',
      ],
    });
    expect(plan(fork, tenanted, [], 'f'.repeat(40)).action).toBe('reject');
    expect(tenantsOf(plan(fork, tenanted, [], sha))).toEqual(['fr']);
    expect(
      plan(
        { action: 'synchronize', labels: ['cd/preview'], fromFork: true },
        tenanted,
        [{ tenant: 'fr', origin: 'label' }],
        'f'.repeat(40),
      ).action,
    ).toBe('reject');
    expect(plan({ action: 'closed', state: 'closed', fromFork: true }).action).toBe('destroy');
  });

  it('writes the image tag to the configured path', () => {
    const config = parseConfig({ imageTagKey: 'web.image.tag' }, 'foo');
    const result = plan({ action: 'labeled', label: 'cd/preview' }, config);
    expect(result.action === 'deploy' && result.targets[0]?.values).toMatchObject({
      web: { image: { tag: sha } },
    });
  });
});
