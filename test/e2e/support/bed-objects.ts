import { PatchStrategy, type KubernetesObject, type V1Ingress } from '@kubernetes/client-node';
import { clients, eventually, namespaceGone } from './kube.ts';

/**
 * What the bed's own tests route traffic to, without the app: Deployments whose
 * pods answer (test/cluster/pod-listener.ts), their Services and Ingresses of
 * the bed's class, applied server-side into one namespace of the test's.
 */
export function bedObjects(namespace: string, fieldManager: string) {
  const { core, objects } = clients();

  const apply = (object: object) =>
    objects.patch(
      { metadata: { namespace }, ...object } as KubernetesObject,
      undefined,
      undefined,
      fieldManager,
      true,
      PatchStrategy.ServerSideApply,
    );

  /** Deletes what an earlier run left (a bed is reused), then makes the namespace afresh. */
  async function freshNamespace(): Promise<void> {
    if (!(await namespaceGone(core, namespace))) {
      await core.deleteNamespace({ name: namespace });
      await eventually('old namespace gone', async () =>
        (await namespaceGone(core, namespace)) ? true : undefined,
      );
    }
    await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  }

  /** Its pods answer on port 8080 (`http`); `version` is in their image tag and environment. */
  const web = (name: string, replicas: number, version: string): object => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name: 'web',
              image: `registry.example.com/${name}:${version}`,
              env: [{ name: 'VERSION', value: version }],
              ports: [{ name: 'http', containerPort: 8080 }],
            },
          ],
        },
      },
    },
  });

  /** Port `http` (80) to the `web` pods of the same name: HAProxy's backend `<namespace>_<name>_http`. */
  const service = (name: string) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  });

  function ingress(
    name: string,
    host: string,
    paths: [path: string, pathType: string, service: string][],
    chosen: { className?: string; legacyAnnotation?: boolean } = {},
  ): V1Ingress {
    const className = chosen.className ?? 'haproxy-v1';
    return {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        name,
        namespace,
        ...(chosen.legacyAnnotation
          ? { annotations: { 'kubernetes.io/ingress.class': className } }
          : {}),
      },
      spec: {
        ...(chosen.legacyAnnotation ? {} : { ingressClassName: className }),
        rules: [
          {
            host,
            http: {
              paths: paths.map(([path, pathType, backend]) => ({
                path,
                pathType,
                backend: { service: { name: backend, port: { name: 'http' } } },
              })),
            },
          },
        ],
      },
    };
  }

  /** The pods of `app` that run and are not going away. */
  async function runningPods(app: string) {
    const pods = await core.listNamespacedPod({ namespace, labelSelector: `app=${app}` });
    return pods.items.filter(
      (p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp,
    );
  }

  return { apply, freshNamespace, web, service, ingress, runningPods };
}
