import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';

/**
 * The variables of `.env` in a folder, read as Probot 14 reads it at start
 * (`node:util` parseEnv of `<cwd>/.env`, its `loadEnv`); none without a file.
 */
export function readEnvFile(dir: string): Record<string, string> {
  try {
    return parseEnv(readFileSync(join(dir, '.env'), 'utf8')) as Record<string, string>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
}

/**
 * The environment as the app sees it: `.env` laid over the process's own, so
 * that a value in the file wins, as Probot's `applyEnv` assigns it.
 */
export function withEnvFile(env: NodeJS.ProcessEnv, dir: string): NodeJS.ProcessEnv {
  return { ...env, ...readEnvFile(dir) };
}
