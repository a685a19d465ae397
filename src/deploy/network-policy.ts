import { BlockList, isIP } from 'node:net';
import { labelKeys, managerName } from '../plan/labels.ts';

/** Where a preview's traffic may come from and go to; from the app's settings only. */
export interface NetworkFence {
  /** Namespace of the ingress controller: the only outside source of traffic. */
  ingressNamespace: string;
  /** The app's own namespace, which previews may not reach. */
  appNamespace: string;
  /** Addresses outside the cluster that previews may reach. */
  egressCidrs: string[];
  /** The cluster's pod and service ranges, kept out of `egressCidrs` so addresses cannot reach what namespaces may not. */
  clusterCidrs: string[];
  /** The cluster's DNS servers: their namespace and pod labels (CoreDNS keeps kube-dns's). */
  dns: { namespace: string; podLabels: Record<string, string> };
}

/** Cloud metadata services and other link-local addresses: never reachable from a preview. */
export const linkLocal = { ipv4: '169.254.0.0/16', ipv6: 'fe80::/10' };

/**
 * The NetworkPolicy `spec` of every preview namespace. In: its own pods and
 * the ingress controller. Out: its own pods, the cluster's DNS servers,
 * every namespace but other previews and the app's own, and `egressCidrs`
 * without link-local addresses and the cluster's own ranges.
 */
export function isolationPolicySpec(fence: NetworkFence): Record<string, unknown> {
  const dnsPorts = [
    { protocol: 'UDP', port: 53 },
    { protocol: 'TCP', port: 53 },
  ];
  return {
    podSelector: {},
    policyTypes: ['Ingress', 'Egress'],
    ingress: [
      {
        from: [
          { podSelector: {} },
          {
            namespaceSelector: {
              matchLabels: { 'kubernetes.io/metadata.name': fence.ingressNamespace },
            },
          },
        ],
      },
    ],
    egress: [
      { to: [{ podSelector: {} }] },
      {
        to: [
          {
            namespaceSelector: {
              matchLabels: { 'kubernetes.io/metadata.name': fence.dns.namespace },
            },
            podSelector: { matchLabels: fence.dns.podLabels },
          },
        ],
        ports: dnsPorts,
      },
      {
        to: [
          {
            namespaceSelector: {
              matchExpressions: [
                { key: labelKeys.managedBy, operator: 'NotIn', values: [managerName] },
                {
                  key: 'kubernetes.io/metadata.name',
                  operator: 'NotIn',
                  values: [fence.appNamespace],
                },
              ],
            },
          },
        ],
      },
      ...(fence.egressCidrs.length > 0
        ? [
            {
              to: fence.egressCidrs.map((cidr) => ({ ipBlock: outside(cidr, fence.clusterCidrs) })),
            },
          ]
        : []),
    ],
  };
}

/** An ipBlock of `cidr` without link-local addresses and the cluster's ranges of the same family. */
function outside(cidr: string, clusterCidrs: string[]): { cidr: string; except?: string[] } {
  const ipv6 = cidr.includes(':');
  const except = [
    ipv6 ? linkLocal.ipv6 : linkLocal.ipv4,
    ...clusterCidrs.filter((range) => range.includes(':') === ipv6),
  ].filter((range) => contains(cidr, range) && range !== cidr);
  return except.length > 0 ? { cidr, except } : { cidr };
}

/** Whether `inner` lies inside `outer` (same family), as ipBlock's `except` requires. */
export function contains(outer: string, inner: string): boolean {
  const a = parseCidr(outer);
  const b = parseCidr(inner);
  if (!a || !b || a.family !== b.family || b.prefix < a.prefix) return false;
  const block = new BlockList();
  block.addSubnet(a.address, a.prefix, a.family);
  return block.check(b.address, b.family);
}

function parseCidr(text: string) {
  const [address = '', prefixText = ''] = text.split('/');
  const version = isIP(address);
  const prefix = Number(prefixText);
  const max = version === 6 ? 128 : 32;
  if (version === 0 || !/^\d+$/.test(prefixText) || prefix > max) return undefined;
  return { address, prefix, family: version === 6 ? ('ipv6' as const) : ('ipv4' as const) };
}

/** Whether a setting's value is a CIDR that an ipBlock takes. */
export function isCidr(text: string): boolean {
  return parseCidr(text) !== undefined;
}
