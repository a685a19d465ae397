import {
  ApiException,
  HttpMethod,
  KubernetesObjectApi,
  PatchStrategy,
  type KubernetesObject,
  type RequestContext,
} from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { ObjectRejectedError } from '../errors.ts';
import { managerName } from '../plan/labels.ts';
import type { ApplyResult, ObjectRef } from '../ports.ts';
import { describe, refOf } from '../plan/object-identity.ts';
import { replaceDecision } from '../plan/replace.ts';
import { installBatches } from '../plan/kind-order.ts';
import { apiMessage, awaitsDefaultServiceAccount, isNotFound } from './api-status.ts';
import { parseWarnings } from './pod-security.ts';
import { pollUntil } from './poll-until.ts';
import { isTransient, withRetry } from './retry.ts';

/** How long a replaced object may take to go before it is created again. */
const replaceTimeoutMs = 120_000;

/** The API server's answer to a write: the object, and the warnings it sent along. */
export interface WriteAnswer {
  object: KubernetesObject;
  warnings: string[];
}

/** Reaches the client's cached discovery and transport, which it keeps protected. */
export class ObjectApi extends KubernetesObjectApi {
  /**
   * Server-side apply of the object exactly as written. The client's own
   * `patch` first maps known kinds through its typed models, which drops
   * fields it knows under another name (`default`, `from`) or not at all.
   */
  async applyAsWritten(
    object: KubernetesObject,
    dryRun: boolean,
    fieldManager = managerName,
  ): Promise<WriteAnswer> {
    const path = await this.specUriPath(object, 'patch');
    const request = this.configuration.baseServer.makeRequestContext(path, HttpMethod.PATCH);
    request.setHeaderParam('Content-Type', PatchStrategy.ServerSideApply);
    request.setQueryParam('fieldManager', fieldManager);
    request.setQueryParam('force', 'true');
    if (dryRun) request.setQueryParam('dryRun', 'All');
    request.setBody(JSON.stringify(object));
    return this.exchange(request);
  }

  /**
   * A dry-run create of the object under a name the server makes up, as if
   * none of that name existed: what the API server would say of it new. A
   * bare Pod is checked as a PodTemplate: Pod Security judges both alike,
   * and a Pod would also be refused for a ServiceAccount that an earlier hook
   * has yet to create.
   */
  async createAsNew(object: KubernetesObject): Promise<WriteAnswer> {
    const { name, ...metadata } = object.metadata ?? {};
    const fresh = {
      ...asTemplateIfPod(object),
      metadata: { ...metadata, generateName: `${name}-` },
    };
    const path = await this.specUriPath(fresh, 'create');
    const request = this.configuration.baseServer.makeRequestContext(path, HttpMethod.POST);
    request.setHeaderParam('Content-Type', 'application/json');
    request.setQueryParam('fieldManager', managerName);
    request.setQueryParam('dryRun', 'All');
    request.setBody(JSON.stringify(fresh));
    return this.exchange(request);
  }

  /** Sends a request as the client would, keeping the response's Warning headers it drops. */
  private async exchange(request: RequestContext): Promise<WriteAnswer> {
    request.setHeaderParam('Accept', 'application/json');
    const { authMethods, middleware, httpApi } = this.configuration;
    await authMethods.BearerToken?.applySecurityAuthentication(request);
    await authMethods.default?.applySecurityAuthentication(request);
    let outgoing = request;
    for (const step of middleware) outgoing = await step.pre(outgoing).toPromise();
    let response = await httpApi.send(outgoing).toPromise();
    for (const step of middleware) response = await step.post(response).toPromise();
    const text = await response.body.text();
    if (response.httpStatusCode < 200 || response.httpStatusCode > 299) {
      throw new ApiException(
        response.httpStatusCode,
        'Unsuccessful HTTP Request',
        text,
        response.headers,
      );
    }
    return {
      object: JSON.parse(text) as KubernetesObject,
      warnings: parseWarnings(response.headers.warning),
    };
  }
}

/** Writes of one batch sent to the API server at once, per apply. */
const concurrentWrites = 8;

/**
 * Applies objects, given in helm's kind order, in batches (`installBatches`):
 * each batch at once, the batches in order (or, `atOnce`, all at once). A
 * refusal stops the apply once the rest of its batch has settled. The API
 * server refuses some updates outright: a Job's template, a Service's
 * clusterIP, a workload's selector. A preview is disposable, so such an object
 * is deleted and created again, as `kubectl replace --force` would; a dry run
 * only reports it.
 */
export async function applyObjects(
  api: ObjectApi,
  objects: KubernetesObject[],
  options: { dryRun: boolean; asNew?: boolean; atOnce?: boolean },
): Promise<ApplyResult> {
  const result: ApplyResult = { replaced: [], warnings: [] };
  const limit = pLimit(concurrentWrites);
  for (const batch of options.atOnce ? [objects] : installBatches(objects)) {
    const outcomes = await Promise.allSettled(
      batch.map((object) => limit(() => applyWithReplace(api, object, options))),
    );
    for (const [index, outcome] of outcomes.entries()) {
      if (outcome.status === 'rejected') throw outcome.reason;
      const ref = refOf(batch[index] as KubernetesObject);
      const { warnings, replaced } = outcome.value;
      if (warnings.length > 0) result.warnings.push({ ref, messages: warnings });
      if (replaced !== undefined) result.replaced.push({ ref, reason: replaced });
    }
  }
  return result;
}

