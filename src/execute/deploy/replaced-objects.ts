import type { ApplyResult, Logger } from '../../ports.ts';

/** Says which objects an apply deleted and created again (or, a dry run, would), and why. */
export function logReplaced(logger: Logger, result: ApplyResult, dryRun: boolean): void {
  for (const { ref, reason } of result.replaced) {
    logger.info(
      { object: `${ref.kind} ${ref.name}`, reason },
      dryRun
        ? 'an immutable field changes: the object will be deleted and created again'
        : 'deleted and created again: an immutable field changed',
    );
  }
}
