import type { ObservedPreview } from '../ports.ts';
import type { PreviewTarget } from './types.ts';

/**
 * Targets whose host another preview already serves, with the reason the
 * comment shows: two Ingresses for one host on the shared controller would
 * fight over it. The preview that had the host first keeps it.
 */
export function hostsTaken(
  targets: PreviewTarget[],
  previews: ObservedPreview[],
): Map<string, string> {
  const taken = new Map<string, string>();
  for (const target of targets) {
    const holder = previews.find(
      (preview) =>
        preview.host === target.host &&
        preview.namespace !== target.namespace &&
        !preview.terminating,
    );
    if (!holder) continue;
    const whose = `${holder.repository ?? `repository ${holder.repositoryId}`}#${holder.pullRequest}`;
    taken.set(
      target.namespace,
      `host \`${target.host}\` is already served by the preview of ${whose} (namespace \`${holder.namespace}\`); give this repository a \`host\` template of its own in .github/preview.yml`,
    );
  }
  return taken;
}
