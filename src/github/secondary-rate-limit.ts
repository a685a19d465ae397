import type { Octokit } from './octokit.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../ports.ts';
import { secondaryLimitSeconds } from './outbox.ts';

const maxRetries = 3;

/**
 * With Probot's default Octokit, its throttling only logs secondary rate limits.
 * For reads, this waits as long as GitHub asks (retry-after, else a minute)
 * and retries; writes are the outbox's, which pauses the whole installation.
 */
export function retrySecondaryRateLimits(octokit: Octokit, logger: Logger): void {
  octokit.hook.wrap('request', async (request, options) => {
    if (options.method !== 'GET') return request(options);
    for (let attempt = 0; ; attempt++) {
      try {
        return await request(options);
      } catch (error) {
        const seconds = secondaryLimitSeconds(error);
        if (seconds === undefined || attempt >= maxRetries) throw error;
        logger.warn(
          { retryAfter: seconds, url: options.url },
          'GitHub secondary rate limit; retrying',
        );
        await sleep(seconds * 1000);
      }
    }
  });
}
