import type { KubeConfig } from '@kubernetes/client-node';
import { createHash } from 'node:crypto';

type DispatcherFactory = (cluster: unknown, agentOptions: unknown) => unknown;

/**
 * Makes every client of the kubeconfig share its connections to the API
 * server. @kubernetes/client-node 2.0 builds a new undici Agent for each
 * request, so each request opens a connection and a TLS handshake of its own:
 * on a bench, 4.8 ms of the app's CPU and 3.5 ms of the API server's per
 * request against 1.6 ms and 1.8 ms when connections are kept. One Agent is
 * kept per distinct set of TLS options (the client's own
 * `createDispatcherOptions`), so rotated credentials still get a new one.
 * The client keeps the factory private; if a release renames it, this does
 * nothing and requests only cost what they did.
 */
export function reuseConnections(kubeConfig: KubeConfig): KubeConfig {
  const patchable = kubeConfig as unknown as { createDispatcher?: DispatcherFactory };
  const create = patchable.createDispatcher?.bind(kubeConfig);
  if (!create) return kubeConfig;
  const agents = new Map<string, unknown>();
  patchable.createDispatcher = (cluster, agentOptions) => {
    const options = kubeConfig.createDispatcherOptions(
      cluster as Parameters<KubeConfig['createDispatcherOptions']>[0],
      agentOptions as Parameters<KubeConfig['createDispatcherOptions']>[1],
    );
    const key = createHash('sha256').update(JSON.stringify(options)).digest('hex');
    if (!agents.has(key)) agents.set(key, create(cluster, agentOptions));
    return agents.get(key);
  };
  return kubeConfig;
}
