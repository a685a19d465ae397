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
