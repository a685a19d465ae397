import { pino } from 'pino';
import { ProbotOctokit } from 'probot';
import { cp, mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tar from 'tar';
import { FakeHookDeliveries } from './fake-hook-deliveries.ts';

export interface RecordedCall {
  method: string;
  path: string;
  body?: unknown;
  /** When the request arrived, in ms since the epoch. */
  at: number;
}

export interface Comment {
  id: number;
  body: string;
  user: { login: string; type: 'Bot' | 'User' };
  /** The GitHub App that wrote it, if one did. */
  performed_via_github_app: { id: number; slug: string } | null;
}

/** An installation's Octokit as Probot makes it, against this fake GitHub, for tests in-process. */
export function octokitFor(github: FakeGitHub): InstanceType<typeof ProbotOctokit> {
  return new ProbotOctokit({
    auth: { token: 'test' },
    baseUrl: `http://${github.host}/api/v3`,
    retry: { enabled: false },
    throttle: { enabled: false },
    log: pino({ level: 'silent' }),
  }) as InstanceType<typeof ProbotOctokit>;
}

/** The app under test, as GitHub knows it: APP_ID 1, whose bot is `pr-preview[bot]`. */
export const appUnderTest = { id: 1, slug: 'pr-preview', login: 'pr-preview[bot]' };

export interface DeploymentStatus {
  state: string;
  environment_url?: string;
  description?: string;
}

interface Commit {
  /** Folders copied into the commit: repository path -> folder on disk. */
  folders: Record<string, string>;
  files: Record<string, string | Buffer>;
  /** Served as the commit's tarball instead of one built from folders and files. */
  archive?: Buffer;
}

/**
 * The part of GitHub's REST API the app uses, on loopback, recording every
 * call. Probot reaches it through GHE_HOST and GHE_PROTOCOL=http.
 */
export class FakeGitHub {
  readonly calls: RecordedCall[] = [];
  private readonly comments = new Map<string, Comment[]>();
  private readonly configs = new Map<string, string>();
  private readonly commits = new Map<string, Commit>();
  private readonly pulls = new Map<
    string,
    { headSha: string; state: 'open' | 'closed'; labels: string[]; fork?: string; draft?: boolean }
  >();
  private readonly repositories = new Map<string, number>();
  /** Repositories the installation no longer sees that are public: GitHub shows them to anyone. */
  private readonly publicRepositories = new Map<string, number>();
  private readonly faults: {
    method: string;
    pattern: RegExp;
    status: number;
    headers: Record<string, string>;
    message: string;
  }[] = [];
  installationIds = [4242];
  private readonly permissions = new Map<string, { permission: string; role_name: string }>();
  readonly reactions: { commentId: number; content: string }[] = [];
  private readonly statuses = new Map<string, { context: string; state: string }[]>();
  private readonly checkRuns = new Map<
    string,
    { name: string; status: string; conclusion: string | null }[]
  >();
  readonly deployments: {
    id: number;
    repo: string;
    environment: string;
    sha: string;
    transient: boolean;
    production: boolean;
    statuses: DeploymentStatus[];
  }[] = [];
  private readonly server: Server;
  private nextCommentId = 1000;
  port = 0;

  /** The GitHub App this GitHub serves: another one is another installation of pr-preview. */
  readonly app: typeof appUnderTest;
  /** The webhooks this GitHub delivers itself, and their attempts. */
  readonly hooks = new FakeHookDeliveries();

  constructor(app: typeof appUnderTest = appUnderTest) {
    this.app = app;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: String(error) }));
      });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    this.port = address.port;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** `.github/preview.yml` on the default branch; undefined removes it. */
  setConfig(owner: string, repo: string, yaml: string | undefined): void {
    if (yaml === undefined) this.configs.delete(`${owner}/${repo}`);
    else this.configs.set(`${owner}/${repo}`, yaml);
  }

  setCommit(owner: string, repo: string, sha: string, commit: Partial<Commit>): void {
    this.commits.set(`${owner}/${repo}@${sha}`, { folders: {}, files: {}, ...commit });
  }

  setPullRequest(
    owner: string,
    repo: string,
    number: number,
    pull: {
      headSha: string;
      state?: 'open' | 'closed';
      labels?: string[];
      fork?: string;
      draft?: boolean;
    },
  ): void {
    const previous = this.pulls.get(`${owner}/${repo}#${number}`);
    this.pulls.set(`${owner}/${repo}#${number}`, {
      state: 'open',
      labels: previous?.labels ?? [],
      ...pull,
    });
  }

  /** Called after each page of a pull request listing is served, before the next is asked for. */
  betweenPages: ((path: string, page: number) => void) | undefined;

  /** A repository the installation can see, as the reconciler lists them. */
  addRepository(owner: string, repo: string, id: number): void {
    this.publicRepositories.delete(`${owner}/${repo}`);
    this.repositories.set(`${owner}/${repo}`, id);
  }

  /** The installation no longer sees it; a public one still answers anyone who asks for it. */
  removeRepository(owner: string, repo: string, options: { public?: boolean } = {}): void {
    const id = this.repositories.get(`${owner}/${repo}`);
    this.repositories.delete(`${owner}/${repo}`);
    if (options.public && id !== undefined) this.publicRepositories.set(`${owner}/${repo}`, id);
  }

  /** The next matching request fails once with this status, as GitHub does under load. */
  failNext(
    method: string,
    pattern: RegExp,
    status: number,
    headers: Record<string, string> = {},
    message = 'Server Error',
  ): void {
    this.faults.push({ method, pattern, status, headers, message });
  }

  /** A collaborator's role; anyone else is not a collaborator (404). */
  setPermission(
    owner: string,
    repo: string,
    user: string,
    role: 'admin' | 'maintain' | 'write' | 'triage' | 'read',
  ): void {
    const permission = role === 'maintain' ? 'write' : role === 'triage' ? 'read' : role;
    this.permissions.set(`${owner}/${repo}:${user}`, { permission, role_name: role });
  }

  /** The check runs GitHub lists for a commit; the newest of a name first. */
  setCheckRun(
    owner: string,
    repo: string,
    sha: string,
    run: { name: string; status: string; conclusion?: string },
  ): void {
    const key = `${owner}/${repo}@${sha}`;
    const others = (this.checkRuns.get(key) ?? []).filter((r) => r.name !== run.name);
    this.checkRuns.set(key, [{ conclusion: null, ...run }, ...others]);
  }

  setStatus(
    owner: string,
    repo: string,
    sha: string,
    status: { context: string; state: string },
  ): void {
    const key = `${owner}/${repo}@${sha}`;
    this.statuses.set(key, [status, ...(this.statuses.get(key) ?? [])]);
  }

  deploymentsOf(owner: string, repo: string, environment: string) {
    return this.deployments.filter(
      (d) => d.repo === `${owner}/${repo}` && d.environment === environment,
    );
  }

  reactionsTo(commentId: number): string[] {
    return this.reactions.filter((r) => r.commentId === commentId).map((r) => r.content);
  }

  /** A comment written by someone else than the app, such as another bot. */
  addComment(
    owner: string,
    repo: string,
    issue: number,
    comment: Pick<Comment, 'body' | 'user' | 'performed_via_github_app'>,
  ): Comment {
    const key = `${owner}/${repo}#${issue}`;
    const added = { id: this.nextCommentId++, ...comment };
    this.comments.set(key, [...(this.comments.get(key) ?? []), added]);
    return added;
  }

  commentsOn(owner: string, repo: string, issue: number): Comment[] {
    return this.comments.get(`${owner}/${repo}#${issue}`) ?? [];
  }

  /** Calls from `index` on that change something, leaving out the app's own token requests. */
  writesSince(index: number): RecordedCall[] {
    return this.calls
      .slice(index)
      .filter((call) => call.method !== 'GET' && !call.path.endsWith('/access_tokens'));
  }

  callsMatching(method: string, pattern: RegExp): RecordedCall[] {
    return this.calls.filter((call) => call.method === method && pattern.test(call.path));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname.replace(/^\/api\/v3/, '');
    const body = await readBody(req);
    this.calls.push({ method: req.method ?? 'GET', path, body, at: Date.now() });
    const send = (status: number, data: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, {
        'content-type': 'application/json',
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': String(5000 - this.calls.length),
        ...headers,
      });
      res.end(data === undefined ? '' : JSON.stringify(data));
    };
    /** One page of `items` as GitHub serves it: `per_page` and `page`, and a Link to the next. */
    const page = <T>(items: T[]): { items: T[]; headers: Record<string, string> } => {
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      const number = Number(url.searchParams.get('page') ?? 1);
      const slice = items.slice((number - 1) * perPage, number * perPage);
      if (number * perPage >= items.length) return { items: slice, headers: {} };
      const next = new URL(req.url ?? '/', `http://${req.headers.host}`);
      next.searchParams.set('page', String(number + 1));
      return { items: slice, headers: { link: `<${next.toString()}>; rel="next"` } };
    };
    let m: RegExpExecArray | null;
    const fault = this.faults.findIndex((f) => f.method === req.method && f.pattern.test(path));
    if (fault >= 0) {
      const [{ status, headers, message }] = this.faults.splice(fault, 1) as [
        (typeof this.faults)[number],
      ];
      return send(status, { message }, headers);
    }
    if (req.method === 'GET' && path === '/app') {
      return send(200, { id: this.app.id, slug: this.app.slug, name: this.app.slug });
    }
    if (req.method === 'GET' && path === '/app/hook/deliveries') {
      const { items, headers } = page(this.hooks.list());
      return send(200, items, headers);
    }
    if (req.method === 'POST' && (m = /^\/app\/hook\/deliveries\/(\d+)\/attempts$/.exec(path))) {
      const sent = this.hooks.redeliver(Number(m[1]));
      if (!sent) return send(404, { message: 'Not Found' });
      void sent;
      return send(202, {});
    }
    if (req.method === 'GET' && path === '/app/installations') {
      const { items, headers } = page(
        this.installationIds.map((id) => ({ id, account: { login: 'acme' }, app_id: this.app.id })),
      );
      return send(200, items, headers);
    }
    if (req.method === 'GET' && (m = /^\/app\/installations\/(\d+)$/.exec(path))) {
      const id = Number(m[1]);
      if (!this.installationIds.includes(id)) return send(404, { message: 'Not Found' });
      return send(200, { id, account: { login: 'acme' }, app_id: this.app.id });
    }
    if (req.method === 'GET' && (m = /^\/repos\/([^/]+)\/([^/]+)\/installation$/.exec(path))) {
      if (!this.repositories.has(`${m[1]}/${m[2]}`)) return send(404, { message: 'Not Found' });
      return send(200, { id: this.installationIds[0], app_id: this.app.id });
    }
    if (req.method === 'GET' && (m = /^\/repos\/([^/]+)\/([^/]+)$/.exec(path))) {
      const id =
        this.repositories.get(`${m[1]}/${m[2]}`) ?? this.publicRepositories.get(`${m[1]}/${m[2]}`);
      if (id === undefined) return send(404, { message: 'Not Found' });
      return send(200, { id, name: m[2], full_name: `${m[1]}/${m[2]}`, owner: { login: m[1] } });
    }
    if (req.method === 'GET' && (m = /^\/repositories\/(\d+)$/.exec(path))) {
      const wanted = Number(m[1]);
      const found = [...this.repositories.entries(), ...this.publicRepositories.entries()].find(
        ([, id]) => id === wanted,
      );
      if (!found) return send(404, { message: 'Not Found' });
      const [owner, name] = found[0].split('/') as [string, string];
      return send(200, { id: found[1], name, full_name: found[0], owner: { login: owner } });
    }
    if (req.method === 'GET' && path === '/installation/repositories') {
      const repositories = [...this.repositories.entries()].map(([fullName, id]) => {
        const [owner, name] = fullName.split('/') as [string, string];
        return { id, name, full_name: fullName, owner: { login: owner } };
      });
      return send(200, { total_count: repositories.length, repositories });
    }
    if (req.method === 'GET' && (m = /^\/repos\/([^/]+)\/([^/]+)\/pulls$/.exec(path))) {
      const prefix = `${m[1]}/${m[2]}#`;
      const open = [...this.pulls.entries()]
        .filter(([key, pull]) => key.startsWith(prefix) && pull.state === 'open')
        .map(([key, pull]) => ({
          number: Number(key.slice(prefix.length)),
          state: 'open',
          head: { sha: pull.headSha, repo: { full_name: pull.fork ?? `${m?.[1]}/${m?.[2]}` } },
          labels: pull.labels.map((name) => ({ name })),
        }))
        .sort((a, b) => a.number - b.number);
      const { items, headers } = page(open);
      // What happens on GitHub between two page requests: a pull request closes, say.
      this.betweenPages?.(path, Number(url.searchParams.get('page') ?? 1));
      return send(200, items, headers);
    }

    if (req.method === 'POST' && (m = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path))) {
      return send(201, {
        token: `ghs_fake${m[1]}`,
        expires_at: new Date(Date.now() + 3_600_000).toISOString(),
        permissions: {},
        repository_selection: 'all',
      });
    }
    if (req.method === 'GET' && (m = /^\/repos\/([^/]+)\/([^/]+)\/contents\/(.+)$/.exec(path))) {
      const config = this.configs.get(`${m[1]}/${m[2]}`);
      if (decodeURIComponent(m[3] ?? '') !== '.github/preview.yml' || config === undefined) {
        return send(404, { message: 'Not Found' });
      }
      res.writeHead(200, { 'content-type': 'application/vnd.github.raw; charset=utf-8' });
      return void res.end(config);
    }
    if (req.method === 'GET' && (m = /^\/repos\/([^/]+)\/([^/]+)\/tarball\/(.+)$/.exec(path))) {
      if (!this.commits.has(`${m[1]}/${m[2]}@${m[3]}`)) return send(404, { message: 'Not Found' });
      return send(302, undefined, {
        location: `http://${this.host}/_archives/${m[1]}/${m[2]}/${m[3]}.tar.gz`,
      });
    }
    if (req.method === 'GET' && (m = /^\/_archives\/([^/]+)\/([^/]+)\/(.+)\.tar\.gz$/.exec(path))) {
      const [owner, repo, sha] = [m[1] as string, m[2] as string, m[3] as string];
      const archive = await this.tarball(owner, repo, sha);
      res.writeHead(200, { 'content-type': 'application/x-gzip' });
      return void res.end(archive);
    }
    if (req.method === 'GET' && (m = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)$/.exec(path))) {
      const pull = this.pulls.get(`${m[1]}/${m[2]}#${m[3]}`);
      if (!pull) return send(404, { message: 'Not Found' });
      return send(200, {
        number: Number(m[3]),
        state: pull.state,
        draft: pull.draft ?? false,
        head: {
          sha: pull.headSha,
          ref: 'feature',
          repo: { full_name: pull.fork ?? `${m[1]}/${m[2]}` },
        },
        base: { ref: 'main', repo: { full_name: `${m[1]}/${m[2]}` } },
      });
    }
    if (
      req.method === 'GET' &&
      (m = /^\/repos\/([^/]+)\/([^/]+)\/collaborators\/([^/]+)\/permission$/.exec(path))
    ) {
      const access = this.permissions.get(`${m[1]}/${m[2]}:${m[3]}`);
      if (!access) return send(404, { message: 'Not Found' });
      return send(200, { ...access, user: { login: m[3] } });
    }
    if (
      req.method === 'POST' &&
      (m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)\/reactions$/.exec(path))
    ) {
      const content = (body as { content: string }).content;
      this.reactions.push({ commentId: Number(m[3]), content });
      return send(201, { id: this.reactions.length, content });
    }
    if (
      req.method === 'GET' &&
      (m = /^\/repos\/([^/]+)\/([^/]+)\/commits\/([^/]+)\/check-runs$/.exec(path))
    ) {
      const runs = this.checkRuns.get(`${m[1]}/${m[2]}@${m[3]}`) ?? [];
      const { items, headers } = page(runs.map((r, i) => ({ id: i + 1, ...r })));
      return send(200, { total_count: runs.length, check_runs: items }, headers);
    }
    if (
      req.method === 'GET' &&
      (m = /^\/repos\/([^/]+)\/([^/]+)\/commits\/([^/]+)\/statuses$/.exec(path))
    ) {
      const { items, headers } = page(this.statuses.get(`${m[1]}/${m[2]}@${m[3]}`) ?? []);
      return send(200, items, headers);
    }
    if (
      req.method === 'GET' &&
      (m = /^\/repos\/([^/]+)\/([^/]+)\/commits\/([^/]+)\/pulls$/.exec(path))
    ) {
      const [owner, repo, sha] = [m[1], m[2], m[3]];
      const pulls = [...this.pulls.entries()]
        .filter(([key, pull]) => key.startsWith(`${owner}/${repo}#`) && pull.headSha === sha)
        .map(([key, pull]) => ({
          number: Number(key.split('#')[1]),
          state: pull.state,
          head: { sha },
        }));
      return send(200, pulls);
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/deployments$/.exec(path))) {
      const repoName = `${m[1]}/${m[2]}`;
      if (req.method === 'POST') {
        const input = body as {
          ref: string;
          environment: string;
          transient_environment: boolean;
          production_environment: boolean;
        };
        const deployment = {
          id: 7000 + this.deployments.length,
          repo: repoName,
          environment: input.environment,
          sha: input.ref,
          transient: input.transient_environment,
          production: input.production_environment,
          statuses: [] as DeploymentStatus[],
        };
        this.deployments.push(deployment);
        return send(201, { ...deployment, ...input });
      }
      const environment = url.searchParams.get('environment');
      const { items, headers } = page(
        this.deployments
          .filter((d) => d.repo === repoName && (!environment || d.environment === environment))
          .reverse(),
      );
      return send(200, items, headers);
    }
    if (
      req.method === 'GET' &&
      (m = /^\/repos\/([^/]+)\/([^/]+)\/deployments\/(\d+)\/statuses$/.exec(path))
    ) {
      const deployment = this.deployments.find((d) => d.id === Number(m?.[3]));
      if (!deployment) return send(404, { message: 'Not Found' });
      const { items, headers } = page([...deployment.statuses].reverse());
      return send(200, items, headers);
    }
    if (
      req.method === 'POST' &&
      (m = /^\/repos\/([^/]+)\/([^/]+)\/deployments\/(\d+)\/statuses$/.exec(path))
    ) {
      const deployment = this.deployments.find((d) => d.id === Number(m?.[3]));
      if (!deployment) return send(404, { message: 'Not Found' });
      deployment.statuses.push(body as DeploymentStatus);
      return send(201, body);
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(path))) {
      const key = `${m[1]}/${m[2]}#${m[3]}`;
      const list = this.comments.get(key) ?? [];
      if (req.method === 'GET') {
        const { items, headers } = page(list);
        return send(200, items, headers);
      }
      if (req.method === 'POST') {
        const comment: Comment = {
          id: this.nextCommentId++,
          body: (body as { body: string }).body,
          user: { login: this.app.login, type: 'Bot' },
          performed_via_github_app: { id: this.app.id, slug: this.app.slug },
        };
        this.comments.set(key, [...list, comment]);
        return send(201, comment);
      }
    }
    if (
      (req.method === 'PATCH' || req.method === 'DELETE') &&
      (m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(path))
    ) {
      for (const [key, list] of this.comments) {
        const comment = list.find((c) => c.id === Number(m?.[3]));
        if (!comment) continue;
        if (req.method === 'DELETE') {
          this.comments.set(
            key,
            list.filter((c) => c !== comment),
          );
          return send(204, undefined);
        }
        comment.body = (body as { body: string }).body;
        return send(200, comment);
      }
      return send(404, { message: 'Not Found' });
    }
    send(404, { message: `fake GitHub has no route for ${req.method} ${path}` });
  }

  /** A gzip tarball shaped like GitHub's: one top folder `<owner>-<repo>-<sha7>/`. */
  private async tarball(owner: string, repo: string, sha: string): Promise<Buffer> {
    const commit = this.commits.get(`${owner}/${repo}@${sha}`) as Commit;
    if (commit.archive) return commit.archive;
    const work = await mkdtemp(join(tmpdir(), 'fake-github-'));
    const top = `${owner}-${repo}-${sha.slice(0, 7)}`;
    try {
      for (const [target, source] of Object.entries(commit.folders)) {
        await cp(source, join(work, top, target), { recursive: true });
      }
      for (const [target, content] of Object.entries(commit.files)) {
        await mkdir(dirname(join(work, top, target)), { recursive: true });
        await writeFile(join(work, top, target), content);
      }
      await mkdir(join(work, top), { recursive: true });
      const chunks: Buffer[] = [];
      const stream = tar.c({ gzip: true, cwd: work, portable: true }, [top]);
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
