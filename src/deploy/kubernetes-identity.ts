import { AuthenticationV1Api, AuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { pollUntil } from './poll-until.ts';
import { withRetry } from './retry.ts';

/** Who the app is to the API server. */
export interface AppUser {
  username: string;
  /** Set when the app runs as a ServiceAccount: then its rights can be fenced by name. */
  serviceAccount?: { namespace: string; name: string };
}

/** Reads the app's own identity once (SelfSubjectReview, which every authenticated user may ask). */
export class KubernetesIdentity {
  private readonly authentication: AuthenticationV1Api;
  private readonly authorization: AuthorizationV1Api;
  private user: Promise<AppUser> | undefined;

  constructor(kubeConfig: KubeConfig) {
    this.authentication = kubeConfig.makeApiClient(AuthenticationV1Api);
    this.authorization = kubeConfig.makeApiClient(AuthorizationV1Api);
  }

  whoAmI(): Promise<AppUser> {
    this.user ??= withRetry(() => this.authentication.createSelfSubjectReview({ body: {} })).then(
      (review) => appUser(review.status?.userInfo?.username ?? ''),
      (error: unknown) => {
        this.user = undefined;
        throw error;
      },
    );
    return this.user;
  }

  /**
   * Waits until the API server lets the app do `verb` on `resource` in the
   * namespace: a RoleBinding just written takes a moment to reach its
   * authorizer. Returns false if it never did within the time.
   */
  async waitUntilAllowed(
    params: { namespace: string; verb: string; resource: string; group?: string },
    timeoutMs = 10_000,
  ): Promise<boolean> {
    return pollUntil({
      done: async () => {
        const review = await withRetry(() =>
          this.authorization.createSelfSubjectAccessReview({
            body: {
              spec: {
                resourceAttributes: {
                  namespace: params.namespace,
                  verb: params.verb,
                  resource: params.resource,
                  group: params.group ?? '',
                },
              },
            },
          }),
        );
        return review.status?.allowed === true;
      },
      timeoutMs,
      firstPauseMs: 50,
      growth: 2,
      maxPauseMs: 1_000,
    });
  }
}

export function appUser(username: string): AppUser {
  const match = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(username);
  return match
    ? { username, serviceAccount: { namespace: match[1] as string, name: match[2] as string } }
    : { username };
}
