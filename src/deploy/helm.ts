import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserFacingError } from '../errors.ts';
import type { ChartRenderer, ClusterCredentials } from '../ports.ts';
import { redact, trimMessage } from './redact.ts';

const renderTimeoutMs = 60_000;
const maxOutputBytes = 20 * 1024 * 1024;

export class ChartRenderError extends UserFacingError {
  override name = 'ChartRenderError';
}

/**
 * Renders charts with the real helm binary and its own empty settings, for
 * the cluster it is given (`--kube-version`, `--api-versions`), CRDs
 * included. helm only reaches a cluster for `lookup`, and only when given
 * credentials for it.
 */
export class HelmRenderer implements ChartRenderer {
  readonly helmBin: string;

  constructor(helmBin: string) {
    this.helmBin = helmBin;
  }

  async render(params: Parameters<ChartRenderer['render']>[0]): Promise<string> {
    const home = await mkdtemp(join(tmpdir(), 'pr-preview-helm-'));
    try {
      // Our values go last so that they win over the chart's files. JSON is YAML,
      // and a file avoids --set's escaping rules for commas and dots.
      const previewValues = join(home, 'preview-values.yaml');
      await writeFile(previewValues, JSON.stringify(params.values));
      const args = [
        'template',
        params.releaseName,
        params.chartDir,
        '--namespace',
        params.namespace,
        '--skip-tests',
        '--include-crds',
        '--kube-version',
        params.cluster.kubeVersion,
        ...params.cluster.apiVersions.flatMap((version) => ['--api-versions', version]),
        ...(params.isUpgrade ? ['--is-upgrade'] : []),
        ...(params.lookup
          ? ['--dry-run=server', '--kubeconfig', await writeKubeconfig(home, params.lookup)]
          : []),
        ...params.valuesFiles.flatMap((file) => ['--values', file]),
        '--values',
        previewValues,
      ];
      const result = await run(this.helmBin, args, {
        HELM_CACHE_HOME: join(home, 'cache'),
        HELM_CONFIG_HOME: join(home, 'config'),
        HELM_DATA_HOME: join(home, 'data'),
      });
      if (result.code !== 0) {
        const text = result.stderr.replaceAll(params.chartDir, '<chart>').replaceAll(home, '');
        throw new ChartRenderError(describeHelmFailure(text));
      }
      return result.stdout;
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  }
}

/** A kubeconfig with one user, so that helm's `lookup` asks as that user only. */
async function writeKubeconfig(home: string, credentials: ClusterCredentials): Promise<string> {
  const path = join(home, 'kubeconfig');
  const cluster: Record<string, unknown> = { server: credentials.server };
  if (credentials.certificateAuthorityData) {
    cluster['certificate-authority-data'] = credentials.certificateAuthorityData;
  }
  if (credentials.insecureSkipTlsVerify) cluster['insecure-skip-tls-verify'] = true;
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'preview', cluster }],
    users: [{ name: 'lookup', user: { token: credentials.token } }],
    contexts: [{ name: 'preview', context: { cluster: 'preview', user: 'lookup' } }],
    'current-context': 'preview',
  };
  await writeFile(path, JSON.stringify(kubeconfig), { mode: 0o600 });
  return path;
}

function describeHelmFailure(stderr: string): string {
  const missingDependency = /found in Chart\.yaml, but missing in charts\/ directory: (.+)/.exec(
    stderr,
  );
  if (missingDependency) {
    return `the chart needs dependencies that are not vendored (${missingDependency[1]?.trim()}): run \`helm dependency build\` and commit the chart's \`charts/\` folder; previews never download dependencies`;
  }
  const lookupRefused = /error calling lookup: [^\n]* is forbidden[^\n]*/.exec(stderr);
  if (lookupRefused) {
    return `helm template failed: the chart's \`lookup\` may only read objects of the preview's own namespace\n\n${trimMessage(redact(lookupRefused[0]))}`;
  }
  // Advice about helm's own flags means nothing to someone who only pushes a chart.
  const withoutFlagAdvice = stderr.replace(/^Use --debug flag.*$/gm, '');
  const details = trimMessage(redact(withoutFlagAdvice)) || '(no output)';
  const headline =
    details.split('\n').find((line) => line.startsWith('Error:')) ?? details.split('\n')[0];
  return `helm template failed: ${headline?.replace(/^Error:\s*/, '')}\n\n${details}`;
}

/**
 * A render is a short-lived Go process that allocates mostly while starting:
 * collecting garbage less often takes a quarter off its CPU (in a burst of
 * first deploys, helm is a large part of the app's), and the memory limit
 * makes the collector work harder as a large chart's heap nears it.
 */
const shortLivedGo = { GOGC: '400', GOMEMLIMIT: '256MiB' };

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: Record<string, string>): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: env.HELM_CONFIG_HOME ?? '',
        ...shortLivedGo,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: renderTimeoutMs,
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let size = 0;
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxOutputBytes) {
        child.kill('SIGKILL');
        return;
      }
      into.push(chunk);
    };
    child.stdout.on('data', collect(stdout));
    child.stderr.on('data', collect(stderr));
    child.on('error', (error) =>
      reject(new Error(`cannot run helm (${command}): ${error.message}; set HELM_BIN`)),
    );
    child.on('close', (code, signal) => {
      if (size > maxOutputBytes) {
        resolve({
          code: 1,
          stdout: '',
          stderr: `rendered output is larger than ${maxOutputBytes} bytes`,
        });
      } else if (signal) {
        resolve({
          code: 1,
          stdout: '',
          stderr: `helm was stopped (${signal}): rendering took too long`,
        });
      } else {
        resolve({
          code,
          stdout: Buffer.concat(stdout).toString('utf8'),
          stderr: Buffer.concat(stderr).toString('utf8'),
        });
      }
    });
  });
}
