import type { V1Ingress } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { notFoundBackend, renderHaproxy } from './haproxy-config.ts';
import { clusterOf, ingress, options, routed } from './haproxy-test-objects.ts';

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
