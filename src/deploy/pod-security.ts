import type { ObjectRef, PodSecurityLevel } from '../ports.ts';

/** Pod Security Standards levels, most open first. */
export const podSecurityLevels = [
  'privileged',
  'baseline',
  'restricted',
] as const satisfies readonly PodSecurityLevel[];

/**
 * Pod Security Admission labels of every preview namespace: the app's level
 * enforced, and `restricted` warned about and audited, so that the platform
 * team sees what a stricter level would refuse.
 */
export function podSecurityLabels(level: PodSecurityLevel): Record<string, string> {
  const prefix = 'pod-security.kubernetes.io';
  return {
    [`${prefix}/enforce`]: level,
    [`${prefix}/enforce-version`]: 'latest',
    [`${prefix}/warn`]: 'restricted',
    [`${prefix}/warn-version`]: 'latest',
    [`${prefix}/audit`]: 'restricted',
    [`${prefix}/audit-version`]: 'latest',
  };
}

/**
 * The texts of an HTTP `Warning` header as the API server sends them
 * (`299 - "text"`, RFC 7234), several joined by commas.
 */
export function parseWarnings(header: string | undefined): string[] {
  if (!header) return [];
  const texts: string[] = [];
  for (const match of header.matchAll(/\d{3}\s+\S+\s+"((?:[^"\\]|\\.)*)"/g)) {
    texts.push((match[1] as string).replace(/\\(.)/g, '$1'));
  }
  return texts;
}

const violation = /^would violate PodSecurity "([a-z]+):[^"]*": (.+)$/s;

/**
 * What the API server said a workload's pod template would violate at the
 * enforced level. It admits the workload itself and only warns; its pods
 * would then be refused one by one, so the deploy refuses it first.
 */
export function podSecurityViolations(warnings: string[], enforced: PodSecurityLevel): string[] {
  return warnings.flatMap((warning) => {
    const match = violation.exec(warning);
    return match && match[1] === enforced ? [match[2] as string] : [];
  });
}

/** One refusal line per object whose pod template breaks the enforced level. */
export function podSecurityRefusals(
  warnings: { ref: ObjectRef; messages: string[] }[],
  enforced: PodSecurityLevel,
): string[] {
  return warnings.flatMap(({ ref, messages }) =>
    podSecurityViolations(messages, enforced).map((what) =>
      podSecurityRefusal(ref, enforced, what),
    ),
  );
}

/** How a refusal reads, whether the API server judged the pod or the offline checks did. */
export function podSecurityRefusal(ref: ObjectRef, level: PodSecurityLevel, what: string): string {
  return `${ref.kind} \`${ref.name}\` breaks the Pod Security level "${level}" of previews: ${what}`;
}
