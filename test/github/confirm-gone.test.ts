import type { Probot } from 'probot';
import { describe, expect, it } from 'vitest';
import { sightingOf } from '../../src/github/confirm-gone.ts';

/** An app whose installation client answers the repository request with this error. */
function appFailing(error: unknown): Probot {
  const octokit = { request: () => Promise.reject(error) };
  return { auth: async () => octokit } as unknown as Probot;
}

const removed = {
  kind: 'destroy' as const,
  repositoryId: 9,
  repositoryName: 'acme/gone',
  installationId: 1,
  pullRequest: 1,
  namespaces: ['gone-pr-1'],
  tenants: [null],
  reason: 'repository removed' as const,
};

const httpError = (status: number, headers: Record<string, string> = {}, message = 'x') =>
  Object.assign(new Error(message), { status, response: { headers } });

describe('sightingOf', () => {
  it.each([
    ['not found', httpError(404), 'gone'],
    ['no longer visible to the app', httpError(403), 'gone'],
    ['a secondary rate limit', httpError(403, { 'retry-after': '60' }), 'unknown'],
    ['the primary rate limit spent', httpError(403, { 'x-ratelimit-remaining': '0' }), 'unknown'],
    ['a rate limit by its message', httpError(403, {}, 'API rate limit exceeded'), 'unknown'],
    ['a server error', httpError(502), 'unknown'],
  ])('reads %s as %s', async (_, error, sighting) => {
    expect(await sightingOf(appFailing(error), removed)).toBe(sighting);
  });
});

describe('sightingOf a removed repository', () => {
  /** GitHub shows the repository by its id; the app is installed on it, or not (404). */
  function appSeeing(installed: boolean): Probot {
    const octokit = {
      request: async () => ({ data: { id: 9, name: 'gone', owner: { login: 'acme' } } }),
      rest: {
        apps: {
          getRepoInstallation: async ({ owner, repo }: { owner: string; repo: string }) => {
            expect(`${owner}/${repo}`).toBe('acme/gone');
            if (!installed) throw httpError(404);
            return { data: { id: 1 } };
          },
        },
      },
    };
    return { auth: async () => octokit } as unknown as Probot;
  }

  it('is gone when the app is no longer installed on it, though a public one still answers', async () => {
    expect(await sightingOf(appSeeing(false), removed)).toBe('gone');
  });

  it('is present while the app is installed on it', async () => {
    expect(await sightingOf(appSeeing(true), removed)).toBe('present');
  });
});
