import type { KubernetesObject } from '@kubernetes/client-node';
import { managerName } from '../plan/labels.ts';
import { bearsPods } from '../plan/pod-security-standards.ts';
import type { ApplyResult, PodSecurityLevel } from '../ports.ts';
import type { NamespaceAccess } from './kubernetes-namespace-access.ts';
import { applyObjects, type ObjectApi } from './kubernetes-objects.ts';

/**
 * Asks Pod Security what a level says of pod templates. They are judged in a
 * namespace of the app's own that enforces nothing and warns at that level:
 * the preview namespace warns at `restricted`, and for workloads Pod Security
 * names only the warn level's violations, so there the enforced level's
 * cannot be told apart. Nothing is ever created there (dry runs only).
 */
export class PodSecurityCheck {
  private readonly objects: ObjectApi;
  private readonly access: NamespaceAccess | undefined;
  private readonly namespaces = new Map<PodSecurityLevel, Promise<string>>();

  constructor(objects: ObjectApi, access: NamespaceAccess | undefined) {
    this.objects = objects;
    this.access = access;
  }

  async warnings(
    objects: KubernetesObject[],
    level: PodSecurityLevel,
  ): Promise<ApplyResult['warnings']> {
    const templated = objects.filter(bearsPods);
    if (level === 'privileged' || templated.length === 0) return [];
    const namespace = await this.namespaceFor(level);
    const moved = templated.map((object) => ({
      ...object,
      metadata: { ...object.metadata, namespace },
    }));
    const result = await applyObjects(this.objects, moved, { dryRun: true, asNew: true });
    return result.warnings;
  }

  private namespaceFor(level: PodSecurityLevel): Promise<string> {
    let ready = this.namespaces.get(level);
    if (!ready) {
      const name = `pr-preview-pod-security-${level}`;
      const namespace = {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name,
          labels: {
            'app.kubernetes.io/part-of': managerName,
            'pod-security.kubernetes.io/enforce': 'privileged',
            'pod-security.kubernetes.io/warn': level,
            'pod-security.kubernetes.io/warn-version': 'latest',
          },
        },
      };
      ready = applyObjects(this.objects, [namespace], { dryRun: false })
        .then(() => this.access?.bind(name, true))
        .then(
          () => name,
          (error: unknown) => {
            // Asked again next time: a passing failure must not stick.
            this.namespaces.delete(level);
            throw error;
          },
        );
      this.namespaces.set(level, ready);
    }
    return ready;
  }
}
