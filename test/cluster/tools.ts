import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unpackDebianPackages, writeLauncher } from './debian-packages.ts';
import { versions } from './versions.ts';

const kubeBedSource = join(dirname(fileURLToPath(import.meta.url)), 'kube-bed');
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Tools {
  kubeBed: string;
  kwok: string;
  /** kwok's "fast" stages: nodes turn Ready, pods Running and Ready at once. */
  kwokStages: string;
  helm: string;
  /** Debian's redis-server, for replicas that share one GitHub write budget. */
  redisServer: string;
  /** Debian's haproxy, the ingress controller's proxy (configured by our stand-in). */
  haproxy: string;
  /** Debian's prometheus, scraping HAProxy's exporter as a cluster's would. */
  prometheus: string;
  /** Its web UI's templates and scripts, unpacked beside it (the binary looks in /usr/share by default). */
  prometheusAssets: string;
  /** Debian's chromium, for tests of what the app shows a person in a browser (the previews overview). */
  chromium: string;
}

/** kwok's own stage definitions that make up its "fast" profile, from the pinned module. */
const kwokFastStages = ['node/fast', 'node/heartbeat-with-lease', 'pod/fast'];

/**
 * Built binaries live outside the checkout, keyed by version (and, for our
 * own binary, by a hash of its source), so every clone on a machine shares
 * them and only the first build pays. The Go build cache does the rest.
 */
export function toolsDir(): string {
  return process.env.PR_PREVIEW_TOOLS_DIR ?? join(homedir(), '.cache', 'pr-preview', 'tools');
}

const [major, minor] = versions.kubernetes.replace(/^v/, '').split('.');
// Stamped like a release build: clients such as helm read the server's version.
const kubeBedLdflags = [
  '-s -w',
  ...['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((pkg) => [
    `-X ${pkg}.gitVersion=${versions.kubernetes}`,
    `-X ${pkg}.gitMajor=${major}`,
    `-X ${pkg}.gitMinor=${minor}`,
    `-X ${pkg}.gitTreeState=clean`,
  ]),
].join(' ');

export function installTools(log: (line: string) => void = console.log): Tools {
  const root = toolsDir();
  const kwok = ensureBuilt(log, {
    name: 'kwok',
    dir: join(root, `kwok-${versions.kwok}`),
    build: (out) => {
      go(['install', `sigs.k8s.io/kwok/cmd/kwok@${versions.kwok}`], { gobin: out });
      writeKwokStages(join(out, 'stages.yaml'));
    },
  });
  const helmFlags = helmLdflags();
  const prometheusBinary = prometheus(log, root);
  return {
    redisServer: redisServer(log, root),
    haproxy: haproxy(log, root),
    prometheus: prometheusBinary,
    prometheusAssets: join(dirname(prometheusBinary), 'root', 'usr', 'share', 'prometheus', 'web'),
    chromium: chromium(log, root),
    kwok,
    kwokStages: join(dirname(kwok), 'stages.yaml'),
    kubeBed: ensureBuilt(log, {
      name: 'kube-bed',
      dir: join(root, `kube-bed-${versions.kubernetes}-${kubeBedSourceHash()}`),
      build: (out) =>
        go(['build', '-trimpath', `-ldflags=${kubeBedLdflags}`, '-o', join(out, 'kube-bed'), '.'], {
          cwd: kubeBedSource,
        }),
    }),
    helm: ensureBuilt(log, {
      name: 'helm',
      dir: join(root, `helm-${versions.helm}-${shortHash(helmFlags)}`),
      build: (out) =>
        go(
          [
            'install',
            '-trimpath',
            `-ldflags=${helmFlags}`,
            `helm.sh/helm/v3/cmd/helm@${versions.helm}`,
          ],
          {
            gobin: out,
          },
        ),
    }),
  };
}

/** Debian packages redis-server runs from: the server, its binary, and the libraries it loads. */
const redisPackages = ['redis-server', 'redis-tools', 'libjemalloc2', 'liblzf1'];

/**
 * The machine's redis-server, or Debian's unpacked beside the other tools,
 * started through a script that points it at its libraries.
 */
function redisServer(log: (line: string) => void, root: string): string {
  const onPath = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  if (onPath.status === 0 && onPath.stdout.trim()) return onPath.stdout.trim();
  return ensureBuilt(log, {
    name: 'redis-server',
    dir: join(root, `redis-${versions.redis}`),
    build: (out) => {
      unpackDebianPackages(out, redisPackages);
      writeLauncher(out, 'redis-server', 'usr/bin/redis-server');
    },
  });
}

