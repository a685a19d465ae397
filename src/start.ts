// The app's start (`npm start`, the image's command): Probot's `run`, given a
// logger of the app's own. Only the engine check is imported statically, so
// an old Node gets a sentence instead of a crash inside undici.
import { engineProblem } from './cli/engine-check.ts';

const problem = engineProblem(process.versions.node);
if (problem) {
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}
const { readEnvFile } = await import('./settings/env-file.ts');
const { createAppLog } = await import('./operations/app-log.ts');
// As `probot run` does first: .env of the current folder, over the environment.
Object.assign(process.env, readEnvFile(process.cwd()));
let log;
try {
  log = await createAppLog({ env: process.env, stdoutIsTerminal: process.stdout.isTTY === true });
} catch (error) {
  process.stderr.write(`pr-preview cannot start: ${(error as Error).message}\n`);
  process.exit(1);
}
const [{ run }, { default: prPreview }] = await Promise.all([
  import('probot'),
  import('./index.ts'),
]);
// Probot's own throttling stays in this process: its Redis clustering (Bottleneck) stops
// working on Redis 7 once an installation has been quiet for two minutes (bottleneck#205).
// Replicas share their GitHub writes through the app's own budget in REDIS_URL instead.
const { REDIS_URL: _shared, ...probotEnv } = process.env;
await run(prPreview, { env: probotEnv, log });
