import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, kindOf } from '../../plan/object-identity.ts';

interface Peer {
  podSelector?: unknown;
  namespaceSelector?: unknown;
  ipBlock?: unknown;
}

/**
 * NetworkPolicies add up: one that allows a connection allows it whatever
 * the app's isolation policy says. So a chart's policy may only open traffic
 * between the preview's own pods: every rule names its peers (a rule without
 * `from` or `to` allows everyone), and every peer is a podSelector of the
 * namespace, without namespaceSelector or ipBlock.
 */
export function networkPolicyRefusals(object: KubernetesObject): string[] {
  if (kindOf(object) !== 'networking.k8s.io/NetworkPolicy') return [];
  const spec =
    (object as { spec?: { ingress?: { from?: Peer[] }[]; egress?: { to?: Peer[] }[] } }).spec ?? {};
  const ownPods = (peers: Peer[] | undefined) =>
    (peers ?? []).length > 0 &&
    (peers ?? []).every((p) => p.podSelector !== undefined && !p.namespaceSelector && !p.ipBlock);
  const wide = [
    ...(spec.ingress ?? []).filter((rule) => !ownPods(rule.from)).map(() => 'ingress'),
    ...(spec.egress ?? []).filter((rule) => !ownPods(rule.to)).map(() => 'egress'),
  ];
  if (wide.length === 0) return [];
  return [
    `${describe(object)} opens ${[...new Set(wide)].join(' and ')} traffic beyond the preview's own pods; a preview's NetworkPolicy names podSelectors of its own namespace in every rule (for a Bitnami chart: networkPolicy.enabled=false, or allowExternal and allowExternalEgress false)`,
  ];
}
