import { ApiException } from '@kubernetes/client-node';

// The API server's answers that callers expect and branch on (STYLE 7):
// named once here, so that each branch reads as what it means.

/** 404: the object (or its namespace) is not there; for a read or a delete, it is gone. */
export function isNotFound(error: unknown): error is ApiException<unknown> {
  return error instanceof ApiException && error.code === 404;
}

/** 409: someone else wrote first (a moved resourceVersion, or it already exists). */
export function isConflict(error: unknown): error is ApiException<unknown> {
  return error instanceof ApiException && error.code === 409;
}

/** 403: the app's ServiceAccount may not do this. */
export function isForbidden(error: unknown): error is ApiException<unknown> {
  return error instanceof ApiException && error.code === 403;
}

/**
 * 403 for a Pod whose namespace's `default` ServiceAccount is not there yet.
 * The controller-manager makes it moments after the namespace, so a bare Pod
 * (a hook, most often) sent straight after a new namespace can meet this,
 * and passes when sent again; helm would fail the release on it.
 */
export function awaitsDefaultServiceAccount(error: unknown): boolean {
  return (
    isForbidden(error) &&
    /error looking up service account [^\s/]+\/default: serviceaccount "default" not found/.test(
      apiMessage(error),
    )
  );
}

/** The API's own words: the Status object's message when there is one. */
export function apiMessage(error: ApiException<unknown>): string {
  const body = error.body;
  const parsed = typeof body === 'string' ? safeJson(body) : body;
  const message = (parsed as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : `HTTP ${error.code}`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text.slice(0, 500) };
  }
}
