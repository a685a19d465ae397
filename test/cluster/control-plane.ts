import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import type { Tools } from './tools.ts';

/** The flags the bed's control plane runs with, on loopback ports. */
export interface ControlPlane {
  stateDir: string;
  pkiDir: string;
  kubeconfig: string;
  ports: { etcdClient: number; etcdPeer: number; apiserver: number; kwokServer: number };
  /** kwok hands pod IPs out of this range. */
  podCidr: string;
  /** Stage files of our own on top of kwok's fast ones. */
  stagesDir: string;
}

type Component = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kwok';

export function controlPlaneCommands(
  tools: Tools,
  plane: ControlPlane,
): Record<Component, { command: string; args: string[] }> {
  const etcdUrl = `http://127.0.0.1:${plane.ports.etcdClient}`;
  const peerUrl = `http://127.0.0.1:${plane.ports.etcdPeer}`;
  const pki = (file: string) => join(plane.pkiDir, file);
  const kubeconfigFlag = `--kubeconfig=${plane.kubeconfig}`;
  const kubeBed = (args: string[]) => ({ command: tools.kubeBed, args });
  return {
    etcd: kubeBed([
      'etcd',
      '--name=bed',
      `--data-dir=${join(plane.stateDir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=bed=${peerUrl}`,
      '--unsafe-no-fsync',
      '--log-level=warn',
    ]),
    'kube-apiserver': kubeBed([
      'kube-apiserver',
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${plane.ports.apiserver}`,
      `--cert-dir=${pki('generated')}`,
      `--tls-cert-file=${pki('apiserver.crt')}`,
      `--tls-private-key-file=${pki('apiserver.key')}`,
      `--client-ca-file=${pki('ca.crt')}`,
      '--service-account-issuer=https://kubernetes.default.svc',
      `--service-account-key-file=${pki('sa.pub')}`,
      `--service-account-signing-key-file=${pki('sa.key')}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      // Loopback is not a valid endpoint for the kubernetes Service; nothing in
      // the bed needs that Service's endpoints.
      '--endpoint-reconciler-type=none',
      '--authorization-mode=RBAC',
      // As kubeadm, kops and cloud providers start it: privileged pods are the
      // business of Pod Security admission (on by default), not of this flag.
      '--allow-privileged=true',
      '--enable-priority-and-fairness=false',
      '--profiling=false',
    ]),
    'kube-controller-manager': kubeBed([
      'kube-controller-manager',
      kubeconfigFlag,
      `--service-account-private-key-file=${pki('sa.key')}`,
      `--root-ca-file=${pki('ca.crt')}`,
      // Each controller acts as its own ServiceAccount in kube-system, as kubeadm starts it:
      // admission policies tell the cluster's controllers from everyone else by that name.
      '--use-service-account-credentials=true',
      '--leader-elect=false',
      '--secure-port=0',
    ]),
    'kube-scheduler': kubeBed([
      'kube-scheduler',
      kubeconfigFlag,
      '--leader-elect=false',
      '--secure-port=0',
    ]),
    kwok: {
      command: tools.kwok,
      args: [
        kubeconfigFlag,
        `--config=${tools.kwokStages}`,
        ...readdirSync(plane.stagesDir)
          .filter((file) => file.endsWith('.yaml'))
          .sort()
          .map((file) => `--config=${join(plane.stagesDir, file)}`),
        '--manage-all-nodes=false',
        '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
        '--manage-nodes-with-label-selector=',
        '--manage-single-node=',
        `--cidr=${plane.podCidr}`,
        '--node-ip=10.0.0.1',
        '--node-lease-duration-seconds=40',
        `--server-address=127.0.0.1:${plane.ports.kwokServer}`,
      ],
    },
  };
}

export function writeKubeconfig(path: string, port: number, pkiDir: string): void {
  const ca = readFileSync(join(pkiDir, 'ca.crt')).toString('base64');
  const kubeconfig = `apiVersion: v1
kind: Config
clusters:
  - name: bed
    cluster:
      server: https://127.0.0.1:${port}
      certificate-authority-data: ${ca}
users:
  - name: admin
    user:
      client-certificate: ${join(pkiDir, 'admin.crt')}
      client-key: ${join(pkiDir, 'admin.key')}
contexts:
  - name: bed
    context: { cluster: bed, user: admin }
current-context: bed
`;
  writeFileSync(path, kubeconfig, { mode: 0o600 });
}

export function isApiserverReady(port: number, pkiDir: string): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/readyz',
        ca: readFileSync(join(pkiDir, 'ca.crt')),
        cert: readFileSync(join(pkiDir, 'admin.crt')),
        key: readFileSync(join(pkiDir, 'admin.key')),
        timeout: 2_000,
      },
      (res) => {
        res.resume();
        resolvePromise(res.statusCode === 200);
      },
    );
    req.on('error', () => resolvePromise(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}
