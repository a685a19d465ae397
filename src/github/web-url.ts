/** GitHub's API address as Probot derives it: from GHE_HOST and GHE_PROTOCOL, else api.github.com. */
export function githubApiUrl(env: NodeJS.ProcessEnv): string {
  const host = gheHostOf(env);
  return host ? `${host}/api/v3` : 'https://api.github.com';
}

/** Probot's GitHub Enterprise server, as `protocol://host`; undefined for github.com. */
function gheHostOf(env: NodeJS.ProcessEnv): string | undefined {
  const host = env.GHE_HOST?.trim();
  return host ? `${env.GHE_PROTOCOL?.trim() || 'https'}://${host}` : undefined;
}

/** GitHub's web address for its API's: github.com's, or a GitHub Enterprise server's. */
export function webUrlOf(apiBaseUrl: string): string {
  const url = new URL(apiBaseUrl);
  if (url.hostname === 'api.github.com') return 'https://github.com';
  // GitHub Enterprise Cloud with data residency: api.<name>.ghe.com serves <name>.ghe.com.
  if (/^api\.[^.]+\.ghe\.com$/.test(url.hostname)) return `https://${url.hostname.slice(4)}`;
  return `${url.origin}${url.pathname.replace(/\/api\/v3\/?$/, '').replace(/\/$/, '')}`;
}

/** GitHub's web address for the API the app's Probot works with. */
export function githubWebUrl(env: NodeJS.ProcessEnv): string {
  try {
    return webUrlOf(githubApiUrl(env));
  } catch {
    // Not an address at all: shown as it was given, and Probot's own client says what is wrong.
    return gheHostOf(env) ?? 'https://github.com';
  }
}
