import { KubeConfig } from '@kubernetes/client-node';
import { existsSync } from 'node:fs';
import { lstat, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import yaml from 'js-yaml';
import * as tar from 'tar';
import { configPath, parseConfig } from '../config/load-config.ts';
import { extractChart, normaliseChartPath, removeExtracted } from '../deploy/chart-archive.ts';
import { HelmRenderer } from '../deploy/helm.ts';
import { KubernetesDiscovery } from '../deploy/kubernetes-discovery.ts';
import { UserFacingError } from '../errors.ts';
import { refusalError } from '../deploy/guardrails/guardrails.ts';
import { podSecurityRefusal } from '../deploy/pod-security.ts';
import type { Release } from '../deploy/check-release.ts';
import { describe, refOf } from '../plan/object-identity.ts';
import { podSecurityFindings } from '../plan/pod-security-standards.ts';
import { renderRelease } from '../deploy/render-chart.ts';
import { buildTargets } from '../plan/targets.ts';
import type { ClusterFacts, PodSecurityLevel } from '../ports.ts';
import type { Settings } from '../settings/read-settings.ts';
import { offlineFacts } from './offline-facts.ts';
import { printRelease } from './print-release.ts';

export interface RenderOptions {
  repoDir: string;
  pr: number;
  tenant?: string;
  sha: string;
  /** `owner/name`; default: the folder's name under owner `local`. */
  repository?: string;
  /** Render as a later deploy does (`.Release.IsUpgrade`, upgrade hooks). */
  upgrade?: boolean;
  /** Read the Kubernetes version and APIs from this cluster. */
  kubeconfig?: string;
  /** Without a kubeconfig: the Kubernetes version and extra API versions to assume. */
  kubeVersion?: string;
  apiVersions?: string[];
}

type RenderSettings = Pick<
  Settings,
  'helmBin' | 'previewDomain' | 'guardrails' | 'namespacePolicy' | 'secrets'
>;

/**
 * What the app would apply and run for one preview of a local checkout, as
 * YAML in the order it happens: the same config checks, chart limits, render
 * and check phases as a deploy, without GitHub and, unless given a
 * kubeconfig, without a cluster.
 */
export async function renderPreview(options: RenderOptions, settings: RenderSettings) {
  const repoDir = resolve(options.repoDir);
  const [owner, repo] = (options.repository ?? `local/${basename(repoDir)}`).split('/') as [
    string,
    string,
  ];
  const { config, found } = await readLocalConfig(repoDir, repo);
  const tenant = chooseTenant(options.tenant, config.tenants);
  const targets = buildTargets({
    pr: { owner, repo, repositoryId: 0, installationId: 0, number: options.pr },
    config,
    domain: settings.previewDomain,
    sha: options.sha,
    tenants: [tenant],
    origin: 'label',
  });
  if (!targets.ok) throw new UserFacingError(targets.problems.join('\n'));
  const target = targets.targets[0] as (typeof targets.targets)[number];
  const facts = await factsFor(options);
  const action = options.upgrade ? 'upgrade' : 'install';

  const workDir = await mkdtemp(join(tmpdir(), 'pr-preview-render-'));
  try {
    const chartDir = await copyChart(repoDir, config.chart, workDir);
    const release = await renderRelease({
      renderer: new HelmRenderer(settings.helmBin),
      chartDir,
      config,
      target,
      facts,
      action,
      guardrails: settings.guardrails,
      namespacePolicy: settings.namespacePolicy,
      secrets: [],
    });
    const podSecurity = judgePodSecurity(release, settings.namespacePolicy.podSecurity);
    return printRelease({
      release,
      target,
      sha: options.sha,
      facts,
      configSource: configSource(found),
      podSecurityWarnings: podSecurity.warnings,
      factsFrom: options.kubeconfig
        ? 'the cluster of --kubeconfig'
        : options.kubeVersion
          ? '--kube-version'
          : 'the default; --kube-version or --kubeconfig change it',
      ...(settings.secrets ? { copiedSecrets: settings.secrets } : {}),
    });
  } finally {
    await removeExtracted(workDir);
  }
}

/** The cluster a render is for: a real one's discovery, or what the flags say. */
async function factsFor(options: RenderOptions): Promise<ClusterFacts> {
  if (!options.kubeconfig) {
    return offlineFacts({
      ...(options.kubeVersion ? { kubeVersion: options.kubeVersion } : {}),
      ...(options.apiVersions ? { apiVersions: options.apiVersions } : {}),
    });
  }
  const kubeConfig = new KubeConfig();
  try {
    kubeConfig.loadFromFile(options.kubeconfig);
    return await new KubernetesDiscovery(kubeConfig).facts();
  } catch (error) {
    throw new UserFacingError(
      `cannot read the cluster of ${options.kubeconfig}: ${(error as Error).message}`,
    );
  }
}

/**
 * Where the configuration came from, beside where the app takes it: the
 * default branch, so a pull request that adds or changes the file is
 * deployed by the app with the old one.
 */
function configSource(found: boolean): string {
  const app =
    "the app reads it from the repository's default branch (or the organisation's .github repository), never from the pull request";
  return found
    ? `# ${configPath}: this checkout's; ${app}`
    : `# ${configPath}: none in this checkout, so the defaults; ${app}`;
}

/**
 * Pod Security at the previews' level, judged offline as the API server
 * would: what the level refuses fails the render as the app's dry run fails
 * the deploy; what `restricted` would refuse is said, as the namespaces warn.
 */
function judgePodSecurity(release: Release, level: PodSecurityLevel): { warnings: string[] } {
  const { pre, post, preDelete } = release.hooks;
  const hooks = [...new Set([...pre.hooks, ...post.hooks, ...preDelete.hooks])].map(
    (h) => h.object,
  );
  const objects = [...release.objects, ...hooks];
  const refusals = podSecurityFindings(objects, level).map(({ object, violation }) =>
    podSecurityRefusal(refOf(object), level, violation),
  );
  if (refusals.length > 0) throw refusalError(refusals);
  if (level === 'restricted') return { warnings: [] };
  return {
    warnings: podSecurityFindings(objects, 'restricted').map(
      ({ object, violation }) =>
        `# Pod Security warns (restricted, as preview namespaces do): ${describe(object)}: ${violation}`,
    ),
  };
}

async function readLocalConfig(repoDir: string, repositoryName: string) {
  const file = join(repoDir, configPath);
  let raw: unknown = null;
  const found = existsSync(file);
  if (found) {
    try {
      raw = yaml.load(await readFile(file, 'utf8'));
    } catch (error) {
      throw new UserFacingError(
        `\`${configPath}\` could not be read: ${(error as Error).message.split('\n')[0]}`,
      );
    }
  }
  const result = parseConfig(raw, repositoryName);
  if (!result.ok) {
    throw new UserFacingError(
      `\`${configPath}\` is not valid:\n${result.problems.map((p) => `- ${p}`).join('\n')}`,
    );
  }
  return { config: result.config, found };
}

function chooseTenant(asked: string | undefined, tenants: string[]): string | null {
  const list = tenants.map((t) => `\`${t}\``).join(', ');
  if (tenants.length === 0) {
    if (asked) throw new UserFacingError(`this repository has no tenants: leave out --tenant`);
    return null;
  }
  if (!asked) throw new UserFacingError(`choose a tenant with --tenant: ${list}`);
  const tenant = asked.toLowerCase();
  if (!tenants.includes(tenant)) {
    throw new UserFacingError(`unknown tenant \`${asked}\`; the repository's tenants are ${list}`);
  }
  return tenant;
}

/**
 * Packs the chart folder as GitHub would serve it and unpacks it with the
 * app's own limits, so links and oversized charts fail here as they would there.
 */
async function copyChart(repoDir: string, chartPath: string, workDir: string): Promise<string> {
  const chart = normaliseChartPath(chartPath);
  const parts = chart.split('/');
  for (let i = 1; i <= parts.length; i++) {
    const path = parts.slice(0, i).join('/');
    const stat = await lstat(join(repoDir, path)).catch(() => undefined);
    if (!stat) throw new UserFacingError(`chart folder \`${chart}\` does not exist in ${repoDir}`);
    if (stat.isSymbolicLink()) {
      throw new UserFacingError(
        `chart path \`${chart}\` goes through a link (\`${path}\`); previews only read real folders`,
      );
    }
  }
  const chunks: Buffer[] = [];
  for await (const chunk of tar.c({ gzip: true, cwd: repoDir, portable: true, prefix: 'local' }, [
    chart,
  ])) {
    chunks.push(chunk as Buffer);
  }
  return extractChart({
    archive: Buffer.concat(chunks),
    chartPath: chart,
    dest: join(workDir, 'repo'),
  });
}
