import { ProbotOctokit } from 'probot';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { scopeFor, type ScopeServices } from '../src/pull-request-scope.ts';
import { Outboxes } from '../src/github/outbox.ts';
import type { Logger, Metrics } from '../src/ports.ts';
import { MemoryCommentStore } from './support/fake-ports.ts';

describe('scopeFor', () => {
  it('gives a client shared by several pull requests its hooks once', async () => {
    let requests = 0;
    const octokit = new ProbotOctokit({
      auth: { token: 'test' },
      retry: { enabled: false },
      throttle: { enabled: false },
      log: pino({ level: 'silent' }),
      request: {
        fetch: () => {
          requests++;
          return Promise.resolve(
            new Response('{}', {
              headers: { 'content-type': 'application/json', 'x-ratelimit-remaining': '4321' },
            }),
          );
        },
      },
    }) as InstanceType<typeof ProbotOctokit>;
    const gauge: number[] = [];
    const metrics = { githubRateLimit: (remaining: number) => gauge.push(remaining) };
    const logger = pino({ level: 'silent' }) as unknown as Logger;
    const services = {
      metrics: metrics as unknown as Metrics,
      identity: { id: 1, slug: 'pr-preview', login: 'pr-preview[bot]' },
      outboxes: new Outboxes({ spend: (_id, _n, write) => write(), stop: async () => {} }, logger),
      comments: new MemoryCommentStore(),
      replica: 'a',
      settings: { githubDeployments: false },
    } as unknown as ScopeServices;
    // One check_suite event names three pull requests, all served by its one client.
    for (const number of [1, 2, 3]) {
      scopeFor({
        octokit,
        owner: 'acme',
        repo: 'foo',
        repositoryId: 9,
        installationId: 7,
        number,
        logger,
        services,
        readConfig: () => Promise.resolve(null),
      });
    }
    await octokit.request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'foo' });
    expect(requests).toBe(1);
    expect(gauge).toEqual([4321]);
  });
});
