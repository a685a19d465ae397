import type { Informer, KubernetesObject } from '@kubernetes/client-node';

/** A line of a bed process's log, which goes to `.cluster/logs/<process>.log`. */
export function log(line: string): void {
  console.log(`${new Date().toISOString()} ${line}`);
}

/**
 * Every change calls `onChange`; a failed watch (the API server restarted, as
 * tests make it) starts again a second later instead of going quiet.
 */
export function onChanges<T extends KubernetesObject>(
  informer: Informer<T>,
  onChange: () => void,
): void {
  informer.on('change', onChange);
  informer.on('error', (error: unknown) => {
    log(`watch failed, again in 1 s: ${error instanceof Error ? error.message : error}`);
    setTimeout(() => void informer.start().catch(() => undefined), 1_000);
  });
}
