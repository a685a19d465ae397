import { describe, expect, it, vi } from 'vitest';
import { AppIdentity } from '../../src/github/app-identity.ts';
import type { Octokit } from '../../src/github/octokit.ts';

function identity(getAuthenticated = vi.fn(async () => ({ data: { slug: 'pr-preview' } }))) {
  const octokit = { rest: { apps: { getAuthenticated } } } as unknown as Octokit;
  return { identity: new AppIdentity(42, async () => octokit), getAuthenticated };
}

describe('AppIdentity.wrote', () => {
  it.each([
    ['its own bot', { user: { login: 'pr-preview[bot]', type: 'Bot' } }, true],
    [
      'a comment made through the app',
      { user: { login: 'someone', type: 'User' }, performed_via_github_app: { id: 42 } },
      true,
    ],
    [
      'another bot that echoes text',
      { user: { login: 'ci-summary[bot]', type: 'Bot' }, performed_via_github_app: { id: 7 } },
      false,
    ],
    ['a person with the same name', { user: { login: 'pr-preview[bot]', type: 'User' } }, false],
    ['a deleted account', { user: null }, false],
  ])('%s: %s', async (_what, comment, expected) => {
    expect(await identity().identity.wrote(comment)).toBe(expected);
  });

  it('asks GitHub for its slug once, and again after a failure', async () => {
    const getAuthenticated = vi
      .fn()
      .mockRejectedValueOnce(new Error('502'))
      .mockResolvedValue({ data: { slug: 'pr-preview' } });
    const { identity: app } = identity(getAuthenticated);
    const bot = { user: { login: 'pr-preview[bot]', type: 'Bot' } };
    await expect(app.wrote(bot)).rejects.toThrow('502');
    expect(await app.wrote(bot)).toBe(true);
    expect(await app.wrote(bot)).toBe(true);
    expect(getAuthenticated).toHaveBeenCalledTimes(2);
  });
});
