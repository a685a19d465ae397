import { HttpMethod, KubeConfig, RequestContext } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { reuseConnections } from '../../src/deploy/kubernetes-connections.ts';

function config(caData: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'bed', server: 'https://127.0.0.1:6443', caData, skipTLSVerify: false }],
    users: [{ name: 'app', token: 'a-token' }],
    contexts: [{ name: 'bed', cluster: 'bed', user: 'app' }],
    currentContext: 'bed',
  });
  return kc;
}

/** The dispatcher (connection pool) that a request made through the kubeconfig would use. */
async function dispatcherOf(kc: KubeConfig): Promise<unknown> {
  const context = new RequestContext('https://127.0.0.1:6443/api', HttpMethod.GET);
  await kc.applySecurityAuthentication(context);
  return context.getDispatcher();
}

describe('reuseConnections', () => {
  it('gives every request of a kubeconfig the same connections', async () => {
    const plain = config(Buffer.from('a CA').toString('base64'));
    // What the client does by itself: a pool, and so a TLS handshake, per request.
    expect(await dispatcherOf(plain)).not.toBe(await dispatcherOf(plain));
    const pooled = reuseConnections(config(Buffer.from('a CA').toString('base64')));
    const first = await dispatcherOf(pooled);
    expect(first).toBeDefined();
    expect(await dispatcherOf(pooled)).toBe(first);
  });

  it('opens new connections when the TLS options change, as rotated credentials do', async () => {
    const pooled = reuseConnections(config(Buffer.from('a CA').toString('base64')));
    const before = await dispatcherOf(pooled);
    pooled.clusters[0] = {
      ...pooled.clusters[0],
      caData: Buffer.from('another CA').toString('base64'),
    } as never;
    expect(await dispatcherOf(pooled)).not.toBe(before);
  });
});
