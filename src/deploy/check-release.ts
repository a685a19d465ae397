import type { KubernetesObject } from '@kubernetes/client-node';
import type { PreviewConfig } from '../plan/preview-config.ts';
import { missingDefinitions, missingDefinitionsError } from './custom-resource-definitions.ts';
import { refusalError, refusedContent, refusedObjects } from './guardrails/guardrails.ts';
import { annotationAllowed } from './guardrails/ingress-rules.ts';
import { copiedSecrets, namespacePolicies, type NamespacePolicy } from './namespace-policies.ts';
import { prepareObjects } from './prepare-objects.ts';
import { appObjects } from '../plan/app-objects.ts';
import type { Guardrails } from '../plan/guardrails.ts';
import { isKind } from '../plan/object-identity.ts';
import { UserFacingError } from '../errors.ts';
import { chooseIngressBackend, renderedServices } from '../plan/ingress-backend.ts';
import {
  deployEvents,
  hooksFor,
  hooksNeverRun,
  splitRelease,
  type Hook,
  type HookEvent,
  type ReleaseAction,
} from '../plan/helm-hooks.ts';
import type { PreviewTarget } from '../plan/types.ts';
import type { ClusterFacts, HookRecord, SecretCopy } from '../ports.ts';

/** A hook of one moment of the deploy, its object prepared like the release's own. */
export interface HookStep {
  event: HookEvent;
  hooks: Hook[];
}

/** What a tenant's deploy applies and runs, checked and ready. */
export interface Release {
  action: ReleaseAction;
  /**
   * Everything the deploy applies, in this order: the app's fences, copied
   * Secrets (`fencesFor`, written with the namespace), the chart's own
   * objects and the preview Ingress.
   */
  objects: KubernetesObject[];
  /** The chart's own objects among them (and the preview Ingress): what the app did not write itself. */
  chartObjects: KubernetesObject[];
  /** Before the objects are applied, after their rollout, and before the namespace goes. */
  hooks: { pre: HookStep; post: HookStep; preDelete: HookStep };
  /** What the app keeps, in its own namespace, for the destroy: the `pre-delete` hooks. */
  preDeleteRecord: HookRecord;
  /** Hooks no preview runs: `post-delete`, rollbacks, tests. */
  neverRun: Hook[];
  /** The chart's CRDs, all served by the cluster. */
  crds: KubernetesObject[];
  /** Objects helm would skip too: their `helm.sh/hook` names no known event. */
  skipped: KubernetesObject[];
  /** What was changed to fit a preview, for the comment. */
  notes: string[];
  /** Values of the chart's own Secrets (base64), kept out of failure text. */
  secretValues: string[];
}

export interface CheckParams {
  objects: KubernetesObject[];
  target: PreviewTarget;
  config: PreviewConfig;
  facts: ClusterFacts;
  action: ReleaseAction;
  guardrails: Guardrails;
  namespacePolicy: NamespacePolicy;
  secrets: SecretCopy[];
}

/**
 * The app's fences of a preview namespace (quota, limits, isolation, the
 * lookup reader) and its copies of the app's Secrets: nothing of the chart.
 */
export function fencesFor(
  target: PreviewTarget,
  namespacePolicy: NamespacePolicy,
  secrets: SecretCopy[],
): KubernetesObject[] {
  return [...namespacePolicies(target, namespacePolicy), ...copiedSecrets(target, secrets)];
}

/**
 * The check phase: splits the render as helm does (release, hooks, CRDs),
 * refuses what a preview may not have, naming every object, and prepares
 * the rest for the preview namespace. Pure: nothing reaches the cluster.
 */
