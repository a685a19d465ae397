import { redact, trimMessage } from '../../deploy/redact.ts';
import { messageOf, UserFacingError } from '../../errors.ts';
import type { SecretCopy } from '../../ports.ts';

/** What the comment and the log say of a failed tenant: the user's own words, or a short internal error. */
export function failureReason(error: unknown): string {
  if (error instanceof UserFacingError) return trimMessage(redact(error.message));
  return trimMessage(redact(`internal error: ${messageOf(error)}`), 500);
}

/** The values of Secrets copied from the app, base64 as `redactValues` takes them. */
export function secretValues(secrets: SecretCopy[]): string[] {
  return secrets.flatMap((secret) => Object.values(secret.data));
}

/** The text up to its first line break, as a one-line field (a deployment's description) takes it. */
export function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
