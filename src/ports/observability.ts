// What the app says about itself: logs and metrics. Adapters: pino (through
// Probot), operations/metrics.ts.

export interface Logger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export interface Metrics {
  deployFinished(result: 'success' | 'failure', seconds: number): void;
  destroyFinished(result: 'success' | 'failure', count: number): void;
  githubRateLimit(remaining: number): void;
  /** A reconcile pass went on past an error: a repository it could not list, a repair it could not queue. */
  reconcileError(stage: 'list' | 'queue'): void;
  /** A sleeping preview woke: by a request for its host, a command or a deploy. */
  woke(trigger: WakeTrigger): void;
}

export type WakeTrigger = 'request' | 'command' | 'push';
