import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRunPayload, statusPayload } from '../fixtures/webhook-payloads.ts';
import { eventually } from './support/kube.ts';
import { PreviewWorld, sha } from './support/preview-world.ts';

const world = new PreviewWorld();
/** Stands in for the ingress controller: answers by Host header, as HAProxy routes. */
let ingress: Server;
/** What each host answers on /healthz, in turn; the last answer stays. */
const ingressAnswers: Record<string, number[]> = {};

beforeAll(async () => {
  ingress = createServer((req, res) => {
    const answers = ingressAnswers[req.headers.host ?? ''];
    const status = req.url === '/healthz' ? (answers?.[0] ?? 404) : 404;
    if (answers && answers.length > 1) answers.shift();
    res.writeHead(status);
    res.end();
  });
  await new Promise<void>((resolve) => ingress.listen(0, '127.0.0.1', resolve));
  const address = ingress.address() as { port: number };
  await world.start({ PREVIEW_INGRESS_URL: `http://127.0.0.1:${address.port}` });
}, 120_000);

afterAll(async () => {
  await world.stop();
  await new Promise((resolve) => ingress.close(resolve));
});

const gated = { owner: 'acme', repo: 'gated', repositoryId: 7001 };

async function checkRun(number: number, commit: string, conclusion: string) {
  world.github.setCheckRun(gated.owner, gated.repo, commit, {
    name: 'build-image',
    status: 'completed',
    conclusion,
  });
  const payload = checkRunPayload({
    ...gated,
    sha: commit,
    name: 'build-image',
    conclusion,
    pullRequests: [number],
  });
  expect(await world.app.deliver('check_run', payload)).toBe(200);
}

