import { describe, expect, it } from 'vitest';
import { defaultGuardrails } from '../../src/deploy/guardrails/guardrails.ts';
import { defaultNamespacePolicy } from '../../src/deploy/namespace-policies.ts';
import { readSettings } from '../../src/settings/read-settings.ts';
import { defaultIgnoredUserAgents, defaultRequestsQuery } from '../../src/plan/traffic.ts';

describe('readSettings', () => {
  it('reads the defaults', () => {
    expect(
      readSettings({
        PREVIEW_DOMAIN: 'Preview.Bar.com',
        PATH: '',
        PR_PREVIEW_TOOLS_DIR: '/nonexistent',
      }),
    ).toEqual({
      previewDomain: 'preview.bar.com',
      helmBin: 'helm',
      concurrency: 4,
      renderConcurrency: 2,
      reconcileIntervalMs: 300_000,
      failureBackoff: { firstMs: 300_000, maxMs: 21_600_000 },
      shutdownGraceMs: 25_000,
      leaseNamespace: 'default',
      instance: 'app-unknown',
      guardrails: defaultGuardrails,
      namespacePolicy: { ...defaultNamespacePolicy, readerRole: 'pr-preview-app-unknown-lookup' },
      admission: { policies: 'apply' },
      caps: { perRepository: 20, total: 300 },
      githubDeployments: true,
      githubWrites: { spacingMs: 1000, perMinute: 80, perHour: 500 },
      sleep: {},
      wakePort: 3001,
      overviewHost: '127.0.0.1',
      traffic: { ignoredUserAgents: [...defaultIgnoredUserAgents] },
    });
  });

  it("reads the platform's Prometheus, its query and the User-Agents that are no visitors", () => {
    expect(
      readSettings({
        PREVIEW_DOMAIN: 'a.b',
        PREVIEW_PROMETHEUS_URL: 'http://prometheus.monitoring:9090/',
        PREVIEW_IGNORED_USER_AGENTS: 'our-synthetics, Googlebot',
      }).traffic,
    ).toEqual({
      prometheus: { url: 'http://prometheus.monitoring:9090', query: defaultRequestsQuery },
      ignoredUserAgents: ['our-synthetics', 'Googlebot'],
    });
    expect(
      readSettings({
        PREVIEW_DOMAIN: 'a.b',
        PREVIEW_PROMETHEUS_URL: 'https://metrics.example.com/prometheus',
        PREVIEW_PROMETHEUS_QUERY: 'sum by (namespace) (increase(requests_total[{window}]))',
        PREVIEW_IGNORED_USER_AGENTS: 'none',
      }).traffic,
    ).toEqual({
      prometheus: {
        url: 'https://metrics.example.com/prometheus',
        query: 'sum by (namespace) (increase(requests_total[{window}]))',
      },
      ignoredUserAgents: [],
    });
  });

  it('reads every setting', () => {
    expect(
      readSettings({
        PREVIEW_DOMAIN: 'preview.bar.com',
        HELM_BIN: '/opt/helm',
        PREVIEW_CONCURRENCY: '8',
        PREVIEW_INGRESS_URL: 'http://haproxy.ingress.svc:8080',
        PREVIEW_RECONCILE_INTERVAL: '0',
        PREVIEW_SHUTDOWN_GRACE: '1m',
        PREVIEW_LEASE_NAMESPACE: 'pr-preview',
        PREVIEW_ALLOWED_KINDS: 'ConfigMap, apps/Deployment',
        PREVIEW_ALLOWED_CLUSTER_ROLES: 'view,edit',
        PREVIEW_MAX_OBJECTS: '100',
        PREVIEW_QUOTA: 'requests.cpu=2, pods=10',
        PREVIEW_DEFAULT_REQUEST: 'cpu=50m',
        PREVIEW_DEFAULT_LIMIT: 'cpu=200m',
        PREVIEW_INGRESS_NAMESPACE: 'haproxy',
        PREVIEW_MAX_PER_REPOSITORY: '5',
        PREVIEW_MAX_TOTAL: '50',
        PREVIEW_SECRETS: 'registry, tls',
        PREVIEW_SECRETS_NAMESPACE: 'platform',
        PREVIEW_POD_SECURITY: 'restricted',
        PREVIEW_EGRESS_CIDRS: '203.0.113.0/24, 2001:db8::/32',
        PREVIEW_CLUSTER_CIDRS: '10.0.0.0/16,10.96.0.0/12',
        PREVIEW_FAILURE_BACKOFF: '30s',
        PREVIEW_RENDER_CONCURRENCY: '3',
        PREVIEW_FAILURE_BACKOFF_MAX: '1h',
        PREVIEW_GITHUB_DEPLOYMENTS: 'Off',
        PREVIEW_GITHUB_WRITES_PER_MINUTE: '40',
        PREVIEW_GITHUB_WRITES_PER_HOUR: '300',
        REDIS_URL: 'redis://redis.pr-preview.svc:6379',
        PREVIEW_SLEEP_AFTER: '2h',
        PREVIEW_SLEEP_AFTER_MAX: '1d',
        PREVIEW_WAKE_SERVICE: 'pr-preview.pr-preview.svc.cluster.local:8080',
        PREVIEW_WAKE_PORT: '8081',
        PREVIEW_PROMETHEUS_URL: 'http://prometheus.monitoring.svc:9090',
        PREVIEW_PROMETHEUS_QUERY: 'sum by (namespace) (increase(hits_total[{window}]))',
        PREVIEW_IGNORED_USER_AGENTS: 'kube-probe',
        APP_ID: '4242',
        PREVIEW_ADMISSION_POLICIES: 'external',
        PREVIEW_NAMESPACE_ROLE: 'pr-preview-namespace',
        PREVIEW_READER_ROLE: 'pr-preview-lookup-2',
        PREVIEW_DNS: 'dns-system/app=coredns,tier=node',
        PREVIEW_MAX_DATA_BYTES: '65536',
        PREVIEW_MAX_PREVIEW_BYTES: '1048576',
        PREVIEW_INGRESS_CLASSES: 'haproxy-v1,haproxy-v2',
        PREVIEW_INGRESS_ANNOTATIONS: 'pr-preview.dev/*,haproxy.org/timeout-*',
        PREVIEW_CONTROLLER_ANNOTATION_PREFIXES: 'haproxy.org',
        PREVIEW_TOLERATIONS: 'dedicated',
        PREVIEW_NODE_SELECTOR_KEYS: 'pool',
        PREVIEW_PRIORITY_CLASSES: 'preview-low',
        PREVIEW_RUNTIME_CLASSES: 'none',
        PREVIEW_STORAGE_CLASSES: 'fast,standard',
      }),
    ).toEqual({
      previewDomain: 'preview.bar.com',
      helmBin: '/opt/helm',
      concurrency: 8,
      renderConcurrency: 3,
      ingressUrl: 'http://haproxy.ingress.svc:8080',
      reconcileIntervalMs: 0,
      failureBackoff: { firstMs: 30_000, maxMs: 3_600_000 },
      shutdownGraceMs: 60_000,
      leaseNamespace: 'pr-preview',
      instance: 'app-4242',
      admission: { policies: 'external', namespaceRole: 'pr-preview-namespace' },
      guardrails: {
        allowedKinds: ['ConfigMap', 'apps/Deployment'],
        allowedClusterRoles: ['view', 'edit'],
        maxObjects: 100,
        maxDataBytes: 65536,
        maxPreviewBytes: 1048576,
        ingress: {
          classes: ['haproxy-v1', 'haproxy-v2'],
          annotations: ['pr-preview.dev/*', 'haproxy.org/timeout-*'],
          controllerPrefixes: ['haproxy.org'],
        },
        placement: {
          tolerations: ['dedicated'],
          nodeSelectorKeys: ['pool'],
          priorityClasses: ['preview-low'],
          runtimeClasses: [],
        },
        storageClasses: ['fast', 'standard'],
      },
      namespacePolicy: {
        quota: { 'requests.cpu': '2', pods: '10' },
        defaultRequest: { cpu: '50m' },
        defaultLimit: { cpu: '200m' },
        ingressNamespace: 'haproxy',
        appNamespace: 'pr-preview',
        egressCidrs: ['203.0.113.0/24', '2001:db8::/32'],
        clusterCidrs: ['10.0.0.0/16', '10.96.0.0/12'],
        dns: { namespace: 'dns-system', podLabels: { app: 'coredns', tier: 'node' } },
        podSecurity: 'restricted',
        readerRole: 'pr-preview-lookup-2',
      },
      caps: { perRepository: 5, total: 50 },
      secrets: { namespace: 'platform', names: ['registry', 'tls'] },
      githubDeployments: false,
      githubWrites: { spacingMs: 1000, perMinute: 40, perHour: 300 },
      redisUrl: 'redis://redis.pr-preview.svc:6379',
      sleep: {
        defaultMs: 7_200_000,
        maxMs: 86_400_000,
        wake: { host: 'pr-preview.pr-preview.svc.cluster.local', port: 8080 },
      },
      wakePort: 8081,
      overviewHost: '127.0.0.1',
      traffic: {
        prometheus: {
          url: 'http://prometheus.monitoring.svc:9090',
          query: 'sum by (namespace) (increase(hits_total[{window}]))',
        },
        ignoredUserAgents: ['kube-probe'],
      },
    });
  });

  it('wakes through port 80 of the named Service unless told otherwise', () => {
    expect(
      readSettings({ PREVIEW_DOMAIN: 'a.b', PREVIEW_WAKE_SERVICE: 'pr-preview.apps' }).sleep,
    ).toEqual({ wake: { host: 'pr-preview.apps', port: 80 } });
  });

  it('closes egress outside the cluster with `none`', () => {
    expect(
      readSettings({ PREVIEW_DOMAIN: 'a.b', PREVIEW_EGRESS_CIDRS: 'none' }).namespacePolicy
        .egressCidrs,
    ).toEqual([]);
  });

  it.each([
    [{}, /PREVIEW_DOMAIN is not set/],
    [{ PREVIEW_DOMAIN: 'not a domain' }, /is not a DNS name/],
    [
      { PREVIEW_DOMAIN: 'a.b', PREVIEW_CONCURRENCY: '0' },
      /PREVIEW_CONCURRENCY must be a positive integer/,
    ],
    [
      { PREVIEW_DOMAIN: 'a.b', PREVIEW_INGRESS_URL: 'haproxy:80' },
      /PREVIEW_INGRESS_URL must be http\(s\):\/\/host/,
    ],
    [
      { PREVIEW_DOMAIN: 'a.b', PREVIEW_RECONCILE_INTERVAL: 'often' },
      /PREVIEW_RECONCILE_INTERVAL must be a duration/,
    ],
    [
      { PREVIEW_DOMAIN: 'a.b', PREVIEW_POD_SECURITY: 'lenient' },
      /PREVIEW_POD_SECURITY must be one of privileged, baseline, restricted, got `lenient`/,
    ],
    [
      { PREVIEW_DOMAIN: 'a.b', PREVIEW_EGRESS_CIDRS: '10.0.0.0/8, example.com' },
      /PREVIEW_EGRESS_CIDRS takes CIDRs such as 10.0.0.0\/8, separated by commas; not `example.com`/,
    ],
    [
      { PREVIEW_DOMAIN: 'a.b', PREVIEW_GITHUB_DEPLOYMENTS: 'sometimes' },
      /PREVIEW_GITHUB_DEPLOYMENTS must be on or off, got `sometimes`/,
    ],
    [
      { PREVIEW_DOMAIN: 'a.b', PREVIEW_SLEEP_AFTER: '1h' },
      /PREVIEW_SLEEP_AFTER needs PREVIEW_WAKE_SERVICE/,
    ],
    [
      { PREVIEW_DOMAIN: 'a.b', PREVIEW_SLEEP_AFTER_MAX: '1h' },
      /PREVIEW_SLEEP_AFTER_MAX needs PREVIEW_WAKE_SERVICE/,
    ],
    [
      { PREVIEW_DOMAIN: 'a.b', PREVIEW_WAKE_SERVICE: 'http://pr-preview' },
      /PREVIEW_WAKE_SERVICE must be the DNS name of the app's Service/,
    ],
    [
      {
        PREVIEW_DOMAIN: 'a.b',
        PREVIEW_WAKE_SERVICE: 'pr-preview',
        PREVIEW_SLEEP_AFTER: '2h',
        PREVIEW_SLEEP_AFTER_MAX: '1h',
      },
      /PREVIEW_SLEEP_AFTER may not be longer than PREVIEW_SLEEP_AFTER_MAX/,
    ],
    [
      { PREVIEW_DOMAIN: 'a.b', PREVIEW_QUOTA: 'requests.cpu=lots' },
      /PREVIEW_QUOTA: `requests.cpu=lots`: lots is not a Kubernetes quantity/,
    ],
    [
      { PREVIEW_DOMAIN: 'a.b', PREVIEW_ALLOWED_KINDS: 'ConfigMap,Endpoints' },
      /PREVIEW_ALLOWED_KINDS may not name Endpoints/,
    ],
    [
      { PREVIEW_DOMAIN: 'a.b', PREVIEW_INGRESS_NAMESPACE: 'Not_A_Namespace' },
      /PREVIEW_INGRESS_NAMESPACE `Not_A_Namespace` is not a DNS label/,
    ],
    [
      { PREVIEW_DOMAIN: 'a.b', PREVIEW_DNS: 'kube-dns' },
      /PREVIEW_DNS must be namespace\/label=value/,
    ],
    [
      { PREVIEW_DOMAIN: 'a.b', PREVIEW_ADMISSION_POLICIES: 'maybe' },
      /PREVIEW_ADMISSION_POLICIES must be one of apply, external/,
    ],
    [{ PREVIEW_DOMAIN: 'a.b', PREVIEW_INSTANCE: 'Two Words' }, /PREVIEW_INSTANCE `Two Words`/],
    [
      { PREVIEW_DOMAIN: 'a.b', PREVIEW_PROMETHEUS_URL: 'prometheus:9090' },
      /PREVIEW_PROMETHEUS_URL must be http\(s\):\/\/host\[:port\]\[\/path\], without credentials; got `prometheus:9090`/,
    ],
    [
      { PREVIEW_DOMAIN: 'a.b', PREVIEW_PROMETHEUS_URL: 'http://admin:secret@prometheus:9090' },
      /PREVIEW_PROMETHEUS_URL must be .*without credentials/,
    ],
    [
      { PREVIEW_DOMAIN: 'a.b', PREVIEW_PROMETHEUS_QUERY: 'up' },
      /PREVIEW_PROMETHEUS_QUERY needs PREVIEW_PROMETHEUS_URL/,
    ],
    [
      { PREVIEW_DOMAIN: 'a.b', PREVIEW_PROMETHEUS_URL: 'http://p', PREVIEW_PROMETHEUS_QUERY: 'up' },
      /PREVIEW_PROMETHEUS_QUERY must contain `\{window\}`/,
    ],
    [
      {
        PREVIEW_DOMAIN: 'a.b',
        PREVIEW_WAKE_SERVICE: 'pr-preview',
        PORT: '8080',
        PREVIEW_WAKE_PORT: '8080',
      },
      /^PREVIEW_WAKE_PORT 8080 is also PORT, where webhooks, health and metrics are served: give PREVIEW_WAKE_PORT a port of its own$/,
    ],
    [
      { PREVIEW_DOMAIN: 'a.b', PREVIEW_WAKE_SERVICE: 'pr-preview', PREVIEW_WAKE_PORT: '3000' },
      /^PREVIEW_WAKE_PORT 3000 is also PORT \(its default\), where/,
    ],
    [
      { PREVIEW_DOMAIN: 'a.b', PREVIEW_OVERVIEW_PORT: '3000' },
      /^PREVIEW_OVERVIEW_PORT 3000 is also PORT \(its default\), where webhooks are served: the overview belongs on an internal port of its own$/,
    ],
    [
      { PREVIEW_DOMAIN: 'a.b', PREVIEW_WAKE_SERVICE: 'pr-preview', PREVIEW_OVERVIEW_PORT: '3001' },
      /^PREVIEW_OVERVIEW_PORT 3001 is also PREVIEW_WAKE_PORT, where the shared ingress controller sends visitors/,
    ],
    [
      { PREVIEW_DOMAIN: 'a.b', PREVIEW_OVERVIEW_PORT: 'yes' },
      /^PREVIEW_OVERVIEW_PORT must be a positive integer, got `yes`$/,
    ],
  ])('refuses %j', (env, message) => {
    expect(() => readSettings(env)).toThrow(message);
  });

  it('serves the overview on loopback unless PREVIEW_OVERVIEW_HOST opens it', () => {
    expect(
      readSettings({ PREVIEW_DOMAIN: 'a.b', PREVIEW_OVERVIEW_PORT: '9102' }).overviewHost,
    ).toBe('127.0.0.1');
    const open = {
      PREVIEW_DOMAIN: 'a.b',
      PREVIEW_OVERVIEW_PORT: '9102',
      PREVIEW_OVERVIEW_HOST: '0.0.0.0',
    };
    expect(readSettings(open).overviewHost).toBe('0.0.0.0');
  });

  it('serves no overview unless PREVIEW_OVERVIEW_PORT is set', () => {
    expect(readSettings({ PREVIEW_DOMAIN: 'a.b' }).overviewPort).toBeUndefined();
    expect(
      readSettings({ PREVIEW_DOMAIN: 'a.b', PREVIEW_OVERVIEW_PORT: '9102' }).overviewPort,
    ).toBe(9102);
  });

  it('lets the wake port equal PORT when nothing listens on it (no PREVIEW_WAKE_SERVICE)', () => {
    expect(readSettings({ PREVIEW_DOMAIN: 'a.b', PORT: '3001' }).wakePort).toBe(3001);
  });

  it('names every bad setting at once', () => {
    expect(() =>
      readSettings({
        PREVIEW_DOMAIN: 'a.b',
        PREVIEW_QUOTA: 'requests.cpu=lots,bogus=1',
        PREVIEW_DEFAULT_LIMIT: 'cpu=banana',
        PREVIEW_CONCURRENCY: 'many',
      }),
    ).toThrow(
      [
        '4 settings are wrong:',
        '- PREVIEW_QUOTA: `requests.cpu=lots`: lots is not a Kubernetes quantity such as 500m, 2 or 4Gi',
        '- PREVIEW_QUOTA: `bogus` is not a resource a ResourceQuota counts, such as requests.cpu, pods or count/configmaps',
        '- PREVIEW_DEFAULT_LIMIT: `cpu=banana`: banana is not a Kubernetes quantity such as 500m, 2 or 4Gi',
        '- PREVIEW_CONCURRENCY must be a positive integer, got `many`',
      ].join('\n'),
    );
  });
});
