import { request } from 'node:http';
import { inject } from 'vitest';
import type { PodAnswer } from '../../cluster/pod-answers.ts';

/** A pod's answer (test/cluster/pod-listener.ts), with the request as the pod saw it. */
export type PodReply = PodAnswer & { request: { method: string; path: string; host: string } };

export interface Reply {
  status: number;
  body: string;
  /** The pod's answer when a pod answered. */
  pod?: PodReply;
}

/**
 * A visitor's request to `host` through the bed's HAProxy, as a browser sends
 * it once DNS pointed the host at the ingress: a new connection each time, so
 * every request meets the configuration HAProxy serves now.
 */
export function viaIngress(
  host: string,
  path = '/',
  headers: Record<string, string> = {},
): Promise<Reply> {
  return get(new URL(inject('ingressUrl')), host, path, undefined, headers);
}

/** A request straight to an address, optionally from a local address (the host's end of the pod network). */
export function get(
  url: URL,
  host: string,
  path = '/',
  localAddress?: string,
  headers: Record<string, string> = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        headers: { ...headers, host },
        agent: false,
        timeout: 10_000,
        ...(localAddress ? { localAddress } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const json = res.headers['content-type'] === 'application/json';
          const parsed = json ? (JSON.parse(body) as PodReply | { error: string }) : undefined;
          resolve({ status, body, ...(parsed && 'pod' in parsed ? { pod: parsed } : {}) });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url.host} within 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

/** Several requests in a row: who answered each. */
export async function replies(host: string, count: number, path = '/'): Promise<Reply[]> {
  const all: Reply[] = [];
  for (let i = 0; i < count; i++) all.push(await viaIngress(host, path));
  return all;
}

/** Fails at once, with the reason, on a machine where pods cannot answer. */
export function requirePodNetwork(): string {
  const network = inject('podNetwork');
  if ('problem' in network) throw new Error(`pods do not answer in this bed: ${network.problem}`);
  return network.namespace;
}
