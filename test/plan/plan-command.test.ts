import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.ts';
import type { ConfigResult } from '../../src/plan/preview-config.ts';
import { parseCommands } from '../../src/plan/parse-commands.ts';
import { planCommand, type CommandContext } from '../../src/plan/plan-command.ts';

const pr = { owner: 'acme', repo: 'foo', repositoryId: 99, installationId: 7, number: 241 };
const tenanted = parseConfig(
  { tenants: ['fr', 'be', 'hr', 'hu'], defaultTenants: ['fr', 'be'] },
  'foo',
);

function plan(line: string, overrides: Partial<CommandContext> = {}) {
  const [command] = parseCommands(line);
  if (!command) throw new Error(`no command in ${line}`);
  return planCommand(command, {
    pr,
    config: tenanted,
    domain: 'preview.bar.com',
    headSha: 'abc',
    state: 'open',
    deployedTenants: [],
    author: 'ann',
    now: Date.parse('2026-12-02T12:00:00Z'),
    access: { permission: 'write' },
    ...overrides,
  });
}

const deployedTenants = (result: ReturnType<typeof plan>) =>
  result.action === 'deploy' ? result.targets.map((t) => t.tenant) : result;

describe('planCommand: who may ask', () => {
  const reader = { access: { permission: 'read' } };
  it.each([
    ['/preview deploy fr', reader, 'permission'],
    ['/preview destroy', reader, 'permission'],
    ['/preview keep', { access: { permission: 'triage', role_name: 'triage' } }, 'permission'],
    ['/preview deploy', { access: { permission: 'read', role_name: 'maintain' } }, undefined],
    ['/preview status', reader, undefined],
    ['/preview help', reader, undefined],
    ['/preview deploy', { access: { permission: 'write' } }, undefined],
    ['/preview deploy', { access: undefined }, 'permission'],
    ['/preview status', { access: undefined }, undefined],
  ])('%s with %j: refused for %s', (line, overrides, refusedFor) => {
    const result = plan(line, overrides);
    if (refusedFor) expect(result).toMatchObject({ action: 'refuse', refusedFor });
    else expect(result.action).not.toBe('refuse');
  });

  it('names the user, the command and the permission they have', () => {
    expect(plan('/preview destroy hr', { author: 'bob', access: { permission: 'read' } })).toEqual({
      action: 'refuse',
      reply:
        '@bob, `/preview destroy hr` needs write, maintain or admin permission on this repository; you have read. Anyone may use `/preview status` and `/preview help`.',
      refusedFor: 'permission',
    });
  });

  it("deploys a fork's approved commit, not the head read now; refuses an unapproved one", () => {
    const approved = plan('/preview deploy fr', {
      headSha: 'pushed-since',
      approval: { approved: true, sha: 'seen' },
    });
    expect(approved).toMatchObject({ action: 'deploy', sha: 'seen', approvesForkCommit: true });
    expect(plan('/preview deploy fr')).toMatchObject({ approvesForkCommit: false });
    const shas = approved.action === 'deploy' ? approved.targets.map((t) => t.annotations) : [];
    expect(shas).toEqual([expect.objectContaining({ 'pr-preview.dev/sha': 'seen' })]);
    const refused = { approved: false as const, reason: 'pushed after this comment' };
    expect(plan('/preview redeploy', { approval: refused })).toEqual({
      action: 'refuse',
      reply: 'pushed after this comment',
      refusedFor: 'fork-approval',
    });
    // Only deploys need the approval: a maintainer may destroy a fork's previews.
    expect(plan('/preview destroy', { approval: refused })).toMatchObject({ action: 'destroy' });
  });
});

