import { chmod, mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { locateHelm } from '../../src/deploy/helm-binary.ts';
import { Readiness } from '../../src/operations/readiness.ts';
import { FakeCluster, FakeFences, silentLogger } from '../support/fake-ports.ts';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'readiness-'));
});

afterEach(async () => {
  vi.useRealTimers();
  await rm(dir, { recursive: true, force: true });
});

/** A stand-in helm that says its version, as `helm version --template` does. */
async function fakeHelm(path: string, version = 'v3.22.0') {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, `#!/bin/sh\necho ${version}\n`);
  await chmod(path, 0o755);
}

function readiness(params: {
  helmBin: string;
  clusterConfigured?: boolean;
  fences?: FakeFences;
  leaseProblem?: string;
}) {
  return new Readiness({
    cluster: new FakeCluster(),
    fences: params.fences ?? new FakeFences(),
    leases: { problem: () => params.leaseProblem },
    clusterConfigured: params.clusterConfigured ?? true,
    helmBin: params.helmBin,
    shuttingDown: () => false,
    logger: silentLogger,
  });
}

describe('Readiness', () => {
  it('is not ready without a cluster to work on, and says how to point it at one', async () => {
    await fakeHelm(join(dir, 'helm'));
    expect(
      await readiness({ helmBin: join(dir, 'helm'), clusterConfigured: false }).check(),
    ).toEqual({
      ready: false,
      reason: 'no Kubernetes cluster configured (set KUBECONFIG)',
    });
  });

  it('names everything that is missing at once: helm, and the fences the cluster lacks', async () => {
    const fences = new FakeFences();
    fences.lacking = [
      'ValidatingAdmissionPolicy `pr-preview-app-1-pods` (the app may not install it)',
    ];
    const status = await readiness({
      helmBin: join(dir, 'missing-helm'),
      fences,
      leaseProblem: 'the Lease namespace `apps` does not exist',
    }).check();
    expect(status.ready).toBe(false);
    expect(status.reason.split('\n')).toEqual([
      expect.stringContaining('cannot run helm'),
      'missing: ValidatingAdmissionPolicy `pr-preview-app-1-pods` (the app may not install it)',
      'the Lease namespace `apps` does not exist',
    ]);
  });

  it('is not ready with helm 4, naming the version and how to get helm 3', async () => {
    const helm = join(dir, 'helm4', 'helm');
    await fakeHelm(helm, 'v4.0.1');
    const status = await readiness({ helmBin: helm }).check();
    expect(status.ready).toBe(false);
    expect(status.reason).toContain(
      `helm v4.0.1 (${helm}) is not helm 3, the only major version the app has been tried with`,
    );
    expect(status.reason).toContain('brew install helm@3');
  });

  it('is not ready while helm does not run, says how to get one, and sees it once it does', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const helm = join(dir, 'bin', 'helm');
    const app = readiness({ helmBin: helm });
    const missing = await app.check();
    expect(missing.ready).toBe(false);
    expect(missing.reason).toContain(`cannot run helm (${helm})`);
    expect(missing.reason).toContain('set HELM_BIN');
    await fakeHelm(helm);
    vi.setSystemTime(Date.now() + 11_000);
    expect(await app.check()).toEqual({ ready: true, reason: 'ready' });
  });
});

describe('locateHelm', () => {
  it('prefers helm on PATH, then the newest helm that npm run tools built, then plain helm', async () => {
    const tools = join(dir, 'tools');
    await fakeHelm(join(tools, 'helm-v3.21.0-abc', 'helm'));
    await fakeHelm(join(tools, 'helm-v3.22.0-def', 'helm'));
    await utimes(join(tools, 'helm-v3.21.0-abc', 'helm'), new Date(1_000_000), new Date(1_000_000));
    await fakeHelm(join(dir, 'path', 'helm'));
    expect(locateHelm({ PATH: join(dir, 'path'), PR_PREVIEW_TOOLS_DIR: tools })).toBe('helm');
    expect(locateHelm({ PATH: join(dir, 'empty'), PR_PREVIEW_TOOLS_DIR: tools })).toBe(
      join(tools, 'helm-v3.22.0-def', 'helm'),
    );
    expect(locateHelm({ PATH: '', PR_PREVIEW_TOOLS_DIR: join(dir, 'none') })).toBe('helm');
  });
});
