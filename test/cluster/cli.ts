import { down, up } from './bed.ts';
import { installTools } from './tools.ts';

const command = process.argv[2];
try {
  if (command === 'up') await up();
  else if (command === 'down') await down();
  else if (command === 'tools') {
    const tools = installTools();
    for (const [name, path] of Object.entries(tools)) console.log(`${name}: ${path}`);
  } else {
    console.error('usage: node test/cluster/cli.ts up|down|tools');
    process.exitCode = 2;
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
