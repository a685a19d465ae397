import type { KubernetesObject } from '@kubernetes/client-node';

/** A Service of the render, as an Ingress backend names it. */
export interface RenderedService {
  name: string;
  ports: { name?: string; port: number }[];
}

/** The Service and port the app's own Ingress routes a preview's host to. */
export interface IngressBackend {
  service: string;
  port: { name: string } | { number: number };
}

/** The render's core Services, with their ports. */
export function renderedServices(objects: readonly KubernetesObject[]): RenderedService[] {
  return objects
    .filter((o) => o.apiVersion === 'v1' && o.kind === 'Service' && o.metadata?.name)
    .map((o) => {
      const spec = (o as { spec?: { ports?: { name?: string; port?: number }[] } }).spec;
      return {
        name: o.metadata?.name as string,
        ports: (spec?.ports ?? []).map((p) => ({
          ...(p.name ? { name: p.name } : {}),
          port: Number(p.port),
        })),
      };
    });
}

const where = 'set `ingress.service` and `ingress.port` in .github/preview.yml';

/**
 * Where the app's Ingress sends a preview's host, when the chart brings no
 * Ingress of its own: the Service and port the repository named, else
 * `<app>-service` when the chart has it, else the chart's only Service; the
 * port named `nginx` when there is one, else the Service's first. A stock
 * `helm create` chart (one Service, port `http`) thus needs no settings. A
 * Service or port that the render does not have is refused, naming both, so
 * a preview that could never answer is not called ready.
 */
export function chooseIngressBackend(params: {
  services: RenderedService[];
  app: string;
  service?: string;
  port?: string | number;
}): { ok: true; backend: IngressBackend } | { ok: false; problem: string } {
  const { services } = params;
  const names = services.map((s) => `\`${s.name}\``).join(', ') || 'none';
  let service: RenderedService | undefined;
  if (params.service) {
    service = services.find((s) => s.name === params.service);
    if (!service) {
      return {
        ok: false,
        problem: `the preview's Ingress routes to Service \`${params.service}\`, which the chart does not render (its Services: ${names}); ${where}`,
      };
    }
  } else {
    service =
      services.find((s) => s.name === `${params.app}-service`) ??
      (services.length === 1 ? services[0] : undefined);
    if (!service) {
      return {
        ok: false,
        problem:
          services.length === 0
            ? `the chart renders no Service and no Ingress, so the preview's host has nothing to route to; render a Service, or an Ingress of the chart's own`
            : `the chart renders several Services (${names}) and no Ingress: which one the preview's host routes to is not known; ${where}`,
      };
    }
  }
  const ports = service.ports.map((p) => (p.name ? `\`${p.name}\` (${p.port})` : `${p.port}`));
  const port =
    params.port === undefined
      ? (service.ports.find((p) => p.name === 'nginx') ?? service.ports[0])
      : service.ports.find((p) =>
          typeof params.port === 'number' ? p.port === params.port : p.name === params.port,
        );
  if (!port) {
    return {
      ok: false,
      problem:
        params.port === undefined
          ? `Service \`${service.name}\` has no port for the preview's Ingress to route to`
          : `the preview's Ingress routes to port \`${params.port}\` of Service \`${service.name}\`, which has no such port (its ports: ${ports.join(', ') || 'none'}); ${where}`,
    };
  }
  return {
    ok: true,
    backend: {
      service: service.name,
      port:
        port.name && typeof params.port !== 'number' ? { name: port.name } : { number: port.port },
    },
  };
}
