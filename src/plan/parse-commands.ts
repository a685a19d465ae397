export type CommandKind =
  'deploy' | 'destroy' | 'redeploy' | 'wake' | 'keep' | 'unkeep' | 'status' | 'help';

export type ParsedCommand =
  | { kind: CommandKind; tenants: string[]; line: string }
  | { kind: 'unknown'; word: string; line: string };

const kinds: readonly CommandKind[] = [
  'deploy',
  'destroy',
  'redeploy',
  'wake',
  'keep',
  'unkeep',
  'status',
  'help',
];

/**
 * Commands that change the cluster or a preview's lifetime, and so need
 * write access. `wake` does not: any request for a sleeping preview's host
 * wakes it just the same.
 */
export const changingCommands: readonly CommandKind[] = [
  'deploy',
  'destroy',
  'redeploy',
  'keep',
  'unkeep',
];

const maxCommandsPerComment = 10;

/**
 * Finds `/preview ...` commands in a comment: one per line, at the start of
 * the line. Lines inside fenced or indented code blocks and quotes are text
 * about commands, not commands.
 */
export function parseCommands(body: string): ParsedCommand[] {
  const commands: ParsedCommand[] = [];
  let fence: string | undefined;
  for (const rawLine of body.replace(/\r\n?/g, '\n').split('\n')) {
    const fenceMatch = /^ {0,3}(`{3,}|~{3,})/.exec(rawLine);
    if (fenceMatch) {
      const marker = fenceMatch[1] as string;
      if (fence === undefined) fence = marker;
      else if (marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      continue;
    }
    if (fence !== undefined) continue;
    if (/^( {4}|\t)/.test(rawLine)) continue;
    const line = rawLine.trim();
    if (line.startsWith('>')) continue;
    if (!/^\/preview(?=[\s,]|$)/i.test(line)) continue;
    const words = line.split(/[\s,]+/).filter(Boolean);
    const word = (words[1] ?? 'help').toLowerCase();
    const args = words.slice(2).map((w) => w.toLowerCase());
    if ((kinds as readonly string[]).includes(word)) {
      commands.push({ kind: word as CommandKind, tenants: [...new Set(args)], line });
    } else {
      commands.push({ kind: 'unknown', word: words[1] as string, line });
    }
    if (commands.length >= maxCommandsPerComment) break;
  }
  return commands;
}
