import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The app started as `npm start` starts it (src/start.ts, Probot's run with
 * the app's logger), into a pipe as in a pod, without a cluster: what its log
 * says of probes and of a webhook with a bad signature.
 */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const payloadMarker = 'a-secret-of-the-payload';
let home: string;
let app: ChildProcess;
let port: number;
let output = '';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port: free } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return free;
}

const url = (path: string) => `http://127.0.0.1:${port}${path}`;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'app-start-'));
  port = await freePort();
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  app = spawn(process.execPath, [join(repoRoot, 'src/start.ts')], {
    cwd: home,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: home,
      APP_ID: '1',
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: 'the-right-secret',
      PREVIEW_DOMAIN: 'preview.bar.com',
      PORT: String(port),
      HOST: '127.0.0.1',
      PREVIEW_RECONCILE_INTERVAL: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  app.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  app.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const deadline = Date.now() + 30_000;
  while (
    !(await fetch(url('/ping')).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (Date.now() > deadline || app.exitCode !== null)
      throw new Error(`the app did not start:\n${output}`);
    await sleep(100);
  }
}, 40_000);

afterAll(async () => {
  if (app.exitCode === null) {
    const exited = new Promise((done) => app.once('exit', done));
    app.kill('SIGTERM');
    await exited;
  }
  await rm(home, { recursive: true, force: true });
});

/** Waits for the log to settle and reads it, line by line, as a log collector would. */
async function logLines(): Promise<Record<string, unknown>[]> {
  await sleep(300);
  return output
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON line: ${line}`);
      }
    });
}

describe('the started app, logging into a pipe', () => {
  it('writes JSON lines, since stdout is not a terminal', async () => {
    const lines = await logLines();
    expect(lines.length).toBeGreaterThan(2);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 30, msg: `Listening on http://127.0.0.1:${port}` }),
    );
  });

  it('does not log probes and scrapes at info', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/healthz']) await fetch(url(path));
    const urls = (await logLines()).map((line) => (line.req as { url?: string } | undefined)?.url);
    expect(urls.filter((u) => u && ['/healthz', '/readyz', '/metrics'].includes(u))).toEqual([]);
  });

  it('says a webhook with a bad signature once, at warn, without its payload', async () => {
    const before = (await logLines()).length;
    const answer = await fetch(url('/api/github/webhooks'), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'pull_request',
        'x-github-delivery': 'bad-delivery-1',
        'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
      },
      body: JSON.stringify({ action: 'opened', note: payloadMarker }),
    });
    expect(answer.status).toBe(400);
    const lines = (await logLines()).slice(before);
    // Warnings and errors only: the access line names the signature header too.
    const said = lines.filter((line) => (line.level as number) >= 40);
    expect(said).toEqual([
      expect.objectContaining({
        level: 40,
        delivery: 'bad-delivery-1',
        event: 'pull_request',
        msg: expect.stringContaining(
          'its signature does not match WEBHOOK_SECRET (payload not logged)',
        ),
      }),
    ]);
    expect(output).not.toContain(payloadMarker);
    // The access line of the request stays, at info, as for any request.
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 30,
        msg: expect.stringMatching(/^POST \/api\/github\/webhooks 400/),
      }),
    );
  });
});
