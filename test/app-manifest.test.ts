import { readFileSync, readdirSync } from 'node:fs';
import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import type { ApplicationFunctionOptions, Probot } from 'probot';
import { describe, expect, it, vi } from 'vitest';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = yaml.load(readFileSync(join(repoRoot, 'app.yml'), 'utf8')) as {
  default_events: string[];
  default_permissions: Record<string, 'read' | 'write'>;
};

type Need = Record<string, 'read' | 'write'>;

/**
 * What each GitHub call of the app needs, as GitHub documents it for
 * GitHub Apps. Where two permissions each suffice, either is listed.
 */
const callNeeds: Record<string, Need[]> = {
  'issues.createComment': [{ issues: 'write' }, { pull_requests: 'write' }],
  'issues.updateComment': [{ issues: 'write' }, { pull_requests: 'write' }],
  'issues.listComments': [{ issues: 'read' }, { pull_requests: 'read' }],
  'reactions.createForIssueComment': [{ issues: 'write' }, { pull_requests: 'write' }],
  'pulls.get': [{ pull_requests: 'read' }],
  'pulls.list': [{ pull_requests: 'read' }],
  'repos.listPullRequestsAssociatedWithCommit': [{ pull_requests: 'read' }],
  'repos.createDeployment': [{ deployments: 'write' }],
  'repos.createDeploymentStatus': [{ deployments: 'write' }],
  'repos.listDeployments': [{ deployments: 'read' }],
  'repos.downloadTarballArchive': [{ contents: 'read' }],
  'repos.getCollaboratorPermissionLevel': [{ metadata: 'read' }],
  'repos.listCommitStatusesForRef': [{ statuses: 'read' }],
  'repos.listDeploymentStatuses': [{ deployments: 'read' }],
  'checks.listForRef': [{ checks: 'read' }],
  'apps.listReposAccessibleToInstallation': [{ metadata: 'read' }],
  'repos.get': [{ metadata: 'read' }],
  // Made as the app itself (JWT), not as an installation.
  'apps.listInstallations': [{}],
  'apps.getInstallation': [{}],
  'apps.getAuthenticated': [{}],
  'apps.getRepoInstallation': [{}],
  'POST /app/hook/deliveries/{delivery_id}/attempts': [{}],
  // The repository by its id, as an installation sees it.
  'GET /repositories/{repository_id}': [{ metadata: 'read' }],
  // Probot's context.config reads .github/preview.yml.
  'config.get': [{ contents: 'read' }],
};

/** Webhook events and the permission that subscribing to each needs. */
const eventNeeds: Record<string, Need> = {
  pull_request: { pull_requests: 'read' },
  issue_comment: { issues: 'read' },
  check_run: { checks: 'read' },
  check_suite: { checks: 'read' },
  status: { statuses: 'read' },
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(dir, file));
}

/**
 * `octokit.rest.<namespace>.<method>`, `octokit.request('<route>')` and
 * `octokit.config.get`, wherever the source calls them.
 */
function callsInSource(): Set<string> {
  const calls = new Set<string>();
  for (const file of sourceFiles(join(repoRoot, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\.rest\.([a-zA-Z]+)\.([a-zA-Z]+)/g))
      calls.add(`${m[1]}.${m[2]}`);
    for (const m of text.matchAll(/\.request\(\s*'([A-Z]+ [^']+)'/g)) calls.add(m[1]!);
    for (const m of text.matchAll(/octokit\.config\.get\b/g))
      calls.add(m[0].replace('octokit.', ''));
  }
  return calls;
}

/** The events the app subscribes to, recorded from the app function itself. */
async function subscribedEvents(): Promise<Set<string>> {
  const dir = await mkdtemp(join(tmpdir(), 'app-manifest-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(
    kubeconfig,
    'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n',
  );
  vi.stubEnv('KUBECONFIG', kubeconfig);
  vi.stubEnv('PREVIEW_DOMAIN', 'preview.bar.com');
  vi.stubEnv('PREVIEW_RECONCILE_INTERVAL', '0');
  vi.stubEnv('WEBHOOK_SECRET', 'test-secret');
  const events = new Set<string>();
  const log = { info() {}, warn() {}, error() {}, debug() {}, child: () => log };
  const app = {
    log,
    on: (names: string | string[]) => {
      for (const name of [names].flat()) events.add(name.split('.')[0] as string);
    },
  } as unknown as Probot;
  const { default: prPreview } = await import('../src/index.ts');
  prPreview(app, { addHandler: () => undefined } as unknown as ApplicationFunctionOptions);
  vi.unstubAllEnvs();
  return events;
}

const grants = (need: Need) =>
  Object.entries(need).every(([scope, level]) => {
    const granted = manifest.default_permissions[scope];
    return granted === 'write' || granted === level;
  });

describe('app.yml', () => {
  it('knows what every GitHub call of the source needs', () => {
    const unknown = [...callsInSource()].filter((call) => !(call in callNeeds));
    expect(unknown).toEqual([]);
  });

  it('grants what every GitHub call needs', () => {
    const missing = [...callsInSource()].filter((call) => !callNeeds[call]?.some(grants));
    expect(missing).toEqual([]);
  });

  it('subscribes to exactly the events the app handles, and grants what they need', async () => {
    const events = await subscribedEvents();
    expect([...events].sort()).toEqual([...manifest.default_events].sort());
    const missing = [...events].filter(
      (event) => !grants(eventNeeds[event] ?? { unknown: 'write' }),
    );
    expect(missing).toEqual([]);
  });

  it('grants nothing that no call or event needs', () => {
    const needed = new Set(
      [
        ...[...callsInSource()].flatMap((call) => callNeeds[call] ?? []),
        ...manifest.default_events.map((event) => eventNeeds[event] ?? {}),
      ].flatMap((need) => Object.keys(need)),
    );
    const unneeded = Object.keys(manifest.default_permissions).filter(
      (scope) => !needed.has(scope),
    );
    expect(unneeded).toEqual([]);
  });

  it("lets Probot's setup say where webhooks go: the smee channel it made, else its own address", async () => {
    // Probot's own manifest code, as its setup page runs it (not exported by the package).
    const { ManifestCreation } = (await import(
      join(repoRoot, 'node_modules/probot/lib/manifest-creation.js')
    )) as {
      ManifestCreation: new () => {
        getManifest(options: {
          pkg: object;
          baseUrl: string;
          readFileSync: typeof readFileSync;
        }): string;
      };
    };
    // Probot reads app.yml from the working directory; here, this checkout's.
    const read = (() =>
      readFileSync(join(repoRoot, 'app.yml'), 'utf8')) as unknown as typeof readFileSync;
    const hookOf = () =>
      (
        JSON.parse(
          new ManifestCreation().getManifest({
            pkg: {},
            baseUrl: 'http://localhost:3000',
            readFileSync: read,
          }),
        ) as { hook_attributes: { url: string } }
      ).hook_attributes.url;
    vi.stubEnv('WEBHOOK_PROXY_URL', 'https://smee.io/a1b2c3');
    expect(hookOf()).toBe('https://smee.io/a1b2c3');
    vi.stubEnv('WEBHOOK_PROXY_URL', '');
    expect(hookOf()).toBe('http://localhost:3000/');
    vi.unstubAllEnvs();
  });
});
