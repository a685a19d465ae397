import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { fixtureCharts } from './preview-world.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Runs `pr-preview render` as a chart author would, through npx and the package's own bin. */
export function renderCommand(...args: string[]) {
  return renderCommandWith({}, ...args);
}

/** The same, with more of the app's settings in the environment. */
export function renderCommandWith(env: Record<string, string>, ...args: string[]) {
  const result = spawnSync('npx', ['--no-install', 'pr-preview', 'render', ...args], {
    cwd: repoRoot,
    env: { ...process.env, HELM_BIN: inject('helm'), PREVIEW_DOMAIN: 'preview.bar.com', ...env },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A local checkout holding one fixture chart at `.cloud/charts/<app>` and a `.github/preview.yml`. */
export async function checkoutOf(chart: string, app: string, config: string): Promise<string> {
  const checkout = await mkdtemp(join(tmpdir(), `render-${chart}-`));
  await mkdir(join(checkout, '.github'));
  await writeFile(join(checkout, '.github/preview.yml'), config);
  await cp(join(fixtureCharts, chart), join(checkout, '.cloud/charts', app), { recursive: true });
  return checkout;
}
