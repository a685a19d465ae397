import { checkHelm, helmAdvice, type HelmStatus } from '../deploy/helm-binary.ts';
import type { Cluster, Fences, Logger } from '../ports.ts';

const reachableCacheMs = 2_000;
const helmRetryMs = 10_000;

/**
 * Whether the app can do its work: a cluster it reaches, with the app's
 * admission policies in place, a helm that runs, and not stopping.
 */
export class Readiness {
  private readonly params: {
    cluster: Cluster;
    fences: Fences;
    /** Leases say what keeps them from working (their namespace missing). */
    leases: { problem(): string | undefined };
    clusterConfigured: boolean;
    helmBin: string;
    shuttingDown: () => boolean;
    logger: Logger;
  };
  private reachable = { at: 0, ok: false };
  private helm: { at: number; status: Promise<HelmStatus> } | undefined;

  constructor(params: Readiness['params']) {
    this.params = params;
  }

  /** Checks helm and the cluster's configuration once at start, saying how to fix what is wrong. */
  async start(): Promise<void> {
    const { logger } = this.params;
    if (!this.params.clusterConfigured) {
      logger.error(
        'no Kubernetes cluster configured: set KUBECONFIG to the kubeconfig of the preview cluster, or run the app in a pod of that cluster; nothing is deployed until then',
      );
    }
    const helm = await this.helmStatus();
    if (helm.ok) logger.info({ helm: helm.version, helmBin: this.params.helmBin }, 'helm found');
    else logger.error({ problem: helm.problem }, `helm does not run: ${helmAdvice}`);
    // Looked at once now, so that the log says at start what is missing.
    if (this.params.clusterConfigured) await this.params.fences.missing();
  }

  /** Ready, or everything that is missing, each named. */
  async check(): Promise<{ ready: boolean; reason: string }> {
    if (this.params.shuttingDown()) return { ready: false, reason: 'the app is stopping' };
    const missing: string[] = [];
    const helm = await this.helmStatus();
    if (!helm.ok) missing.push(`${helm.problem}; ${helmAdvice}`);
    if (!this.params.clusterConfigured) {
      missing.push('no Kubernetes cluster configured (set KUBECONFIG)');
    } else {
      if (Date.now() - this.reachable.at > reachableCacheMs) {
        this.reachable = { at: Date.now(), ok: await this.params.cluster.reachable() };
      }
      if (!this.reachable.ok) missing.push('the Kubernetes API server does not answer');
      else {
        missing.push(...(await this.params.fences.missing()).map((m) => `missing: ${m}`));
        const leases = this.params.leases.problem();
        if (leases) missing.push(leases);
      }
    }
    return missing.length === 0
      ? { ready: true, reason: 'ready' }
      : { ready: false, reason: missing.join('\n') };
  }

  /** Asked once when it works; while it does not, asked again now and then, so a fix is seen. */
  private async helmStatus(): Promise<HelmStatus> {
    const stale =
      !this.helm || (Date.now() - this.helm.at > helmRetryMs && !(await this.helm.status).ok);
    if (stale) this.helm = { at: Date.now(), status: checkHelm(this.params.helmBin) };
    return (this.helm as { status: Promise<HelmStatus> }).status;
  }
}
