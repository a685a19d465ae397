import type { ProbotOctokit } from 'probot';

/** The client Probot hands each installation: what every GitHub adapter here calls. */
export type Octokit = InstanceType<typeof ProbotOctokit>;
