import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { sign } from '@octokit/webhooks-methods';
import { stateDir } from '../../cluster/bed.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const webhookSecret = 'e2e-webhook-secret';

export interface AppProcessOptions {
  githubHost: string;
  kubeconfig: string;
  helm: string;
  env?: Record<string, string>;
}

/** Every app started here, so none outlives the test run that started it, even one that timed out. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * The app as operators run it: `npm start`'s `node lib/start.js` on the built
 * app, configured only through environment variables, with GitHub behind GHE_HOST.
 */
export class AppProcess {
  private child: ChildProcess | undefined;
  private deliveries = 0;
  port = 0;
  readonly output: string[] = [];

  async start(options: AppProcessOptions): Promise<void> {
    this.port = await freePort();
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    this.child = spawn(process.execPath, [join(repoRoot, 'lib/start.js')], {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        APP_ID: '1',
        PRIVATE_KEY: privateKey,
        WEBHOOK_SECRET: webhookSecret,
        PORT: String(this.port),
        HOST: '127.0.0.1',
        GHE_HOST: options.githubHost,
        GHE_PROTOCOL: 'http',
        KUBECONFIG: options.kubeconfig,
        HELM_BIN: options.helm,
        PREVIEW_DOMAIN: 'preview.bar.com',
        LOG_LEVEL: 'debug',
        LOG_FORMAT: 'json',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Kept beside the cluster's own logs, to read after a failed run.
    const logFile = createWriteStream(join(stateDir, 'logs', `app-${this.port}.log`), {
      flags: 'a',
    });
    const collect = (chunk: Buffer) => {
      this.output.push(chunk.toString('utf8'));
      logFile.write(chunk);
    };
    this.child.once('exit', (code, signal) => {
      logFile.end(`\n[app exited: code ${code}, signal ${signal}]\n`);
    });
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) {
        throw new Error(`the app exited (${this.child.exitCode}):\n${this.output.join('')}`);
      }
      const ok = await fetch(`http://127.0.0.1:${this.port}/ping`).then(
        (res) => res.ok,
        () => false,
      );
      if (ok) return;
      await sleep(200);
    }
    throw new Error(`the app did not answer on port ${this.port}:\n${this.output.join('')}`);
  }

  /** Dies at once, as a crash or an OOM kill would. */
  /** The app's process id, to read its memory from /proc. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  kill(): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null) return Promise.resolve(child?.exitCode ?? null);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGKILL');
    return exited;
  }

  /** SIGTERM, as Kubernetes stops a pod; resolves with the exit code. */
  terminate(): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null) return Promise.resolve(child?.exitCode ?? null);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    return exited;
  }

  get(path: string): Promise<{ status: number; body: string }> {
    return fetch(`http://127.0.0.1:${this.port}${path}`).then(async (res) => ({
      status: res.status,
      body: await res.text(),
    }));
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(10_000)]);
    if (child.exitCode !== null || child.signalCode !== null) return;
    // Gone for sure before the next test: a replica still reconciling would race it.
    child.kill('SIGKILL');
    await exited;
  }

  /** Sends a webhook as GitHub does: signed JSON on Probot's default path. Returns the HTTP status. */
  async deliver(
    event: string,
    payload: unknown,
    delivery = `e2e-${++this.deliveries}-${Date.now()}`,
  ): Promise<number> {
    const body = JSON.stringify(payload);
    return this.deliverBody(event, body, await sign(webhookSecret, body), delivery);
  }

  /** Sends a webhook with the signature given (none when undefined), as an attacker could. */
  async deliverSignedWith(
    signature: string | undefined,
    event: string,
    payload: unknown,
  ): Promise<number> {
    return this.deliverBody(event, JSON.stringify(payload), signature);
  }

  /** Sends a body signed beforehand, so that only the app's answer is timed. */
  async deliverBody(
    event: string,
    body: string,
    signature: string | undefined,
    delivery = `e2e-${++this.deliveries}-${Date.now()}`,
  ): Promise<number> {
    const res = await fetch(`http://127.0.0.1:${this.port}/api/github/webhooks`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': event,
        'x-github-delivery': delivery,
        ...(signature === undefined ? {} : { 'x-hub-signature-256': signature }),
      },
      body,
    });
    await res.text();
    return res.status;
  }

  logLines(): Record<string, unknown>[] {
    return this.output
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolvePort(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}
