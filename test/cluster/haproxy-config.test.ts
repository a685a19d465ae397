import type {
  V1EndpointSlice,
  V1HTTPIngressPath,
  V1Ingress,
  V1Service,
} from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  exactMap,
  externalNameTarget,
  notFoundBackend,
  prefixMap,
  renderHaproxy,
  type ClusterRoutes,
  type HaproxyFiles,
  type HaproxyOptions,
} from './haproxy-config.ts';

const options: HaproxyOptions = {
  ingressClass: 'haproxy-v1',
  bind: '127.0.0.1:8080',
  metricsBind: '127.0.0.1:8081',
  mapDir: '/bed/ingress/gen-1',
  podSource: '169.254.1.1',
  resolveExternalName: (name, port) => externalNameTarget(name, port, {}),
};

interface IngressSpec {
  name?: string;
  namespace?: string;
  className?: string | null;
  annotationClass?: string;
  created?: string;
  rules: { host?: string; paths: [path: string, type: string, service: string, port?: string][] }[];
}

function ingress(spec: IngressSpec): V1Ingress {
  return {
    metadata: {
      name: spec.name ?? 'web',
      namespace: spec.namespace ?? 'shop',
      creationTimestamp: new Date(spec.created ?? '2030-01-01T00:00:00Z'),
      ...(spec.annotationClass
        ? { annotations: { 'kubernetes.io/ingress.class': spec.annotationClass } }
        : {}),
    },
    spec: {
      ...(spec.className === null ? {} : { ingressClassName: spec.className ?? 'haproxy-v1' }),
      rules: spec.rules.map((rule) => ({
        ...(rule.host ? { host: rule.host } : {}),
        http: {
          paths: rule.paths.map(([path, pathType, service, port]): V1HTTPIngressPath => ({
            path,
            pathType,
            backend: { service: { name: service, port: { name: port ?? 'http' } } },
          })),
        },
      })),
    },
  };
}

function service(name: string, namespace = 'shop', ports = [{ name: 'http', port: 80 }]) {
  return { metadata: { name, namespace }, spec: { ports } } satisfies V1Service;
}

function slice(
  serviceName: string,
  endpoints: [ip: string, ready: boolean][],
  ports = [{ name: 'http', port: 8080 }],
  namespace = 'shop',
): V1EndpointSlice {
  return {
    metadata: {
      name: `${serviceName}-abc`,
      namespace,
      labels: { 'kubernetes.io/service-name': serviceName },
    },
    addressType: 'IPv4',
    ports,
    endpoints: endpoints.map(([ip, ready]) => ({ addresses: [ip], conditions: { ready } })),
  };
}

/** Every Service the routes name, each with one ready pod. */
function clusterOf(...ingresses: V1Ingress[]): ClusterRoutes {
  const names = new Set(
    ingresses.flatMap((i) =>
      (i.spec?.rules ?? []).flatMap((r) =>
        (r.http?.paths ?? []).map((p) => `${i.metadata?.namespace}/${p.backend.service?.name}`),
      ),
    ),
  );
  const services = [...names].map((key) => {
    const [namespace, name] = key.split('/') as [string, string];
    return service(name, namespace);
  });
  const endpointSlices = services.map((s, i) =>
    slice(s.metadata.name, [[`10.0.0.${i + 1}`, true]], undefined, s.metadata.namespace),
  );
  return { ingresses, services, endpointSlices };
}

/**
 * The backend HAProxy picks, as the frontend's rules read the maps: the
 * host's exact paths, then its prefixes (first match in file order), then
 * the same for rules without a host, else the 404 backend.
 */
function routed(files: HaproxyFiles, host: string, path: string): string {
  const entries = (file: string) =>
    (files.maps[file] ?? '')
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' ') as [string, string]);
  for (const key of [host.split(':')[0]?.toLowerCase() + path, path]) {
    const exact = entries(exactMap).find(([k]) => k === key);
    if (exact) return exact[1];
    const prefix = entries(prefixMap).find(([k]) => key.startsWith(k));
    if (prefix) return prefix[1];
  }
  return notFoundBackend;
}

