import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { SmokeProbe } from '../ports.ts';

const timeoutMs = 10_000;

/** Sends the request to the ingress controller's address with the preview's Host header. */
export class HttpSmokeProbe implements SmokeProbe {
  private readonly ingressUrl: URL;

  constructor(ingressUrl: string) {
    this.ingressUrl = new URL(ingressUrl);
  }

  probe(host: string, path: string): Promise<{ status: number } | { error: string }> {
    const secure = this.ingressUrl.protocol === 'https:';
    const send = secure ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      const req = send(
        {
          host: this.ingressUrl.hostname,
          port: this.ingressUrl.port || (secure ? 443 : 80),
          path,
          method: 'GET',
          headers: { host },
          servername: host,
          timeout: timeoutMs,
        },
        (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0 });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
      req.on('error', (error) => resolve({ error: error.message }));
      req.end();
    });
  }
}
