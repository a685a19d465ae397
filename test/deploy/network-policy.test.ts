import { describe, expect, it } from 'vitest';
import { contains, isCidr, isolationPolicySpec } from '../../src/deploy/network-policy.ts';

describe('isolationPolicySpec', () => {
  it('lets in only the own namespace and the ingress controller; lets out all but link-local, other previews and the app, and DNS only to the cluster servers', () => {
    expect(
      isolationPolicySpec({
        ingressNamespace: 'haproxy',
        appNamespace: 'pr-preview',
        egressCidrs: ['0.0.0.0/0', '::/0'],
        clusterCidrs: ['10.0.0.0/16', '10.96.0.0/12', 'fd00::/48'],
        dns: { namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } },
      }),
    ).toEqual({
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        {
          from: [
            { podSelector: {} },
            { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'haproxy' } } },
          ],
        },
      ],
      egress: [
        { to: [{ podSelector: {} }] },
        // DNS: the cluster's own servers, not port 53 anywhere.
        {
          to: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
              podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
            },
          ],
          ports: [
            { protocol: 'UDP', port: 53 },
            { protocol: 'TCP', port: 53 },
          ],
        },
        {
          to: [
            {
              namespaceSelector: {
                matchExpressions: [
                  {
                    key: 'app.kubernetes.io/managed-by',
                    operator: 'NotIn',
                    values: ['pr-preview'],
                  },
                  { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['pr-preview'] },
                ],
              },
            },
          ],
        },
        {
          to: [
            {
              ipBlock: {
                cidr: '0.0.0.0/0',
                except: ['169.254.0.0/16', '10.0.0.0/16', '10.96.0.0/12'],
              },
            },
            { ipBlock: { cidr: '::/0', except: ['fe80::/10', 'fd00::/48'] } },
          ],
        },
      ],
    });
  });

  it('narrows egress to the CIDRs given, excepting only what lies inside them, and to none', () => {
    const narrow = isolationPolicySpec({
      ingressNamespace: 'ingress',
      appNamespace: 'default',
      egressCidrs: ['203.0.113.0/24', '169.254.0.0/16'],
      clusterCidrs: [],
      dns: { namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } },
    });
    expect((narrow.egress as unknown[]).at(-1)).toEqual({
      to: [{ ipBlock: { cidr: '203.0.113.0/24' } }, { ipBlock: { cidr: '169.254.0.0/16' } }],
    });
    const closed = isolationPolicySpec({
      ingressNamespace: 'ingress',
      appNamespace: 'default',
      egressCidrs: [],
      clusterCidrs: [],
      dns: { namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } },
    });
    expect(closed.egress).toHaveLength(3);
  });
});

describe('CIDRs', () => {
  it.each([
    ['0.0.0.0/0', '169.254.0.0/16', true],
    ['10.0.0.0/8', '10.96.0.0/12', true],
    ['10.96.0.0/12', '10.0.0.0/8', false],
    ['192.168.0.0/16', '10.0.0.0/8', false],
    ['::/0', 'fe80::/10', true],
    ['0.0.0.0/0', 'fe80::/10', false],
  ])('%s contains %s: %s', (outer, inner, expected) => {
    expect(contains(outer, inner)).toBe(expected);
  });

  it.each([
    ['10.0.0.0/8', true],
    ['2001:db8::/32', true],
    ['10.0.0.0', false],
    ['10.0.0.0/33', false],
    ['300.0.0.0/8', false],
    ['example.com/8', false],
  ])('%s is a CIDR: %s', (text, expected) => {
    expect(isCidr(text)).toBe(expected);
  });
});