export function checkRelease(params: CheckParams): Release {
  const { target, config } = params;
  const parts = splitRelease(params.objects);
  const missing = params.facts.fromCluster
    ? missingDefinitions(parts.crds, params.facts.apiVersions)
    : [];
  if (missing.length > 0) throw missingDefinitionsError(missing);

  const neverRun = hooksNeverRun(parts.hooks);
  const runnable = parts.hooks.filter((hook) => !neverRun.includes(hook));
  const fences = fencesFor(target, params.namespacePolicy, params.secrets);
  const refusals = refusedObjects({
    objects: [...parts.main, ...runnable.map((hook) => hook.object)],
    namespace: target.namespace,
    guardrails: params.guardrails,
    namespaced: (object) =>
      params.facts.namespaced(object.apiVersion as string, object.kind as string),
    reserved: [
      ...fences,
      // Made by sleep: the Service that sends a sleeping preview's requests to the app.
      { apiVersion: 'v1', kind: 'Service', metadata: { name: appObjects.wakeService } },
      // The app's own rights in the namespace, and the name its reader's Role once had.
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: appObjects.appBinding },
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: appObjects.reader },
      },
    ],
  });
  // Past the count, nothing else is worth reading.
  if (parts.main.length + runnable.length > params.guardrails.maxObjects) {
    throw refusalError(refusals);
  }
  refusals.push(...ingressConfigRefusals(config.ingress, params.guardrails));

  // Without an Ingress of the chart's own, the app's routes to a Service the render has.
  const chartHasIngress = parts.main.some((o) => isKind(o, 'networking.k8s.io/Ingress'));
  const backend = chartHasIngress
    ? undefined
    : chooseIngressBackend({
        services: renderedServices(parts.main),
        app: config.app,
        ...(config.ingress.service ? { service: config.ingress.service } : {}),
        ...(config.ingress.port !== undefined ? { port: config.ingress.port } : {}),
      });
  const main = prepareObjects({
    objects: parts.main,
    target,
    ingress: config.ingress,
    ...(backend?.ok ? { backend: backend.backend } : {}),
  });
  const hookObjects = prepareObjects({
    objects: runnable.map((hook) => hook.object),
    target,
    ingress: config.ingress,
  });
  const hooks = runnable.map((hook, index) => ({
    ...hook,
    object: hookObjects.objects[index] as KubernetesObject,
  }));
  // The same rules as the admission policies, on what will be applied.
  refusals.push(
    ...refusedContent({
      objects: [...main.objects, ...hookObjects.objects],
      namespace: target.namespace,
      host: target.host,
      guardrails: params.guardrails,
    }),
  );
  if (refusals.length > 0) throw refusalError(refusals);
  if (backend && !backend.ok) throw new UserFacingError(backend.problem);
  const events = deployEvents(params.action);
  const preDelete = hooksFor(hooks, 'pre-delete');
  return {
    action: params.action,
    objects: [...fences, ...main.objects],
    chartObjects: main.objects,
    hooks: {
      pre: { event: events.pre, hooks: hooksFor(hooks, events.pre) },
      post: { event: events.post, hooks: hooksFor(hooks, events.post) },
      preDelete: { event: 'pre-delete', hooks: preDelete },
    },
    preDeleteRecord: { timeoutMs: config.rolloutTimeoutMs, hooks: preDelete },
    neverRun,
    crds: parts.crds,
    skipped: parts.unknownHooks.map((unknown) => unknown.object),
    notes: [...main.notes, ...hookObjects.notes],
    secretValues: secretValuesIn([...parts.main, ...runnable.map((hook) => hook.object)]),
  };
}

/**
 * What `.github/preview.yml` asks of the shared controller that the platform
 * does not give previews: another class (production's), or annotations off
 * the platform's list.
 */
function ingressConfigRefusals(
  ingress: PreviewConfig['ingress'],
  guardrails: Guardrails,
): string[] {
  const refusals: string[] = [];
  if (!guardrails.ingress.classes.includes(ingress.className)) {
    refusals.push(
      `.github/preview.yml sets \`ingress.className: ${ingress.className}\`; previews may use ${guardrails.ingress.classes.map((c) => `\`${c}\``).join(', ') || 'none'} (PREVIEW_INGRESS_CLASSES)`,
    );
  }
  const unlisted = Object.keys(ingress.annotations).filter(
    (key) => !annotationAllowed(key, guardrails.ingress.annotations),
  );
  if (unlisted.length > 0) {
    refusals.push(
      `.github/preview.yml sets \`ingress.annotations\` ${unlisted.map((k) => `\`${k}\``).join(', ')}, not on the platform's list (PREVIEW_INGRESS_ANNOTATIONS)`,
    );
  }
  return refusals;
}

/**
 * Whether the cluster's facts may be out of date for this render: a kind or
 * a CRD it does not know may have been installed since they were read.
 */
export function needsFreshFacts(objects: KubernetesObject[], facts: ClusterFacts): boolean {
  const parts = splitRelease(objects);
  if (missingDefinitions(parts.crds, facts.apiVersions).length > 0) return true;
  return [...parts.main, ...parts.hooks.map((hook) => hook.object)].some(
    (object) => facts.namespaced(object.apiVersion as string, object.kind as string) === undefined,
  );
}

/** Values of Secrets in a render, base64 as `redactValues` takes them. */
function secretValuesIn(objects: KubernetesObject[]): string[] {
  return objects
    .filter((object) => object.kind === 'Secret' && object.apiVersion === 'v1')
    .flatMap((object) => {
      const secret = object as {
        data?: Record<string, unknown>;
        stringData?: Record<string, unknown>;
      };
      return [
        ...Object.values(secret.data ?? {}).map(String),
        ...Object.values(secret.stringData ?? {}).map((v) =>
          Buffer.from(String(v)).toString('base64'),
        ),
      ];
    });
}