describe('waiting for CI before a deploy', () => {
  beforeAll(() => {
    world.github.setConfig(gated.owner, gated.repo, 'app: gated\nwaitFor: [build-image]\n');
  });

  it('waits for build-image, then deploys when its check run passes', async () => {
    const pr = { ...gated, number: 601 };
    world.commit(gated, sha(1), 'foo', 'gated');
    world.github.setPullRequest(gated.owner, gated.repo, 601, { headSha: sha(1) });
    await world.send('labeled', {
      ...pr,
      sha: sha(1),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });
    await world.waitForComment(
      pr,
      /\| — \| .* \| ⏸️ waiting: waiting for build-image \| `1111111` \|/,
    );
    expect(await world.namespacesOf(gated.repositoryId, 601)).toEqual([]);
    expect(world.github.callsMatching('GET', /^\/repos\/acme\/gated\/tarball\//)).toHaveLength(0);

    await checkRun(601, sha(1), 'success');
    await world.waitForComment(
      pr,
      /\| — \| \[gated-601\.preview\.bar\.com\]\(.*\) \| ✅ ready \| `1111111` \|/,
    );
    expect(await world.namespacesOf(gated.repositoryId, 601)).toEqual(['gated-pr-601']);
  });

  it('reports the deployment to GitHub in order, through destroy', async () => {
    const pr = { ...gated, number: 601 };
    await world.send('closed', { ...pr, sha: sha(1), labels: ['cd/preview'] });
    await world.waitForComment(pr, /🗑️ destroyed/);
    // Deployments are marked inactive after the comment says destroyed.
    const [deployment, ...more] = await eventually('the deployment to go inactive', async () => {
      const found = world.github.deploymentsOf('acme', 'gated', 'preview-pr-601');
      return found[0]?.statuses.at(-1)?.state === 'inactive' ? found : undefined;
    });
    expect(more).toEqual([]);
    expect(deployment).toMatchObject({ sha: sha(1), transient: true, production: false });
    expect(deployment?.statuses).toEqual([
      { state: 'success', environment_url: 'https://gated-601.preview.bar.com' },
      { state: 'inactive' },
    ]);
  });

  it('deploys nothing when the check fails, and says so', async () => {
    const pr = { ...gated, number: 602 };
    world.commit(gated, sha(2), 'foo', 'gated');
    world.github.setPullRequest(gated.owner, gated.repo, 602, { headSha: sha(2) });
    await world.send('labeled', {
      ...pr,
      sha: sha(2),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });
    await world.waitForComment(pr, /⏸️ waiting/);
    await checkRun(602, sha(2), 'failure');
    await world.waitForComment(
      pr,
      /\| — \| .* \| ❌ failed: `not deployed: build-image failure on 2222222` \|/,
    );
    expect(await world.namespacesOf(gated.repositoryId, 602)).toEqual([]);
    expect(world.github.deploymentsOf('acme', 'gated', 'preview-pr-602')).toEqual([]);
  });

  it('lets a newer push supersede the wait for the older commit', async () => {
    const pr = { ...gated, number: 603 };
    world.commit(gated, sha(3), 'foo', 'gated');
    world.commit(gated, sha(4), 'foo', 'gated');
    world.github.setPullRequest(gated.owner, gated.repo, 603, { headSha: sha(3) });
    await world.send('labeled', {
      ...pr,
      sha: sha(3),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });
    await world.waitForComment(pr, /⏸️ waiting: waiting for build-image \| `3333333`/);
    world.github.setPullRequest(gated.owner, gated.repo, 603, { headSha: sha(4) });
    await world.send('synchronize', { ...pr, sha: sha(4), labels: ['cd/preview'] });
    await world.waitForComment(pr, /⏸️ waiting: waiting for build-image \| `4444444`/);

    await checkRun(603, sha(3), 'success');
    // The older commit's success is heard after the push, and changes nothing.
    await eventually('the old check run to be heard', async () =>
      world.app.output
        .join('')
        .split('\n')
        .some((line) => line.includes('no preview waits on this commit') && line.includes(sha(3)))
        ? true
        : undefined,
    );
    expect(world.commentBody(pr)).toMatch(/⏸️ waiting: waiting for build-image \| `4444444`/);
    expect(await world.namespacesOf(gated.repositoryId, 603)).toEqual([]);

    await checkRun(603, sha(4), 'success');
    await world.waitForComment(pr, /✅ ready \| `4444444`/);
    const namespace = await world.k8s.core.readNamespace({ name: 'gated-pr-603' });
    expect(namespace.metadata?.annotations?.['pr-preview.dev/sha']).toBe(sha(4));
    await world.send('closed', { ...pr, sha: sha(4), labels: ['cd/preview'] });
    await world.waitForComment(pr, /🗑️ destroyed/);
  });

  it('hears commit statuses too, finding the pull request from the commit', async () => {
    const pr = { ...gated, number: 604 };
    world.commit(gated, sha(5), 'foo', 'gated');
    world.github.setPullRequest(gated.owner, gated.repo, 604, { headSha: sha(5) });
    await world.send('labeled', {
      ...pr,
      sha: sha(5),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });
    await world.waitForComment(pr, /⏸️ waiting/);
    world.github.setStatus(gated.owner, gated.repo, sha(5), {
      context: 'build-image',
      state: 'success',
    });
    expect(
      await world.app.deliver(
        'status',
        statusPayload({ ...gated, sha: sha(5), name: 'build-image', state: 'success' }),
      ),
    ).toBe(200);
    await world.waitForComment(pr, /✅ ready \| `5555555`/);
    await world.send('closed', { ...pr, sha: sha(5), labels: ['cd/preview'] });
    await world.waitForComment(pr, /🗑️ destroyed/);
  });
});

describe('watching the rollout', () => {
  const stuck = { owner: 'acme', repo: 'stuck', repositoryId: 7002, number: 611 };

  it('says why pods do not become ready: an image that cannot be pulled, a pod no node fits', async () => {
    world.github.setConfig('acme', 'stuck', 'app: stuck\ntenants: [fr, be]\nrolloutTimeout: 8s\n');
    world.commit(stuck, sha(6), 'foo', 'stuck', {
      '.cloud/charts/stuck/values-fr.yaml': 'podLabels:\n  stage.pr-preview.dev/image-pull: fail\n',
      '.cloud/charts/stuck/values-be.yaml': 'nodeSelector:\n  kubernetes.io/arch: s390x\n',
      '.cloud/charts/stuck/values-preview.yaml': 'replicaCount: 1\n',
    });
    await world.send('labeled', {
      ...stuck,
      sha: sha(6),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });
    const body = await world.waitForComment(
      stuck,
      /\| FR \| .* \| ❌ failed: `rollout failed: Deployment stuck not ready after 8 s` \|/,
      /\| BE \| .* \| ❌ failed: `rollout failed: Deployment stuck not ready after 8 s` \|/,
    );
    expect(body).toMatch(
      new RegExp(
        `container nginx of pod stuck-[a-z0-9-]+: ImagePullBackOff: Back-off pulling image "registry.example.com/foo:${sha(6)}"`,
      ),
    );
    expect(body).toMatch(
      /pod stuck-[a-z0-9-]+ is unschedulable: 0\/3 nodes are available: 3 node\(s\) didn't match Pod's node affinity\/selector/,
    );
    // GitHub Deployments are recorded after the comment, which people wait for.
    const statuses = await eventually('the deployment of FR to finish', async () => {
      const found = world.github.deploymentsOf('acme', 'stuck', 'preview-pr-611-fr')[0]?.statuses;
      return found?.length ? found : undefined;
    });
    expect(statuses.map((s) => s.state)).toEqual(['failure']);
    expect(statuses[0]?.description).toBe('rollout failed: Deployment stuck not ready after 8 s');
    // Applied, not half-applied: the objects stay for people to look at.
    expect(await world.namespacesOf(stuck.repositoryId, 611)).toEqual([
      'stuck-pr-611-be',
      'stuck-pr-611-fr',
    ]);
    await world.send('closed', { ...stuck, sha: sha(6), labels: ['cd/preview'] });
    await world.waitForComment(stuck, /\| FR \| .* 🗑️ destroyed/);
  });
});

describe('the smoke check', () => {
  const smoky = { owner: 'acme', repo: 'smoky', repositoryId: 7003 };

  it('reports the status code the preview answers through the ingress, asking again while it is not served yet', async () => {
    world.github.setConfig(
      'acme',
      'smoky',
      'app: smoky\nsmoke:\n  path: /healthz\nrolloutTimeout: 6s\n',
    );
    world.commit(smoky, sha(7), 'foo', 'smoky');
    // Not routed yet, then no endpoints yet, then the preview's answer.
    ingressAnswers['smoky-701.preview.bar.com'] = [404, 503, 204];
    ingressAnswers['smoky-702.preview.bar.com'] = [503];
    ingressAnswers['smoky-703.preview.bar.com'] = [500];
    await world.send('labeled', {
      ...smoky,
      number: 701,
      sha: sha(7),
      labels: ['cd/preview'],
      label: 'cd/preview',
    });
    for (const number of [702, 703]) {
      await world.send('labeled', {
        ...smoky,
        number,
        sha: sha(7),
        labels: ['cd/preview'],
        label: 'cd/preview',
      });
    }
    await world.waitForComment(
      { ...smoky, number: 701 },
      /✅ ready \(GET \/healthz → 204\) \| `7777777`/,
    );
    // Still not served at the rollout's timeout: failed, with the last answer.
    await world.waitForComment(
      { ...smoky, number: 702 },
      /❌ failed: `smoke check GET \/healthz answered 503 \(after \d+ tries\)` \|/,
    );
    // Served, and broken: failed at once.
    await world.waitForComment(
      { ...smoky, number: 703 },
      /❌ failed: `smoke check GET \/healthz answered 500` \|/,
    );
    for (const number of [701, 702, 703]) {
      await world.send('closed', { ...smoky, number, sha: sha(7), labels: ['cd/preview'] });
      await world.waitForComment({ ...smoky, number }, /🗑️ destroyed/);
    }
  });
});
