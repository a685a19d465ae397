import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.ts';
import { warnOfExpiry } from '../../src/execute/warn-of-expiry.ts';
import { buildTargets } from '../../src/plan/targets.ts';
import { FakeCluster, silentLogger } from '../support/fake-ports.ts';

const pr = { owner: 'acme', repo: 'foo', repositoryId: 1, installationId: 2, number: 5 };
const config = parseConfig({ tenants: ['fr', 'be'], ttl: '4h' }, 'foo');
if (!config.ok) throw new Error('config');

/** Two previews deployed an hour ago with a 4-hour ttl; `fr` expires in 50 minutes. */
async function cluster(now: number) {
  const fake = new FakeCluster();
  const built = buildTargets({
    pr,
    config: config.ok ? config.config : (undefined as never),
    domain: 'preview.bar.com',
    sha: 'a'.repeat(40),
    tenants: ['fr', 'be'],
    origin: 'label',
  });
  if (!built.ok) throw new Error('targets');
  for (const target of built.targets) {
    await fake.ensureNamespace(target);
    const expiresIn = target.tenant === 'fr' ? 50 : 170;
    await fake.recordDeployed(target, {
      sha: 'a'.repeat(40),
      inventory: [],
      origin: 'label',
      expiresAt: new Date(now + expiresIn * 60_000).toISOString(),
      rolloutTimeoutMs: 300_000,
    });
    const entry = fake.namespaces.get(target.namespace);
    if (entry) entry.activeAt = new Date(now + expiresIn * 60_000 - 4 * 3_600_000).toISOString();
  }
  return fake;
}

describe('warnOfExpiry', () => {
  it('replies once for what is due now, then marks it warned; a second pass says nothing', async () => {
    const now = Date.now();
    const fake = await cluster(now);
    const replies: string[] = [];
    const deps = {
      cluster: fake,
      conversation: { reply: async (body: string) => (replies.push(body), true) },
      logger: silentLogger,
    };
    const params = { pr, namespaces: ['foo-pr-5-fr', 'foo-pr-5-be'], now };
    await warnOfExpiry(deps, params);
    await warnOfExpiry(deps, params);
    expect(replies).toHaveLength(1);
    expect(replies[0]).toContain(
      '| FR | [foo-5-fr.preview.bar.com](https://foo-5-fr.preview.bar.com) | in 50 min',
    );
    expect(replies[0]).not.toContain('BE');
    const listed = await fake.listPreviews();
    const fr = listed.find((p) => p.tenant === 'fr');
    const be = listed.find((p) => p.tenant === 'be');
    expect(fr?.expiryWarnedFor).toBe(fr?.expiresAt);
    expect(be?.expiryWarnedFor).toBeUndefined();
  });

  it('marks nothing when the reply could not be sent, so the next pass warns', async () => {
    const now = Date.now();
    const fake = await cluster(now);
    await warnOfExpiry(
      {
        cluster: fake,
        conversation: { reply: async () => false },
        logger: silentLogger,
      },
      { pr, namespaces: ['foo-pr-5-fr'], now },
    );
    expect((await fake.listPreviews()).map((p) => p.expiryWarnedFor)).toEqual([
      undefined,
      undefined,
    ]);
  });
});
