import { describe, expect, it } from 'vitest';
import {
  exactMap,
  externalNameTarget,
  notFoundBackend,
  prefixMap,
  renderHaproxy,
  type ClusterRoutes,
} from './haproxy-config.ts';
import { ingress, options, routed, service, slice } from './haproxy-test-objects.ts';

describe('renderHaproxy backends', () => {
  it('has a backend per Service port with a server slot per ready endpoint on its target port, and spare slots', () => {
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
        '  server SRV_3 127.0.0.1:1 source 169.254.1.1 disabled',
        '  server SRV_4 127.0.0.1:1 source 169.254.1.1 disabled',
        '',
        'backend shop_web_http',
        '  balance roundrobin',
        '  server SRV_1 10.0.0.9:8080 source 169.254.1.1',
        '  server SRV_2 10.0.0.10:8080 source 169.254.1.1',
        '  server SRV_3 127.0.0.1:1 source 169.254.1.1 disabled',
        '  server SRV_4 127.0.0.1:1 source 169.254.1.1 disabled',
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

  it('sends nothing to pods in a bed without a pod network: their backends keep no server', () => {
    const cluster: ClusterRoutes = {
      ingresses: [ingress({ rules: [{ host: 'a.example.com', paths: [['/', 'Prefix', 'web']] }] })],
      services: [service('web')],
      endpointSlices: [slice('web', [['10.0.0.9', true]])],
    };
    const { config } = renderHaproxy(cluster, { ...options, podSource: undefined });
    expect(config.slice(config.indexOf('backend shop_'))).toBe(
      'backend shop_web_http\n  balance roundrobin\n  # no pod network in this bed: pods cannot be reached\n',
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
    ['127.0.0.5', 80, { address: '127.0.0.5', port: 80 }],
    ['10.0.0.7', 80, undefined],
    ['169.254.169.254', 80, undefined],
    ['api.github.com', 443, undefined],
  ])('%s:%d leads to %o', (name, port, target) => {
    expect(externalNameTarget(name, port, overrides)).toEqual(target);
  });
});