describe('planCommand', () => {
  it('keeps the named tenants, or every deployed one, past a ttl, and lets it run again', () => {
    const withTtl = parseConfig({ tenants: ['fr', 'be'], ttl: '7d' }, 'foo');
    const week = 7 * 24 * 3_600_000;
    expect(plan('/preview keep BE', { config: withTtl, deployedTenants: ['fr', 'be'] })).toEqual({
      action: 'keep',
      tenants: ['be'],
      change: { keep: true, user: 'ann' },
    });
    expect(plan('/preview unkeep', { config: withTtl, deployedTenants: ['fr', 'be'] })).toEqual({
      action: 'keep',
      tenants: ['fr', 'be'],
      change: { keep: false, now: Date.parse('2026-12-02T12:00:00Z'), ttlMs: week },
    });
    expect(plan('/preview keep hr', { config: withTtl, deployedTenants: ['fr'] })).toEqual({
      action: 'refuse',
      reply: 'Unknown tenant `hr`. Valid tenants are `fr`, `be`.',
    });
    expect(plan('/preview keep be', { config: withTtl, deployedTenants: ['fr'] })).toEqual({
      action: 'refuse',
      reply: 'No preview of `be` to keep: `/preview deploy` makes one.',
    });
  });

  it('refuses to keep previews of a repository without a ttl, saying they stay anyway', () => {
    expect(plan('/preview keep', { deployedTenants: ['fr'] })).toEqual({
      action: 'refuse',
      reply:
        'This repository sets no `ttl` in `.github/preview.yml`: its previews stay until the pull request closes or its label goes, with nothing to keep.',
    });
  });

  it('deploys the named tenants at the head commit', () => {
    const result = plan('/preview deploy hr HU');
    expect(deployedTenants(result)).toEqual(['hr', 'hu']);
    expect(result).toMatchObject({ action: 'deploy', sha: 'abc', recreate: false });
  });

  it('deploys the default tenants without names', () => {
    expect(deployedTenants(plan('/preview deploy'))).toEqual(['fr', 'be']);
  });

  it('redeploys what is deployed, from scratch', () => {
    const result = plan('/preview redeploy', { deployedTenants: ['hu'] });
    expect(deployedTenants(result)).toEqual(['hu']);
    expect(result).toMatchObject({ recreate: true });
  });

  it('wakes the named tenants, or every deployed one, and refuses what is not deployed', () => {
    expect(plan('/preview wake HR', { deployedTenants: ['fr', 'hr'] })).toEqual({
      action: 'wake',
      tenants: ['hr'],
    });
    expect(plan('/preview wake', { deployedTenants: ['fr', 'hr'] })).toEqual({
      action: 'wake',
      tenants: ['fr', 'hr'],
    });
    expect(plan('/preview wake be', { deployedTenants: ['fr'] })).toEqual({
      action: 'refuse',
      reply: 'No preview of `be` to wake: `/preview deploy` makes one.',
    });
    expect(plan('/preview wake')).toEqual({
      action: 'refuse',
      reply: 'No previews to wake: `/preview deploy` makes one.',
    });
    expect(plan('/preview wake xx', { deployedTenants: ['fr'] })).toMatchObject({
      action: 'refuse',
      reply: expect.stringMatching(/Unknown tenant `xx`/),
    });
  });

  it('wakes the single preview of a repository without tenants', () => {
    const single = parseConfig({}, 'foo');
    expect(plan('/preview wake', { config: single, deployedTenants: [null] })).toEqual({
      action: 'wake',
      tenants: [null],
    });
  });

  it('destroys the named tenants, or all', () => {
    expect(plan('/preview destroy hr')).toEqual({
      action: 'destroy',
      selection: { all: false, tenants: ['hr'] },
      reason: 'destroyed by command',
    });
    expect(plan('/preview destroy')).toMatchObject({ action: 'destroy', selection: { all: true } });
  });

  it('lists the valid tenants for an unknown one', () => {
    expect(plan('/preview deploy fr de xx')).toEqual({
      action: 'refuse',
      reply: 'Unknown tenants `de`, `xx`. Valid tenants are `fr`, `be`, `hr`, `hu`.',
    });
  });

  it('shows help for an unknown subcommand', () => {
    expect(plan('/preview launch')).toEqual({
      action: 'refuse',
      reply: '`launch` is not a preview command.',
      showHelp: true,
    });
  });

  it('refuses on a closed pull request, but still answers status and help', () => {
    expect(plan('/preview deploy', { state: 'closed' })).toMatchObject({
      action: 'refuse',
      reply: expect.stringContaining('This pull request is closed'),
    });
    expect(plan('/preview status', { state: 'closed' })).toEqual({ action: 'status' });
    expect(plan('/preview help', { state: 'closed' })).toEqual({ action: 'help' });
  });

  it('works with the defaults when the repository has no preview configuration, as labels do', () => {
    const defaults = parseConfig(null, 'foo');
    expect(deployedTenants(plan('/preview deploy', { config: defaults }))).toEqual([null]);
    expect(plan('/preview destroy', { config: defaults, deployedTenants: [null] })).toMatchObject({
      action: 'destroy',
      selection: { all: true },
    });
    expect(plan('/preview wake', { config: defaults, deployedTenants: [null] })).toEqual({
      action: 'wake',
      tenants: [null],
    });
  });

  it('lists the problems of an invalid configuration', () => {
    const broken: ConfigResult = { ok: false, problems: ['`tenants`: expected array'] };
    expect(plan('/preview deploy', { config: broken })).toEqual({
      action: 'refuse',
      reply: '`.github/preview.yml` is not valid:\n- `tenants`: expected array',
    });
  });

  it('takes no tenant in a repository without tenants', () => {
    const single = parseConfig({ app: 'foo' }, 'foo');
    expect(deployedTenants(plan('/preview deploy', { config: single }))).toEqual([null]);
    expect(plan('/preview deploy fr', { config: single })).toMatchObject({
      action: 'refuse',
      reply: 'This repository has no tenants: use the command without `fr`.',
    });
  });
});
