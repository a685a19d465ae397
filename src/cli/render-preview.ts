import { existsSync } from 'node:fs';
import { lstat, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import yaml from 'js-yaml';
import * as tar from 'tar';
import { configPath, parseConfig } from '../config/load-config.ts';
import { extractChart, normaliseChartPath, removeExtracted } from '../deploy/chart-archive.ts';
import { refusalError, refusedObjects } from '../deploy/guardrails.ts';
import { HelmRenderer } from '../deploy/helm.ts';
import { objectsToApply } from '../deploy/objects-to-apply.ts';
import { parseManifests } from '../deploy/prepare-objects.ts';
import { valuesFilesFor } from '../deploy/values-files.ts';
import { UserFacingError } from '../errors.ts';
import { buildTargets } from '../plan/targets.ts';
import type { Settings } from '../settings.ts';
import { namespacedOffline } from './offline-scope.ts';

export interface RenderOptions {
  repoDir: string;
  pr: number;
  tenant?: string;
  sha: string;
  /** `owner/name`; default: the folder's name under owner `local`. */
  repository?: string;
}

type RenderSettings = Pick<
  Settings,
  'helmBin' | 'previewDomain' | 'guardrails' | 'namespacePolicy' | 'secrets'
>;

/**
 * What the app would apply for one preview of a local checkout, as YAML:
 * the same config checks, chart limits, helm call, guardrails and rewriting,
 * without GitHub or a cluster.
 */
export async function renderPreview(options: RenderOptions, settings: RenderSettings) {
  const repoDir = resolve(options.repoDir);
  const [owner, repo] = (options.repository ?? `local/${basename(repoDir)}`).split('/') as [
    string,
    string,
  ];
  const config = await readLocalConfig(repoDir, repo);
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

  const workDir = await mkdtemp(join(tmpdir(), 'pr-preview-render-'));
  try {
    const chartDir = await copyChart(repoDir, config.chart, workDir);
    const rendered = await new HelmRenderer(settings.helmBin).render({
      chartDir,
      releaseName: target.releaseName,
      namespace: target.namespace,
      valuesFiles: valuesFilesFor(chartDir, config, target.tenant),
      values: target.values,
    });
    const chartObjects = parseManifests(rendered);
    const refusals = refusedObjects({
      objects: chartObjects,
      namespace: target.namespace,
      guardrails: settings.guardrails,
      namespaced: namespacedOffline,
    });
    if (refusals.length > 0) throw refusalError(refusals);
    const objects = objectsToApply({
      chartObjects,
      target,
      config,
      namespacePolicy: settings.namespacePolicy,
      secrets: [],
    });
    const header = [
      `# pr-preview render: namespace ${target.namespace}, ${target.url}, commit ${options.sha}`,
      ...(settings.secrets
        ? [
            `# not shown: Secrets copied from ${settings.secrets.namespace} (${settings.secrets.names.join(', ')})`,
          ]
        : []),
    ];
    return `${header.join('\n')}\n${objects.map((o) => `---\n${yaml.dump(o, { noRefs: true })}`).join('')}`;
  } finally {
    await removeExtracted(workDir);
  }
}

async function readLocalConfig(repoDir: string, repositoryName: string) {
  const file = join(repoDir, configPath);
  let raw: unknown = null;
  if (existsSync(file)) {
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
  return result.config;
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
