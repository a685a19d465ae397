import { getTransformStream } from '@probot/pino';
import { pino, type Logger } from 'pino';
import { quietLogMethod } from './quiet-logs.ts';

export type LogFormat = 'json' | 'pretty';

const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/**
 * LOG_FORMAT when set; otherwise pretty for a person at a terminal and JSON
 * for everything else (a file, a pipe, a log collector). `probot run` would
 * choose pretty whatever stdout is.
 */
export function logFormatFor(env: NodeJS.ProcessEnv, stdoutIsTerminal: boolean): LogFormat {
  const asked = env.LOG_FORMAT?.trim();
  if (asked === 'json' || asked === 'pretty') return asked;
  if (asked) throw new Error(`LOG_FORMAT must be json or pretty, got \`${asked}\``);
  return stdoutIsTerminal ? 'pretty' : 'json';
}

/**
 * The app's root logger, made as Probot makes its own (name `probot`, its
 * pretty format and Sentry from @probot/pino, LOG_LEVEL, LOG_MESSAGE_KEY,
 * LOG_LEVEL_IN_STRING, SENTRY_DSN) and handed to Probot, with the quiet
 * hook that only the maker of a pino logger can add.
 */
export async function createAppLog(params: {
  env: NodeJS.ProcessEnv;
  stdoutIsTerminal: boolean;
  /** Where lines go; stdout by default. */
  destination?: NodeJS.WritableStream;
}): Promise<Logger> {
  const { env } = params;
  const level = env.LOG_LEVEL?.trim() || 'info';
  if (!(logLevels as readonly string[]).includes(level)) {
    throw new Error(`LOG_LEVEL must be one of ${logLevels.join(', ')}, got \`${level}\``);
  }
  const format = logFormatFor(env, params.stdoutIsTerminal);
  const transform = await getTransformStream({
    logFormat: format,
    logLevelInString: env.LOG_LEVEL_IN_STRING === 'true',
    ...(env.SENTRY_DSN ? { sentryDsn: env.SENTRY_DSN } : {}),
  });
  transform.pipe(params.destination ?? (pino.destination(1) as unknown as NodeJS.WritableStream));
  return pino(
    {
      level,
      name: 'probot',
      messageKey: env.LOG_MESSAGE_KEY || 'msg',
      hooks: { logMethod: quietLogMethod() },
    },
    transform,
  );
}
