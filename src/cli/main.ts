import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { checkHelm, locateHelm } from '../deploy/helm-binary.ts';
import { messageOf, UserFacingError } from '../errors.ts';
import { withEnvFile } from '../settings/env-file.ts';
import { readSettings, type Settings } from '../settings/read-settings.ts';
import { parseInvocation, type RenderArguments } from './arguments.ts';
import { renderPreview } from './render-preview.ts';
import { usage } from './usage.ts';

/** What the command reads and writes: the process's, or a test's. */
export interface CliIo {
  argv: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/**
 * Exit codes: 0 done; 1 the preview would fail (the configuration, the chart,
 * helm's render, a guardrail or Pod Security refuses it); 2 the command cannot
 * run as asked (its arguments, the app's settings, no helm).
 */
export const exitCodes = { done: 0, refused: 1, usage: 2 } as const;

class CommandLineError extends Error {
  override name = 'CommandLineError';
}

export async function runCli(io: CliIo): Promise<number> {
  const invocation = parseInvocation(io.argv);
  if (invocation.action === 'help') {
    io.stdout(`${usage}\n`);
    return exitCodes.done;
  }
  if (invocation.action === 'refuse') {
    const lines = invocation.problem.split('\n').map((line) => `pr-preview: ${line}\n`);
    io.stderr(`${lines.join('')}\n${usage}\n`);
    return exitCodes.usage;
  }
  try {
    // Read as the app reads it at start: `.env` of the current folder over the environment.
    const env = withEnvFile(io.env, io.cwd);
    if (invocation.action === 'version') {
      io.stdout(`pr-preview ${appVersion()}\n`);
      // The helm the app's settings would choose (HELM_BIN, PATH, npm run tools).
      const bin = env.HELM_BIN?.trim() || locateHelm(env);
      io.stdout(`helm ${await helmVersion(bin)} (${bin})\n`);
      return exitCodes.done;
    }
    const options = checkedOnDisk(invocation.render, io.cwd);
    const settings = settingsFrom(env);
    await helmVersion(settings.helmBin);
    io.stdout(await renderPreview(options, settings));
    return exitCodes.done;
  } catch (error) {
    if (error instanceof CommandLineError) {
      io.stderr(`pr-preview: ${error.message}\n`);
      return exitCodes.usage;
    }
    const reason =
      error instanceof UserFacingError ? error.message : `internal error: ${messageOf(error)}`;
    io.stderr(`pr-preview render: ${reason}\n`);
    return exitCodes.refused;
  }
}

/** The package's own version, from the package.json beside src/ and lib/. */
function appVersion(): string {
  const file = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

/** Paths of the command line that must exist, checked before anything runs. */
function checkedOnDisk(options: RenderArguments, cwd: string): RenderArguments {
  const repoDir = resolve(cwd, options.repoDir);
  const kind = statSync(repoDir, { throwIfNoEntry: false });
  if (!kind) throw new CommandLineError(`--repo-dir ${repoDir} does not exist`);
  if (!kind.isDirectory()) {
    throw new CommandLineError(`--repo-dir ${repoDir} is not a folder: give the checkout's folder`);
  }
  const kubeconfig = options.kubeconfig && resolve(cwd, options.kubeconfig);
  if (kubeconfig && !statSync(kubeconfig, { throwIfNoEntry: false })?.isFile()) {
    throw new CommandLineError(`--kubeconfig ${kubeconfig} does not exist`);
  }
  return { ...options, repoDir, ...(kubeconfig ? { kubeconfig } : {}) };
}

/** The app's settings, a domain of the documentation's by default; wrong ones are a usage error. */
function settingsFrom(env: NodeJS.ProcessEnv): Settings {
  try {
    return readSettings({ ...env, PREVIEW_DOMAIN: env.PREVIEW_DOMAIN || 'preview.example.com' });
  } catch (error) {
    throw new CommandLineError(
      `the app's settings in the environment are wrong: ${messageOf(error)}`,
    );
  }
}

/** The version of a helm; a missing or broken one stops the command. */
async function helmVersion(bin: string): Promise<string> {
  const status = await checkHelm(bin);
  if (status.ok) return status.version;
  const where = bin.includes('/') ? bin : `${bin} (looked up on PATH)`;
  throw new CommandLineError(
    status.missing
      ? `helm not found at ${where}: set HELM_BIN or run npm run tools`
      : `helm at ${where} does not work: ${status.problem}; set HELM_BIN to a helm 3 binary`,
  );
}
