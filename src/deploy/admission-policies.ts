import type { KubernetesObject } from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseKubernetesYaml } from './kubernetes-yaml.ts';

/**
 * The admission policies ship in the app's chart (charts/pr-preview/admission),
 * which installs them; the app reads the same files to check what is
 * installed and, outside the chart, to install them itself.
 */
const admissionDir = fileURLToPath(new URL('../../charts/pr-preview/admission/', import.meta.url));

export type PolicyFile = 'fences' | 'app-writes';

/** Every admission object carries the digest of the file it came from: its version. */
export const policyVersionKey = 'pr-preview.dev/policy-version';
/** On preview namespaces and the admission objects of one instance of the app. */
export const instanceLabel = 'pr-preview.dev/instance';

export interface PolicyPlaceholders {
  prefix: string;
  instance: string;
  /** The app's own namespace: params, and (for app-writes) where it may write. */
  namespace: string;
  /** The params ConfigMap of fences.yaml. */
  params: string;
  /** For app-writes.yaml: the app's username and its previews' Pod Security level. */
  appUser?: string;
  podSecurity?: string;
}

function fileText(file: PolicyFile): string {
  return readFileSync(`${admissionDir}${file}.yaml`, 'utf8');
}

/** The digest the chart computes too (`sha256sum | trunc 12` of the file). */
export function policyVersion(file: PolicyFile): string {
  return createHash('sha256').update(fileText(file)).digest('hex').slice(0, 12);
}

/** The file's policies and bindings with the placeholders filled in, the version among them. */
export function policyObjects(file: PolicyFile, values: PolicyPlaceholders): KubernetesObject[] {
  let text = fileText(file);
  const replacements: Record<string, string | undefined> = {
    __VERSION__: policyVersion(file),
    __PREFIX__: values.prefix,
    __INSTANCE__: values.instance,
    __NAMESPACE__: values.namespace,
    __PARAMS__: values.params,
    __APP_USER__: values.appUser,
    __POD_SECURITY__: values.podSecurity,
  };
  for (const [placeholder, value] of Object.entries(replacements)) {
    if (value !== undefined) text = text.replaceAll(placeholder, value);
  }
  const left = /__[A-Z_]+__/.exec(text);
  if (left) throw new Error(`admission file ${file}.yaml: no value for ${left[0]}`);
  // Read as the API server reads the chart's copy, with the manifests' one parser.
  return parseKubernetesYaml(text).filter(
    (object): object is KubernetesObject => object !== null && typeof object === 'object',
  );
}