/**
 * Debian's haproxy and the libraries its build links (Lua, OpenTracing), never
 * the machine's own: the bed needs the release line that `versions.haproxy`
 * names, built with the Prometheus exporter.
 */
const haproxyPackages = ['haproxy', 'liblua5.3-0', 'libopentracing1', 'libopentracing-c-wrapper0'];

function haproxy(log: (line: string) => void, root: string): string {
  return ensureBuilt(log, {
    name: 'haproxy',
    dir: join(root, `haproxy-${versions.haproxy}`),
    build: (out) => {
      unpackDebianPackages(out, haproxyPackages);
      writeLauncher(out, 'haproxy', 'usr/sbin/haproxy');
      const check = spawnSync(join(out, 'haproxy'), ['-vv'], { encoding: 'utf8' });
      const wanted = `HAProxy version ${versions.haproxy}.`;
      if (check.status !== 0 || !check.stdout.startsWith(wanted)) {
        throw new Error(`the unpacked haproxy is not ${wanted}: ${check.stdout}${check.stderr}`);
      }
      if (!/\bUSE_PROMEX=1\b/.test(check.stdout)) {
        throw new Error('the unpacked haproxy has no Prometheus exporter (USE_PROMEX)');
      }
    },
  });
}

/**
 * Debian's prometheus and the packages its web UI links into (relative
 * symlinks under /usr/share, which resolve once unpacked side by side); the
 * binary itself needs only libc.
 */
const prometheusPackages = [
  'prometheus',
  'fonts-glyphicons-halflings',
  ...['libjs-bootstrap4', 'libjs-d3', 'libjs-eonasdan-bootstrap-datetimepicker', 'libjs-jquery'],
  ...['libjs-jquery-hotkeys', 'libjs-moment', 'libjs-moment-timezone', 'libjs-mustache'],
  ...['libjs-popper.js', 'libjs-rickshaw'],
];

function prometheus(log: (line: string) => void, root: string): string {
  return ensureBuilt(log, {
    name: 'prometheus',
    dir: join(root, `prometheus-${versions.prometheus}`),
    build: (out) => {
      unpackDebianPackages(out, prometheusPackages);
      writeLauncher(out, 'prometheus', 'usr/bin/prometheus');
      const check = spawnSync(join(out, 'prometheus'), ['--version'], { encoding: 'utf8' });
      const wanted = `prometheus, version ${versions.prometheus}.`;
      if (check.status !== 0 || !check.stdout.startsWith(wanted)) {
        throw new Error(`the unpacked prometheus is not ${wanted}: ${check.stdout}${check.stderr}`);
      }
    },
  });
}

/**
 * Debian's chromium, and the libraries it loads that this kind of machine
 * does not ship (media and font helpers; the X and GTK ones are there). Its
 * major version follows Debian's security updates, so no version is pinned:
 * the folder is keyed by the version Debian served when it was built, and
 * the build checks that every library the binary needs is found and that it
 * answers `--version`. A build already there is used as it is (asking apt
 * for the version costs more than half a second of CPU at every start of the
 * bed); remove its folder to take Debian's newest.
 */
const chromiumPackages = [
  ...['chromium', 'chromium-common', 'libopenh264-7', 'libdouble-conversion3'],
  ...['libharfbuzz-subset0', 'libpulse0', 'libflac12', 'libopus0', 'libxnvctrl0', 'libminizip1'],
  ...['libopenjp2-7', 'libogg0', 'libsndfile1', 'libasyncns0', 'libvorbis0a', 'libvorbisenc2'],
  ...['libmpg123-0', 'libmp3lame0'],
];

