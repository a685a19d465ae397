import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchChartInChild } from '../../src/deploy/chart-fetch.ts';
import { GitHubChartSource } from '../../src/github/github-chart-source.ts';
import { GitHubCommitChecks } from '../../src/github/github-commit-checks.ts';
import { GitHubDeployments } from '../../src/github/github-deployments.ts';
import { InstallationOutbox } from '../../src/github/outbox.ts';
import { silentLogger, unpacedBudget } from '../support/fake-ports.ts';
import { FakeGitHub, octokitFor } from '../e2e/support/fake-github.ts';

/** The GitHub adapters against the loopback fake GitHub, which pages lists as GitHub does. */
const github = new FakeGitHub();
const repo = { owner: 'acme', repo: 'paged' };

beforeAll(async () => {
  await github.start();
});

afterAll(async () => {
  await github.stop();
});

const octokit = () => octokitFor(github);

describe('GitHubCommitChecks', () => {
  it('reads every page of check runs and statuses, so a required check past the first page counts', async () => {
    const sha = 'c'.repeat(40);
    for (let i = 0; i < 150; i++) {
      github.setCheckRun(repo.owner, repo.repo, sha, {
        name: `lint-${i}`,
        status: 'completed',
        conclusion: 'success',
      });
    }
    // The fake lists the newest first: `build` ends up on the second page.
    github.setCheckRun(repo.owner, repo.repo, sha, { name: 'build', status: 'in_progress' });
    for (let i = 0; i < 120; i++)
      github.setCheckRun(repo.owner, repo.repo, sha, {
        name: `test-${i}`,
        status: 'completed',
        conclusion: 'success',
      });
    const checks = new GitHubCommitChecks(octokit(), repo);
    expect(await checks.gate(sha, ['build'])).toEqual({ state: 'pending', waitingFor: ['build'] });
    github.setCheckRun(repo.owner, repo.repo, sha, {
      name: 'build',
      status: 'completed',
      conclusion: 'failure',
    });
    for (let i = 0; i < 120; i++)
      github.setCheckRun(repo.owner, repo.repo, sha, {
        name: `test-${i}`,
        status: 'completed',
        conclusion: 'success',
      });
    expect(await checks.gate(sha, ['build'])).toMatchObject({ state: 'failed' });

    // Statuses: the newest of a context counts, wherever it lies.
    const other = 'd'.repeat(40);
    github.setStatus(repo.owner, repo.repo, other, { context: 'deploy-check', state: 'pending' });
    github.setStatus(repo.owner, repo.repo, other, { context: 'deploy-check', state: 'success' });
    for (let i = 0; i < 130; i++) {
      github.setStatus(repo.owner, repo.repo, other, { context: `noise-${i}`, state: 'success' });
    }
    expect(await checks.gate(other, ['deploy-check'])).toEqual({ state: 'passed' });
  });
});

describe('GitHubDeployments', () => {
  const outbox = () => new InstallationOutbox(1, unpacedBudget, silentLogger);

  it('marks every still-active deployment of an environment inactive, across pages, writing nothing for the inactive ones', async () => {
    const client = octokit();
    const environment = 'preview-pr-9';
    for (let i = 0; i < 110; i++) {
      const { data } = await client.rest.repos.createDeployment({
        ...repo,
        ref: 'e'.repeat(40),
        environment,
        required_contexts: [],
      });
      await client.rest.repos.createDeploymentStatus({
        ...repo,
        deployment_id: (data as { id: number }).id,
        state: i === 0 ? 'inactive' : 'success',
      });
    }
    const before = github.callsMatching('POST', /\/deployments\/\d+\/statuses$/).length;
    const writes = outbox();
    await new GitHubDeployments(client, repo, writes).deactivate([environment]);
    await writes.idle();
    const states = github
      .deploymentsOf(repo.owner, repo.repo, environment)
      .map((d) => d.statuses.at(-1)?.state);
    expect(states).toHaveLength(110);
    expect(new Set(states)).toEqual(new Set(['inactive']));
    expect(github.callsMatching('POST', /\/deployments\/\d+\/statuses$/).length - before).toBe(109);
  });

  it('sends only the newest record of an environment that waited, and none that a destroy superseded', async () => {
    // GitHub lets nothing through until the end: every record waits in the outbox.
    let open = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    const writes = new InstallationOutbox(
      1,
      { spend: async (_id, _n, write) => (await gate, write()), stop: async () => {} },
      silentLogger,
    );
    const deployments = new GitHubDeployments(octokit(), repo, writes);
    const record = (environment: string, sha: string) =>
      deployments.record({ environment, sha, url: 'https://x', state: 'success' });
    // The first record is taken at once and waits for the budget; the others queue behind it.
    record('preview-pr-10', 'a'.repeat(40));
    record('preview-pr-10', 'b'.repeat(40));
    record('preview-pr-10', 'c'.repeat(40));
    record('preview-pr-11', 'a'.repeat(40));
    await deployments.deactivate(['preview-pr-11']);
    open();
    await writes.idle();
    expect(github.deploymentsOf(repo.owner, repo.repo, 'preview-pr-10').map((d) => d.sha)).toEqual([
      'a'.repeat(40),
      'c'.repeat(40),
    ]);
    expect(
      github.deploymentsOf(repo.owner, repo.repo, 'preview-pr-10').map((d) => d.statuses),
    ).toEqual([
      [expect.objectContaining({ state: 'success', environment_url: 'https://x' })],
      [expect.objectContaining({ state: 'success', environment_url: 'https://x' })],
    ]);
    expect(github.deploymentsOf(repo.owner, repo.repo, 'preview-pr-11')).toEqual([]);
  });
});

describe('GitHubChartSource', () => {
  it("says where the commit's archive is, with the installation's token, for the download apart", async () => {
    const sha = 'f'.repeat(40);
    github.setCommit(repo.owner, repo.repo, sha, {
      files: {
        '.cloud/charts/foo/Chart.yaml': 'name: foo',
        'assets/blob.bin': Buffer.alloc(64 * 1024, 7),
      },
    });
    const location = await new GitHubChartSource(octokit(), repo).archiveLocation(sha);
    expect(location).toEqual({
      url: `http://${github.host}/api/v3/repos/acme/paged/tarball/${sha}`,
      headers: {
        authorization: 'token test',
        accept: 'application/vnd.github+json',
        'user-agent': 'pr-preview',
      },
    });
    const dir = await mkdtemp(join(tmpdir(), 'archive-'));
    try {
      const chartDir = await fetchChartInChild({
        location,
        chartPath: '.cloud/charts/foo',
        workDir: dir,
        sha,
      });
      expect(await readFile(join(chartDir, 'Chart.yaml'), 'utf8')).toBe('name: foo');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
