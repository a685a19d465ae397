import { describe, expect, it } from 'vitest';
import { podNetworkFor } from './pod-network.ts';

describe('podNetworkFor', () => {
  const dirs = ['/work/main/.cluster', '/work/traffic/.cluster', '/tmp/bed-a', '/tmp/bed-b'];
  const networks = dirs.map(podNetworkFor);

  it('gives each bed the same names on every start', () => {
    expect(podNetworkFor('/work/traffic/.cluster')).toEqual(networks[1]);
  });

  it('gives beds of different folders different names, addresses and tables', () => {
    for (const key of ['namespace', 'hostLink', 'hostAddress', 'table'] as const) {
      expect(new Set(networks.map((n) => n[key])).size).toBe(dirs.length);
    }
  });

  it.each(networks.map((n) => [n.namespace, n]))(
    '%s fits the kernel and stays on its link',
    (_, n) => {
      // Interface names have at most 15 characters.
      expect(n.hostLink.length).toBeLessThanOrEqual(15);
      expect(n.podLink.length).toBeLessThanOrEqual(15);
      const [a, b] = [n.hostAddress, n.podAddress].map((ip) => ip.split('.').map(Number));
      expect(a?.slice(0, 2)).toEqual([169, 254]);
      expect(a?.[2]).not.toBe(169);
      // One /30: network, host end, pod end, broadcast.
      expect((a?.[3] ?? 0) % 4).toBe(1);
      expect(b).toEqual([...(a ?? []).slice(0, 3), (a?.[3] ?? 0) + 1]);
      // A rule before the main table's (32766).
      expect(n.table).toBeGreaterThan(0);
      expect(n.table).toBeLessThan(32_766);
    },
  );
});
