import { describe, expect, it } from 'vitest';
import { parseKubernetesYaml, stringifyKubernetesYaml } from '../../src/deploy/kubernetes-yaml.ts';

/**
 * What sigs.k8s.io/yaml v1.6.0 (go-yaml v2), which helm and kubectl use to
 * turn manifests into JSON, makes of `v: <scalar>`: produced by running it on
 * each line. Integers beyond 2^53 are left out: JavaScript numbers cannot
 * hold them exactly.
 */
const goYamlV2: [string, unknown][] = [
  ['0755', 493],
  ['0o17', 15],
  ['0O17', 15],
  ['0x1F', 31],
  ['0X1f', 31],
  ['-0x1f', -31],
  ['+0x1f', 31],
  ['0b101', 5],
  ['-0b101', -5],
  ['0B11', 3],
  ['08', 8],
  ['09.5', 9.5],
  ['0', 0],
  ['00', 0],
  ['-0', 0],
  ['+0', 0],
  ['1_000', 1000],
  ['1__0', 10],
  ['_1', '_1'],
  ['1_', 1],
  ['0_755', 493],
  ['12:30', '12:30'],
  ['190:20:30.15', '190:20:30.15'],
  ['2001-12-14', '2001-12-14'],
  ['2001-12-14t21:59:43.10-05:00', '2001-12-14t21:59:43.10-05:00'],
  ['1e3', 1000],
  ['1E3', 1000],
  ['1.e3', 1000],
  ['.5', 0.5],
  ['.5e3', 500],
  ['._5', '._5'],
  ['.', '.'],
  ['-.5', -0.5],
  ['+.5', 0.5],
  ['-.', '-.'],
  ['1.', 1],
  ['1.5_0', 1.5],
  ['1_0.5', 10.5],
  ['0x1p-2', '0x1p-2'],
  ['1.2.3', '1.2.3'],
  ['1e', '1e'],
  ['e3', 'e3'],
  ['+', '+'],
  ['y', true],
  ['Y', true],
  ['n', false],
  ['N', false],
  ['yes', true],
  ['Yes', true],
  ['YES', true],
  ['yEs', 'yEs'],
  ['no', false],
  ['on', true],
  ['On', true],
  ['ON', true],
  ['off', false],
  ['OFF', false],
  ['true', true],
  ['True', true],
  ['TRUE', true],
  ['tRue', 'tRue'],
  ['false', false],
  ['null', null],
  ['Null', null],
  ['NULL', null],
  ['~', null],
  ['inf', 'inf'],
  ['nan', 'nan'],
  ['0x', '0x'],
  ['0o', '0o'],
  ['0b', '0b'],
  ['0b2', '0b2'],
  ['0o8', '0o8'],
  ['1,000', '1,000'],
  ['1 000', '1 000'],
  ['$1', '$1'],
  ['1a', '1a'],
  ['0xg', '0xg'],
  ['123abc', '123abc'],
  ['+1_000', 1000],
  ['-1_000.5', -1000.5],
  ['1e+3', 1000],
  ['1e-3', 0.001],
  ['1.5e+300', 1.5e300],
  ['6.02e23', 6.02e23],
  ['0.1', 0.1],
];

describe('parseKubernetesYaml', () => {
  it.each(goYamlV2)('reads the plain scalar %s as go-yaml v2 does', (scalar, expected) => {
    expect(parseKubernetesYaml(`v: ${scalar}\n`)).toEqual([{ v: expected }]);
  });

  it('reads a chart written for YAML 1.1 as helm install stores it', () => {
    const [deployment] = parseKubernetesYaml(`
apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  template:
    spec:
      automountServiceAccountToken: no
      enableServiceLinks: off
      containers:
        - name: web
          stdin: yes
          tty: on
          volumeMounts: [{ name: config, mountPath: /etc/app, readOnly: y }]
      volumes:
        - name: config
          configMap: { name: web, defaultMode: 0755 }
        - name: secret
          secret: { secretName: web, defaultMode: 0o600, items: [{ key: a, path: a, mode: 0644 }] }
`);
    expect(deployment).toMatchObject({
      spec: {
        template: {
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            containers: [{ stdin: true, tty: true, volumeMounts: [{ readOnly: true }] }],
            volumes: [
              { configMap: { defaultMode: 493 } },
              { secret: { defaultMode: 384, items: [{ mode: 420 }] } },
            ],
          },
        },
      },
    });
  });

  it('keeps quoted scalars, timestamps and base-60 numbers as strings', () => {
    expect(
      parseKubernetesYaml('a: "0755"\nb: \'yes\'\nc: 2024-01-31\nd: 12:30\ne: 1:02:03\n'),
    ).toEqual([{ a: '0755', b: 'yes', c: '2024-01-31', d: '12:30', e: '1:02:03' }]);
  });

  it('turns YAML 1.1 keys into the strings go-yaml v2 gives them', () => {
    expect(parseKubernetesYaml('yes: a\n0755: b\n1.5: c\nname: d\n')).toEqual([
      { true: 'a', 493: 'b', '1.5': 'c', name: 'd' },
    ]);
  });

  it('keeps the last of repeated keys and expands merge keys, as sigs.k8s.io/yaml does', () => {
    expect(
      parseKubernetesYaml('base: &base { a: 1, b: 2 }\nmerged: { <<: *base, b: 3 }\nx: 1\nx: 2\n'),
    ).toEqual([{ base: { a: 1, b: 2 }, merged: { a: 1, b: 3 }, x: 2 }]);
  });

  it('returns null for empty documents and every document of a stream', () => {
    expect(parseKubernetesYaml('---\n# only a comment\n---\na: 1\n---\n')).toEqual([
      null,
      { a: 1 },
      null,
    ]);
  });

  it('refuses YAML that does not parse, naming the problem', () => {
    expect(() => parseKubernetesYaml('a: [1, 2\n')).toThrow(/flow sequence|Missing|end/i);
  });
});

describe('stringifyKubernetesYaml', () => {
  it('quotes every string that go-yaml v2 would read as something else', () => {
    const values = goYamlV2.map(([scalar]) => scalar);
    const object = Object.fromEntries(values.map((value, i) => [`k${i}`, value]));
    const text = stringifyKubernetesYaml(object);
    expect(parseKubernetesYaml(text)).toEqual([object]);
    expect(text).toContain('"0755"');
    expect(text).toContain('"yes"');
    expect(text).toContain('"12:30"');
  });

  it('writes numbers and booleans plainly, and quotes keys that would read as booleans', () => {
    expect(stringifyKubernetesYaml({ mode: 493, on: true, name: 'web' })).toBe(
      'mode: 493\n"on": true\nname: web\n',
    );
  });
});
