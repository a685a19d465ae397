/** What one preview holds, by its namespace: whose it is and which host it answers for. */
export interface Claim {
  repositoryId: number;
  /** `owner/name`, for the messages of others refused. */
  repository: string;
  pullRequest: number;
  host: string;
  /** When it was claimed (ms since the epoch): a claim whose namespace never came is let go. */
  at: number;
}

export type Claims = Record<string, Claim>;

/** Caps on how many previews may exist, from the app's settings. */
export interface PreviewCaps {
  perRepository: number;
  total: number;
}

/**
 * Reserves namespaces, hosts and places under the caps for the previews a
 * deploy wants, in order, against what others hold: the decision of one
 * compare-and-swap of the claims (the caller writes `next` with the version
 * it read, and decides again on a conflict). A preview that already holds
 * its claim keeps it (never refuses itself); a namespace or host another
 * repository's or pull request's preview holds is refused, naming it; new
 * previews past the caps are refused.
 */
export function reserveClaims(params: {
  current: Claims;
  wanted: { namespace: string; claim: Omit<Claim, 'at'> }[];
  caps: PreviewCaps;
  now: number;
}): { next: Claims; refused: Map<string, string> } {
  const next: Claims = { ...params.current };
  const refused = new Map<string, string>();
  for (const { namespace, claim } of params.wanted) {
    const held = next[namespace];
    if (held && held.repositoryId !== claim.repositoryId) {
      refused.set(
        namespace,
        `namespace \`${namespace}\` already belongs to ${held.repository}; give this repository a unique \`app\` in .github/preview.yml`,
      );
      continue;
    }
    const hostHolder = Object.entries(next).find(
      ([other, c]) => other !== namespace && c.host === claim.host,
    );
    if (hostHolder) {
      const [otherNamespace, other] = hostHolder;
      refused.set(
        namespace,
        `host \`${claim.host}\` is already served by the preview of ${other.repository}#${other.pullRequest} (namespace \`${otherNamespace}\`); give this repository a \`host\` template of its own in .github/preview.yml`,
      );
      continue;
    }
    if (!held) {
      const claims = Object.values(next);
      const inRepository = claims.filter((c) => c.repositoryId === claim.repositoryId).length;
      if (inRepository >= params.caps.perRepository) {
        refused.set(
          namespace,
          `this repository already has ${inRepository} previews, the most the app allows (${params.caps.perRepository}); destroy one with \`/preview destroy\``,
        );
        continue;
      }
      if (claims.length >= params.caps.total) {
        refused.set(
          namespace,
          `the cluster already holds ${claims.length} previews, the most the app allows (${params.caps.total}); try again when others are gone`,
        );
        continue;
      }
    }
    next[namespace] = { ...claim, at: held?.at ?? params.now };
  }
  return { next, refused };
}

/** The claims without those of these namespaces: released with their previews. */
export function releaseClaims(current: Claims, namespaces: string[]): Claims {
  return Object.fromEntries(Object.entries(current).filter(([ns]) => !namespaces.includes(ns)));
}

/**
 * The claims as the cluster shows them: every live preview holds one (a
 * preview made before claims existed gets its own), and a claim whose
 * namespace is gone is let go once it is older than `graceMs` (a deploy may
 * have claimed it and not yet made the namespace).
 */
export function repairClaims(params: {
  current: Claims;
  live: { namespace: string; claim: Omit<Claim, 'at'> }[];
  now: number;
  graceMs: number;
}): Claims {
  const live = new Map(params.live.map((l) => [l.namespace, l.claim]));
  const next: Claims = {};
  for (const [namespace, claim] of Object.entries(params.current)) {
    if (live.has(namespace) || params.now - claim.at < params.graceMs) next[namespace] = claim;
  }
  for (const [namespace, claim] of live) {
    if (!next[namespace]) next[namespace] = { ...claim, at: params.now };
  }
  return next;
}
