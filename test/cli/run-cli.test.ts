import { chmod, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { locateHelm } from '../../src/deploy/helm-binary.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const packageVersion = (
  JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string }
).version;
const realHelm = process.env.HELM_BIN || locateHelm(process.env);
let scratch: string;
let checkout: string;

/** The command run in-process, as `npx pr-preview` runs it, in a folder of the test's. */
async function cli(argv: string[], env: NodeJS.ProcessEnv = {}, cwd = scratch) {
  let stdout = '';
  let stderr = '';
  const code = await runCli({
    argv,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, HELM_BIN: realHelm, ...env },
    cwd,
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
  });
  return { code, stdout, stderr };
}

/** A helm that only notes that it ran, to show what is checked before helm is asked. */
async function recordingHelm(): Promise<{ bin: string; ran: () => boolean }> {
  const bin = join(scratch, 'recording-helm');
  const note = join(scratch, 'helm-ran');
  await writeFile(bin, `#!/bin/sh\ntouch ${note}\necho v3.22.0\n`);
  await chmod(bin, 0o755);
  return { bin, ran: () => existsSync(note) };
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'run-cli-'));
  checkout = join(scratch, 'shop');
  await mkdir(join(checkout, '.github'), { recursive: true });
  await writeFile(join(checkout, '.github/preview.yml'), 'app: foo\n');
  await cp(join(repoRoot, 'test/fixtures/charts/foo'), join(checkout, '.cloud/charts/foo'), {
    recursive: true,
  });
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const render = ['render', '--pr', '241', '--sha', 'abc123'];

describe('pr-preview --help and --version', () => {
  it.each([[['--help']], [['-h']], [['render', '--help']], [['render', '-h']]])(
    '%j prints the usage on stdout and exits 0',
    async (argv) => {
      const { code, stdout, stderr } = await cli(argv);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^Usage: pr-preview render --pr <number> --sha <commit>/);
      expect(stdout).toContain("The app reads it from the\nrepository's default branch instead");
      expect(stderr).toBe('');
    },
  );

  it("prints the app's version from package.json and the helm it would use", async () => {
    const { code, stdout } = await cli(['--version']);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      new RegExp(
        `^pr-preview ${packageVersion.replaceAll('.', '\\.')}\nhelm v3\\.\\d+\\.\\d+ \\(${realHelm.replaceAll('.', '\\.')}\\)\n$`,
      ),
    );
  });

  it('says so when that helm is not there', async () => {
    const missing = join(scratch, 'no-helm');
    const { code, stdout, stderr } = await cli(['--version'], { HELM_BIN: missing });
    expect(code).toBe(2);
    expect(stdout).toBe(`pr-preview ${packageVersion}\n`);
    expect(stderr).toBe(
      `pr-preview: helm not found at ${missing}: set HELM_BIN or run npm run tools\n`,
    );
  });
});

describe('pr-preview render, before it renders', () => {
  it('refuses a wrong command line with exit 2, the problem and the usage', async () => {
    const { code, stdout, stderr } = await cli([
      'render',
      '--pr',
      '241',
      '--sha',
      'abc123',
      '--bogus',
    ]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^pr-preview: unknown option `--bogus`\n\nUsage: pr-preview render/);
  });

  it('says that a --repo-dir does not exist, not that its chart folder is missing', async () => {
    const { code, stderr } = await cli([...render, '--repo-dir', 'no-such-checkout']);
    expect(code).toBe(2);
    expect(stderr).toBe(
      `pr-preview: --repo-dir ${join(scratch, 'no-such-checkout')} does not exist\n`,
    );
    const file = join(scratch, 'a-file');
    await writeFile(file, '');
    expect((await cli([...render, '--repo-dir', file])).stderr).toContain('is not a folder');
  });

  it('says that a --kubeconfig does not exist', async () => {
    const { code, stderr } = await cli([
      ...render,
      '--repo-dir',
      checkout,
      '--kubeconfig',
      'nope.yaml',
    ]);
    expect(code).toBe(2);
    expect(stderr).toBe(`pr-preview: --kubeconfig ${join(scratch, 'nope.yaml')} does not exist\n`);
  });

  it('refuses a bad --kube-version as an argument, before helm runs', async () => {
    const helm = await recordingHelm();
    const { code, stderr } = await cli(
      [...render, '--repo-dir', checkout, '--kube-version', 'one.thirty'],
      {
        HELM_BIN: helm.bin,
      },
    );
    expect(code).toBe(2);
    expect(stderr).toContain(
      '--kube-version takes a Kubernetes version such as v1.31.2 or 1.31, got `one.thirty`',
    );
    expect(helm.ran()).toBe(false);
  });

  it('reports a missing helm as such, not as an internal error', async () => {
    const missing = join(scratch, 'tools', 'helm');
    const { code, stderr } = await cli([...render, '--repo-dir', checkout], { HELM_BIN: missing });
    expect(code).toBe(2);
    expect(stderr).toBe(
      `pr-preview: helm not found at ${missing}: set HELM_BIN or run npm run tools\n`,
    );
    const onPath = await cli([...render, '--repo-dir', checkout], {
      HELM_BIN: '',
      PATH: '/nonexistent',
      PR_PREVIEW_TOOLS_DIR: join(scratch, 'no-tools'),
    });
    expect(onPath.stderr).toBe(
      'pr-preview: helm not found at helm (looked up on PATH): set HELM_BIN or run npm run tools\n',
    );
  });

  it("names the app's settings when they are wrong", async () => {
    const { code, stderr } = await cli([...render, '--repo-dir', checkout], {
      PREVIEW_POD_SECURITY: 'lenient',
    });
    expect(code).toBe(2);
    expect(stderr).toBe(
      "pr-preview: the app's settings in the environment are wrong: PREVIEW_POD_SECURITY must be one of privileged, baseline, restricted, got `lenient`\n",
    );
  });
});

