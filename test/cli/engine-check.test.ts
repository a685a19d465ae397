import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { engineProblem, minimumNode } from '../../src/cli/engine-check.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('the engine check', () => {
  it.each([
    ['20.19.0', 'pr-preview needs Node.js >= 22.19 (this is v20.19.0)'],
    ['22.18.1', 'pr-preview needs Node.js >= 22.19 (this is v22.18.1)'],
    ['18.0.0', 'pr-preview needs Node.js >= 22.19 (this is v18.0.0)'],
    ['22.19.0', undefined],
    ['22.20.0', undefined],
    ['24.21.0', undefined],
    ['25.0.0', undefined],
  ])('on Node %s: %s', (version, problem) => {
    expect(engineProblem(version)).toBe(problem);
  });

  it("asks for the Node that package.json's engines names", () => {
    const engines = (
      JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
        engines: { node: string };
      }
    ).engines;
    expect(engines.node).toBe(`>=${minimumNode}`);
  });

  it('stops the command on an older Node before any other module loads', () => {
    // Node 20 as far as the entry can tell, and a note of every module that loads.
    const pretend = [
      "import { registerHooks } from 'node:module';",
      "Object.defineProperty(process.versions, 'node', { value: '20.19.0' });",
      'registerHooks({ load(url, context, next) { process.stderr.write(`loaded ${url}\\n`); return next(url, context); } });',
    ].join('\n');
    const result = spawnSync(
      process.execPath,
      [
        '--import',
        `data:text/javascript,${encodeURIComponent(pretend)}`,
        join(repoRoot, 'src/cli.ts'),
        '--help',
      ],
      { encoding: 'utf8' },
    );
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    const loaded = [...result.stderr.matchAll(/^loaded (.*)$/gm)].map((m) => m[1]);
    expect(loaded.map((url) => url?.replace(/^file:\/\/.*\/src\//, 'src/'))).toEqual([
      'src/cli.ts',
      'src/cli/engine-check.ts',
    ]);
    expect(result.stderr).toContain('pr-preview needs Node.js >= 22.19 (this is v20.19.0)\n');
  });
});
