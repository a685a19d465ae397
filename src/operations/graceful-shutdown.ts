import { setTimeout as sleep } from 'node:timers/promises';
import type { Reconciler } from '../reconcile/reconciler.ts';
import type { Services } from '../services.ts';

/**
 * On SIGTERM: queue no new work (webhooks are still recorded and answered,
 * for the next start or another replica to take up), stop waiting for
 * Leases (those jobs stay recorded too), let the work in flight finish and
 * its GitHub writes leave the outbox within the grace period, give the
 * Leases up, exit. Work still running at the deadline is handed back: its
 * record stays, its Lease expires, and the next start or another replica's
 * reconcile pass takes it up again.
 */
export function stopGracefullyOnTerm(services: Services, reconciler: Reconciler): () => boolean {
  let stopping = false;
  process.once('SIGTERM', () => {
    stopping = true;
    const logger = services.logger.child({ component: 'shutdown' });
    logger.info(
      { queued: services.queue.depth },
      'SIGTERM: taking no new work, finishing work in flight',
    );
    services.queue.close();
    services.locks.stopWaiting();
    services.waits.cancelAll();
    // Then what the work told GitHub: a comment still in the outbox would be lost.
    const drained = Promise.all([services.queue.idle(), reconciler.stop()])
      .then(() => services.outboxes.idle())
      .then(() => Promise.all(services.finishing))
      .then(() => services.outboxes.stop())
      .then(() => true);
    void Promise.race([drained, sleep(services.settings.shutdownGraceMs).then(() => false)]).then(
      (finished) => {
        if (finished) logger.info('all work finished; exiting');
        else
          logger.warn(
            { queued: services.queue.depth, githubWrites: services.outboxes.depth },
            'grace period over; unfinished work is left to the reconciler',
          );
        process.exit(0);
      },
    );
  });
  return () => stopping;
}
