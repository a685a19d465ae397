import { CoreV1Api, type KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import {
  releaseClaims,
  repairClaims,
  reserveClaims,
  type Claim,
  type Claims,
  type PreviewCaps,
} from '../plan/claims.ts';
import { managerName } from '../plan/labels.ts';
import type { PreviewClaims } from '../ports.ts';
import { instanceLabel } from './admission-policies.ts';
import { transientButNoConflict, withRetry } from './retry.ts';
import { isNotFound, isConflict } from './api-status.ts';

/** How often a claim is decided again after another replica changed the claims first. */
const maxConflicts = 20;

/**
 * The namespaces, hosts and places under the caps that this installation's
 * previews hold, in one ConfigMap of the app's namespace. Every change is a
 * compare-and-swap on its resourceVersion, so two replicas deploying at once
 * can never both take one host, one namespace or the last place under a cap:
 * the second one's write fails with 409 and it decides again.
 */
export class KubernetesClaims implements PreviewClaims {
  private readonly core: CoreV1Api;
  private readonly namespace: string;
  private readonly name: string;
  private readonly instance: string;

  constructor(kubeConfig: KubeConfig, options: { namespace: string; instance: string }) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.namespace = options.namespace;
    this.instance = options.instance;
    this.name = `pr-preview-${options.instance}-claims`;
  }

  reserve(
    wanted: { namespace: string; claim: Omit<Claim, 'at'> }[],
    caps: PreviewCaps,
  ): Promise<Map<string, string>> {
    return this.update((current) => {
      const { next, refused } = reserveClaims({ current, wanted, caps, now: Date.now() });
      return { next, result: refused };
    });
  }

  release(namespaces: string[]): Promise<void> {
    return this.update((current) => ({
      next: releaseClaims(current, namespaces),
      result: undefined,
    }));
  }

  repair(live: { namespace: string; claim: Omit<Claim, 'at'> }[], graceMs: number): Promise<void> {
    return this.update((current) => ({
      next: repairClaims({ current, live, now: Date.now(), graceMs }),
      result: undefined,
    }));
  }

  private async update<T>(decide: (current: Claims) => { next: Claims; result: T }): Promise<T> {
    for (let attempt = 0; attempt < maxConflicts; attempt++) {
      const stored = await this.read();
      const { next, result } = decide(parse(stored));
      const body: V1ConfigMap = {
        metadata: {
          name: this.name,
          namespace: this.namespace,
          labels: { 'app.kubernetes.io/part-of': managerName, [instanceLabel]: this.instance },
          ...(stored?.metadata?.resourceVersion
            ? { resourceVersion: stored.metadata.resourceVersion }
            : {}),
        },
        data: { claims: JSON.stringify(next) },
      };
      try {
        await withRetry(
          () =>
            stored
              ? this.core.replaceNamespacedConfigMap({
                  name: this.name,
                  namespace: this.namespace,
                  body,
                })
              : this.core.createNamespacedConfigMap({ namespace: this.namespace, body }),
          { retriable: transientButNoConflict },
        );
        return result;
      } catch (error) {
        // Another replica changed (409) or deleted (404 on replace) the claims since they were read: decide again.
        if (isConflict(error) || (stored && isNotFound(error))) continue;
        throw error;
      }
    }
    throw new Error(`the claims of previews changed ${maxConflicts} times while being reserved`);
  }

  private async read(): Promise<V1ConfigMap | undefined> {
    try {
      return await withRetry(() =>
        this.core.readNamespacedConfigMap({ name: this.name, namespace: this.namespace }),
      );
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
}

function parse(stored: V1ConfigMap | undefined): Claims {
  try {
    return JSON.parse(stored?.data?.claims ?? '{}') as Claims;
  } catch {
    return {};
  }
}
