import type { z } from 'zod';
import { previewConfigSchema } from './schema.ts';
import type { ConfigResult } from '../plan/preview-config.ts';
import { resolveConfig } from './resolve-config.ts';

export const configFileName = 'preview.yml';
export const configPath = `.github/${configFileName}`;

/**
 * Validates what `context.config('preview.yml')` returned (null when the
 * repository has no file: the defaults then apply).
 */
export function parseConfig(raw: unknown, repositoryName: string): ConfigResult {
  const parsed = previewConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) return { ok: false, problems: describeIssues(parsed.error.issues) };
  return { ok: true, config: resolveConfig(parsed.data, repositoryName), found: raw != null };
}

/** Every failing path, not only the first, in words a person can act on. */
export function describeIssues(issues: z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      const where = path ? ` in \`${path}\`` : '';
      return `unknown key${issue.keys.length > 1 ? 's' : ''}${where}: ${issue.keys.map((k) => `\`${k}\``).join(', ')}`;
    }
    // A record key that fails its own schema: its schema's words say more than "Invalid key".
    const message =
      issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
    return `\`${path || '(top level)'}\`: ${message}`;
  });
}

/** Reads the file through `read` (Probot's `context.config`) and validates it. */
export async function loadConfig(
  read: () => Promise<unknown>,
  repositoryName: string,
): Promise<ConfigResult> {
  let raw: unknown;
  try {
    raw = await read();
  } catch (error) {
    return { ok: false, problems: describeLoadError(error) };
  }
  return parseConfig(raw, repositoryName);
}

/** `context.config` throws on YAML it cannot parse; keep the parser's own words. */
function describeLoadError(error: unknown): string[] {
  const message = error instanceof Error ? error.message : String(error);
  return [`\`${configPath}\` could not be read: ${message.split('\n')[0]}`];
}
