import type { Probot } from 'probot';
import type { KubernetesDeliveryWindow } from '../deploy/kubernetes-delivery-window.ts';
import {
  deliveriesToRedeliver,
  maxRedeliveries,
  redeliveryWindow,
  type DeliveryAttempt,
} from '../plan/redeliveries.ts';
import type { Logger } from '../ports.ts';

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
 */
export async function redeliverMissed(
  app: Probot,
  window: Pick<KubernetesDeliveryWindow, 'begin' | 'finish'>,
  logger: Logger,
): Promise<void> {
  const now = Date.now();
  const look = await window.begin(now);
  if (!look) return;
  const since = redeliveryWindow({ checkedThrough: look.checkedThrough, now, firstLookbackMs });
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
    await octokit
      .request('POST /app/hook/deliveries/{delivery_id}/attempts', { delivery_id: delivery.id })
      .catch((error: unknown) =>
        logger.warn({ err: error, delivery: delivery.guid }, 'could not ask for a redelivery'),
      );
  }
  // The mark moves only over what was looked through whole; what was not is looked at again.
  await window.finish(covered && !capped ? now : (look.checkedThrough ?? since));
}
