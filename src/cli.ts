#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { renderPreview } from './cli/render-preview.ts';
import { messageOf, UserFacingError } from './errors.ts';
import { readSettings } from './settings.ts';

const usage = `Usage: pr-preview render --pr <number> --sha <commit> [--tenant <tenant>] [--repo-dir <dir>] [--repository <owner/name>]

Prints, as YAML, what the app would apply for one preview of the chart in a
local checkout. Reads PREVIEW_DOMAIN (default preview.example.com), HELM_BIN
and the app's guardrail settings (PREVIEW_ALLOWED_KINDS, ...) from the environment.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'render') {
    process.stderr.write(`${usage}\n`);
    return command === '--help' || command === '-h' ? 0 : 2;
  }
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        'repo-dir': { type: 'string', default: '.' },
        pr: { type: 'string' },
        tenant: { type: 'string' },
        sha: { type: 'string' },
        repository: { type: 'string' },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`pr-preview render: ${messageOf(error)}\n\n${usage}\n`);
    return 2;
  }
  const pr = Number(values.pr);
  if (!Number.isInteger(pr) || pr < 1 || !values.sha || !/^[0-9a-f]{4,40}$/i.test(values.sha)) {
    process.stderr.write(
      `pr-preview render: --pr takes a pull request number and --sha a commit (hex)\n\n${usage}\n`,
    );
    return 2;
  }
  try {
    const settings = readSettings({
      ...process.env,
      PREVIEW_DOMAIN: process.env.PREVIEW_DOMAIN || 'preview.example.com',
    });
    const yaml = await renderPreview(
      {
        repoDir: values['repo-dir'] ?? '.',
        pr,
        sha: values.sha,
        ...(values.tenant ? { tenant: values.tenant } : {}),
        ...(values.repository ? { repository: values.repository } : {}),
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
