import {
  AdmissionregistrationV1Api,
  RbacAuthorizationV1Api,
  StorageV1Api,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { Guardrails } from '../plan/guardrails.ts';
import { describe } from '../plan/object-identity.ts';
import { fenceNames, fenceParams } from '../plan/fence-params.ts';
import type { Fences, Logger, PodSecurityLevel } from '../ports.ts';
import { instanceLabel, policyObjects, policyVersionKey } from './admission-policies.ts';
import type { KubernetesIdentity } from './kubernetes-identity.ts';
import { ObjectApi } from './kubernetes-objects.ts';
import { withRetry } from './retry.ts';
import { isNotFound, isForbidden } from './api-status.ts';

export interface FencesOptions {
  instance: string;
  /** The app's own namespace, where the policies' params live. */
  namespace: string;
  guardrails: Guardrails;
  copiedSecrets: string[];
  podSecurity: PodSecurityLevel;
  /** `external`: the platform keeps fences of its own, and the app checks nothing. */
  mode: 'apply' | 'external';
  /** The ClusterRole of every namespace's reader: the app installs it when it may. */
  readerRole: string;
  /** The ClusterRole bound to the app in each preview namespace; the platform's, never the app's. */
  namespaceRole?: string;
  logger: Logger;
}

/** How often the fences are looked at again: soon while something is missing. */
const recheckMs = { incomplete: 30_000, complete: 300_000 };

/**
 * The app's side of its admission policies: at start (and now and then) it
 * writes the lists they read, checks that this instance's policies and
 * bindings are installed at the version it ships, and installs what it may.
 * What it cannot install is reported, by `/readyz` and on every deploy,
 * which waits for it: without its fences, no preview is deployed.
 */
export class KubernetesFences implements Fences {
  private readonly objects: ObjectApi;
  private readonly admission: AdmissionregistrationV1Api;
  private readonly rbac: RbacAuthorizationV1Api;
  private readonly storage: StorageV1Api;
  private readonly identity: KubernetesIdentity;
  private readonly options: FencesOptions;
  private last: { at: number; missing: Promise<string[]> } | undefined;
  private reported = '';

  constructor(kubeConfig: KubeConfig, identity: KubernetesIdentity, options: FencesOptions) {
    this.objects = kubeConfig.makeApiClient(ObjectApi);
    this.admission = kubeConfig.makeApiClient(AdmissionregistrationV1Api);
    this.rbac = kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    this.storage = kubeConfig.makeApiClient(StorageV1Api);
    this.identity = identity;
    this.options = options;
  }

  missing(): Promise<string[]> {
    const last = this.last;
    if (last) {
      const age = Date.now() - last.at;
      const due = (missing: string[]) =>
        age > (missing.length > 0 ? recheckMs.incomplete : recheckMs.complete);
      return last.missing.then((missing) => (due(missing) ? this.refresh() : missing));
    }
    return this.refresh();
  }

  private refresh(): Promise<string[]> {
    const missing = this.ensure().catch((error: unknown) => [
      `the app's admission policies could not be checked: ${(error as Error).message}`,
    ]);
    this.last = { at: Date.now(), missing };
    return missing.then((list) => {
      const said = list.join('; ');
      if (said !== this.reported) {
        this.reported = said;
        if (list.length > 0) {
          this.options.logger.error(
            { missing: list },
            'the cluster lacks fences of the app: previews wait until the platform installs them (charts/pr-preview does)',
          );
        } else {
          this.options.logger.info(
            { instance: this.options.instance },
            'admission policies in place',
          );
        }
      }
      return list;
    });
  }

  /** Writes the params, then installs or reports each missing piece; returns what is missing. */
  private async ensure(): Promise<string[]> {
    const { options } = this;
    if (options.mode === 'external') return [];
    const user = await this.identity.whoAmI();
    const names = fenceNames(options.instance);
    const missing: string[] = [];
    const params = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: names.params,
        namespace: options.namespace,
        labels: { [instanceLabel]: options.instance },
      },
      data: fenceParams({
        guardrails: options.guardrails,
        appUser: user.username,
        copiedSecrets: options.copiedSecrets,
        ...(await this.defaultStorageClass()),
      }),
    } as KubernetesObject;
    await this.install(params, missing);
    const placeholders = {
      prefix: names.prefix,
      instance: options.instance,
      namespace: options.namespace,
      params: names.params,
    };
    const expected = [
      ...policyObjects('fences', placeholders),
      // The app's own writes can be fenced by name only when it has a name of its own.
      ...(user.serviceAccount
        ? policyObjects('app-writes', {
            ...placeholders,
            appUser: user.username,
            podSecurity: options.podSecurity,
          })
        : []),
    ];
    const installed = await this.installedVersions();
    if (!installed) {
      return [
        'ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1, Kubernetes 1.30 and later): the cluster does not serve it',
      ];
    }
    for (const object of expected) {
      const version = object.metadata?.annotations?.[policyVersionKey];
      if (installed.get(`${object.kind}/${object.metadata?.name}`) === version) continue;
      await this.install(object, missing);
    }
    await this.ensureReaderRole(missing);
    if (options.namespaceRole && !(await this.clusterRoleExists(options.namespaceRole))) {
      missing.push(`ClusterRole \`${options.namespaceRole}\` (PREVIEW_NAMESPACE_ROLE)`);
    }
    return missing;
  }

  /** Server-side apply; a refusal for want of rights makes it missing, anything else is thrown. */
  private async install(object: KubernetesObject, missing: string[]): Promise<void> {
    try {
      await withRetry(() => this.objects.applyAsWritten(object, false));
      this.options.logger.info({ object: describe(object) }, 'installed an admission object');
    } catch (error) {
      if (isForbidden(error) || isNotFound(error)) {
        missing.push(
          `${describe(object)}${isForbidden(error) ? ' (the app may not install it)' : ''}`,
        );
        return;
      }
      throw error;
    }
  }

  /** `Kind/name` → version of this instance's installed policies and bindings; undefined when not served. */
  private async installedVersions(): Promise<Map<string, string> | undefined> {
    const labelSelector = `${instanceLabel}=${this.options.instance}`;
    try {
      const [policies, bindings] = await Promise.all([
        withRetry(() => this.admission.listValidatingAdmissionPolicy({ labelSelector })),
        withRetry(() => this.admission.listValidatingAdmissionPolicyBinding({ labelSelector })),
      ]);
      const versions = new Map<string, string>();
      for (const [kind, list] of [
        ['ValidatingAdmissionPolicy', policies.items],
        ['ValidatingAdmissionPolicyBinding', bindings.items],
      ] as const) {
        for (const item of list) {
          versions.set(
            `${kind}/${item.metadata?.name}`,
            item.metadata?.annotations?.[policyVersionKey] ?? '',
          );
        }
      }
      return versions;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** The ClusterRole that every preview's reader is bound to: get and list, nothing else. */
  private async ensureReaderRole(missing: string[]): Promise<void> {
    const name = this.options.readerRole;
    if (await this.clusterRoleExists(name)) return;
    await this.install(
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name, labels: { [instanceLabel]: this.options.instance } },
        rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list'] }],
      } as KubernetesObject,
      missing,
    );
  }

  private async clusterRoleExists(name: string): Promise<boolean> {
    try {
      await withRetry(() => this.rbac.readClusterRole({ name }));
      return true;
    } catch (error) {
      if (isNotFound(error) || isForbidden(error)) return false;
      throw error;
    }
  }

  /** Claims without a class get the cluster's default one, which the policy must then allow. */
  private async defaultStorageClass(): Promise<{ defaultStorageClass?: string }> {
    try {
      const classes = await withRetry(() => this.storage.listStorageClass());
      const found = classes.items.find(
        (c) => c.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true',
      );
      return found?.metadata?.name ? { defaultStorageClass: found.metadata.name } : {};
    } catch (error) {
      if (isForbidden(error)) return {};
      throw error;
    }
  }
}
