import { createServer, type Server } from 'node:http';
import { createInterface } from 'node:readline';
import type { PodAnswer } from './pod-answers.ts';

/**
 * The half of the pod responder that runs inside the bed's network
 * namespace, where every pod IP is local: it listens on 0.0.0.0 on every port
 * some Running pod declares and answers a request with the identity of the
 * pod that owns the address and port it arrived at, and resets connections
 * to addresses and ports no Running pod owns. It knows the pods only
 * from its standard input, one JSON table per line, written by
 * pod-responder.ts on the host, which watches the API server: nothing in here
 * talks to anything outside the namespace. It ends when its input does.
 */
let answers = new Map<string, PodAnswer>();
const servers = new Map<number, Server>();

function listen(port: number): Promise<void> {
  const server = createServer((req, res) => {
    const answer = answers.get(`${req.socket.localAddress}:${req.socket.localPort}`);
    if (!answer) {
      // The pod went away while the connection was open.
      req.socket.resetAndDestroy();
      return;
    }
    const body = {
      ...answer,
      request: { method: req.method, path: req.url, host: req.headers.host },
    };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(`${JSON.stringify(body)}\n`);
    req.resume();
  });
  // An address and port no Running pod owns is refused at once, as a gone pod's would be: the
  // connection is reset before a byte is read.
  server.on('connection', (socket) => {
    if (!answers.has(`${socket.localAddress}:${socket.localPort}`)) socket.resetAndDestroy();
  });
  servers.set(port, server);
  return new Promise((resolve) => {
    server.once('error', (error) => {
      console.error(`cannot listen on ${port}: ${error.message}`);
      servers.delete(port);
      resolve();
    });
    server.listen(port, '0.0.0.0', () => resolve());
  });
}

async function update(table: Record<string, PodAnswer>): Promise<void> {
  answers = new Map(Object.entries(table));
  const wanted = new Set([...answers.values()].map((a) => a.port));
  for (const [port, server] of servers) {
    if (!wanted.has(port)) {
      servers.delete(port);
      server.close();
      // Kept-alive connections of a pod that went away end too.
      server.closeAllConnections();
    }
  }
  await Promise.all([...wanted].filter((port) => !servers.has(port)).map(listen));
}

let updating = Promise.resolve();
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  updating = updating.then(async () => {
    await update(JSON.parse(line) as Record<string, PodAnswer>);
    // The host half waits for this before it calls the pods answering.
    process.stdout.write(`listening ${[...servers.keys()].sort((a, b) => a - b).join(',')}\n`);
  });
});
lines.on('close', () => process.exit(0));
