import type { V1Container, V1Pod } from '@kubernetes/client-node';

/**
 * What a pod of the bed answers on each of its declared ports: who it is, so
 * that a test reading an answer through the ingress can tell which preview
 * and which commit served it (a chart carries the commit in the image tag
 * and in its environment).
 */
export interface PodAnswer {
  namespace: string;
  pod: string;
  node?: string;
  ip: string;
  port: number;
  /** The container that declares the port, and its image. */
  container: string;
  image: string;
  /** Every container's image, init containers that keep running (sidecars) included. */
  images: string[];
  /** The container's environment as its spec sets it, in order: literal values only, never `valueFrom`. */
  env: { name: string; value: string }[];
}

/** Answers by `ip:port`: one per TCP port a container declares on each IPv4 address of a Running pod. */
export function podAnswers(pods: readonly V1Pod[]): Map<string, PodAnswer> {
  const answers = new Map<string, PodAnswer>();
  for (const pod of pods) {
    if (pod.status?.phase !== 'Running' || pod.spec?.hostNetwork) continue;
    const ips = (pod.status.podIPs?.map((p) => p.ip) ?? [pod.status.podIP]).filter(
      (ip): ip is string => Boolean(ip && /^\d+(\.\d+){3}$/.test(ip)),
    );
    const containers = [
      ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always'),
      ...(pod.spec?.containers ?? []),
    ];
    const images = containers.map((c) => c.image ?? '');
    for (const container of containers) {
      for (const declared of container.ports ?? []) {
        if ((declared.protocol ?? 'TCP') !== 'TCP') continue;
        for (const ip of ips) {
          answers.set(`${ip}:${declared.containerPort}`, {
            namespace: pod.metadata?.namespace ?? '',
            pod: pod.metadata?.name ?? '',
            ...(pod.spec?.nodeName ? { node: pod.spec.nodeName } : {}),
            ip,
            port: declared.containerPort,
            container: container.name,
            image: container.image ?? '',
            images,
            env: literalEnv(container),
          });
        }
      }
    }
  }
  return answers;
}

function literalEnv(container: V1Container): PodAnswer['env'] {
  return (container.env ?? [])
    .filter((e) => e.valueFrom === undefined)
    .map((e) => ({ name: e.name, value: e.value ?? '' }));
}
