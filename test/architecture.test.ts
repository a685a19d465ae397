import { readFileSync, readdirSync } from 'node:fs';
import { dirname, posix, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// Issue #26: the ports and the pure planner are the ground the rest stands
// on. They import nothing above them, and no two modules import each other,
// so that each can be read, tested and moved on its own.

const srcRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');

/**
 * The relative specifiers a file's text imports from: `import`, `import type`,
 * `export ... from` and `import('./x.ts')`, found by TypeScript's own scanner,
 * so that words in comments and strings are not taken for imports. A lazy
 * `import()` counts too: it is as much a dependency, only a later one.
 */
function relativeImports(text: string): string[] {
  return ts
    .preProcessFile(text, true, true)
    .importedFiles.map((imported) => imported.fileName)
    .filter((specifier) => specifier.startsWith('./') || specifier.startsWith('../'));
}

/** Every file under src/ (named relative to it, with `/`) and what it imports, resolved likewise. */
function importGraph(): Map<string, string[]> {
  const files = readdirSync(srcRoot, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => file.split(sep).join('/'))
    .sort();
  return new Map(
    files.map((file) => [
      file,
      relativeImports(readFileSync(resolve(srcRoot, file), 'utf8')).map((specifier) =>
        posix.join(posix.dirname(file), specifier),
      ),
    ]),
  );
}

/**
 * Import circles as chains that end where they start, one for each import
 * that leads back into a chain being followed: there is a circle exactly
 * when there is such an import.
 */
function circlesOf(graph: Map<string, string[]>): string[][] {
  const circles: string[][] = [];
  const done = new Set<string>();
  const chain: string[] = [];
  const follow = (file: string) => {
    chain.push(file);
    for (const imported of graph.get(file) ?? []) {
      const back = chain.indexOf(imported);
      if (back >= 0) circles.push([...chain.slice(back), imported]);
      else if (!done.has(imported)) follow(imported);
    }
    chain.pop();
    done.add(file);
  };
  for (const file of graph.keys()) if (!done.has(file)) follow(file);
  return circles;
}

type Layer = 'plan' | 'ports';

function layerOf(file: string): Layer | undefined {
  if (file.startsWith('plan/')) return 'plan';
  if (file === 'ports.ts' || file.startsWith('ports/')) return 'ports';
  return undefined;
}

/** The imports from files of `layer` that reach outside the ground, as `from → to`. */
function importsAbove(graph: Map<string, string[]>, layer: Layer): string[] {
  return [...graph].flatMap(([file, imports]) =>
    layerOf(file) === layer
      ? imports.filter((imported) => !layerOf(imported)).map((imported) => `${file} → ${imported}`)
      : [],
  );
}

describe('reading imports', () => {
  it('finds every form of relative import, and nothing in comments or strings', () => {
    const text = [
      "import { a } from './a.ts';",
      "import type { B } from '../b.ts';",
      "import './c.ts';",
      "export { d } from './d.ts';",
      "export type * from './e.ts';",
      "const f = await import('./f.ts');",
      "import { z } from 'zod';",
      "// import { g } from './g.ts';",
      'const h = "import { h } from \'./h.ts\'";',
    ].join('\n');
    expect(relativeImports(text)).toEqual([
      './a.ts',
      '../b.ts',
      './c.ts',
      './d.ts',
      './e.ts',
      './f.ts',
    ]);
  });

  it.each([
    { graph: { 'a.ts': ['b.ts'], 'b.ts': [] }, circles: [] },
    { graph: { 'a.ts': ['a.ts'] }, circles: [['a.ts', 'a.ts']] },
    {
      graph: { 'a.ts': ['b.ts'], 'b.ts': ['c.ts'], 'c.ts': ['a.ts'] },
      circles: [['a.ts', 'b.ts', 'c.ts', 'a.ts']],
    },
    // Two ways into one file are no circle.
    { graph: { 'a.ts': ['b.ts', 'c.ts'], 'b.ts': ['c.ts'], 'c.ts': [] }, circles: [] },
  ])('finds the circles of $graph', ({ graph, circles }) => {
    expect(circlesOf(new Map(Object.entries(graph)))).toEqual(circles);
  });
});

describe('the imports of src/', () => {
  const graph = importGraph();

  it('name only files that are there', () => {
    const files = new Set(graph.keys());
    expect(files.size).toBeGreaterThan(100);
    const missing = [...graph].flatMap(([file, imports]) =>
      imports.filter((imported) => !files.has(imported)).map((imported) => `${file} → ${imported}`),
    );
    expect(missing).toEqual([]);
  });

  it('go round in no circle', () => {
    expect(circlesOf(graph).map((circle) => circle.join(' → '))).toEqual([]);
  });

  it('from plan/ reach only plan/ and the ports: the planner stays pure', () => {
    expect(importsAbove(graph, 'plan')).toEqual([]);
  });

  it('from the ports reach only the ports and plan/: adapters implement them, not the other way', () => {
    expect(importsAbove(graph, 'ports')).toEqual([]);
  });

  it("between the adapters, none: the cluster's and GitHub's meet only through the ports", () => {
    const adapters = ['deploy/', 'github/'];
    const across = [...graph].flatMap(([file, imports]) => {
      const own = adapters.find((folder) => file.startsWith(folder));
      if (!own) return [];
      return imports
        .filter((imported) => adapters.some((f) => f !== own && imported.startsWith(f)))
        .map((imported) => `${file} → ${imported}`);
    });
    expect(across).toEqual([]);
  });
});
