import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEnvFile, withEnvFile } from '../../src/settings/env-file.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
let dir: string;

/** What Probot's setup page writes, and what operators add by hand. */
const dotEnv = [
  '# written by Probot',
  'APP_ID=12345',
  'PRIVATE_KEY="-----BEGIN RSA PRIVATE KEY-----\\nMIIE\\n-----END RSA PRIVATE KEY-----\\n"',
  "WEBHOOK_SECRET='s3cr=t # not a comment'",
  'export PREVIEW_DOMAIN=preview.bar.com',
  'LOG_LEVEL=debug # a comment',
  'EMPTY=',
  '',
].join('\n');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'env-file-'));
  await writeFile(join(dir, '.env'), dotEnv);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('.env', () => {
  it('is read as Probot reads it at start', async () => {
    // Probot's own reader (not among its exports), from the installed package.
    const probot = (await import(
      pathToFileURL(join(repoRoot, 'node_modules/probot/lib/helpers/load-env.js')).href
    )) as { loadEnv: (options: { path: string }) => Record<string, string> };
    const theirs = probot.loadEnv({ path: join(dir, '.env') });
    expect(readEnvFile(dir)).toEqual(theirs);
    expect(theirs).toMatchObject({ APP_ID: '12345', PREVIEW_DOMAIN: 'preview.bar.com' });
  });

  it("wins over the process's environment, as Probot's applyEnv assigns it", () => {
    expect(withEnvFile({ APP_ID: '1', PATH: '/bin' }, dir)).toMatchObject({
      APP_ID: '12345',
      PATH: '/bin',
    });
  });

  it('is nothing where there is none', () => {
    expect(readEnvFile(join(dir, 'elsewhere'))).toEqual({});
  });
});
