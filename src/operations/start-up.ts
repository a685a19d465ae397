import type { KubeConfig } from '@kubernetes/client-node';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { githubWebUrl } from '../github/web-url.ts';
import type { Logger } from '../ports.ts';
import type { Settings } from '../settings/read-settings.ts';

/** Where the app finds its cluster; undefined when there is none. */
export type ClusterSource = 'KUBECONFIG' | '~/.kube/config' | 'in-cluster';

/**
 * Where the app finds its cluster: KUBECONFIG, else (in a pod) its
 * ServiceAccount, else ~/.kube/config, which on a laptop is whatever context
 * is current, production included: the start-up log says so loudly.
 */
export function clusterSource(env: NodeJS.ProcessEnv): ClusterSource | undefined {
  if (env.KUBECONFIG?.trim()) return 'KUBECONFIG';
  if (env.KUBERNETES_SERVICE_HOST) return 'in-cluster';
  if (existsSync(join(homedir(), '.kube', 'config'))) return '~/.kube/config';
  return undefined;
}

/** What an operator must see first: which cluster, which GitHub, which installation. */
export function logStartUp(params: {
  logger: Logger;
  env: NodeJS.ProcessEnv;
  kubeConfig: KubeConfig;
  instance: string;
  namespace: string;
}): void {
  const { logger, env, kubeConfig } = params;
  const source = clusterSource(env);
  const context = kubeConfig.getCurrentContext();
  const server = kubeConfig.getCurrentCluster()?.server;
  const github = githubWebUrl(env);
  logger.info(
    {
      cluster: server,
      context,
      source,
      github,
      instance: params.instance,
      namespace: params.namespace,
    },
    `pr-preview works on ${server ?? 'no cluster'} (${source ?? 'no kubeconfig'}) for ${github}`,
  );
  if (source === '~/.kube/config') {
    logger.warn(
      { cluster: server, context },
      `KUBECONFIG is not set: using ~/.kube/config and its current context ${context}. Set KUBECONFIG to the preview cluster's kubeconfig, so the app cannot work on whatever cluster a laptop points at`,
    );
  }
}

/**
 * Problems that keep the app from starting at all. A missing webhook secret
 * would let Probot accept webhooks signed with its well-known development
 * secret: anyone could then deploy.
 */
export function startUpProblems(env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  if (!env.WEBHOOK_SECRET?.trim()) {
    problems.push(
      "WEBHOOK_SECRET is not set: without it, webhooks signed with a well-known development secret would be accepted. Set the GitHub App's webhook secret (Probot's setup page writes it to .env)",
    );
  }
  return problems;
}

/** How "idle" is judged, when previews may sleep at all: by requests, or by the app's own work. */
export function logIdleMeasure(
  logger: Logger,
  settings: Pick<Settings, 'sleep' | 'traffic'>,
): void {
  if (!settings.sleep.wake) return;
  const { prometheus, ignoredUserAgents } = settings.traffic;
  if (prometheus) {
    logger.info(
      { prometheus: prometheus.url, query: prometheus.query },
      "idle previews are those nobody requested for their sleepAfter, as the platform's Prometheus counts requests",
    );
  } else {
    logger.info(
      'PREVIEW_PROMETHEUS_URL is not set: idle previews are those with no deploy, command or wake for their sleepAfter, however much they are visited',
    );
  }
  logger.info({ ignoredUserAgents }, 'requests of these User-Agents wake no preview');
}
