import type { Octokit } from './octokit.ts';
import { configPath } from '../config/load-config.ts';

/** `context.config` without a webhook: null when neither the repository nor its organisation has the file. */
export async function readRepositoryConfig(
  octokit: Octokit,
  repo: { owner: string; repo: string },
): Promise<unknown> {
  const { config, files } = await octokit.config.get({ ...repo, path: configPath });
  return files.every((file) => file.config === null) ? null : config;
}
