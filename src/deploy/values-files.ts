import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { PreviewConfig } from '../plan/preview-config.ts';
import { UserFacingError } from '../errors.ts';

/** Values files inside the chart, `{tenant}` filled; default files are optional, configured ones are not. */
export function valuesFilesFor(
  chartDir: string,
  config: PreviewConfig,
  tenant: string | null,
): string[] {
  const files: string[] = [];
  for (const template of config.valuesFiles) {
    if (template.includes('{tenant}') && tenant === null) continue;
    const name = template.replaceAll('{tenant}', tenant ?? '');
    if (name.split('/').includes('..') || name.startsWith('/')) {
      throw new UserFacingError(`values file \`${name}\` must be inside the chart folder`);
    }
    const path = join(chartDir, name);
    if (existsSync(path)) files.push(path);
    else if (config.valuesFilesRequired) {
      throw new UserFacingError(`values file \`${name}\` does not exist in the chart folder`);
    }
  }
  return files;
}
