import {
  PatchStrategy,
  setHeaderOptions,
  type CoreV1Api,
  type V1Namespace,
} from '@kubernetes/client-node';
import { UserFacingError } from '../errors.ts';
import {
  annotationKeys,
  labelKeys,
  lifetimeManagerName,
  type PreviewOrigin,
} from '../plan/labels.ts';
import { allPreviewsSelector } from '../plan/targets.ts';
import type { PreviewTarget } from '../plan/types.ts';
import type { DeployRecord, LifetimeMarks, ObservedPreview } from '../ports.ts';
import { instanceLabel } from './admission-policies.ts';
import type { NamespaceAccess } from './kubernetes-namespace-access.ts';
import { applyObjects, type ObjectApi } from './kubernetes-objects.ts';
import { toObservedPreview } from './observed-preview.ts';
import { pollUntil } from './poll-until.ts';
import { withRetry } from './retry.ts';
import { isNotFound } from './api-status.ts';

/**
 * The preview namespaces' lifecycle: listed, adopted, ensured for a deploy,
 * marked deployed, deleted. The namespace is the preview's record (its labels
 * say whose it is, its annotations what was applied at which commit), so what
 * reads or writes those labels and annotations is kept together here, apart
 * from the objects a chart puts inside.
 */
export class PreviewNamespaces {
  private readonly core: CoreV1Api;
  private readonly objects: ObjectApi;
  private readonly access: NamespaceAccess | undefined;
  private readonly instance: string;
  private readonly namespaceLabels: Record<string, string>;
  private readonly deleteTimeoutMs: number;

  constructor(params: {
    core: CoreV1Api;
    objects: ObjectApi;
    /** Binds the app's namespace role in each namespace; undefined when none is configured. */
    access: NamespaceAccess | undefined;
    instance: string;
    namespaceLabels: Record<string, string> | undefined;
    deleteTimeoutMs: number;
  }) {
    this.core = params.core;
    this.objects = params.objects;
    this.access = params.access;
    this.instance = params.instance;
    this.namespaceLabels = { ...params.namespaceLabels, [instanceLabel]: params.instance };
    this.deleteTimeoutMs = params.deleteTimeoutMs;
  }

  /** This instance's previews that match the selector; other installations' are never seen. */
  async list(selector: string): Promise<ObservedPreview[]> {
    const labelSelector = `${selector},${instanceLabel}=${this.instance}`;
    const list = await withRetry(() => this.core.listNamespace({ labelSelector }));
    return list.items.map(toObservedPreview);
  }

