import { sign } from '@octokit/webhooks-methods';

/** One attempt to deliver a webhook, as GitHub's `/app/hook/deliveries` lists it. */
export interface HookDelivery {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  status: string;
  status_code: number;
  event: string;
  action: string | null;
}

/**
 * GitHub's side of webhook delivery for the fake GitHub: it signs and posts
 * each webhook to the app's URL, keeps every attempt (a refused connection
 * is status code 0, as GitHub shows a failure to connect), lists them newest
 * first, and delivers one again when asked.
 */
export class FakeHookDeliveries {
  /** Where webhooks go: the app's `/api/github/webhooks`, set by the test to the app that runs. */
  url = '';
  /** Where webhooks go when set: the app that runs now, whose port may not be known yet. */
  target: (() => string) | undefined;
  secret = '';
  private readonly attempts: (HookDelivery & { body: string })[] = [];
  private nextId = 1;

  /** Delivers a webhook as GitHub would; returns the app's status, 0 when nothing answered. */
  async deliver(event: string, payload: unknown, guid = crypto.randomUUID()): Promise<number> {
    return this.attempt(event, JSON.stringify(payload), guid, false);
  }

  /** Newest first, as GitHub lists them. */
  list(): HookDelivery[] {
    return [...this.attempts].reverse().map(({ body: _body, ...attempt }) => attempt);
  }

  /** A redelivery of attempt `id`, answered at once as GitHub does (202); undefined if unknown. */
  redeliver(id: number): Promise<number> | undefined {
    const original = this.attempts.find((a) => a.id === id);
    if (!original) return undefined;
    return this.attempt(original.event, original.body, original.guid, true);
  }

  private async attempt(event: string, body: string, guid: string, redelivery: boolean) {
    let statusCode = 0;
    try {
      const res = await fetch(this.target?.() ?? this.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': event,
          'x-github-delivery': guid,
          'x-hub-signature-256': await sign(this.secret, body),
        },
        body,
      });
      await res.text();
      statusCode = res.status;
    } catch {
      statusCode = 0;
    }
    this.attempts.push({
      id: this.nextId++,
      guid,
      delivered_at: new Date().toISOString(),
      redelivery,
      status: statusCode >= 200 && statusCode < 300 ? 'OK' : 'failed to connect',
      status_code: statusCode,
      event,
      action: (JSON.parse(body) as { action?: string }).action ?? null,
      body,
    });
    return statusCode;
  }
}