describe('pr-preview render', () => {
  it('prints the objects, saying where the app reads .github/preview.yml from', async () => {
    const { code, stdout, stderr } = await cli([...render, '--repo-dir', checkout]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const header = stdout.split('\n---\n')[0]?.split('\n') ?? [];
    expect(header.slice(0, 3)).toEqual([
      '# pr-preview render: namespace foo-pr-241, https://foo-241.preview.example.com, commit abc123, as an install',
      '# for Kubernetes v1.37.0 (the default; --kube-version or --kubeconfig change it)',
      "# .github/preview.yml: this checkout's; the app reads it from the repository's default branch (or the organisation's .github repository), never from the pull request",
    ]);
    expect(header).toContainEqual(
      expect.stringMatching(
        /^# Pod Security warns \(restricted, as preview namespaces do\): Deployment `foo`: allowPrivilegeEscalation != false/,
      ),
    );
  });

  it('says when the checkout has no .github/preview.yml', async () => {
    const bare = join(scratch, 'bare');
    await cp(join(checkout, '.cloud'), join(bare, '.cloud'), { recursive: true });
    const { stdout } = await cli([...render, '--repo-dir', bare, '--repository', 'acme/foo']);
    expect(stdout).toContain(
      "# .github/preview.yml: none in this checkout, so the defaults; the app reads it from the repository's default branch",
    );
  });

  it('refuses a privileged pod as the app does, at its Pod Security level, hooks included', async () => {
    const hook = join(checkout, '.cloud/charts/foo/templates/debug-hook.yaml');
    await writeFile(
      hook,
      [
        'apiVersion: batch/v1',
        'kind: Job',
        'metadata: { name: debug, annotations: { helm.sh/hook: pre-install } }',
        'spec:',
        '  template:',
        '    spec:',
        '      restartPolicy: Never',
        '      hostPID: true',
        '      containers: [{ name: shell, image: busybox, securityContext: { privileged: true } }]',
        '',
      ].join('\n'),
    );
    try {
      const refused = await cli([...render, '--repo-dir', checkout]);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toBe(
        [
          'pr-preview render: the chart renders objects a preview may not create; nothing was applied:',
          '- Job `debug` breaks the Pod Security level "baseline" of previews: host namespaces (hostPID=true), privileged (container "shell" must not set securityContext.privileged=true)',
          '',
        ].join('\n'),
      );
      // The operator's level decides, as it does for the app.
      const open = await cli([...render, '--repo-dir', checkout], {
        PREVIEW_POD_SECURITY: 'privileged',
      });
      expect(open.code).toBe(0);
      const strict = await cli([...render, '--repo-dir', checkout], {
        PREVIEW_POD_SECURITY: 'restricted',
      });
      expect(strict.stderr).toContain(
        '- Deployment `foo` breaks the Pod Security level "restricted" of previews: allowPrivilegeEscalation != false',
      );
    } finally {
      await rm(hook);
    }
  });

  it('reads .env of the current folder as the app does, over the environment', async () => {
    const here = join(scratch, 'app-checkout');
    await mkdir(here);
    await writeFile(
      join(here, '.env'),
      'PREVIEW_DOMAIN=preview.acme.dev\n# a comment\nPREVIEW_POD_SECURITY="restricted"\n',
    );
    const { code, stderr } = await cli(
      [...render, '--repo-dir', checkout],
      { PREVIEW_POD_SECURITY: 'baseline' },
      here,
    );
    expect(code).toBe(1);
    expect(stderr).toContain('breaks the Pod Security level "restricted" of previews');
    await writeFile(join(here, '.env'), 'PREVIEW_DOMAIN=preview.acme.dev\n');
    const rendered = await cli([...render, '--repo-dir', checkout], {}, here);
    expect(rendered.stdout).toContain('https://foo-241.preview.acme.dev');
  });

  it('fails with exit 1 and the reason for what the app would refuse', async () => {
    const { code, stderr } = await cli([...render, '--repo-dir', checkout, '--tenant', 'fr']);
    expect(code).toBe(1);
    expect(stderr).toBe('pr-preview render: this repository has no tenants: leave out --tenant\n');
  });
});
