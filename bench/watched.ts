/**
 * The cluster as the benchmark reads it while it measures: watched, not
 * polled. Listing every 20 ms (as the latency runs once did) loads the API
 * server the figures measure, on two cores by several percent of a core.
 */
import { Watch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { sha, tenants } from './bench-world.ts';

/**
 * The objects under one path and label selector that pass a test, by
 * namespace and name, kept up to date by a watch; `changed` is called after
 * every event.
 */
export class WatchedSet {
  private readonly names = new Set<string>();
  private readonly requests: { abort(): void }[] = [];
  private stopped = false;
  private readonly watch: Watch;
  private readonly path: string;
  private readonly labelSelector: string;
  private readonly passes: (object: KubernetesObject) => boolean;
  private readonly changed: (error?: Error) => void;

  constructor(
    kc: KubeConfig,
    path: string,
    labelSelector: string,
    passes: (object: KubernetesObject) => boolean,
    changed: (error?: Error) => void,
  ) {
    this.watch = new Watch(kc);
    this.path = path;
    this.labelSelector = labelSelector;
    this.passes = passes;
    this.changed = changed;
    this.follow();
  }

  get size(): number {
    return this.names.size;
  }

  stop(): void {
    this.stopped = true;
    for (const request of this.requests) request.abort();
  }

  // A watch the API server keeps quiet for 30 s ends with the client's
  // TimeoutError, and one the API server closes ends without an error:
  // either is opened again, and its first events tell the whole state once more.
  private follow(): void {
    const ended = (error: unknown) => {
      if (this.stopped) return;
      const quiet = !error || (error as { name?: unknown }).name === 'TimeoutError';
      if (quiet) this.follow();
      else this.changed(error as Error);
    };
    const onEvent = (type: string, object: KubernetesObject) => {
      const name = `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
      if (type !== 'DELETED' && this.passes(object)) this.names.add(name);
      else this.names.delete(name);
      this.changed();
    };
    this.watch
      .watch(this.path, { labelSelector: this.labelSelector }, onEvent, ended)
      .then((request) => {
        if (this.stopped) request.abort();
        else this.requests.push(request);
      }, this.changed);
  }
}

/**
 * When the watched set first holds at least (or, `atMost`, at most) `size`
 * objects after one of its events. Opened before the change it waits for.
 */
export function untilSize(
  kc: KubeConfig,
  where: { path: string; labelSelector: string },
  passes: (object: KubernetesObject) => boolean,
  wanted: { size: number; atMost?: boolean },
): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    // Events arrive from the network, never before the constructor returns.
    const set: WatchedSet = new WatchedSet(kc, where.path, where.labelSelector, passes, (error) => {
      if (error) {
        set.stop();
        reject(error);
      } else if (wanted.atMost ? set.size <= wanted.size : set.size >= wanted.size) {
        set.stop();
        resolve(performance.now());
      }
    });
  });
}

/**
 * When the cluster holds every preview of the given pull requests applied
 * (its Ingress exists) and ready (its namespace records the commit, with no
 * deploy under way).
 */
export function watchProgress(
  kc: KubeConfig,
  keys: Set<string>,
): Promise<{ appliedAt: number; readyAt: number }> {
  const expected = keys.size * tenants.length;
  const mine = (object: KubernetesObject) => {
    const labels = object.metadata?.labels;
    return keys.has(
      `${labels?.['pr-preview.dev/repository-id']}#${labels?.['pr-preview.dev/pull-request']}`,
    );
  };
  let appliedAt: number | undefined;
  return new Promise((resolve, reject) => {
    const onChange = (error?: Error) => {
      if (error) {
        stop();
        reject(error);
        return;
      }
      if (appliedAt === undefined && applied.size === expected) appliedAt = performance.now();
      if (ready.size === expected) {
        stop();
        const readyAt = performance.now();
        resolve({ appliedAt: appliedAt ?? readyAt, readyAt });
      }
    };
    const applied = new WatchedSet(
      kc,
      '/apis/networking.k8s.io/v1/ingresses',
      'pr-preview.dev/pull-request',
      mine,
      onChange,
    );
    const ready = new WatchedSet(
      kc,
      '/api/v1/namespaces',
      'app.kubernetes.io/managed-by=pr-preview',
      (n) => {
        const annotations = n.metadata?.annotations ?? {};
        return (
          mine(n) &&
          annotations['pr-preview.dev/sha'] === sha &&
          !annotations['pr-preview.dev/deploying-sha']
        );
      },
      onChange,
    );
    const stop = () => {
      applied.stop();
      ready.stop();
    };
  });
}
