import type { Informer, KubernetesObject } from '@kubernetes/client-node';

/** A line of a bed process's log, which goes to `.cluster/logs/<process>.log`. */
export function log(line: string): void {
  console.log(`${new Date().toISOString()} ${line}`);
}

/**
 * Every change calls `onChange`; a failed watch (the API server not up yet, or
 * restarted, as tests make it) starts again soon, then less often while it
 * keeps failing.
 */
export function onChanges<T extends KubernetesObject>(
  informer: Informer<T>,
  onChange: () => void,
): void {
  let delay = 250;
  informer.on('change', () => {
    delay = 250;
    onChange();
  });
  informer.on('error', (error: unknown) => {
    log(`watch failed, again in ${delay} ms: ${error instanceof Error ? error.message : error}`);
    setTimeout(() => void informer.start().catch(() => undefined), delay);
    delay = Math.min(delay * 2, 2_000);
  });
}