const cases: {
  name: string;
  ingresses: V1Ingress[];
  requests: [host: string, path: string, backend: string][];
}[] = [
  {
    name: 'Prefix / routes every path of its host and no other host',
    ingresses: [ingress({ rules: [{ host: 'a.example.com', paths: [['/', 'Prefix', 'web']] }] })],
    requests: [
      ['a.example.com', '/', 'shop_web_http'],
      ['a.example.com', '/deep/er', 'shop_web_http'],
      ['A.Example.com:80', '/x', 'shop_web_http'],
      ['b.example.com', '/', notFoundBackend],
    ],
  },
  {
    name: 'Prefix matches whole path elements, the longest first',
    ingresses: [
      ingress({
        rules: [
          {
            host: 'a.example.com',
            paths: [
              ['/', 'Prefix', 'web'],
              ['/api', 'Prefix', 'api'],
              ['/api/v2/', 'Prefix', 'v2'],
            ],
          },
        ],
      }),
    ],
    requests: [
      ['a.example.com', '/api', 'shop_api_http'],
      ['a.example.com', '/api/users', 'shop_api_http'],
      ['a.example.com', '/apiary', 'shop_web_http'],
      ['a.example.com', '/api/v2', 'shop_v2_http'],
      ['a.example.com', '/api/v2/x', 'shop_v2_http'],
    ],
  },
  {
    name: 'Exact answers its path only',
    ingresses: [
      ingress({ rules: [{ host: 'a.example.com', paths: [['/login', 'Exact', 'auth']] }] }),
    ],
    requests: [
      ['a.example.com', '/login', 'shop_auth_http'],
      ['a.example.com', '/login/', notFoundBackend],
      ['a.example.com', '/login/x', notFoundBackend],
    ],
  },
  {
    name: 'ImplementationSpecific is read as Prefix',
    ingresses: [
      ingress({
        rules: [{ host: 'a.example.com', paths: [['/docs', 'ImplementationSpecific', 'docs']] }],
      }),
    ],
    requests: [
      ['a.example.com', '/docs', 'shop_docs_http'],
      ['a.example.com', '/docs/intro', 'shop_docs_http'],
      ['a.example.com', '/docsy', notFoundBackend],
    ],
  },
  {
    name: 'an Exact path beats a Prefix of the same path, even from a newer Ingress',
    ingresses: [
      ingress({
        name: 'old',
        rules: [{ host: 'a.example.com', paths: [['/x', 'Prefix', 'web']] }],
      }),
      ingress({
        name: 'new',
        created: '2031-01-01T00:00:00Z',
        rules: [{ host: 'a.example.com', paths: [['/x', 'Exact', 'exact']] }],
      }),
    ],
    requests: [
      ['a.example.com', '/x', 'shop_exact_http'],
      ['a.example.com', '/x/y', 'shop_web_http'],
    ],
  },
  {
    name: 'of two Ingresses claiming a host and path, the older keeps it',
    ingresses: [
      ingress({
        name: 'newer',
        namespace: 'late',
        created: '2031-01-01T00:00:00Z',
        rules: [{ host: 'a.example.com', paths: [['/', 'Prefix', 'thief']] }],
      }),
      ingress({
        name: 'older',
        rules: [{ host: 'a.example.com', paths: [['/', 'Prefix', 'web']] }],
      }),
    ],
    requests: [['a.example.com', '/', 'shop_web_http']],
  },
  {
    name: 'Ingresses of the class by annotation count; other classes and none do not',
    ingresses: [
      ingress({
        name: 'legacy',
        className: null,
        annotationClass: 'haproxy-v1',
        rules: [{ host: 'legacy.example.com', paths: [['/', 'Prefix', 'legacy']] }],
      }),
      ingress({
        name: 'nginx',
        className: 'nginx',
        rules: [{ host: 'nginx.example.com', paths: [['/', 'Prefix', 'nginx']] }],
      }),
      ingress({
        name: 'unclassed',
        className: null,
        rules: [{ host: 'none.example.com', paths: [['/', 'Prefix', 'none']] }],
      }),
    ],
    requests: [
      ['legacy.example.com', '/', 'shop_legacy_http'],
      ['nginx.example.com', '/', notFoundBackend],
      ['none.example.com', '/', notFoundBackend],
    ],
  },
  {
    name: 'a rule without a host applies to every host, after the rules with one',
    ingresses: [
      ingress({
        rules: [
          { paths: [['/', 'Prefix', 'catchall']] },
          { host: 'a.example.com', paths: [['/only', 'Prefix', 'web']] },
        ],
      }),
    ],
    requests: [
      ['a.example.com', '/only/x', 'shop_web_http'],
      ['a.example.com', '/other', 'shop_catchall_http'],
      ['z.example.com', '/', 'shop_catchall_http'],
    ],
  },
  {
    name: 'wildcard hosts are left out',
    ingresses: [ingress({ rules: [{ host: '*.example.com', paths: [['/', 'Prefix', 'web']] }] })],
    requests: [['a.example.com', '/', notFoundBackend]],
  },
];

describe('renderHaproxy routes requests as Ingress paths say', () => {
  it.each(cases)('$name', ({ ingresses, requests }) => {
    const files = renderHaproxy(clusterOf(...ingresses), options);
    expect(requests.map(([host, path]) => [host, path, routed(files, host, path)])).toEqual(
      requests,
    );
  });
});