  /**
   * Previews made before namespaces named their instance: those of this
   * app's installations are labelled as its own (installation ids belong to
   * one GitHub App); returns how many previews of other installations there are.
   */
  async adopt(installationIds: number[]): Promise<{ adopted: string[]; others: number }> {
    const unlabelled = await withRetry(() =>
      this.core.listNamespace({ labelSelector: `${allPreviewsSelector},!${instanceLabel}` }),
    );
    const ours = new Set(installationIds.map(String));
    const adopted: string[] = [];
    for (const namespace of unlabelled.items) {
      const name = namespace.metadata?.name ?? '';
      if (!ours.has(namespace.metadata?.labels?.[labelKeys.installationId] ?? '')) continue;
      // A merge, not an apply: the namespace's other fields keep their owners.
      await withRetry(() =>
        this.core.patchNamespace(
          { name, body: { metadata: { labels: { [instanceLabel]: this.instance } } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        ),
      );
      adopted.push(name);
    }
    const others = await withRetry(() =>
      this.core.listNamespace({
        labelSelector: `${allPreviewsSelector},${instanceLabel},${instanceLabel}!=${this.instance}`,
      }),
    );
    return { adopted, others: others.items.length };
  }

  async ensure(target: PreviewTarget): Promise<{ created: boolean; origin: PreviewOrigin }> {
    let existing = await this.read(target.namespace);
    const owner = existing?.metadata?.labels?.[labelKeys.repositoryId];
    const instance = existing?.metadata?.labels?.[instanceLabel];
    if (existing && instance !== undefined && instance !== this.instance) {
      throw new UserFacingError(
        `namespace \`${target.namespace}\` belongs to another installation of pr-preview (\`${instance}\`) on this cluster; give this repository a unique \`app\` in .github/preview.yml`,
      );
    }
    if (existing && owner !== target.labels[labelKeys.repositoryId]) {
      const holder =
        existing.metadata?.annotations?.[annotationKeys.repository] ?? 'something else';
      throw new UserFacingError(
        `namespace \`${target.namespace}\` already belongs to ${holder}; give this repository a unique \`app\` in .github/preview.yml`,
      );
    }
    if (existing?.metadata?.deletionTimestamp) {
      await this.waitGone([target.namespace]);
      existing = undefined;
    }
    const previous = existing?.metadata?.annotations ?? {};
    const origin: PreviewOrigin =
      previous[annotationKeys.origin] === 'command' || target.origin === 'command'
        ? 'command'
        : 'label';
    // Server-side apply removes what this manager owned and no longer sends:
    // the last deploy's commit and inventory stay until recordDeployed moves them.
    const { [annotationKeys.sha]: sha, ...identity } = target.annotations;
    const kept = pick(previous, [
      annotationKeys.sha,
      annotationKeys.inventory,
      annotationKeys.expiresAt,
      annotationKeys.activeAt,
      annotationKeys.sleepAfter,
      annotationKeys.rolloutTimeout,
    ]);
    await this.apply(target, {
      ...kept,
      ...identity,
      [annotationKeys.origin]: origin,
      [annotationKeys.deployingSha]: sha ?? '',
    });
    await this.access?.bind(target.namespace, existing === undefined);
    return { created: existing === undefined, origin };
  }

  async recordDeployed(target: PreviewTarget, record: DeployRecord): Promise<void> {
    await this.apply(target, {
      ...target.annotations,
      [annotationKeys.sha]: record.sha,
      [annotationKeys.origin]: record.origin,
      [annotationKeys.inventory]: JSON.stringify(record.inventory),
      ...(record.expiresAt ? { [annotationKeys.expiresAt]: record.expiresAt } : {}),
      [annotationKeys.activeAt]: new Date().toISOString(),
      [annotationKeys.rolloutTimeout]: String(Math.ceil(record.rolloutTimeoutMs / 1000)),
      ...(record.sleepAfterMs !== undefined
        ? { [annotationKeys.sleepAfter]: String(Math.ceil(record.sleepAfterMs / 1000)) }
        : {}),
    });
  }

  /**
   * The lifetime marks, by their own field manager and as a merge: a patch
   * never makes a namespace that is gone, and a deploy's apply (which sends
   * only its own annotations) leaves these alone.
   */
  async markLifetime(name: string, marks: LifetimeMarks): Promise<boolean> {
    const value = (mark: string | undefined) => mark ?? null;
    const annotations = {
      [annotationKeys.keptBy]: value(marks.keptBy),
      [annotationKeys.expiresNotBefore]: value(marks.expiresNotBefore),
      [annotationKeys.expiryWarnedFor]: value(marks.expiryWarnedFor),
    };
    try {
      await withRetry(() =>
        this.core.patchNamespace(
          { name, body: { metadata: { annotations } }, fieldManager: lifetimeManagerName },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        ),
      );
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async delete(names: string[]): Promise<void> {
    for (const name of names) {
      const current = await this.read(name);
      // A namespace already terminating answers a second delete with 409; it is on its way.
      if (!current || current.metadata?.deletionTimestamp) continue;
      try {
        await withRetry(() => this.core.deleteNamespace({ name, propagationPolicy: 'Background' }));
      } catch (error) {
        if (isNotFound(error)) continue;
        throw error;
      }
    }
    await this.waitGone(names);
  }

  private async apply(target: PreviewTarget, annotations: Record<string, string>): Promise<void> {
    const namespace = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: target.namespace,
        labels: { ...this.namespaceLabels, ...target.labels },
        annotations,
      },
    };
    await applyObjects(this.objects, [namespace], { dryRun: false });
  }

  private async waitGone(names: string[]): Promise<void> {
    let remaining = names;
    const gone = await pollUntil({
      done: async () => {
        const present = await Promise.all(remaining.map((name) => this.read(name)));
        remaining = remaining.filter((_, i) => present[i] !== undefined);
        return remaining.length === 0;
      },
      timeoutMs: this.deleteTimeoutMs,
      // The namespace controller takes seconds: no need to ask as often as for an object.
      firstPauseMs: 250,
    });
    if (!gone) {
      throw new Error(
        `namespaces still terminating after ${this.deleteTimeoutMs / 1000} s: ${remaining.join(', ')}`,
      );
    }
  }

  private async read(name: string): Promise<V1Namespace | undefined> {
    try {
      return await withRetry(() => this.core.readNamespace({ name }));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
}

function pick(source: Record<string, string>, keys: string[]): Record<string, string> {
  return Object.fromEntries(
    keys.filter((key) => key in source).map((key) => [key, source[key] as string]),
  );
}
