import type { ProbotOctokit } from 'probot';

/** The client Probot hands each installation: what every GitHub adapter here calls. */
export type Octokit = InstanceType<typeof ProbotOctokit>;

/** The HTTP status of GitHub's answer that failed, as Octokit's RequestError carries it. */
export function githubStatusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** GitHub answered 404: what was asked about is not there, or not visible to the app. */
export function isGitHubNotFound(error: unknown): boolean {
  return githubStatusOf(error) === 404;
}
