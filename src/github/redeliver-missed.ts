import type { Probot } from 'probot';
import {
  deliveriesToRedeliver,
  maxRedeliveries,
  redeliveryWindow,
  type DeliveryAttempt,
} from '../plan/redeliveries.ts';
import type { DeliveryLook, DeliveryWindow, Logger } from '../ports.ts';

/** The events the app subscribes to and acts on. */
export const handledEvents = [
  'pull_request',
  'issue_comment',
  'check_run',
  'check_suite',
  'status',
];

/** On a first start there is no mark: this far back is looked through. */
const firstLookbackMs = 60 * 60_000;
/** Pages of deliveries read at most (100 each, newest first). */
const maxPages = 50;
/** How long a start waits for another replica's look before leaving it to the next start. */
const maxWaitMs = 10 * 60_000;

interface ListedDelivery {
  id: number;
  guid: string;
  delivered_at: string;
  status_code: number;
  event: string;
}

/**
 * Deliveries GitHub could not hand to the app while it was down (or that
 * failed) are asked for again, once, at start, through the GitHub App's
 * webhook redelivery API: observe the deliveries since the last look,
 * decide which failed for good (plan/redeliveries.ts), ask for each.
 * While another replica looks, this one waits and then looks from where
 * that look left the mark: a replica that died looking holds nothing up
 * for longer than its Lease.
 */
export async function redeliverMissed(
  app: Probot,
  window: DeliveryWindow,
  logger: Logger,
  options: { sleep?: (ms: number) => Promise<void>; now?: () => number } = {},
): Promise<void> {
  const sleep = options.sleep ?? unrefSleep;
  const clock = options.now ?? Date.now;
  const waitUntil = clock() + maxWaitMs;
  let look = await window.begin(logger);
  while (!look) {
    if (clock() >= waitUntil) {
      logger.warn('another replica kept the look at GitHub deliveries: the next start looks');
      return;
    }
    await sleep(window.retryPeriodMs);
    look = await window.begin(logger);
  }
  try {
    const through = await lookAndAsk(app, look, logger, clock);
    if (through === undefined) await window.abandon();
    else await window.finish(through);
  } catch (error) {
    await window.abandon().catch(() => undefined);
    throw error;
  }
}

/** The look itself; how far the mark may move, or undefined when the look was lost midway. */
async function lookAndAsk(
  app: Probot,
  look: DeliveryLook,
  logger: Logger,
  clock: () => number,
): Promise<number | undefined> {
  const { checkedThrough } = look;
  const now = clock();
  // Asked before each step: a look whose Lease was lost (taken by another replica, or not
  // renewed in time) stops, the mark where it was: a later look asks for the rest.
  const stillMine = () => !look.lost.aborted;
  const since = redeliveryWindow({ checkedThrough, now, firstLookbackMs });
  const octokit = await app.auth();
  const attempts: DeliveryAttempt[] = [];
  let pages = 0;
  let covered = false;
  for await (const page of octokit.paginate.iterator('GET /app/hook/deliveries', {
    per_page: 100,
  })) {
    const listed = page.data as unknown as ListedDelivery[];
    for (const d of listed) {
      attempts.push({
        id: d.id,
        guid: d.guid,
        deliveredAt: d.delivered_at,
        statusCode: d.status_code,
        event: d.event,
      });
    }
    const oldest = listed[listed.length - 1];
    if (!oldest || Date.parse(oldest.delivered_at) < since) {
      covered = true;
      break;
    }
    if (++pages >= maxPages) break;
    if (!stillMine()) return lostLook(logger);
  }
  // Listed to the end: everything GitHub keeps was seen.
  if (!covered && pages < maxPages) covered = true;
  const wanted = deliveriesToRedeliver({ attempts, since, events: handledEvents });
  const capped = wanted.length >= maxRedeliveries;
  if (!covered || capped) {
    logger.warn(
      { pages, redeliveries: wanted.length, since: new Date(since).toISOString() },
      'more deliveries than one start asks for: the rest is asked for at the next start',
    );
  }
  if (wanted.length > 0) {
    logger.info(
      { deliveries: wanted.length, since: new Date(since).toISOString() },
      'asking GitHub again for deliveries that failed while the app was away',
    );
  }
  for (const delivery of wanted) {
    if (!stillMine()) return lostLook(logger);
    await octokit
      .request('POST /app/hook/deliveries/{delivery_id}/attempts', { delivery_id: delivery.id })
      .catch((error: unknown) =>
        logger.warn({ err: error, delivery: delivery.guid }, 'could not ask for a redelivery'),
      );
  }
  // The mark moves only over what was looked through whole; what was not is looked at again.
  return covered && !capped ? now : (checkedThrough ?? since);
}

function lostLook(logger: Logger): undefined {
  logger.warn(
    'lost the Lease of the look at GitHub deliveries (another replica took it, or it could not be renewed): a later look asks for the rest',
  );
  return undefined;
}

function unrefSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
