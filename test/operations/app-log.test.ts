import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { pinoHttp } from 'pino-http';
import { afterEach, describe, expect, it } from 'vitest';
import { createAppLog, logFormatFor } from '../../src/operations/app-log.ts';

/** Any variables, also ones that Probot's typing of the environment would not allow. */
const environment = (vars: Record<string, string>) => vars as unknown as NodeJS.ProcessEnv;

/** A logger as the app makes it, its lines collected. */
async function collected(env: Record<string, string> = {}) {
  const out = new PassThrough();
  const lines: string[] = [];
  out.on('data', (chunk: Buffer) =>
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)),
  );
  const log = await createAppLog({
    env: environment({ LOG_FORMAT: 'json', ...env }),
    stdoutIsTerminal: false,
    destination: out,
  });
  const records = async () => {
    await new Promise((done) => setImmediate(done));
    return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  };
  return { log, records };
}

const servers: ReturnType<typeof createServer>[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** Requests served through pino-http as Probot's server logs them, child logger and all. */
async function served(
  log: Awaited<ReturnType<typeof createAppLog>>,
  paths: [string, string, number][],
) {
  const httpLog = pinoHttp({ logger: log.child({ name: 'http' }) });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    httpLog(req, res);
    const status =
      paths.find(([method, path]) => method === req.method && path === req.url)?.[2] ?? 404;
    res.writeHead(status).end();
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  for (const [method, path] of paths) {
    await new Promise<void>((done) =>
      request({ port, path, method, host: '127.0.0.1' }, (res) =>
        res.resume().on('end', done),
      ).end(),
    );
  }
}

describe('logFormatFor', () => {
  it.each([
    [{}, true, 'pretty'],
    [{}, false, 'json'],
    [{ LOG_FORMAT: 'json' }, true, 'json'],
    [{ LOG_FORMAT: 'pretty' }, false, 'pretty'],
    [{ LOG_FORMAT: ' ' }, false, 'json'],
  ] as const)('%j, stdout a terminal: %s, gives %s', (env, terminal, format) => {
    expect(logFormatFor(environment(env), terminal)).toBe(format);
  });

  it('names LOG_FORMAT when it is neither', () => {
    expect(() => logFormatFor(environment({ LOG_FORMAT: 'text' }), false)).toThrow(
      'LOG_FORMAT must be json or pretty, got `text`',
    );
  });
});

describe("the app's logger", () => {
  it('logs probes and scrapes at debug, and every other request at info as before', async () => {
    const { log, records } = await collected({ LOG_LEVEL: 'debug' });
    await served(log, [
      ['GET', '/healthz', 200],
      ['GET', '/readyz', 503],
      ['GET', '/metrics', 200],
      ['GET', '/ping', 200],
      ['GET', '/metrics?x=1', 200],
      ['POST', '/healthz', 404],
      ['POST', '/api/github/webhooks', 200],
    ]);
    const byRequest = (await records()).map((r) => [
      `${(r.req as { method: string }).method} ${(r.req as { url: string }).url}`,
      r.level,
    ]);
    expect(byRequest).toEqual([
      ['GET /healthz', 20],
      ['GET /readyz', 20],
      ['GET /metrics', 20],
      ['GET /ping', 20],
      ['GET /metrics?x=1', 20],
      ['POST /healthz', 30],
      ['POST /api/github/webhooks', 30],
    ]);
  });

  it('leaves them out at info', async () => {
    const { log, records } = await collected();
    await served(log, [
      ['GET', '/healthz', 200],
      ['GET', '/', 404],
    ]);
    expect((await records()).map((r) => (r.req as { url: string }).url)).toEqual(['/']);
  });

  it('refuses a LOG_LEVEL pino does not know, naming it', async () => {
    await expect(collected({ LOG_LEVEL: 'verbose' })).rejects.toThrow(
      'LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, got `verbose`',
    );
  });

  it('writes what Probot writes otherwise, with its name and message key', async () => {
    const { log, records } = await collected({ LOG_MESSAGE_KEY: 'message' });
    log.child({ name: 'probot' }).info({ repo: 'acme/foo' }, 'deployed');
    expect(await records()).toEqual([
      expect.objectContaining({ level: 30, name: 'probot', repo: 'acme/foo', message: 'deployed' }),
    ]);
  });
});