describe('renderHaproxy backends', () => {
  it('has a backend per Service port with a server per ready endpoint on its target port', () => {
    const cluster: ClusterRoutes = {
      ingresses: [
        ingress({
          rules: [
            {
              host: 'a.example.com',
              paths: [
                ['/', 'Prefix', 'web', 'http'],
                ['/admin', 'Prefix', 'web', 'admin'],
              ],
            },
          ],
        }),
      ],
      services: [
        service('web', 'shop', [
          { name: 'http', port: 80 },
          { name: 'admin', port: 9000 },
        ]),
      ],
      endpointSlices: [
        slice(
          'web',
          [
            ['10.0.0.9', true],
            ['10.0.0.10', true],
            ['10.0.0.11', false],
          ],
          [
            { name: 'http', port: 8080 },
            { name: 'admin', port: 9090 },
          ],
        ),
        slice('other', [['10.0.0.50', true]]),
      ],
    };
    const { config } = renderHaproxy(cluster, options);
    expect(config.slice(config.indexOf('backend shop_'))).toBe(
      [
        'backend shop_web_admin',
        '  balance roundrobin',
        '  server SRV_1 10.0.0.9:9090 source 169.254.1.1',
        '  server SRV_2 10.0.0.10:9090 source 169.254.1.1',
        '',
        'backend shop_web_http',
        '  balance roundrobin',
        '  server SRV_1 10.0.0.9:8080 source 169.254.1.1',
        '  server SRV_2 10.0.0.10:8080 source 169.254.1.1',
        '',
      ].join('\n'),
    );
  });

  it('names a backend by port number when the Service port has no name, and references by number work', () => {
    const withNumber = ingress({ rules: [{ host: 'a.example.com', paths: [] }] });
    withNumber.spec!.rules![0]!.http!.paths = [
      {
        path: '/',
        pathType: 'Prefix',
        backend: { service: { name: 'web', port: { number: 80 } } },
      },
    ];
    const files = renderHaproxy(
      {
        ingresses: [withNumber],
        services: [service('web', 'shop', [{ port: 80 } as { name: string; port: number }])],
        endpointSlices: [slice('web', [['10.0.0.3', true]], [{ port: 8080 } as never])],
      },
      options,
    );
    expect(routed(files, 'a.example.com', '/')).toBe('shop_web_80');
    expect(files.config).toContain(
      'backend shop_web_80\n  balance roundrobin\n  server SRV_1 10.0.0.3:8080 ',
    );
  });

  it('follows an ExternalName Service to where its name leads, without the pod network', () => {
    const sleeping = ingress({
      namespace: 'dozy',
      rules: [{ host: 'dozy.example.com', paths: [['/', 'Prefix', 'pr-preview-wake']] }],
    });
    const files = renderHaproxy(
      {
        ingresses: [sleeping],
        services: [
          {
            metadata: { name: 'pr-preview-wake', namespace: 'dozy' },
            spec: {
              type: 'ExternalName',
              externalName: 'pr-preview.pr-preview.svc.cluster.local',
              ports: [{ name: 'http', port: 8080 }],
            },
          },
        ],
        endpointSlices: [],
      },
      options,
    );
    expect(routed(files, 'dozy.example.com', '/')).toBe('dozy_pr-preview-wake_http');
    expect(files.config).toContain(
      'backend dozy_pr-preview-wake_http\n  balance roundrobin\n  server SRV_1 127.0.0.1:8080\n',
    );
  });

  it('leaves out paths whose Service or port is missing, and says why in the configuration', () => {
    const files = renderHaproxy(
      {
        ingresses: [
          ingress({
            rules: [
              {
                host: 'a.example.com',
                paths: [
                  ['/gone', 'Prefix', 'gone'],
                  ['/', 'Prefix', 'web', 'nope'],
                ],
              },
            ],
          }),
        ],
        services: [service('web')],
        endpointSlices: [],
      },
      options,
    );
    expect(routed(files, 'a.example.com', '/gone')).toBe(notFoundBackend);
    expect(routed(files, 'a.example.com', '/')).toBe(notFoundBackend);
    expect(files.config).toContain('# skipped shop/web a.example.com/gone: no Service gone\n');
    expect(files.config).toContain(
      '# skipped shop/web a.example.com/: Service web has no port nope\n',
    );
  });

  it('binds the frontends where told, reads maps from the folder given, exports metrics', () => {
    const { config } = renderHaproxy({ ingresses: [], services: [], endpointSlices: [] }, options);
    expect(config).toContain('frontend http\n  bind 127.0.0.1:8080\n');
    expect(config).toContain(`map(/bed/ingress/gen-1/${exactMap})`);
    expect(config).toContain(`map_beg(/bed/ingress/gen-1/${prefixMap})`);
    expect(config).toContain(
      'frontend stats\n  bind 127.0.0.1:8081\n  http-request use-service prometheus-exporter if { path /metrics }\n',
    );
  });
});

describe('externalNameTarget', () => {
  const overrides = {
    'pr-preview.pr-preview.svc.cluster.local:80': '127.0.0.1:41234',
    'wake.test': '127.0.0.2',
  };
  it.each([
    ['pr-preview.pr-preview.svc.cluster.local', 80, { address: '127.0.0.1', port: 41234 }],
    ['wake.test', 8080, { address: '127.0.0.2', port: 8080 }],
    ['other.ns.svc.cluster.local', 8080, { address: '127.0.0.1', port: 8080 }],
    ['localhost', 3000, { address: '127.0.0.1', port: 3000 }],
    ['10.0.0.7', 80, { address: '10.0.0.7', port: 80 }],
    ['api.github.com', 443, undefined],
  ])('%s:%d leads to %o', (name, port, target) => {
    expect(externalNameTarget(name, port, overrides)).toEqual(target);
  });
});
