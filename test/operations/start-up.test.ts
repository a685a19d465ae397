import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { clusterSource, logStartUp, startUpProblems } from '../../src/operations/start-up.ts';
import type { Logger } from '../../src/ports.ts';

function recording() {
  const lines: { level: string; obj: unknown; msg: string | undefined }[] = [];
  const logger: Logger = {
    info: (obj, msg) => void lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => void lines.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => void lines.push({ level: 'error', obj, msg }),
    debug: () => undefined,
    child: () => logger,
  };
  return { logger, lines };
}

describe('start-up', () => {
  it('refuses to start without a webhook secret', () => {
    expect(startUpProblems({})).toEqual([expect.stringContaining('WEBHOOK_SECRET is not set')]);
    expect(startUpProblems({ WEBHOOK_SECRET: 's3cret' })).toEqual([]);
  });

  it('finds the cluster in KUBECONFIG first, then as a pod', () => {
    expect(clusterSource({ KUBECONFIG: '/etc/preview.kubeconfig' })).toBe('KUBECONFIG');
    expect(clusterSource({ KUBERNETES_SERVICE_HOST: '10.96.0.1' })).toBe('in-cluster');
  });

  it('says which cluster, context and GitHub it works on, and warns of ~/.kube/config', () => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'prod', server: 'https://prod.example:6443' }],
      users: [{ name: 'me' }],
      contexts: [{ name: 'prod-admin', cluster: 'prod', user: 'me' }],
      currentContext: 'prod-admin',
    });
    const { logger, lines } = recording();
    logStartUp({
      logger,
      env: { GHE_HOST: 'github.example.com' },
      kubeConfig,
      instance: 'app-7',
      namespace: 'pr-preview',
    });
    expect(lines[0]).toMatchObject({
      level: 'info',
      obj: {
        cluster: 'https://prod.example:6443',
        context: 'prod-admin',
        github: 'https://github.example.com',
        instance: 'app-7',
      },
    });
  });
});
