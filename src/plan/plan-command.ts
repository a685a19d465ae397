import type { ConfigResult } from './preview-config.ts';
import type { KeepChange } from './expiry.ts';
import type { ForkApproval } from './fork-approval.ts';
import type { CommandKind, ParsedCommand } from './parse-commands.ts';
import { hasWriteAccess, needsWriteAccess, type CollaboratorPermission } from './permissions.ts';
import { buildTargets } from './targets.ts';
import type { PreviewTarget, PullRequestRef, TenantSelection } from './types.ts';

export interface CommandContext {
  pr: PullRequestRef;
  config: ConfigResult;
  domain: string;
  /** The pull request's head as read now. */
  headSha: string;
  state: 'open' | 'closed';
  deployedTenants: (string | null)[];
  /** Who wrote the comment. */
  author: string;
  /** When the job runs (ms since the epoch): an unkeep's ttl runs again from then. */
  now: number;
  /** The author's permission, read when a command of the comment changes anything. */
  access?: CollaboratorPermission;
  /** From a fork: which commit the comment approves, if any. */
  approval?: ForkApproval;
}

export type CommandPlan =
  | {
      action: 'deploy';
      sha: string;
      targets: PreviewTarget[];
      recreate: boolean;
      /** A fork's commit the comment approves: remembered, so that pushes of that commit deploy. */
      approvesForkCommit: boolean;
    }
  | { action: 'destroy'; selection: TenantSelection; reason: string }
  /** Wake these tenants' previews, or keep them awake. */
  | { action: 'wake'; tenants: (string | null)[] }
  /** Keep these tenants' previews past the ttl, or let it run again from now for `ttlMs`. */
  | { action: 'keep'; tenants: (string | null)[]; change: KeepChange }
  | { action: 'status' }
  | { action: 'help' }
  /** Answered with a short reply; nothing is touched. `refusedFor` names a refusal of who or what asked. */
  | {
      action: 'refuse';
      reply: string;
      showHelp?: boolean;
      refusedFor?: 'permission' | 'fork-approval';
    };

/** What one comment command asks of the cluster. Pure: no I/O. */
export function planCommand(command: ParsedCommand, ctx: CommandContext): CommandPlan {
  if (command.kind === 'unknown') {
    return {
      action: 'refuse',
      reply: `\`${command.word}\` is not a preview command.`,
      showHelp: true,
    };
  }
  if (command.kind === 'help') return { action: 'help' };
  if (command.kind === 'status') return { action: 'status' };
  // A permission the app did not read is no permission.
  if (needsWriteAccess(command) && !(ctx.access && hasWriteAccess(ctx.access))) {
    return {
      action: 'refuse',
      reply: `@${ctx.author}, \`${command.line}\` needs write, maintain or admin permission on this repository; you have ${ctx.access?.permission ?? 'none the app could read'}. Anyone may use \`/preview status\` and \`/preview help\`.`,
      refusedFor: 'permission',
    };
  }
  const deploys = command.kind === 'deploy' || command.kind === 'redeploy';
  if (deploys && ctx.approval && !ctx.approval.approved) {
    return { action: 'refuse', reply: ctx.approval.reason, refusedFor: 'fork-approval' };
  }
  // A fork's code: the commit the maintainer saw when writing the comment, and no other.
  const headSha = ctx.approval?.approved ? ctx.approval.sha : ctx.headSha;
  if (ctx.state !== 'open') {
    return {
      action: 'refuse',
      reply: 'This pull request is closed: previews are only made for open pull requests.',
    };
  }
  // Without `.github/preview.yml` the defaults hold, for commands as for labels.
  if (!ctx.config.ok) {
    return {
      action: 'refuse',
      reply: `\`.github/preview.yml\` is not valid:\n${ctx.config.problems.map((p) => `- ${p}`).join('\n')}`,
    };
  }
  const config = ctx.config.config;
  const tenants = resolveTenants(
    command.kind,
    command.tenants,
    config.tenants,
    config.defaultTenants,
    ctx.deployedTenants,
  );
  if (!tenants.ok) return { action: 'refuse', reply: tenants.reply };

  if (command.kind === 'keep' || command.kind === 'unkeep') {
    if (config.ttlMs === undefined) {
      return {
        action: 'refuse',
        reply:
          'This repository sets no `ttl` in `.github/preview.yml`: its previews stay until the pull request closes or its label goes, with nothing to keep.',
      };
    }
  }
  if (command.kind === 'wake' || command.kind === 'keep' || command.kind === 'unkeep') {
    const missing = tenants.tenants.filter((t) => !ctx.deployedTenants.includes(t));
    if (tenants.tenants.length === 0 || missing.length > 0) {
      const which = missing.filter((t) => t !== null).map((t) => `\`${t}\``);
      return {
        action: 'refuse',
        reply:
          which.length > 0
            ? `No preview of ${which.join(', ')} to ${command.kind}: \`/preview deploy\` makes one.`
            : `No previews to ${command.kind}: \`/preview deploy\` makes one.`,
      };
    }
    if (command.kind === 'wake') return { action: 'wake', tenants: tenants.tenants };
    const ttlMs = config.ttlMs as number;
    return {
      action: 'keep',
      tenants: tenants.tenants,
      change:
        command.kind === 'keep'
          ? { keep: true, user: ctx.author }
          : { keep: false, now: ctx.now, ttlMs },
    };
  }
  if (command.kind === 'destroy') {
    return {
      action: 'destroy',
      selection:
        command.tenants.length === 0 ? { all: true } : { all: false, tenants: tenants.tenants },
      reason: 'destroyed by command',
    };
  }
  const targets = buildTargets({
    pr: ctx.pr,
    config,
    domain: ctx.domain,
    sha: headSha,
    tenants: tenants.tenants,
    origin: 'command',
  });
  if (!targets.ok) return { action: 'refuse', reply: targets.problems.join('\n') };
  return {
    action: 'deploy',
    sha: headSha,
    targets: targets.targets,
    recreate: command.kind === 'redeploy',
    approvesForkCommit: ctx.approval?.approved === true,
  };
}

type TenantResult = { ok: true; tenants: (string | null)[] } | { ok: false; reply: string };

function resolveTenants(
  kind: CommandKind,
  asked: string[],
  known: string[],
  defaults: string[],
  deployed: (string | null)[],
): TenantResult {
  if (known.length === 0) {
    if (asked.length > 0) {
      return {
        ok: false,
        reply: `This repository has no tenants: use the command without ${asked.map((t) => `\`${t}\``).join(', ')}.`,
      };
    }
    return { ok: true, tenants: [null] };
  }
  const unknown = asked.filter((tenant) => !known.includes(tenant));
  if (unknown.length > 0) {
    const list = (items: string[]) => items.map((t) => `\`${t}\``).join(', ');
    return {
      ok: false,
      reply: `Unknown tenant${unknown.length > 1 ? 's' : ''} ${list(unknown)}. Valid tenants are ${list(known)}.`,
    };
  }
  if (asked.length > 0) return { ok: true, tenants: asked };
  if (kind === 'destroy') return { ok: true, tenants: known };
  if (kind === 'redeploy' && deployed.length > 0) return { ok: true, tenants: deployed };
  if (kind === 'wake' || kind === 'keep' || kind === 'unkeep')
    return { ok: true, tenants: deployed };
  return { ok: true, tenants: defaults };
}
