import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { settingDurationPattern } from '../../src/config/duration.ts';
import { podSecurityLevels } from '../../src/deploy/pod-security.ts';
import { chartDir, helm, requiredValues, setting } from './support/helm-chart.ts';

interface SchemaNode {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  enum?: string[];
  pattern?: string;
}

const schema = JSON.parse(
  readFileSync(join(chartDir, 'values.schema.json'), 'utf8'),
) as SchemaNode & {
  $defs: Record<string, SchemaNode>;
};
const values = yaml.load(readFileSync(join(chartDir, 'values.yaml'), 'utf8'));

function resolved(node: SchemaNode): SchemaNode {
  const name = node.$ref?.replace('#/$defs/', '');
  return name ? { ...(schema.$defs[name] as SchemaNode), ...node } : node;
}

/** The schema of a values path (keys such as `count/jobs.batch` hold dots), if it describes it. */
function schemaAt(path: string[]): SchemaNode | undefined {
  let node: SchemaNode | undefined = schema;
  for (const key of path) {
    const here: SchemaNode = resolved(node);
    node =
      here.properties?.[key] ??
      (typeof here.additionalProperties === 'object' ? here.additionalProperties : undefined);
    if (!node) return undefined;
  }
  return resolved(node);
}

/** Every path of values.yaml down to its leaves (lists and empty maps are leaves). */
function leaves(node: unknown, prefix: string[] = []): string[][] {
  const isMap = node !== null && typeof node === 'object' && !Array.isArray(node);
  const entries = isMap ? Object.entries(node) : [];
  if (entries.length === 0) return [prefix];
  return entries.flatMap(([key, child]) => leaves(child, [...prefix, key]));
}

/** `helm lint --strict` with the required values and these. */
const lint = (...values: string[]) =>
  helm('lint', chartDir, '--strict', ...setting([...requiredValues, ...values]));

describe("the chart's values.schema.json", () => {
  it('describes every value of values.yaml', () => {
    const paths = leaves(values);
    expect(paths.length).toBeGreaterThan(80);
    expect(paths.filter((path) => !schemaAt(path)).map((path) => path.join('.'))).toEqual([]);
  });

  it('refuses keys it does not know at every level, so a typo fails instead of being ignored', () => {
    const open: string[] = [];
    const visit = (node: SchemaNode, path: string) => {
      const here = resolved(node);
      if (here.properties) {
        if (here.additionalProperties !== false) open.push(path || '(top)');
        for (const [key, child] of Object.entries(here.properties)) {
          visit(child, path ? `${path}.${key}` : key);
        }
      }
    };
    visit(schema, '');
    expect(open).toEqual([]);
  });

  it('takes the Pod Security levels and the durations the app takes', () => {
    expect(schemaAt(['previews', 'podSecurity'])?.enum).toEqual([...podSecurityLevels]);
    for (const value of ['reconcileInterval', 'shutdownGrace']) {
      expect(schemaAt(['previews', value])?.pattern, value).toBe(settingDurationPattern);
    }
  });

  it('lets helm lint --strict pass with good values, compound durations and every option on', async () => {
    const result = await lint(
      'previews.shutdownGrace=1m30s',
      'previews.reconcileInterval=0',
      'previews.sleep.after=1h30m',
      'previews.podSecurity=restricted',
      'replicaCount=3',
      'podDisruptionBudget.maxUnavailable=50%',
      'networkPolicy.enabled=true',
      'ingress.enabled=true',
      'ingress.host=pr-preview.bar.com',
      'github.appId=12345',
    );
    expect(result.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(result.code).toBe(0);
  });

  it.each([
    [
      'previews.podSecurity=nope',
      "at '/previews/podSecurity': value must be one of 'privileged', 'baseline', 'restricted'",
    ],
    ['previews.shutdownGrace=1.5m', "at '/previews/shutdownGrace': '1.5m' does not match pattern"],
    [
      'previews.shutdownGrace=30m1h',
      "at '/previews/shutdownGrace': '30m1h' does not match pattern",
    ],
    [
      'previews.reconcileInterval=300',
      "at '/previews/reconcileInterval': maximum: got 300, want 0",
    ],
    [
      'previews.podsecurity=baseline',
      "at '/previews': additional properties 'podsecurity' not allowed",
    ],
    ['replicaCount=two', "at '/replicaCount': got string, want integer"],
    [
      'previews.ingressNamespace=Ingress_NS',
      "at '/previews/ingressNamespace': 'Ingress_NS' does not match pattern",
    ],
    ['logLevel=verbose', "at '/logLevel': value must be one of"],
    [
      'podDisruptionBudget.maxUnavailable=0',
      "at '/podDisruptionBudget/maxUnavailable': minimum: got 0, want 1",
    ],
    [
      'previews.egressCidrs={10.0.0.0}',
      "at '/previews/egressCidrs/0': '10.0.0.0' does not match pattern",
    ],
    [
      'serviceMonitor.interval=often',
      "at '/serviceMonitor/interval': 'often' does not match pattern",
    ],
    ['image.tag=7', "at '/image/tag': got number, want string"],
  ])('fails helm lint with %s, naming the value', async (value, message) => {
    const result = await lint(value);
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toContain(message);
  });

  it('fails helm template too, before any template runs', async () => {
    const result = await helm(
      'template',
      'pr-preview',
      chartDir,
      ...setting([...requiredValues, 'previews.podSecurity=nope']),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("values don't meet the specifications of the schema");
    expect(result.stdout).toBe('');
  });
});