/** One object's write: its warnings, and why it was (or would be) replaced, if it was. */
async function applyWithReplace(
  api: ObjectApi,
  object: KubernetesObject,
  options: { dryRun: boolean; asNew?: boolean },
): Promise<{ warnings: string[]; replaced?: string }> {
  if (options.asNew) {
    return withRetry(() => api.createAsNew(object)).catch(rethrow(object));
  }
  try {
    return await applyOne(api, object, options.dryRun);
  } catch (error) {
    const reason = error instanceof ApiException ? immutableFieldReason(error) : undefined;
    if (reason === undefined) throw rejection(object, error);
    const decision = replaceDecision({
      object,
      immutable: reason,
      ...(await liveIfNeeded(api, object)),
    });
    if (!decision.replace) throw new ObjectRejectedError(decision.reason);
    if (options.dryRun) return { warnings: [], replaced: reason };
    await deleteObject(api, object, 'Foreground');
    await waitGone(api, object, replaceTimeoutMs);
    const answer = await applyOne(api, object, false).catch(rethrow(object));
    return { warnings: answer.warnings, replaced: reason };
  }
}

/** A StatefulSet's retention of its claims decides whether it may be replaced. */
async function liveIfNeeded(
  api: ObjectApi,
  object: KubernetesObject,
): Promise<{ live?: KubernetesObject }> {
  if (object.kind !== 'StatefulSet') return {};
  try {
    return {
      live: await withRetry(() =>
        api.read(object as KubernetesObject & { metadata: { name: string } }),
      ),
    };
  } catch (error) {
    if (isNotFound(error)) return {};
    throw error;
  }
}

function asTemplateIfPod(object: KubernetesObject): KubernetesObject {
  if (object.kind !== 'Pod' || object.apiVersion !== 'v1') return object;
  const { spec } = object as { spec?: unknown };
  return {
    apiVersion: 'v1',
    kind: 'PodTemplate',
    template: { metadata: { labels: object.metadata?.labels ?? {} }, spec },
  } as KubernetesObject;
}

function rethrow(object: KubernetesObject) {
  return (error: unknown): never => {
    throw rejection(object, error);
  };
}

/** Deletes the objects (404 counts as done) and, given `waitMs`, waits until they are gone. */
export async function deleteObjects(
  api: ObjectApi,
  namespace: string,
  refs: ObjectRef[],
  waitMs?: number,
): Promise<void> {
  const objects = refs.map((ref) => ({
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: { name: ref.name, namespace },
  }));
  for (const object of objects) await deleteObject(api, object, 'Background');
  if (waitMs !== undefined) {
    for (const object of objects) await waitGone(api, object, waitMs);
  }
}

/**
 * The API server's reason when it refused an update because a field cannot
 * change; undefined for any other refusal.
 */
export function immutableFieldReason(error: ApiException<unknown>): string | undefined {
  if (error.code !== 422) return undefined;
  const message = apiMessage(error);
  return /field is immutable|may not change once set|updates to .* are forbidden|is immutable after creation|cannot change roleRef/i.test(
    message,
  )
    ? message
    : undefined;
}

function applyOne(api: ObjectApi, object: KubernetesObject, dryRun: boolean): Promise<WriteAnswer> {
  return withRetry(() => api.applyAsWritten(object, dryRun), {
    retriable: (error) => isTransient(error) || awaitsDefaultServiceAccount(error),
  });
}

function rejection(object: KubernetesObject, error: unknown): unknown {
  if (error instanceof ApiException && error.code >= 400 && error.code < 500) {
    return new ObjectRejectedError(
      `the API server rejected ${describe(object)}: ${apiMessage(error)}`,
    );
  }
  return error;
}

async function deleteObject(
  api: ObjectApi,
  object: KubernetesObject,
  propagation: 'Background' | 'Foreground',
): Promise<void> {
  try {
    await withRetry(() =>
      api.delete(object, undefined, undefined, undefined, undefined, propagation),
    );
  } catch (error) {
    if (isNotFound(error)) return;
    throw error;
  }
}

/**
 * Waits until the object is gone, asking by deleting it again until the API
 * server answers 404: deleting needs only the right to delete, never to read
 * (the app may not read Secrets where it writes them).
 */
async function waitGone(api: ObjectApi, object: KubernetesObject, timeoutMs: number) {
  const gone = await pollUntil({
    done: async () => {
      try {
        await withRetry(() => api.delete(object));
        return false;
      } catch (error) {
        if (isNotFound(error)) return true;
        throw error;
      }
    },
    timeoutMs,
    firstPauseMs: 100,
  });
  if (!gone) {
    throw new Error(`${describe(object)} was still being deleted after ${timeoutMs / 1000} s`);
  }
}
