import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const e2e = join(dirname(fileURLToPath(import.meta.url)), 'e2e');

/**
 * The e2e files share one bed, and the app keeps records per repository id
 * and pull request (comments, failures, claims): two files using one id
 * would read each other's, as two repositories on GitHub never do.
 */
describe('e2e repository ids', () => {
  it('are each used by one test file only', () => {
    const users = new Map<string, Set<string>>();
    for (const file of readdirSync(e2e).filter((f) => f.endsWith('.test.ts'))) {
      const text = readFileSync(join(e2e, file), 'utf8');
      for (const m of text.matchAll(/repositoryId: (\d{3,})/g)) {
        users.set(m[1]!, new Set([...(users.get(m[1]!) ?? []), file]));
      }
    }
    const shared = [...users].filter(([, files]) => files.size > 1);
    expect(shared.map(([id, files]) => `${id}: ${[...files].join(', ')}`)).toEqual([]);
    expect(users.size).toBeGreaterThan(20);
  });
});
