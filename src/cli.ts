#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { defaultKubeVersion } from './cli/offline-facts.ts';
import { renderPreview } from './cli/render-preview.ts';
import { messageOf, UserFacingError } from './errors.ts';
import { readSettings } from './settings/read-settings.ts';

const usage = `Usage: pr-preview render --pr <number> --sha <commit> [--tenant <tenant>] [--repo-dir <dir>]
         [--repository <owner/name>] [--upgrade]
         [--kubeconfig <file> | --kube-version <version> [--api-versions <group/version[/Kind]>...]]

Prints, as YAML, what the app would apply and run for one preview of the chart
in a local checkout, hooks in the order they run. It renders for the cluster of
--kubeconfig (its version and APIs, read by discovery), else for --kube-version
and --api-versions, else for Kubernetes ${defaultKubeVersion}. --upgrade renders a later
deploy (.Release.IsUpgrade, pre-upgrade and post-upgrade hooks). Reads
PREVIEW_DOMAIN (default preview.example.com), HELM_BIN and the app's guardrail
settings (PREVIEW_ALLOWED_KINDS, ...) from the environment.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'render') {
    process.stderr.write(`${usage}\n`);
    return command === '--help' || command === '-h' ? 0 : 2;
  }
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        'repo-dir': { type: 'string', default: '.' },
        pr: { type: 'string' },
        tenant: { type: 'string' },
        sha: { type: 'string' },
        repository: { type: 'string' },
        upgrade: { type: 'boolean', default: false },
        kubeconfig: { type: 'string' },
        'kube-version': { type: 'string' },
        'api-versions': { type: 'string', multiple: true },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`pr-preview render: ${messageOf(error)}\n\n${usage}\n`);
    return 2;
  }
  const text = (name: string) => values[name] as string | undefined;
  const pr = Number(values.pr);
  const sha = text('sha');
  if (!Number.isInteger(pr) || pr < 1 || !sha || !/^[0-9a-f]{4,40}$/i.test(sha)) {
    process.stderr.write(
      `pr-preview render: --pr takes a pull request number and --sha a commit (hex)\n\n${usage}\n`,
    );
    return 2;
  }
  if (values.kubeconfig && (values['kube-version'] || values['api-versions'])) {
    process.stderr.write(
      `pr-preview render: --kubeconfig reads the version and APIs from the cluster; leave out --kube-version and --api-versions\n\n${usage}\n`,
    );
    return 2;
  }
  const apiVersions = ((values['api-versions'] as string[] | undefined) ?? []).flatMap((v) =>
    v
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  );
  try {
    const settings = readSettings({
      ...process.env,
      PREVIEW_DOMAIN: process.env.PREVIEW_DOMAIN || 'preview.example.com',
    });
    const yaml = await renderPreview(
      {
        repoDir: text('repo-dir') ?? '.',
        pr,
        sha,
        upgrade: values.upgrade === true,
        ...(text('tenant') ? { tenant: text('tenant') } : {}),
        ...(text('repository') ? { repository: text('repository') } : {}),
        ...(text('kubeconfig') ? { kubeconfig: text('kubeconfig') } : {}),
        ...(text('kube-version') ? { kubeVersion: text('kube-version') } : {}),
        ...(apiVersions.length > 0 ? { apiVersions } : {}),
      },
      settings,
    );
    process.stdout.write(yaml);
    return 0;
  } catch (error) {
    const reason =
      error instanceof UserFacingError ? error.message : `internal error: ${messageOf(error)}`;
    process.stderr.write(`pr-preview render: ${reason}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
