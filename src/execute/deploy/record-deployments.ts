import { environmentName } from '../../plan/names.ts';
import type { DeploymentLog, Logger } from '../../ports.ts';
import type { TenantOutcome } from './deploy-previews.ts';
import { failureReason, firstLine } from './failure-text.ts';

/**
 * GitHub Deployments follow the comment, each one write to create and one to
 * finish it: GitHub paces an app's writes about a second apart, and the
 * comment is what people wait for.
 */
export async function recordDeployments(params: {
  deployments: DeploymentLog;
  logger: Logger;
  pr: number;
  sha: string;
  outcomes: TenantOutcome[];
}): Promise<void> {
  for (const { target, error, note, reason } of params.outcomes) {
    try {
      const id = await params.deployments.start({
        environment: environmentName(params.pr, target.tenant),
        sha: params.sha,
        url: target.url,
      });
      await params.deployments.update(
        id,
        error ? 'failure' : 'success',
        error
          ? { description: firstLine(reason ?? failureReason(error)) }
          : { url: target.url, ...(note ? { description: note } : {}) },
      );
    } catch (error) {
      params.logger.warn(
        { err: error, tenant: target.tenant },
        'could not record a GitHub deployment',
      );
    }
  }
}
