import { sign } from '@octokit/webhooks-methods';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullRequestPayload } from '../fixtures/webhook-payloads.ts';
import { webhookSecret } from './support/app-process.ts';
import { eventually } from './support/kube.ts';
import { PreviewWorld, sha } from './support/preview-world.ts';

/**
 * The README's Quick start on a laptop: GitHub cannot reach the app, so the
 * webhooks go to a smee channel (`WEBHOOK_PROXY_URL`, which Probot's setup
 * writes to `.env`), and `npm start` forwards them to the app with the
 * smee-client the project ships. The channel here is a fake of smee.io's:
 * server-sent events carrying each delivery's headers and body, as smee.io
 * sends them.
 */
class FakeSmeeChannel {
  private readonly listeners: ServerResponse[] = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      if (req.method !== 'GET' || req.url !== '/pr-preview-quick-start') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      res.write('event: ready\ndata: {}\n\n');
      this.listeners.push(res);
      req.on('close', () => this.listeners.splice(this.listeners.indexOf(res), 1));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}/pr-preview-quick-start`;
  }

  get connected(): number {
    return this.listeners.length;
  }

  /**
   * What GitHub would POST to the channel, passed on to every client
   * listening; signed with `secret` (anyone who knows a channel can post to it).
   */
  async deliver(event: string, payload: unknown, delivery: string, secret = webhookSecret) {
    const body = JSON.stringify(payload);
    const message = {
      'x-github-event': event,
      'x-github-delivery': delivery,
      'x-hub-signature-256': await sign(secret, body),
      'user-agent': 'GitHub-Hookshot/quick-start',
      body: payload,
    };
    for (const listener of this.listeners) listener.write(`data: ${JSON.stringify(message)}\n\n`);
  }

  async stop(): Promise<void> {
    for (const listener of this.listeners) listener.end();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

const world = new PreviewWorld();
const channel = new FakeSmeeChannel();
const repo = { owner: 'acme', repo: 'laptop', repositoryId: 9601, number: 3 };

beforeAll(async () => {
  await channel.start();
  world.github.setConfig(repo.owner, repo.repo, 'app: laptop\n');
  world.github.addRepository(repo.owner, repo.repo, repo.repositoryId);
  world.commit(repo, sha(3), 'foo', 'laptop');
  await world.start({ WEBHOOK_PROXY_URL: channel.url });
}, 120_000);

afterAll(async () => {
  await world.stop();
  await channel.stop();
});

describe("the Quick start's webhooks, through a smee channel", () => {
  it('reach the app from the channel, and a labelled pull request gets its preview', async () => {
    await eventually('the app listening on the channel', async () =>
      channel.connected > 0 ? true : undefined,
    );
    world.github.setPullRequest(repo.owner, repo.repo, repo.number, {
      headSha: sha(3),
      state: 'open',
      labels: ['cd/preview'],
      draft: false,
    });
    const params = { ...repo, sha: sha(3), labels: ['cd/preview'], label: 'cd/preview' };
    await channel.deliver('pull_request', pullRequestPayload('labeled', params), 'smee-1');
    await world.waitForComment(repo, /✅ ready \| `3333333`/);
    expect(await world.namespacesOf(repo.repositoryId, repo.number)).toEqual(['laptop-pr-3']);
    // smee-client said where it forwarded the delivery, and the app took it.
    const forwarded = world.app
      .logLines()
      .map((line) => String(line.msg))
      .find(
        (msg) => msg.startsWith('POST http://127.0.0.1:') && msg.includes('/api/github/webhooks'),
      );
    expect(forwarded).toMatch(/ - 200$/);
  });

  it('are refused by the app when the signature is not its secret', async () => {
    const before = world.app.logLines().length;
    const forged = pullRequestPayload('closed', { ...repo, sha: sha(3), labels: [] });
    // Anyone who knows a channel's address can post to it: the app must not act on that.
    await channel.deliver('pull_request', forged, 'smee-forged', 'not-the-secret');
    const refused = await eventually('the forward answered', async () =>
      world.app
        .logLines()
        .slice(before)
        .map((line) => String(line.msg))
        .find((msg) => msg.startsWith('POST http://127.0.0.1:') && /- \d{3}$/.test(msg)),
    );
    expect(refused).not.toMatch(/ - 200$/);
    expect(await world.namespacesOf(repo.repositoryId, repo.number)).toEqual(['laptop-pr-3']);
  });
});
