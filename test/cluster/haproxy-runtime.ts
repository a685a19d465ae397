import type { HaproxyFiles } from './haproxy-config.ts';

/**
 * Endpoint changes without a reload, as the haproxytech controller makes
 * them: each pod backend has server slots (haproxy-config.ts), and a pod that
 * comes or goes only changes a slot's address and state, which HAProxy's
 * runtime API sets in the running worker. A reload (a check and a new worker)
 * is left for what the runtime API cannot change: routes, backends, more
 * pods than slots.
 */
export interface ServerUpdate {
  backend: string;
  server: string;
  address: string;
  port: number;
  enabled: boolean;
}

/** `  server SRV_<n> <address>:<port>[ source <address>][ disabled]`, as haproxy-config.ts writes it. */
const serverLine = /^ {2}server (\S+) ([^\s:]+):(\d+)((?: source \S+)?)((?: disabled)?)$/;

/**
 * The server updates that take HAProxy from `served` to `next`, or undefined
 * when anything else differs (then only a reload will do).
 */
export function serverUpdates(
  served: HaproxyFiles,
  next: HaproxyFiles,
): ServerUpdate[] | undefined {
  if (JSON.stringify(served.maps) !== JSON.stringify(next.maps)) return undefined;
  const before = served.config.split('\n');
  const after = next.config.split('\n');
  if (before.length !== after.length) return undefined;
  const updates: ServerUpdate[] = [];
  let backend = '';
  for (const [i, line] of after.entries()) {
    if (line.startsWith('backend ')) backend = line.slice('backend '.length);
    if (line === before[i]) continue;
    const was = serverLine.exec(before[i] ?? '');
    const is = serverLine.exec(line);
    // A pod's slot (pods' servers have a source), the same before: only its address, port or
    // state moved. An ExternalName's server is not a slot: its change is left to a reload.
    if (!was || !is || was[1] !== is[1] || !is[4] || was[4] !== is[4]) return undefined;
    updates.push({
      backend,
      server: is[1] as string,
      address: is[2] as string,
      port: Number(is[3]),
      enabled: is[5] === '',
    });
  }
  return updates;
}

/**
 * Master CLI lines (`@1` is the current worker) that make the updates: a
 * server is given its address before it is put in service, and taken out of
 * service before its address goes.
 */
export function runtimeCommands(updates: ServerUpdate[], perLine = 32): string[] {
  const commands = updates.flatMap(({ backend, server, address, port, enabled }) => {
    const name = `${backend}/${server}`;
    const addr = `set server ${name} addr ${address} port ${port}`;
    return enabled
      ? [addr, `set server ${name} state ready`]
      : [`set server ${name} state maint`, addr];
  });
  const lines: string[] = [];
  for (let i = 0; i < commands.length; i += perLine) {
    lines.push(
      commands
        .slice(i, i + perLine)
        .map((command) => `@1 ${command}`)
        .join('; '),
    );
  }
  return lines;
}

/** Whether HAProxy's answer to runtime commands says one of them failed. */
export function runtimeRefused(answer: string): boolean {
  return /No such|Require|Invalid|Unknown command|not allowed|cannot|error/i.test(answer);
}
