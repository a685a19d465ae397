import {
  parseAllDocuments,
  stringify,
  type CollectionTag,
  type DocumentOptions,
  type ParseOptions,
  type ScalarTag,
  type SchemaOptions,
  type Tags,
} from 'yaml';

/**
 * YAML as Kubernetes reads it. helm and kubectl turn manifests into JSON
 * with sigs.k8s.io/yaml, which resolves plain scalars by go-yaml v2's YAML 1.1
 * rules: `0755` is octal (493), `yes`, `on` and `y` are booleans, `0o17` and
 * `1_000` are numbers; timestamps and base-60 numbers (`12:30`) stay strings.
 * The `yaml` package's YAML 1.1 schema does nearly this; its tags for
 * timestamps and base-60 numbers are left out and its integers and floats
 * are replaced by one tag that resolves numbers as go-yaml v2 does.
 */

const intTag = 'tag:yaml.org,2002:int';

/** Decimal, hex, octal (`0755`, `0o755`) and binary integers, signed, with underscores; as Go's ParseInt(s, 0, 64). */
const goInteger = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/;
/** go-yaml v2's float syntax, checked after underscores are removed. */
const goFloat = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
/** Plain scalars that start like a number: go-yaml v2 tries them as numbers, else keeps the string. */
const numberLike = /^[-+.0-9][^]*$/;

const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;
const uint64Max = 2n ** 64n - 1n;

/** The value go-yaml v2 gives a plain scalar that starts with a digit, a sign or a dot. */
export function resolveNumberLike(text: string): number | string {
  if (text.startsWith('.')) {
    // go-yaml v2 hands these to ParseFloat as written: no underscores.
    return /^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(text) ? Number(text) : text;
  }
  const plain = text.replaceAll('_', '');
  const integer = goInteger.exec(plain);
  if (integer) {
    const [, sign, digits] = integer as unknown as [string, string, string];
    const magnitude = BigInt(/^0[0-7]+$/.test(digits) ? `0o${digits.slice(1)}` : digits);
    const value = sign === '-' ? -magnitude : magnitude;
    // Past int64, only an unsigned value still fits (uint64); then it is not a number.
    if ((value >= int64Min && value <= int64Max) || (sign === '' && value <= uint64Max)) {
      return Number(value);
    }
  }
  if (goFloat.test(plain)) return Number(plain);
  return text;
}

const goNumber: ScalarTag = {
  identify: (value) => typeof value === 'number' && Number.isFinite(value),
  default: true,
  tag: intTag,
  test: numberLike,
  resolve: (text) => resolveNumberLike(text),
  stringify: ({ value }) => String(value),
};

/** Tags of the YAML 1.1 schema kept as they are: maps, sequences, strings, null, booleans, merge keys, NaN and infinities. */
const keptTags = new Set([
  'tag:yaml.org,2002:map',
  'tag:yaml.org,2002:seq',
  'tag:yaml.org,2002:str',
  'tag:yaml.org,2002:null',
  'tag:yaml.org,2002:bool',
  'tag:yaml.org,2002:merge',
]);

function kubernetesTags(tags: Tags): Tags {
  const objects = tags.filter((tag): tag is ScalarTag | CollectionTag => typeof tag === 'object');
  const kept = objects.filter((tag) => keptTags.has(tag.tag));
  const nanAndInfinity = objects.filter(
    (tag) => tag.tag === 'tag:yaml.org,2002:float' && (tag as ScalarTag).test?.test('.nan'),
  );
  return [...kept, ...nanAndInfinity, goNumber];
}

const schemaOptions: ParseOptions & DocumentOptions & SchemaOptions & { version: '1.1' } = {
  version: '1.1',
  customTags: kubernetesTags,
  // sigs.k8s.io/yaml keeps the last of repeated keys rather than failing.
  uniqueKeys: false,
  merge: true,
};

export class KubernetesYamlError extends Error {
  override name = 'KubernetesYamlError';
}

/** Every document of a multi-document stream, as plain JSON-like values; empty documents are null. */
export function parseKubernetesYaml(text: string): unknown[] {
  const documents = parseAllDocuments(text, schemaOptions);
  if (!Array.isArray(documents)) return [];
  return documents.map((document) => {
    const [error] = document.errors;
    if (error) throw new KubernetesYamlError(error.message);
    try {
      return document.toJS({ maxAliasCount: 1000 });
    } catch (aliasError) {
      // Aliases expanding past the bound: a resource exhaustion attack.
      throw new KubernetesYamlError((aliasError as Error).message);
    }
  });
}

/**
 * YAML that Kubernetes reads back as the same values: strings that go-yaml v2
 * would take for numbers or booleans (`"0755"`, `"yes"`, `"12:30"`) are quoted.
 */
export function stringifyKubernetesYaml(value: unknown): string {
  return stringify(value, { ...schemaOptions, aliasDuplicateObjects: false, lineWidth: 0 });
}
