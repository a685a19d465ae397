import { appObjects } from '../plan/app-objects.ts';
import { labelKeys, managerName } from '../plan/labels.ts';
import type { KubernetesIdentity } from './kubernetes-identity.ts';
import { applyObjects, type ObjectApi } from './kubernetes-objects.ts';

/**
 * The app's rights in a namespace of its own making: a RoleBinding
 * (`pr-preview-app`) of the platform's ClusterRole to the app, so that the
 * app holds, there and only there, what a chart may create and what a
 * chart's Roles may grant: no cluster-wide rights over them, no `escalate`.
 */
export class NamespaceAccess {
  private readonly objects: ObjectApi;
  private readonly role: { name: string; identity: KubernetesIdentity };

  constructor(objects: ObjectApi, role: { name: string; identity: KubernetesIdentity }) {
    this.objects = objects;
    this.role = role;
  }

  /**
   * Binds the role to the app in the namespace. A new binding takes a moment
   * to reach the API server's authorizer, so a new namespace waits until the
   * app may write there.
   */
  async bind(namespace: string, created: boolean): Promise<void> {
    const user = await this.role.identity.whoAmI();
    const subject = user.serviceAccount
      ? { kind: 'ServiceAccount', ...user.serviceAccount }
      : { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: user.username };
    const binding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: {
        name: appObjects.appBinding,
        namespace,
        labels: { [labelKeys.managedBy]: managerName },
      },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: this.role.name },
      subjects: [subject],
    };
    await applyObjects(this.objects, [binding], { dryRun: false });
    if (!created) return;
    const allowed = await this.role.identity.waitUntilAllowed({
      namespace,
      verb: 'create',
      resource: 'resourcequotas',
    });
    if (!allowed) {
      throw new Error(
        `the app may not write into namespace ${namespace} although ClusterRole ${this.role.name} is bound to it there: the ClusterRole lacks rights over resourcequotas`,
      );
    }
  }
}
