import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';

const chartDir = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'charts',
  'pr-preview',
);
const values = yaml.load(readFileSync(join(chartDir, 'values.yaml'), 'utf8'));
const readme = readFileSync(join(chartDir, 'README.md'), 'utf8');
const documented = [...readme.matchAll(/^\| `([^`]+)`/gm)].map((m) => m[1] as string);

/** Every path of the values; `leaves` are those without keys below them. */
function paths(node: unknown, prefix = ''): { all: string[]; leaves: string[] } {
  const isMap = node !== null && typeof node === 'object' && !Array.isArray(node);
  const entries = isMap ? Object.entries(node) : [];
  if (entries.length === 0) return { all: [prefix], leaves: [prefix] };
  const children = entries.map(([key, child]) => paths(child, prefix ? `${prefix}.${key}` : key));
  return {
    all: [...(prefix ? [prefix] : []), ...children.flatMap((c) => c.all)],
    leaves: children.flatMap((c) => c.leaves),
  };
}

/** A value is documented by its own row or by the row of a map holding it (`resources`). */
function isDocumented(path: string): boolean {
  const parts = path.split('.');
  return parts.some((_, i) => documented.includes(parts.slice(0, i + 1).join('.')));
}

describe('the chart README', () => {
  it('documents every value, in its table', () => {
    expect(paths(values).leaves.filter((path) => !isDocumented(path))).toEqual([]);
  });

  it('documents no value that does not exist', () => {
    const all = new Set(paths(values).all);
    expect(documented.filter((path) => !all.has(path))).toEqual([]);
  });
});
