import type { PreviewConfig } from './preview-config.ts';
import { annotationKeys, labelKeys, managerName, type PreviewOrigin } from './labels.ts';
import { hostProblem, namespaceName, renderHost } from './names.ts';
import type { PreviewTarget, PullRequestRef } from './types.ts';

export interface TargetParams {
  pr: PullRequestRef;
  config: PreviewConfig;
  domain: string;
  sha: string;
  tenants: (string | null)[];
  origin: PreviewOrigin;
}

export type TargetsResult =
  { ok: true; targets: PreviewTarget[] } | { ok: false; problems: string[] };

/** Names, host, labels and values for each tenant; hosts that are not DNS names are problems. */
export function buildTargets(params: TargetParams): TargetsResult {
  const problems: string[] = [];
  const targets: PreviewTarget[] = [];
  for (const tenant of params.tenants) {
    const host = renderHost(params.config.host, {
      app: params.config.app,
      pr: params.pr.number,
      tenant,
      domain: params.domain,
    });
    const problem = hostProblem(host, params.domain);
    if (problem) {
      problems.push(problem);
      continue;
    }
    targets.push({
      origin: params.origin,
      tenant,
      namespace: namespaceName({ app: params.config.app, pr: params.pr.number, tenant }),
      host,
      url: `https://${host}`,
      releaseName: params.config.app,
      labels: previewLabels(params.pr, tenant),
      annotations: {
        [annotationKeys.repository]: `${params.pr.owner}/${params.pr.repo}`,
        [annotationKeys.sha]: params.sha,
        [annotationKeys.host]: host,
      },
      values: previewValues({ ...params, tenant, host }),
    });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, targets };
}

export function previewLabels(pr: PullRequestRef, tenant: string | null): Record<string, string> {
  return {
    [labelKeys.managedBy]: managerName,
    [labelKeys.repositoryId]: String(pr.repositoryId),
    [labelKeys.pullRequest]: String(pr.number),
    [labelKeys.installationId]: String(pr.installationId),
    ...(tenant ? { [labelKeys.tenant]: tenant } : {}),
  };
}

/** Label selector for every preview the app made, in any repository. */
export const allPreviewsSelector = `${labelKeys.managedBy}=${managerName}`;

/** Label selector for the previews of a pull request, or of one of its tenants. */
export function previewSelector(
  pr: Pick<PullRequestRef, 'repositoryId' | 'number'>,
  tenant?: string,
): string {
  const parts = [
    allPreviewsSelector,
    `${labelKeys.repositoryId}=${pr.repositoryId}`,
    `${labelKeys.pullRequest}=${pr.number}`,
  ];
  if (tenant) parts.push(`${labelKeys.tenant}=${tenant}`);
  return parts.join(',');
}

/**
 * What the chart receives on top of its values files: `preview.*`, the
 * commit at every `imageTagKey`, then the repository's `set:` templates.
 */
function previewValues(params: TargetParams & { tenant: string | null; host: string }) {
  const facts: Record<string, string> = {
    host: params.host,
    url: `https://${params.host}`,
    pr: String(params.pr.number),
    tenant: params.tenant ?? '',
    sha: params.sha,
    app: params.config.app,
    domain: params.domain,
  };
  const values: Record<string, unknown> = {
    preview: {
      pr: params.pr.number,
      tenant: params.tenant ?? '',
      host: params.host,
      sha: params.sha,
    },
  };
  for (const key of params.config.imageTagKeys) setPath(values, key.split('.'), params.sha);
  for (const [key, template] of Object.entries(params.config.set)) {
    const value = template.replace(/\{([a-z]+)\}/g, (placeholder, name: string) =>
      name in facts ? (facts[name] as string) : placeholder,
    );
    setPath(values, key.split('.'), value);
  }
  return values;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}
