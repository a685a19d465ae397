import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.ts';
import { buildTargets } from '../../src/plan/targets.ts';

const pr = { owner: 'acme', repo: 'foo', repositoryId: 9, installationId: 3, number: 241 };
const sha = 'c0ffee'.padEnd(40, '0');

function valuesFor(raw: unknown, tenant: string | null) {
  const config = parseConfig(raw, 'foo');
  if (!config.ok) throw new Error(config.problems.join('\n'));
  const built = buildTargets({
    pr,
    config: config.config,
    domain: 'preview.bar.com',
    sha,
    tenants: [tenant],
    origin: 'label',
  });
  if (!built.ok) throw new Error(built.problems.join('\n'));
  return built.targets[0]?.values;
}

describe('the values a chart receives', () => {
  it('puts the commit at every imageTagKey and fills `set:` templates with the preview facts', () => {
    expect(
      valuesFor(
        {
          tenants: ['fr', 'be'],
          imageTagKey: ['image.tag', 'worker.image.tag'],
          set: {
            'env.LOCAL_DOMAIN': '{host}',
            'web.publicUrl': '{url}/?pr={pr}&tenant={tenant}',
            'release.name': '{app}-{sha}',
            'ingress.hosts.domain': '{domain}',
            'image.tag': 'pinned-{tenant}',
          },
        },
        'fr',
      ),
    ).toEqual({
      preview: { pr: 241, tenant: 'fr', host: 'foo-241-fr.preview.bar.com', sha },
      image: { tag: 'pinned-fr' },
      worker: { image: { tag: sha } },
      env: { LOCAL_DOMAIN: 'foo-241-fr.preview.bar.com' },
      web: { publicUrl: 'https://foo-241-fr.preview.bar.com/?pr=241&tenant=fr' },
      release: { name: `foo-${sha}` },
      ingress: { hosts: { domain: 'preview.bar.com' } },
    });
  });

  it('leaves {tenant} empty in a repository without tenants', () => {
    expect(valuesFor({ set: { 'env.TENANT': 'tenant={tenant}' } }, null)).toMatchObject({
      env: { TENANT: 'tenant=' },
      image: { tag: sha },
    });
  });
});
