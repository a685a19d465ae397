/**
 * Requests as a visitor sends them: to the bed's HAProxy with a preview's
 * Host header, answered by the preview's pods (test/cluster/pod-listener.ts
 * answers with the pod's identity, its image among it) or by the app's
 * waking page. What the benchmark times "first 200" by.
 */
import { request } from 'node:http';
import type { PodAnswer } from '../test/cluster/pod-answers.ts';
import { sleep } from './bench-world.ts';

export interface Visit {
  status: number;
  /** The image of the container that answered, when a pod did. */
  image?: string;
  /** Set by the app's waking page (HAProxy's own 503 has none). */
  retryAfter?: string;
}

/** One request through the ingress, on a connection of its own (as a new visitor's). */
export function visit(ingress: URL, host: string, path = '/'): Promise<Visit> {
  return new Promise((resolve) => {
    const req = request(
      { host: ingress.hostname, port: ingress.port, path, headers: { host }, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          let image: string | undefined;
          if (res.headers['content-type'] === 'application/json') {
            try {
              image = (JSON.parse(body) as Partial<PodAnswer>).image;
            } catch {
              // Not a pod's answer.
            }
          }
          const retryAfter = res.headers['retry-after'];
          resolve({ status, ...(image ? { image } : {}), ...(retryAfter ? { retryAfter } : {}) });
        });
      },
    );
    req.setTimeout(5_000, () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', () => resolve({ status: 0 }));
    req.end();
  });
}

/**
 * Waits until each host has been served by `image` once, asking every 20 ms
 * those not served yet; returns `performance.now()` of the last host's first
 * 200. Hosts are judged apart: a woken preview may sleep again before the
 * last of its siblings answers.
 */
export async function untilServed(
  ingress: URL,
  hosts: string[],
  image: string,
  timeoutMs = 120_000,
): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  const waiting = new Set(hosts);
  let last = performance.now();
  while (performance.now() < deadline) {
    await Promise.all(
      [...waiting].map(async (host) => {
        const answer = await visit(ingress, host);
        if (answer.status === 200 && answer.image === image) {
          waiting.delete(host);
          last = performance.now();
        }
      }),
    );
    if (waiting.size === 0) return last;
    await sleep(20);
  }
  throw new Error(`${[...waiting].join(', ')} not served by ${image} within ${timeoutMs / 1000} s`);
}

/**
 * Visits a sleeping preview's host until the app's waking page answers (the
 * visit that wakes it; HAProxy may still be taking in the sleeping route);
 * returns `performance.now()` from just before that visit.
 */
export async function wakeThrough(ingress: URL, host: string, timeoutMs = 30_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const sent = performance.now();
    const answer = await visit(ingress, host);
    if (answer.status === 503 && answer.retryAfter) return sent;
    await sleep(20);
  }
  throw new Error(`${host} never showed the waking page within ${timeoutMs / 1000} s`);
}
