import { figures, github, repositories, sleep, startApp } from './bench-world.ts';
import { countBy } from './figures.ts';
import { githubPurposeOf } from './github-call-purpose.ts';

/** A second replica's first reconcile pass over previews that are all current. */
export async function reconcilePass(helm: string, kubeconfig: string, env: Record<string, string>) {
  const githubBefore = github.calls.length;
  const replica = await startApp(helm, kubeconfig, { ...env, PREVIEW_RECONCILE_INTERVAL: '1h' });
  let done: Record<string, unknown> | undefined;
  while (!(done = replica.logLines().find((l) => l.msg === 'reconcile pass done')))
    await sleep(100);
  figures.add(
    'reconcile_pass',
    Number(done.durationMs) / 1000,
    's',
    `${String(done.previews)} previews, ${String(done.actions)} repairs`,
  );
  const calls = github.calls.slice(githubBefore).map((c) => githubPurposeOf(c.method, c.path));
  for (const [purpose, count] of countBy(calls)) {
    figures.add(
      `reconcile_github_calls{${purpose}}`,
      count,
      'calls',
      `${repositories} repositories`,
    );
  }
}
