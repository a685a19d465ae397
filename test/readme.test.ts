import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { previewConfigSchema } from '../src/config/schema.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

function sourceText(): string {
  const src = join(repoRoot, 'src');
  return readdirSync(src, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => readFileSync(join(src, file), 'utf8'))
    .join('\n');
}

describe('README', () => {
  it('documents every setting the app reads from its environment', () => {
    const settings = new Set(sourceText().match(/\bPREVIEW_[A-Z_]+/g));
    expect([...settings].filter((name) => !readme.includes(`\`${name}\``))).toEqual([]);
  });

  it('documents every key of .github/preview.yml', () => {
    const shape = previewConfigSchema.shape;
    const keys = Object.keys(shape);
    expect(keys.length).toBeGreaterThan(10);
    expect(keys.filter((key) => !new RegExp(`\\| \`${key}(\\.\\w+)?\``).test(readme))).toEqual([]);
  });
});
