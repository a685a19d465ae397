import { loadConfig } from '../config/load-config.ts';
import {
  helpText,
  quoteCommand,
  refusedPermission,
  statusText,
} from '../github/command-replies.ts';
import {
  hasWriteAccess,
  needsWriteAccess,
  type CollaboratorPermission,
} from '../github/permissions.ts';
import type { PullRequestConversation } from '../github/pull-request-conversation.ts';
import type { ParsedCommand } from '../plan/parse-commands.ts';
import { planCommand } from '../plan/plan-command.ts';
import { previewSelector } from '../plan/targets.ts';
import type { PullRequestScope } from './job-scope.ts';
import type { Services } from '../services.ts';
import { deployWhenChecksPass } from './deploy-when-checks-pass.ts';
import { destroyDeps, gatedDeployDeps, sleepDeps } from './job-deps.ts';
import { destroyPreviews } from './destroy-previews.ts';
import { wakePreviews } from './sleep-previews.ts';

export interface CommandJob extends PullRequestScope {
  commands: ParsedCommand[];
  author: string;
  commentId: number;
  conversation: PullRequestConversation;
}

/** Runs the commands of one comment in order; reacts with the overall result. */
export async function runCommandJob(services: Services, job: CommandJob): Promise<void> {
  let succeeded = true;
  try {
    succeeded = await runCommands(services, job);
  } catch (error) {
    succeeded = false;
    throw error;
  } finally {
    // Queued, never awaited: the outbox sends it after the replies and never drops it.
    void job.conversation.react(job.commentId, succeeded ? 'rocket' : 'confused');
  }
}

async function runCommands(services: Services, job: CommandJob): Promise<boolean> {
  const { pr, logger } = job;
  let access: CollaboratorPermission | undefined;
  if (job.commands.some(needsWriteAccess)) access = await job.conversation.permissionOf(job.author);
  const pull = await job.conversation.pullRequest();
  const config = await loadConfig(job.readConfig, pr.repo);
  let succeeded = true;

  for (const command of job.commands) {
    const log = logger.child({ command: command.kind });
    if (needsWriteAccess(command) && access && !hasWriteAccess(access)) {
      log.info({ user: job.author, permission: access.permission }, 'command refused: permission');
      void job.conversation.reply(
        `${quoteCommand(command.line)}\n\n${refusedPermission({ user: job.author, command: command.line, permission: access.permission })}`,
      );
      succeeded = false;
      continue;
    }
    const observed = await services.cluster.listPreviews(previewSelector(pr));
    const plan = planCommand(command, {
      pr,
      config,
      domain: services.settings.previewDomain,
      headSha: pull.headSha,
      state: pull.state,
      deployedTenants: observed.filter((p) => !p.terminating).map((p) => p.tenant),
    });
    log.info({ action: plan.action, sha: pull.headSha }, 'planned command');
    switch (plan.action) {
      case 'help':
        void job.conversation.reply(helpText(config.ok ? config.config.tenants : []));
        break;
      case 'status':
        void job.conversation.reply(statusText(observed));
        break;
      case 'refuse': {
        const help = plan.showHelp ? `\n\n${helpText(config.ok ? config.config.tenants : [])}` : '';
        void job.conversation.reply(`${quoteCommand(command.line)}\n\n${plan.reply}${help}`);
        succeeded = false;
        break;
      }
      case 'destroy':
        await destroyPreviews(
          { ...destroyDeps(services, job), logger: log },
          { pr: pr.number, selection: plan.selection, observed, reason: plan.reason },
        );
        break;
      case 'wake':
        await wakePreviews(
          { ...sleepDeps(services, job), logger: log },
          {
            previews: observed.filter((p) => !p.terminating && plan.tenants.includes(p.tenant)),
            trigger: 'command',
          },
        );
        break;
      case 'deploy': {
        if (!config.ok) break;
        if (pull.fromFork) {
          // A maintainer's command approves this commit of the fork, and only this one.
          await job.comment.update((state) => ({ ...state, approvedSha: plan.sha }));
        }
        // A redeploy deletes nothing until the checks have passed.
        const result = await deployWhenChecksPass(
          { ...gatedDeployDeps(services, job), logger: log },
          {
            pr: pr.number,
            sha: plan.sha,
            targets: plan.targets,
            config: config.config,
            observed,
            recreate: plan.recreate,
          },
        );
        if (result.state === 'blocked') succeeded = false;
        if (result.state === 'deployed' && result.outcomes.some((o) => o.error)) succeeded = false;
        break;
      }
    }
  }
  return succeeded;
}
