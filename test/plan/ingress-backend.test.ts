import { describe, expect, it } from 'vitest';
import { parseManifests } from '../../src/deploy/prepare-objects.ts';
import { chooseIngressBackend, renderedServices } from '../../src/plan/ingress-backend.ts';

/** The Service `helm create web` renders. */
const helmCreate = renderedServices(
  parseManifests(`apiVersion: v1
kind: Service
metadata: { name: web }
spec: { type: ClusterIP, ports: [{ port: 80, targetPort: http, protocol: TCP, name: http }] }
`),
);
const shop = [
  {
    name: 'shop-service',
    ports: [
      { name: 'metrics', port: 9100 },
      { name: 'nginx', port: 80 },
    ],
  },
  { name: 'shop-db', ports: [{ port: 5432 }] },
];

describe('chooseIngressBackend', () => {
  it.each([
    [
      'a stock helm create chart: its only Service, its first port',
      { services: helmCreate, app: 'web' },
      { service: 'web', port: { name: 'http' } },
    ],
    [
      '<app>-service among several, its nginx port',
      { services: shop, app: 'shop' },
      { service: 'shop-service', port: { name: 'nginx' } },
    ],
    [
      'the Service and port the repository named',
      { services: shop, app: 'shop', service: 'shop-service', port: 'metrics' },
      { service: 'shop-service', port: { name: 'metrics' } },
    ],
    [
      'a port by number',
      { services: shop, app: 'shop', service: 'shop-db', port: 5432 },
      { service: 'shop-db', port: { number: 5432 } },
    ],
    [
      'an unnamed only port, by number',
      { services: [{ name: 'db', ports: [{ port: 5432 }] }], app: 'x' },
      { service: 'db', port: { number: 5432 } },
    ],
  ])('routes to %s', (_, params, backend) => {
    expect(chooseIngressBackend(params)).toEqual({ ok: true, backend });
  });

  it.each([
    [
      'a named Service the chart lacks',
      { services: helmCreate, app: 'web', service: 'web-service' },
      "the preview's Ingress routes to Service `web-service`, which the chart does not render (its Services: `web`); set `ingress.service` and `ingress.port` in .github/preview.yml",
    ],
    [
      'a named port the Service lacks',
      { services: helmCreate, app: 'web', port: 'nginx' },
      "the preview's Ingress routes to port `nginx` of Service `web`, which has no such port (its ports: `http` (80)); set `ingress.service` and `ingress.port` in .github/preview.yml",
    ],
    [
      'several Services, none <app>-service',
      { services: shop, app: 'store' },
      "the chart renders several Services (`shop-service`, `shop-db`) and no Ingress: which one the preview's host routes to is not known; set `ingress.service` and `ingress.port` in .github/preview.yml",
    ],
    [
      'no Service at all',
      { services: [], app: 'web' },
      "the chart renders no Service and no Ingress, so the preview's host has nothing to route to; render a Service, or an Ingress of the chart's own",
    ],
  ])('refuses %s, naming both', (_, params, problem) => {
    expect(chooseIngressBackend(params)).toEqual({ ok: false, problem });
  });
});
