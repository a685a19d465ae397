import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.ts';
import { parseCommands } from '../../src/plan/parse-commands.ts';

/** A small seeded generator, so that a failing input can be made again from its seed. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  return { next, int, pick };
}

const configKeys = [
  'app',
  'chart',
  'valuesFiles',
  'imageTagKey',
  'tenants',
  'defaultTenants',
  'host',
  'ingress',
  'className',
  'classAnnotation',
  'service',
  'port',
  'annotations',
  'tlsSecret',
  'waitFor',
  'waitTimeout',
  'rolloutTimeout',
  'smoke',
  'path',
  'ttl',
  '__proto__',
  'constructor',
  'x',
];
const strings = [
  '',
  'fr',
  'FR',
  'be',
  '{app}-{pr}-{tenant}.{domain}',
  '{pr}',
  '../x',
  '/etc',
  'a'.repeat(300),
  '30m',
  '7d',
  'nginx',
  '💥',
  '\u0000',
  'image.tag',
  '-',
  'a b',
];

function value(rng: ReturnType<typeof random>, depth: number): unknown {
  const kind = rng.int(depth > 3 ? 5 : 8);
  switch (kind) {
    case 0:
      return rng.pick(strings);
    case 1:
      return rng.int(100_000) - 10;
    case 2:
      return rng.next() < 0.5;
    case 3:
      return null;
    case 4:
      return rng.next();
    case 5:
      return Array.from({ length: rng.int(5) }, () => value(rng, depth + 1));
    default: {
      const object: Record<string, unknown> = {};
      for (let i = rng.int(6); i > 0; i--) object[rng.pick(configKeys)] = value(rng, depth + 1);
      return object;
    }
  }
}

const commandPieces = [
  '/preview',
  '/PREVIEW',
  'deploy',
  'destroy',
  'redeploy',
  'status',
  'help',
  'fr',
  'BE',
  'x',
  ',',
  ' ',
  '  ',
  '\t',
  '\n',
  '\r\n',
  '>',
  '```',
  '~~~',
  '`',
  '    ',
  'é',
  '💥',
  '/previewdeploy',
  '\u200b',
];

describe('fuzzing the parsers that read what users write', () => {
  it('parseConfig never throws and always names its problems', () => {
    for (let seed = 1; seed <= 3_000; seed++) {
      const rng = random(seed);
      const input = value(rng, 0);
      let result: ReturnType<typeof parseConfig>;
      try {
        result = parseConfig(input, rng.pick(['foo', 'Foo_Bar', '-', '']));
      } catch (error) {
        throw new Error(
          `seed ${seed}: parseConfig threw on ${JSON.stringify(input)}: ${String(error)}`,
        );
      }
      if (result.ok) {
        expect(result.config.app, `seed ${seed}`).toMatch(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/);
        expect(
          result.config.defaultTenants.every((t) => result.ok && result.config.tenants.includes(t)),
          `seed ${seed}`,
        ).toBe(true);
      } else {
        expect(result.problems.length, `seed ${seed}`).toBeGreaterThan(0);
        for (const problem of result.problems) expect(typeof problem).toBe('string');
      }
    }
  });

  it('parseCommands never throws, and what it finds is well formed', () => {
    for (let seed = 1; seed <= 3_000; seed++) {
      const rng = random(seed);
      const body = Array.from({ length: rng.int(40) }, () => rng.pick(commandPieces)).join('');
      let commands: ReturnType<typeof parseCommands>;
      try {
        commands = parseCommands(body);
      } catch (error) {
        throw new Error(
          `seed ${seed}: parseCommands threw on ${JSON.stringify(body)}: ${String(error)}`,
        );
      }
      expect(commands.length, `seed ${seed}`).toBeLessThanOrEqual(10);
      for (const command of commands) {
        expect(command.line.toLowerCase().startsWith('/preview'), `seed ${seed}`).toBe(true);
        if (command.kind !== 'unknown') {
          expect(['deploy', 'destroy', 'redeploy', 'status', 'help']).toContain(command.kind);
          for (const tenant of command.tenants)
            expect(tenant, `seed ${seed}`).toBe(tenant.toLowerCase());
        }
      }
    }
  });
});
