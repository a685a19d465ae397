import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../ports.ts';

/**
 * An HTTP server on a port of its own (the wake endpoint's, the overview's),
 * on the address Probot listens on (`HOST`), apart from webhooks and metrics.
 * Resolves once it listens; a request whose handler throws gets a 500.
 */
export async function listenOnOwnPort(params: {
  /** What it serves, for the log: `wake endpoint`, `previews overview`. */
  name: string;
  port: number;
  host?: string;
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  logger: Logger;
}): Promise<Server> {
  const server = createServer((req, res) => {
    params.handle(req, res).catch((error: unknown) => {
      params.logger.error({ err: error }, `${params.name}: the request failed`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(params.port, params.host, () => resolve());
  });
  params.logger.info({ port: params.port }, `${params.name} listening`);
  return server;
}
