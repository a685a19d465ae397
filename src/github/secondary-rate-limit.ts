import type { ProbotOctokit } from 'probot';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../ports.ts';

type Octokit = InstanceType<typeof ProbotOctokit>;

const maxRetries = 3;

/**
 * Under `probot run`, Probot's throttling only logs secondary rate limits.
 * This waits as long as GitHub asks (retry-after, else a minute) and retries.
 */
export function retrySecondaryRateLimits(octokit: Octokit, logger: Logger): void {
  octokit.hook.wrap('request', async (request, options) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await request(options);
      } catch (error) {
        const { status, message, response } = error as {
          status?: number;
          message?: string;
          response?: { headers?: Record<string, string | undefined> };
        };
        const retryAfter = response?.headers?.['retry-after'];
        const secondary =
          (status === 403 || status === 429) &&
          (/secondary rate limit/i.test(message ?? '') || retryAfter !== undefined);
        if (!secondary || attempt >= maxRetries) throw error;
        const seconds = Number(retryAfter ?? 60);
        logger.warn(
          { retryAfter: seconds, url: options.url },
          'GitHub secondary rate limit; retrying',
        );
        await sleep(seconds * 1000);
      }
    }
  });
}
