#!/usr/bin/env node
// Only the engine check is imported statically: everything else loads after
// it, so an old Node gets a sentence instead of a crash inside undici.
import { engineProblem } from './cli/engine-check.ts';

const problem = engineProblem(process.versions.node);
if (problem) {
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}
const { runCli } = await import('./cli/main.ts');
process.exitCode = await runCli({
  argv: process.argv.slice(2),
  env: process.env,
  cwd: process.cwd(),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