function chromium(log: (line: string) => void, root: string): string {
  const built = existsSync(root)
    ? readdirSync(root)
        .filter((dir) => dir.startsWith('chromium-') && !dir.includes('.partial-'))
        .map((dir) => join(root, dir, 'chromium'))
        .filter((binary) => existsSync(binary))
        .sort()
        .at(-1)
    : undefined;
  if (built) return built;
  return ensureBuilt(log, {
    name: 'chromium',
    dir: join(root, `chromium-${debianVersion('chromium')}`),
    build: (out) => {
      unpackDebianPackages(out, chromiumPackages);
      // libpulse keeps its common library in a folder of its own.
      writeLauncher(out, 'chromium', 'usr/lib/chromium/chromium', ['pulseaudio']);
      const missing = spawnSync(
        'sh',
        [
          '-c',
          `ldd "$1" | grep 'not found' || true`,
          'sh',
          join(out, 'root/usr/lib/chromium/chromium'),
        ],
        {
          encoding: 'utf8',
          env: { ...process.env, LD_LIBRARY_PATH: chromiumLibraryPath(out) },
        },
      ).stdout.trim();
      if (missing) throw new Error(`the unpacked chromium lacks libraries:\n${missing}`);
      const check = spawnSync(join(out, 'chromium'), ['--version'], { encoding: 'utf8' });
      if (check.status !== 0 || !check.stdout.startsWith('Chromium ')) {
        throw new Error(`the unpacked chromium does not run: ${check.stdout}${check.stderr}`);
      }
    },
  });
}

/** The unpacked libraries' folder, whatever the architecture (as the launcher finds it). */
function chromiumLibraryPath(out: string): string {
  const usrLib = join(out, 'root', 'usr', 'lib');
  const arch = readdirSync(usrLib).find((dir) => dir.endsWith('-linux-gnu')) ?? 'x86_64-linux-gnu';
  const lib = join(usrLib, arch);
  return `${lib}:${join(lib, 'pulseaudio')}`;
}

/** The version apt would download of a Debian package (its candidate). */
function debianVersion(name: string): string {
  const policy = spawnSync('apt-cache', ['policy', name], { encoding: 'utf8' });
  const candidate = /Candidate:\s*(\S+)/.exec(policy.stdout)?.[1];
  if (!candidate || candidate === '(none)') {
    throw new Error(`Debian's package lists have no ${name}: run apt-get update`);
  }
  return candidate.replace(/[^A-Za-z0-9.+-]/g, '_');
}

/** helm's version stamps, as its Makefile sets them: `scripts/helm-ldflags.sh`, which the Dockerfile runs too. */
export function helmLdflags(): string {
  const result = spawnSync('sh', [join(repoRoot, 'scripts', 'helm-ldflags.sh'), versions.helm], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`scripts/helm-ldflags.sh failed: ${result.stderr}`);
  return result.stdout.trim();
}

function writeKwokStages(path: string): void {
  const download = spawnSync(
    'go',
    ['mod', 'download', '-json', `sigs.k8s.io/kwok@${versions.kwok}`],
    {
      encoding: 'utf8',
    },
  );
  if (download.status !== 0) throw new Error(`go mod download kwok failed: ${download.stderr}`);
  const moduleDir = (JSON.parse(download.stdout) as { Dir: string }).Dir;
  const documents = kwokFastStages.flatMap((folder) => {
    const dir = join(moduleDir, 'kustomize', 'stage', folder);
    return readdirSync(dir)
      .filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml')
      .sort()
      .map((file) => readFileSync(join(dir, file), 'utf8'));
  });
  writeFileSync(path, documents.join('\n---\n'));
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

function kubeBedSourceHash(): string {
  const hash = createHash('sha256').update(kubeBedLdflags);
  for (const file of readdirSync(kubeBedSource).sort()) {
    if (/\.go$|^go\.(mod|sum)$/.test(file)) {
      hash.update(file).update(readFileSync(join(kubeBedSource, file)));
    }
  }
  return hash.digest('hex').slice(0, 12);
}

interface BuildStep {
  name: string;
  dir: string;
  build: (outDir: string) => void;
}

function ensureBuilt(log: (line: string) => void, step: BuildStep): string {
  const binary = join(step.dir, step.name);
  if (existsSync(binary)) return binary;
  // Build into a scratch folder and rename, so an interrupted build never
  // leaves a half-written binary that a later run would trust.
  const scratch = `${step.dir}.partial-${process.pid}`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  log(`building ${step.name} into ${step.dir} (first run on this machine only)`);
  const started = Date.now();
  step.build(scratch);
  rmSync(step.dir, { recursive: true, force: true });
  renameSync(scratch, step.dir);
  log(`built ${step.name} in ${Math.round((Date.now() - started) / 1000)} s`);
  return binary;
}

function go(args: string[], options: { cwd?: string; gobin?: string }): void {
  const result = spawnSync('go', args, {
    cwd: options.cwd,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, ...(options.gobin ? { GOBIN: options.gobin } : {}) },
  });
  if (result.error) throw new Error(`cannot run go: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`go ${args.join(' ')} failed (exit ${result.status})`);
}
