import type { SettingReader } from './setting-reader.ts';

/**
 * The app's ports besides Probot's own (PORT, 3000 by default): the wake
 * endpoint's, and the previews overview's when it is on. Each is its own, so
 * that a clash is named here by the setting that clashed rather than by a
 * listen error that blames another.
 */
export function readPorts(read: SettingReader): {
  wakePort: number;
  overviewPort?: number;
  overviewHost: string;
} {
  const probotPort = Number(read.raw('PORT')) || 3000;
  const probot = `PORT${read.raw('PORT') ? '' : ' (its default)'}`;
  const wakePort = read.port('PREVIEW_WAKE_PORT', 3001);
  const wakeOn = Boolean(read.raw('PREVIEW_WAKE_SERVICE'));
  if (wakeOn && wakePort === probotPort) {
    read.problem(
      `PREVIEW_WAKE_PORT ${wakePort} is also ${probot}, where webhooks, health and metrics are served: give PREVIEW_WAKE_PORT a port of its own`,
    );
  }
  // Loopback unless the operator opens it: `kubectl port-forward` reaches the pod's loopback,
  // and nothing else in the cluster (a preview's pods least of all) reaches it there.
  const overviewHost = read.raw('PREVIEW_OVERVIEW_HOST') || '127.0.0.1';
  if (!read.raw('PREVIEW_OVERVIEW_PORT')) return { wakePort, overviewHost };
  // 0 only when the reader has said what is wrong with the value.
  const overviewPort = read.port('PREVIEW_OVERVIEW_PORT', 0);
  if (overviewPort === 0) return { wakePort, overviewHost };
  if (overviewPort === probotPort) {
    read.problem(
      `PREVIEW_OVERVIEW_PORT ${overviewPort} is also ${probot}, where webhooks are served: the overview belongs on an internal port of its own`,
    );
  } else if (wakeOn && overviewPort === wakePort) {
    read.problem(
      `PREVIEW_OVERVIEW_PORT ${overviewPort} is also PREVIEW_WAKE_PORT, where the shared ingress controller sends visitors: the overview belongs on an internal port of its own`,
    );
  }
  return { wakePort, overviewPort, overviewHost };
}
