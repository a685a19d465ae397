import { spawn } from 'node:child_process';
import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/**
 * The helm to run when HELM_BIN is not set: `helm` on PATH, else the newest
 * helm that the project's own `npm run tools` built (in
 * `PR_PREVIEW_TOOLS_DIR`, by default `~/.cache/pr-preview/tools`), else
 * plain `helm`, which the start-up check then reports as missing.
 */
export function locateHelm(env: NodeJS.ProcessEnv): string {
  const onPath = (env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .some((dir) => isExecutable(join(dir, 'helm')));
  if (onPath) return 'helm';
  const toolsDir = env.PR_PREVIEW_TOOLS_DIR ?? join(homedir(), '.cache', 'pr-preview', 'tools');
  let built: { path: string; mtime: number }[] = [];
  try {
    built = readdirSync(toolsDir)
      .filter((name) => /^helm-v/.test(name))
      .map((name) => join(toolsDir, name, 'helm'))
      .filter(isExecutable)
      .map((path) => ({ path, mtime: statSync(path).mtimeMs }));
  } catch {
    built = [];
  }
  built.sort((a, b) => b.mtime - a.mtime);
  return built[0]?.path ?? 'helm';
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export type HelmStatus =
  | { ok: true; version: string }
  /** `missing`: there is no such program, rather than one that fails. */
  | { ok: false; problem: string; missing?: boolean };

/** Runs `helm version` once: whether the app can render at all. */
export function checkHelm(helmBin: string): Promise<HelmStatus> {
  return new Promise((resolve) => {
    const child = spawn(helmBin, ['version', '--template', '{{.Version}}'], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 15_000,
    });
    // The version is what it prints; a warning on stderr (a group-readable kubeconfig) is not.
    let out = '';
    let errors = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString('utf8')));
    child.on('error', (error: NodeJS.ErrnoException) =>
      resolve({
        ok: false,
        problem: `cannot run helm (${helmBin}): ${error.message}`,
        ...(error.code === 'ENOENT' ? { missing: true } : {}),
      }),
    );
    child.on('close', (code) => {
      const version = out.trim();
      if (code !== 0 || !/^v\d/.test(version)) {
        resolve({
          ok: false,
          problem: `helm (${helmBin}) did not say its version: ${version || errors.trim() || `exit ${code}`}`,
        });
      } else if (!version.startsWith('v3.')) {
        // Helm 4 changed flags and output the app relies on; it is refused until it has been tried.
        resolve({
          ok: false,
          problem: `helm ${version} (${helmBin}) is not helm 3, the only major version the app has been tried with`,
        });
      } else resolve({ ok: true, version });
    });
  });
}

/** What an operator does about a missing or broken helm. */
export const helmAdvice =
  'set HELM_BIN to a helm 3 binary, or put one on PATH: download it from https://github.com/helm/helm/releases (or `brew install helm@3`; `brew install helm` is helm 4 now); in a checkout of this project `npm run tools` builds one';
