import { environmentName } from '../../plan/names.ts';
import type { TenantOutcome } from '../../plan/types.ts';
import type { DeploymentLog } from '../../ports.ts';
import { failureReason, firstLine } from './failure-text.ts';

/**
 * GitHub Deployments follow the comment: the outbox sends them after it,
 * each one write to create and one to finish it, and only the newest per
 * environment.
 */
export function recordDeployments(params: {
  deployments: DeploymentLog;
  pr: number;
  sha: string;
  outcomes: TenantOutcome[];
}): void {
  for (const { target, error, note, reason } of params.outcomes) {
    params.deployments.record({
      environment: environmentName(params.pr, target.tenant),
      sha: params.sha,
      url: target.url,
      ...(error
        ? { state: 'failure', description: firstLine(reason ?? failureReason(error)) }
        : { state: 'success', ...(note ? { description: note } : {}) }),
    });
  }
}
