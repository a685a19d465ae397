import { Watch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';

export interface Seen {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  kind: string;
  name: string;
  namespace?: string;
  /**
   * The object's resourceVersion: in this bed, with its single etcd, the
   * store's revision, which orders changes across kinds as they happened.
   */
  revision: number;
  object: KubernetesObject & Record<string, any>;
}

/**
 * Every change the API server reports for some kinds, cluster-wide under a
 * label selector, from before a test acts until it stops: the order in which
 * things happened, read from the API server rather than from the app's log.
 */
export class WatchLog {
  readonly seen: Seen[] = [];
  private readonly controllers: AbortController[] = [];
  private readonly errors: unknown[] = [];

  static async start(
    kubeConfig: KubeConfig,
    paths: string[],
    labelSelector?: string,
  ): Promise<WatchLog> {
    const log = new WatchLog();
    const watch = new Watch(kubeConfig);
    for (const path of paths) {
      const controller = await watch.watch(
        path,
        labelSelector ? { labelSelector } : {},
        (type, object: Seen['object']) => {
          log.seen.push({
            type: type as Seen['type'],
            kind: object.kind ?? kindOf(path),
            name: object.metadata?.name ?? '',
            ...(object.metadata?.namespace ? { namespace: object.metadata.namespace } : {}),
            revision: Number(object.metadata?.resourceVersion),
            object,
          });
        },
        (error: unknown) => {
          if (error && (error as { name?: string }).name !== 'AbortError') log.errors.push(error);
        },
      );
      log.controllers.push(controller);
    }
    return log;
  }

  stop(): void {
    for (const controller of this.controllers) controller.abort();
  }

  /** The first change that matches, or undefined. */
  first(match: (seen: Seen) => boolean): Seen | undefined {
    return this.seen.filter(match).sort((a, b) => a.revision - b.revision)[0];
  }

  /** Every change that matches, in the order it happened. */
  all(match: (seen: Seen) => boolean): Seen[] {
    return this.seen.filter(match).sort((a, b) => a.revision - b.revision);
  }

  get failures(): unknown[] {
    return this.errors;
  }
}

function kindOf(path: string): string {
  const resource = path.split('/').at(-1) ?? '';
  return resource;
}

/** Whether a watched Job object has finished with the condition given. */
export function jobEnded(seen: Seen, condition: 'Complete' | 'Failed'): boolean {
  return Boolean(
    seen.object.status?.conditions?.some(
      (c: { type: string; status: string }) => c.type === condition && c.status === 'True',
    ),
  );
}
