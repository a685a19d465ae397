import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { versions } from './cluster/versions.ts';

// No Docker engine runs here: these are the Dockerfile's promises, read from its text.
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
const ignored = readFileSync(join(repoRoot, '.dockerignore'), 'utf8').split('\n').filter(Boolean);
const stages = dockerfile.split(/^FROM /m).slice(1);
const finalStage = stages.at(-1) ?? '';

describe('Dockerfile', () => {
  it('pins the helm that the tests run against', () => {
    expect(dockerfile).toContain(`ARG HELM_VERSION=${versions.helm}\n`);
  });

  it('stamps helm as the tests build it, so that it knows its version and Kubernetes version', () => {
    const tools = readFileSync(join(repoRoot, 'test', 'cluster', 'tools.ts'), 'utf8');
    expect(tools).toContain("'scripts', 'helm-ldflags.sh'");
    expect(dockerfile).toContain('COPY scripts/helm-ldflags.sh /helm-ldflags.sh');
    expect(dockerfile).toContain('-ldflags "$(sh /helm-ldflags.sh ${HELM_VERSION})"');
  });

  it('runs on the Node 24 image', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24[-.\w]*$/m);
    expect(finalStage.startsWith('${NODE_IMAGE}')).toBe(true);
  });

  it('ships production dependencies only, as a non-root user', () => {
    expect(dockerfile).toContain('npm ci --omit=dev');
    expect(finalStage).toContain('COPY --from=production-dependencies /app/node_modules');
    const user = /^USER (\S+)$/m.exec(finalStage)?.[1] ?? 'root';
    expect(user.split(':')[0]).not.toMatch(/^(0|root)$/);
  });

  it('runs Node with the flags that npm run bench measured', () => {
    const bench = readFileSync(join(repoRoot, 'bench', 'run.ts'), 'utf8');
    const flags = /imageNodeOptions = '([^']+)'/.exec(bench)?.[1];
    expect(flags).toBeDefined();
    expect(finalStage).toContain(`NODE_OPTIONS=${flags}`);
  });

  it('ships the admission policies where the app reads them (beside lib/)', () => {
    const policies = readFileSync(join(repoRoot, 'src', 'deploy', 'admission-policies.ts'), 'utf8');
    expect(policies).toContain("'../../charts/pr-preview/admission/'");
    expect(finalStage).toContain('COPY charts/pr-preview/admission ./charts/pr-preview/admission');
    // The build context leaves the chart out, but for these files.
    expect(ignored).toContain('!charts/pr-preview/admission');
  });

  it('starts the app as npm start does', () => {
    const start = (
      JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
        scripts: { start: string };
      }
    ).scripts.start;
    expect(start).toBe('node lib/start.js');
    const command = /^CMD (.+)$/m.exec(finalStage)?.[1] ?? '[]';
    expect(JSON.parse(command)).toEqual(start.split(' '));
  });

  it('copies only files that exist and that .dockerignore lets through', () => {
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) =>
      (m[1] as string).split(' '),
    );
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(existsSync(join(repoRoot, source)), source).toBe(true);
      expect(ignored, source).not.toContain(source);
    }
  });
});
