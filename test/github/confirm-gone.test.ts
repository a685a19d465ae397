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
