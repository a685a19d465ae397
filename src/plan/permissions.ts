import { changingCommands, type ParsedCommand } from './parse-commands.ts';

/** What GitHub's collaborator permission endpoint says of a user. */
export interface CollaboratorPermission {
  /** admin, write, read or none; maintain reads as write, triage as read. */
  permission: string;
  role_name?: string;
}

const writeRoles = new Set(['admin', 'maintain', 'write']);

export function hasWriteAccess(access: CollaboratorPermission): boolean {
  return writeRoles.has(access.permission) || writeRoles.has(access.role_name ?? '');
}

/** Deploy, destroy and redeploy change the cluster; status and help are for everyone. */
export function needsWriteAccess(command: ParsedCommand): boolean {
  return (changingCommands as readonly string[]).includes(command.kind);
}
