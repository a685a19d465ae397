/** The app's own settings, from its environment (never from a repository). */
export interface Settings {
  /** Parent domain of every preview host, e.g. preview.bar.com. */
  previewDomain: string;
  helmBin: string;
  /** Pull requests worked on at the same time. */
  concurrency: number;
  /** Where smoke checks reach the ingress controller, e.g. http://haproxy.ingress.svc. */
  ingressUrl?: string;
}

export function readSettings(env: NodeJS.ProcessEnv): Settings {
  const previewDomain = env.PREVIEW_DOMAIN?.trim().toLowerCase();
  if (!previewDomain) {
    throw new Error(
      'PREVIEW_DOMAIN is not set: it is the parent domain of preview hosts, e.g. preview.bar.com',
    );
  }
  if (!/^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(previewDomain)) {
    throw new Error(`PREVIEW_DOMAIN \`${previewDomain}\` is not a DNS name`);
  }
  const concurrency = Number(env.PREVIEW_CONCURRENCY ?? '4');
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new Error(
      `PREVIEW_CONCURRENCY must be a positive integer, got \`${env.PREVIEW_CONCURRENCY}\``,
    );
  }
  const ingressUrl = env.PREVIEW_INGRESS_URL?.trim() || undefined;
  if (ingressUrl && !/^https?:\/\/[^/\s]+\/?$/.test(ingressUrl)) {
    throw new Error(`PREVIEW_INGRESS_URL must be http(s)://host[:port], got \`${ingressUrl}\``);
  }
  return {
    previewDomain,
    helmBin: env.HELM_BIN?.trim() || 'helm',
    concurrency,
    ...(ingressUrl ? { ingressUrl } : {}),
  };
}
