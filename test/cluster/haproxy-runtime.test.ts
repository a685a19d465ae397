import { describe, expect, it } from 'vitest';
import { renderHaproxy, serverSlots, type ClusterRoutes } from './haproxy-config.ts';
import { runtimeCommands, runtimeRefused, serverUpdates } from './haproxy-runtime.ts';
import { ingress, options, service, slice } from './haproxy-test-objects.ts';

const routes = (ready: string[], more: Partial<ClusterRoutes> = {}): ClusterRoutes => ({
  ingresses: [ingress({ rules: [{ host: 'a.example.com', paths: [['/', 'Prefix', 'web']] }] })],
  services: [service('web')],
  endpointSlices: [
    slice(
      'web',
      ready.map((address) => [address, true] as [string, boolean]),
    ),
  ],
  ...more,
});
const render = (cluster: ClusterRoutes) => renderHaproxy(cluster, options);

describe('serverUpdates', () => {
  it('puts a pod that comes into a spare slot, and takes one that goes out of service', () => {
    expect(
      serverUpdates(render(routes(['10.0.0.9'])), render(routes(['10.0.0.9', '10.0.0.7']))),
    ).toEqual([
      { backend: 'shop_web_http', server: 'SRV_1', address: '10.0.0.7', port: 8080, enabled: true },
      { backend: 'shop_web_http', server: 'SRV_2', address: '10.0.0.9', port: 8080, enabled: true },
    ]);
    expect(
      serverUpdates(render(routes(['10.0.0.9', '10.0.0.10'])), render(routes(['10.0.0.9']))),
    ).toEqual([
      { backend: 'shop_web_http', server: 'SRV_2', address: '127.0.0.1', port: 1, enabled: false },
    ]);
  });

  it('brings a backend with no pod yet into service without a reload', () => {
    expect(serverUpdates(render(routes([])), render(routes(['10.0.0.9'])))).toEqual([
      { backend: 'shop_web_http', server: 'SRV_1', address: '10.0.0.9', port: 8080, enabled: true },
    ]);
  });

  it('leaves a reload for more pods than slots, a new route, a new backend or an ExternalName', () => {
    const full = Array.from({ length: serverSlots }, (_, i) => `10.0.1.${i + 1}`);
    expect(
      serverUpdates(render(routes(full)), render(routes([...full, '10.0.2.1']))),
    ).toBeUndefined();
    const twoHosts = routes(['10.0.0.9'], {
      ingresses: [
        ingress({
          rules: [
            { host: 'a.example.com', paths: [['/', 'Prefix', 'web']] },
            { host: 'b.example.com', paths: [['/', 'Prefix', 'web']] },
          ],
        }),
      ],
    });
    expect(serverUpdates(render(routes(['10.0.0.9'])), render(twoHosts))).toBeUndefined();
    const otherBackend = routes(['10.0.0.9'], {
      ingresses: [ingress({ rules: [{ host: 'a.example.com', paths: [['/', 'Prefix', 'api']] }] })],
      services: [service('web'), service('api')],
    });
    expect(serverUpdates(render(routes(['10.0.0.9'])), render(otherBackend))).toBeUndefined();
    const before = { config: '  server SRV_1 127.0.0.1:8080\n', maps: {} };
    const after = { config: '  server SRV_1 127.0.0.1:9090\n', maps: {} };
    expect(serverUpdates(before, after)).toBeUndefined();
  });

  it('finds nothing to do when nothing moved', () => {
    expect(serverUpdates(render(routes(['10.0.0.9'])), render(routes(['10.0.0.9'])))).toEqual([]);
  });
});

describe('runtimeCommands', () => {
  it('gives a server its address before service, and takes it out of service before the address goes', () => {
    expect(
      runtimeCommands([
        { backend: 'b', server: 'SRV_1', address: '10.0.0.9', port: 80, enabled: true },
        { backend: 'b', server: 'SRV_2', address: '127.0.0.1', port: 1, enabled: false },
      ]),
    ).toEqual([
      '@1 set server b/SRV_1 addr 10.0.0.9 port 80; @1 set server b/SRV_1 state ready; ' +
        '@1 set server b/SRV_2 state maint; @1 set server b/SRV_2 addr 127.0.0.1 port 1',
    ]);
  });

  it('sends many updates in several lines', () => {
    const updates = Array.from({ length: 5 }, (_, i) => ({
      backend: 'b',
      server: `SRV_${i + 1}`,
      address: `10.0.0.${i + 1}`,
      port: 80,
      enabled: true,
    }));
    const lines = runtimeCommands(updates, 4);
    expect(lines).toHaveLength(3);
    expect(lines.join('; ').split('; ')).toHaveLength(10);
  });
});

describe('runtimeRefused', () => {
  it("tells HAProxy's refusals from its answers", () => {
    expect(
      runtimeRefused(
        "IP changed from '127.0.0.1' to '10.0.0.9', port changed from '1' to '80' by 'stats socket command'\n\n",
      ),
    ).toBe(false);
    expect(runtimeRefused('\n')).toBe(false);
    expect(runtimeRefused('No such server.\n')).toBe(true);
    expect(runtimeRefused('No such backend.\n')).toBe(true);
  });
});
