import {
  CoreV1Api,
  KubeConfig,
  NetworkingV1Api,
  StorageV1Api,
  type V1IngressClass,
  type V1Node,
} from '@kubernetes/client-node';
import { storageClass } from './local-volumes.ts';

/** What a fresh bed's cluster holds beside its control plane: nodes and the classes a cluster offers. */

export const fakeNodeCount = 3;

/** The class preview Ingresses use; the stand-in serves it, and nothing makes it the default. */
export const ingressClassName = 'haproxy-v1';

function kubeConfig(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

const nodeResources = { cpu: '1000', memory: '4Ti', pods: '1000', 'ephemeral-storage': '10Ti' };

export async function createClusterObjects(kubeconfig: string): Promise<void> {
  const kc = kubeConfig(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  for (let i = 0; i < fakeNodeCount; i++) {
    const name = `kwok-node-${i}`;
    const node: V1Node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
        labels: {
          'kubernetes.io/arch': 'amd64',
          'kubernetes.io/os': 'linux',
          'kubernetes.io/hostname': name,
          type: 'kwok',
        },
      },
      // Like a real node, with local storage: pods that request ephemeral storage fit.
      status: {
        allocatable: nodeResources,
        capacity: nodeResources,
      },
    };
    await core.createNode({ body: node });
  }
  // Claims without a class get this one, and storage-provisioner.ts gives them volumes.
  await kc.makeApiClient(StorageV1Api).createStorageClass({ body: storageClass() });
  const ingressClass: V1IngressClass = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name: ingressClassName },
    spec: { controller: 'haproxy.org/ingress-controller/haproxy-v1' },
  };
  await kc.makeApiClient(NetworkingV1Api).createIngressClass({ body: ingressClass });
}

export async function readyNodesPresent(kubeconfig: string): Promise<boolean> {
  const nodes = await kubeConfig(kubeconfig).makeApiClient(CoreV1Api).listNode();
  const ready = nodes.items.filter((node) =>
    node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  );
  return ready.length >= fakeNodeCount;
}
