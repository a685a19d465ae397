import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { locateHelm } from '../../../src/deploy/helm-binary.ts';

export const chartDir = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'charts',
  'pr-preview',
);

/** The helm the app would use here: HELM_BIN, helm on PATH, or the one `npm run tools` built. */
export const helmBin = process.env.HELM_BIN || locateHelm(process.env);

/** Values without which the chart refuses to render. */
export const requiredValues = ['previews.domain=preview.bar.com', 'github.existingSecret=gh'];

export interface HelmResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real helm with a throwaway home, so no repository or plugin of the
 * machine's counts. Asynchronously: a fake API server of the same process must
 * answer while helm waits.
 */
export async function helm(...args: string[]): Promise<HelmResult> {
  const home = mkdtempSync(join(tmpdir(), 'chart-test-helm-'));
  try {
    const child = spawn(helmBin, args, { env: { PATH: process.env.PATH ?? '', HOME: home } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const code = await new Promise<number | null>((done, fail) => {
      child.on('error', (error) =>
        fail(new Error(`cannot run helm (${helmBin}): ${error.message}; run npm run tools`)),
      );
      child.on('close', done);
    });
    return { code, stdout, stderr };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

export const setting = (values: string[]) => values.flatMap((value) => ['--set', value]);

export interface RenderedObject {
  kind: string;
  metadata: { name: string };
  spec: any;
}

/** `helm template` of the chart with the required values and these, as objects. */
export async function template(values: string[], ...args: string[]): Promise<RenderedObject[]> {
  const result = await helm(
    'template',
    'pr-preview',
    chartDir,
    ...setting([...requiredValues, ...values]),
    ...args,
  );
  if (result.code !== 0) throw new Error(`helm template failed: ${result.stderr}`);
  return (yaml.loadAll(result.stdout) as (RenderedObject | null)[]).filter(
    (object): object is RenderedObject => object !== null,
  );
}

/**
 * Just enough of an API server for helm's `lookup`: discovery of Namespaces
 * and EndpointSlices, the namespaces given, and the API server's own
 * EndpointSlice (default/kubernetes).
 */
export async function fakeApiServer(params: {
  namespaces: string[];
  apiServer: { addresses: string[]; port: number };
}): Promise<{ kubeconfig: string; stop: () => Promise<void> }> {
  const reply = (res: import('node:http').ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const discovery: Record<string, unknown> = {
    '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] },
    '/apis': {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [
        {
          name: 'discovery.k8s.io',
          versions: [{ groupVersion: 'discovery.k8s.io/v1', version: 'v1' }],
          preferredVersion: { groupVersion: 'discovery.k8s.io/v1', version: 'v1' },
        },
      ],
    },
    '/api/v1': {
      kind: 'APIResourceList',
      groupVersion: 'v1',
      resources: [
        {
          name: 'namespaces',
          singularName: 'namespace',
          namespaced: false,
          kind: 'Namespace',
          verbs: ['get'],
        },
      ],
    },
    '/apis/discovery.k8s.io/v1': {
      kind: 'APIResourceList',
      groupVersion: 'discovery.k8s.io/v1',
      resources: [
        {
          name: 'endpointslices',
          singularName: 'endpointslice',
          namespaced: true,
          kind: 'EndpointSlice',
          verbs: ['get'],
        },
      ],
    },
  };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (discovery[path]) return reply(res, 200, discovery[path]);
    const namespace = /^\/api\/v1\/namespaces\/([^/]+)$/.exec(path)?.[1];
    if (namespace && params.namespaces.includes(namespace)) {
      return reply(res, 200, {
        kind: 'Namespace',
        apiVersion: 'v1',
        metadata: { name: namespace },
      });
    }
    if (path === '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes') {
      return reply(res, 200, {
        kind: 'EndpointSlice',
        apiVersion: 'discovery.k8s.io/v1',
        metadata: { name: 'kubernetes', namespace: 'default' },
        addressType: 'IPv4',
        endpoints: params.apiServer.addresses.map((address) => ({ addresses: [address] })),
        ports: [{ name: 'https', port: params.apiServer.port, protocol: 'TCP' }],
      });
    }
    reply(res, 404, {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'NotFound',
      code: 404,
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  const dir = mkdtempSync(join(tmpdir(), 'chart-test-cluster-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'fake', cluster: { server: `http://127.0.0.1:${port}` } }],
      users: [{ name: 'admin', user: { token: 'fake' } }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'admin' } }],
      'current-context': 'fake',
    }),
  );
  return {
    kubeconfig,
    stop: async () => {
      await new Promise<void>((done) => server.close(() => done()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
