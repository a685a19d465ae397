import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** The bed's processes: started detached, found again by the path of the bed they name. */

export function startDetached(params: {
  name: string;
  command: string;
  args: string[];
  logDir: string;
  /** The bed's state folder, put in the environment so `processesNaming` finds the process. */
  bed: string;
}): number {
  const logFile = openSync(join(params.logDir, `${params.name}.log`), 'a');
  // Detached in its own process group: the bed outlives the test run that
  // started it, so a second run can reuse it.
  // The bed's path in its environment, too: a process that rewrites its title (redis-server) is found by it.
  const child = spawn(params.command, params.args, {
    detached: true,
    stdio: ['ignore', logFile, logFile],
    env: { ...process.env, PR_PREVIEW_BED: `${params.bed}/` },
  });
  closeSync(logFile);
  child.unref();
  if (child.pid === undefined) throw new Error(`cannot start ${params.name} (${params.command})`);
  return child.pid;
}

export function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr || result.error}`);
  }
}

const readyTimeoutMs = 180_000;

/** Waits until `check` holds, failing at once with its log when a process of the bed died. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  pids: Record<string, number>,
  logDir: string,
): Promise<void> {
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline) {
    const dead = Object.entries(pids).find(([, pid]) => !isAlive(pid));
    if (dead) {
      throw new Error(`${dead[0]} exited while waiting for ${what}:\n${logTail(logDir, dead[0])}`);
    }
    if (await check().catch(() => false)) return;
    await sleep(100);
  }
  const tails = Object.keys(pids)
    .map((name) => `--- ${name}\n${logTail(logDir, name)}`)
    .join('\n');
  throw new Error(`timed out after ${readyTimeoutMs / 1000} s waiting for ${what}\n${tails}`);
}

function logTail(logDir: string, name: string): string {
  const path = join(logDir, `${name}.log`);
  if (!existsSync(path)) return '(no log)';
  return readFileSync(path, 'utf8').split('\n').slice(-25).join('\n');
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers kill(0); it is gone for our purposes.
  const stat = readFileSafe(`/proc/${pid}/stat`);
  return stat === undefined || !/^\d+ \(.*\) Z/.test(stat);
}

export function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/**
 * Processes whose command line or environment names the path: the bed's own,
 * and apps under test that point at its kubeconfig, whatever state survived.
 */
export function processesNaming(path: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = readFileSafe(`/proc/${entry}/cmdline`)?.split('\0') ?? [];
    const environ = readFileSafe(`/proc/${entry}/environ`)?.split('\0') ?? [];
    const names = (item: string) => item.includes(`${path}/`);
    const named = (v: string) => /^(KUBECONFIG|PR_PREVIEW_BED)=/.test(v) && names(v);
    if (cmdline.some(names) || environ.some(named)) {
      found.push(Number(entry));
    }
  }
  return found;
}

export function readFileSafe(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolveServer, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolveServer(server));
        }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise((r) => server.close(r))));
  return ports;
}
