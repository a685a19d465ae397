/** What a GitHub API call was for, from its method and path. */
export function githubPurposeOf(method: string, path: string): string | undefined {
  const rules: [string, RegExp, string][] = [
    ['GET', /^\/repos\/[^/]+\/[^/]+\/contents\/\.github/, 'config read'],
    ['GET', /^\/repos\/[^/]+\/[^/]+\/tarball\//, 'chart download'],
    ['GET', /^\/repos\/[^/]+\/[^/]+\/issues\/\d+\/comments/, 'comment read'],
    ['POST', /^\/repos\/[^/]+\/[^/]+\/issues\/\d+\/comments/, 'comment write'],
    ['PATCH', /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/\d+/, 'comment write'],
    ['POST', /^\/repos\/[^/]+\/[^/]+\/deployments\/\d+\/statuses/, 'deployment status write'],
    ['POST', /^\/repos\/[^/]+\/[^/]+\/deployments$/, 'deployment write'],
    ['GET', /^\/repos\/[^/]+\/[^/]+\/deployments/, 'deployment read'],
    ['GET', /^\/repos\/[^/]+\/[^/]+\/pulls\/\d+$/, 'pull request read'],
    ['GET', /^\/repos\/[^/]+\/[^/]+\/pulls$/, 'open pull requests list'],
    ['GET', /^\/repos\/[^/]+\/[^/]+\/commits\/[^/]+\/(check-runs|status)/, 'checks read'],
    ['GET', /^\/repos\/[^/]+\/[^/]+\/collaborators\//, 'permission read'],
    ['POST', /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/\d+\/reactions/, 'reaction write'],
    ['POST', /^\/app\/installations\/\d+\/access_tokens/, 'installation token'],
    ['GET', /^\/app\/installations/, 'installations list'],
    ['GET', /^\/installation\/repositories/, 'repositories list'],
  ];
  if (path.startsWith('/_archives/')) return undefined; // the redirect target of a download
  const rule = rules.find(([m, pattern]) => m === method && pattern.test(path));
  return rule ? rule[2] : `other ${method} ${path.replace(/\d+/g, 'N')}`;
}
