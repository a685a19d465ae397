/** An error the user can fix; its message is shown on the pull request as is. */
export class UserFacingError extends Error {
  override name = 'UserFacingError';
}

export class ObjectRejectedError extends UserFacingError {
  override name = 'ObjectRejectedError';
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
