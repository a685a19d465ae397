import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.ts';

describe('parseConfig', () => {
  it('fills every default when the repository has no file', () => {
    const result = parseConfig(null, 'Foo_Web');
    expect(result).toEqual({
      ok: true,
      found: false,
      config: {
        app: 'foo-web',
        chart: '.cloud/charts/foo-web',
        valuesFiles: ['values-preview.yaml', 'values-{tenant}.yaml'],
        valuesFilesRequired: false,
        imageTagKeys: ['image.tag'],
        set: {},
        tenants: [],
        defaultTenants: [],
        host: '{app}-{pr}.{domain}',
        ingress: {
          className: 'haproxy-v1',
          classAnnotation: false,
          annotations: {},
        },
        drafts: false,
        waitFor: [],
        waitTimeoutMs: 30 * 60_000,
        rolloutTimeoutMs: 5 * 60_000,
      },
    });
  });

  it('uses the tenant host template and all tenants by default', () => {
    const result = parseConfig({ app: 'foo', tenants: ['FR', 'be', 'hr', 'hu'] }, 'x');
    expect(result.ok && result.config).toMatchObject({
      tenants: ['fr', 'be', 'hr', 'hu'],
      defaultTenants: ['fr', 'be', 'hr', 'hu'],
      host: '{app}-{pr}-{tenant}.{domain}',
    });
  });

  it('keeps explicit settings', () => {
    const result = parseConfig(
      {
        app: 'foo',
        chart: 'deploy/chart',
        valuesFiles: ['values.{tenant}.yaml'],
        imageTagKey: 'app.image.tag',
        tenants: ['fr', 'be'],
        defaultTenants: ['fr'],
        host: 'pr-{pr}-{tenant}-{app}.{domain}',
        ingress: {
          className: 'nginx',
          classAnnotation: true,
          service: 'web',
          port: 8080,
          annotations: { 'haproxy.org/timeout-server': '30s' },
          tlsSecret: 'wildcard',
        },
      },
      'x',
    );
    expect(result.ok && result.config).toMatchObject({
      chart: 'deploy/chart',
      valuesFilesRequired: true,
      defaultTenants: ['fr'],
      ingress: { service: 'web', port: 8080, classAnnotation: true, tlsSecret: 'wildcard' },
    });
  });

  it.each([
    [{ tenant: ['fr'] }, ['unknown key: `tenant`']],
    [{ ingress: { klass: 'x' } }, ['unknown key in `ingress`: `klass`']],
    [{ tenants: 'fr' }, ['`tenants`: Invalid input: expected array, received string']],
    [{ tenants: ['f r'] }, ['`tenants.0`: a tenant is lowercase letters, digits and inner dashes']],
    [{ tenants: ['fr', 'FR'] }, ['`tenants`: tenants are listed twice: fr']],
    [
      { tenants: ['fr'], defaultTenants: ['de'] },
      ['`defaultTenants.0`: "de" is not one of tenants (fr)'],
    ],
    [
      { tenants: ['fr'], host: '{app}-{pr}.{domain}' },
      ['`host`: with tenants, the host template needs {tenant} so that hosts differ'],
    ],
    [
      { host: '{app}.{domain}' },
      ['`host`: the host template needs {pr} so that pull requests get their own hosts'],
    ],
    [{ ingress: { port: 0 } }, ['`ingress.port`: Too small: expected number to be >=1']],
    [
      { chart: '../other' },
      ['`chart`: the chart folder must be a relative path inside the repository'],
    ],
    [
      { chart: '/etc' },
      ['`chart`: the chart folder must be a relative path inside the repository'],
    ],
    [{ imageTagKey: 'image..tag' }, ['`imageTagKey`: a values path is dotted, like image.tag']],
    [
      { set: { 'env.LOCAL_DOMAIN': 'https://{hostname}', 'image..tag': '{sha}' } },
      [
        '`set.env.LOCAL_DOMAIN`: unknown placeholder {hostname}; use {host}, {url}, {pr}, {tenant}, {sha}, {app}, {domain}',
        '`set.image..tag`: a values path is dotted, like image.tag',
      ],
    ],
    [{ app: 'Foo!' }, ['`app`: app is lowercase letters, digits and inner dashes']],
    [
      { waitTimeout: '30 minutes' },
      [
        '`waitTimeout`: a duration is numbers with the units d, h, m and s, largest first (e.g. 30s, 5m, 1m30s, 2h or 7d)',
      ],
    ],
    [{ smoke: { path: 'healthz' } }, ['`smoke.path`: a path starts with / and has no spaces']],
  ])('reports %j as %j', (raw, problems) => {
    expect(parseConfig(raw, 'repo')).toEqual({ ok: false, problems });
  });

  it('takes a list of image tag keys and templates for values of the chart', () => {
    const result = parseConfig(
      {
        imageTagKey: ['image.tag', 'worker.image.tag'],
        set: { 'env.LOCAL_DOMAIN': '{host}', 'web.publicUrl': '{url}/app?pr={pr}' },
      },
      'x',
    );
    expect(result.ok && result.config).toMatchObject({
      imageTagKeys: ['image.tag', 'worker.image.tag'],
      set: { 'env.LOCAL_DOMAIN': '{host}', 'web.publicUrl': '{url}/app?pr={pr}' },
    });
  });

  it('leaves the images alone with imageTagKey none or []', () => {
    for (const imageTagKey of ['none', []]) {
      const result = parseConfig({ imageTagKey }, 'podinfo');
      expect(result.ok && result.config.imageTagKeys).toEqual([]);
    }
  });

  it('reads waits, rollout timeout and smoke check', () => {
    const result = parseConfig(
      {
        waitFor: ['build-image'],
        waitTimeout: '2h',
        rolloutTimeout: '90s',
        smoke: { path: '/healthz' },
      },
      'x',
    );
    expect(result.ok && result.config).toMatchObject({
      waitFor: ['build-image'],
      waitTimeoutMs: 7_200_000,
      rolloutTimeoutMs: 90_000,
      smoke: { path: '/healthz' },
    });
  });

  it('reports every failing path, not only the first', () => {
    const result = parseConfig({ app: 'BAD', tenants: 3, extra: true }, 'repo');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems).toHaveLength(3);
  });
});
