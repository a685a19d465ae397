import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';

/** The pod CIDR kwok hands pod IPs out of: every address in it is local inside the bed's namespace. */
export const podCidr = '10.0.0.0/16';

/**
 * A private network namespace per bed where every pod IP is a local address,
 * so one process there answers for all of them, plus a veth pair to the host.
 * The host reaches the pod CIDR through the veth only for connections from
 * its own end's address (a routing rule by source address, in a table of this
 * bed's own), so the machine's own routes never change and two beds never
 * fight over one route. The namespace has no route beyond the veth's own
 * link: nothing leaves it.
 */
export interface PodNetwork {
  /** `ip netns` name. */
  namespace: string;
  hostLink: string;
  podLink: string;
  /** The host end's address: the source HAProxy connects to pods from. */
  hostAddress: string;
  podAddress: string;
  /** Routing table and rule priority of this bed. */
  table: number;
}

/** The names and addresses of the bed whose state lives in `stateDir`: the same on every start. */
export function podNetworkFor(stateDir: string): PodNetwork {
  const digest = createHash('sha256').update(stateDir).digest();
  const id = digest.subarray(0, 4).toString('hex');
  // 169.254.0.0/16, link-local: never routed beyond a link. One /30 per bed, avoiding
  // 169.254.169.0/24 where clouds keep their metadata service.
  const third = 1 + ((digest[4] ?? 0) % 253);
  const block = (digest[5] ?? 0) & 0xfc;
  const octets = `169.254.${third >= 169 ? third + 1 : third}`;
  return {
    namespace: `pr-preview-bed-${id}`,
    hostLink: `prb${id}h`,
    podLink: `prb${id}p`,
    hostAddress: `${octets}.${block + 1}`,
    podAddress: `${octets}.${block + 2}`,
    table: 20_000 + (digest.readUInt16BE(6) % 10_000),
  };
}

/** Why this machine cannot have the pod network, or undefined when it can. */
export function podNetworkProblem(): string | undefined {
  if (process.getuid?.() !== 0)
    return 'the bed runs as a user other than root (ip netns needs root)';
  const ip = spawnSync('ip', ['-V'], { encoding: 'utf8' });
  if (ip.error || ip.status !== 0) return 'no `ip` command (Debian package iproute2)';
  return undefined;
}

export function createPodNetwork(net: PodNetwork): void {
  const taken = ip(['-o', '-4', 'addr', 'show']).stdout;
  if (new RegExp(`inet ${net.hostAddress.replaceAll('.', '\\.')}/`).test(taken)) {
    throw new Error(`${net.hostAddress} is already on a link of this machine: another bed's?`);
  }
  const inside = (args: string[]) => must(['-n', net.namespace, ...args]);
  must(['netns', 'add', net.namespace]);
  must(['link', 'add', net.hostLink, 'type', 'veth', 'peer', 'name', net.podLink]);
  must(['link', 'set', net.podLink, 'netns', net.namespace]);
  must(['addr', 'add', `${net.hostAddress}/30`, 'dev', net.hostLink]);
  must(['link', 'set', net.hostLink, 'up']);
  inside(['addr', 'add', `${net.podAddress}/30`, 'dev', net.podLink]);
  inside(['link', 'set', net.podLink, 'up']);
  inside(['link', 'set', 'lo', 'up']);
  // Every pod IP is this namespace's own: one listener on 0.0.0.0 answers for all of them.
  inside(['route', 'add', 'local', podCidr, 'dev', 'lo']);
  must([
    'route',
    'add',
    podCidr,
    'via',
    net.podAddress,
    'dev',
    net.hostLink,
    'table',
    String(net.table),
  ]);
  must([
    'rule',
    'add',
    'from',
    net.hostAddress,
    'lookup',
    String(net.table),
    'priority',
    String(net.table),
  ]);
}

/** Removes the namespace, the veth and the routing rule; safe to call when some or none exist. */
export function deletePodNetwork(net: PodNetwork): string[] {
  const removed: string[] = [];
  const pids = ip(['netns', 'pids', net.namespace]).stdout.split('\n').filter(Boolean);
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  // Deleting the namespace takes the veth pair along; the host end is deleted too in case
  // the namespace went first.
  if (ip(['netns', 'del', net.namespace]).status === 0) removed.push(`netns ${net.namespace}`);
  if (ip(['link', 'del', net.hostLink]).status === 0) removed.push(`link ${net.hostLink}`);
  while (ip(['rule', 'del', 'priority', String(net.table)]).status === 0) {
    removed.push(`rule ${net.table}`);
  }
  ip(['route', 'flush', 'table', String(net.table)]);
  return removed;
}

function ip(args: string[]) {
  return spawnSync('ip', args, { encoding: 'utf8' });
}

function must(args: string[]): void {
  const result = ip(args);
  if (result.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${result.stderr.trim()}`);
}
