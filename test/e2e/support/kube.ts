import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  NetworkingV1Api,
} from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { inject } from 'vitest';

export function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(inject('kubeconfig'));
  return kc;
}

export function clients() {
  const kc = kubeConfig();
  return {
    kc,
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    batch: kc.makeApiClient(BatchV1Api),
    networking: kc.makeApiClient(NetworkingV1Api),
    objects: KubernetesObjectApi.makeApiClient(kc),
  };
}

/** Polls until `check` returns a value other than undefined, or fails with the last state seen. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

export async function namespaceGone(core: CoreV1Api, name: string): Promise<boolean> {
  try {
    await core.readNamespace({ name });
    return false;
  } catch (error) {
    if ((error as { code?: number }).code === 404) return true;
    throw error;
  }
}

/** The test cluster as someone else: a ServiceAccount's token instead of the admin's certificate. */
export function kubeConfigAs(admin: KubeConfig, token: string): KubeConfig {
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error('the test kubeconfig has no cluster');
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ ...cluster, name: 'bed' }],
    users: [{ name: 'token', token }],
    contexts: [{ name: 'token', cluster: 'bed', user: 'token' }],
    currentContext: 'token',
  });
  return kc;
}

/**
 * The test cluster as `user` would reach it, by impersonation from the
 * admin's certificate; with `group`, as a member of that group as well
 * (`system:masters` takes RBAC out of the way, so what refuses is admission).
 */
export function kubeConfigImpersonating(
  admin: KubeConfig,
  identity: { user: string; group?: string },
): KubeConfig {
  class Impersonating extends KubeConfig {
    override async applySecurityAuthentication(
      context: Parameters<KubeConfig['applySecurityAuthentication']>[0],
    ): Promise<void> {
      await super.applySecurityAuthentication(context);
      context.setHeaderParam('Impersonate-User', identity.user);
      if (identity.group) context.setHeaderParam('Impersonate-Group', identity.group);
    }
  }
  const kc = new Impersonating();
  kc.loadFromString(admin.exportConfig());
  return kc;
}
