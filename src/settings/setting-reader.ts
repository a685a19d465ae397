import { durationExamples, durationMs, isDuration } from '../config/duration.ts';
import { isCidr } from '../deploy/network-policy.ts';

/**
 * Reads the app's environment one setting at a time and collects every
 * problem, so that an operator learns of all bad settings at once. Each
 * method returns the fallback for a bad value; `finish` throws if any was bad.
 */
export class SettingReader {
  private readonly env: NodeJS.ProcessEnv;
  private readonly problems: string[] = [];

  constructor(env: NodeJS.ProcessEnv) {
    this.env = env;
  }

  /** The trimmed value, or undefined when unset or empty. */
  raw(name: string): string | undefined {
    return this.env[name]?.trim() || undefined;
  }

  problem(message: string): void {
    this.problems.push(message);
  }

  /** Throws one error naming every bad setting. */
  finish(): void {
    if (this.problems.length === 1) throw new Error(this.problems[0]);
    if (this.problems.length > 1) {
      throw new Error(
        `${this.problems.length} settings are wrong:\n${this.problems.map((p) => `- ${p}`).join('\n')}`,
      );
    }
  }

  /** A comma-separated list; unset means the fallback. */
  list(name: string): string[] | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    return value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  }

  /** A list in which `none` means empty. */
  listOrNone(name: string): string[] | undefined {
    const items = this.list(name);
    return items?.length === 1 && items[0] === 'none' ? [] : items;
  }

  /** `key=value` pairs, comma-separated; each value checked by `valid`, each key by `validKey`. */
  map(
    name: string,
    valid?: { test: (value: string) => boolean; what: string },
    validKey?: { test: (value: string) => boolean; what: string },
  ): Record<string, string> | undefined {
    const items = this.list(name);
    if (!items) return undefined;
    const pairs: [string, string][] = [];
    for (const item of items) {
      const [key, value] = item.split('=').map((part) => part.trim());
      if (!key || !value) {
        this.problem(`${name} takes key=value pairs separated by commas, got \`${item}\``);
      } else if (validKey && !validKey.test(key)) {
        this.problem(`${name}: \`${key}\` is not ${validKey.what}`);
      } else if (valid && !valid.test(value)) {
        this.problem(`${name}: \`${key}=${value}\`: ${value} is not ${valid.what}`);
      } else {
        pairs.push([key, value]);
      }
    }
    return Object.fromEntries(pairs);
  }

  /** A duration such as `30s`, `5m` or `1m30s`; `0` is zero (off). */
  duration(name: string, fallback: string): number {
    const value = this.raw(name) ?? fallback;
    if (value === '0') return 0;
    if (!isDuration(value)) {
      this.problem(
        `${name} must be a duration such as ${durationExamples} (0 turns it off), got \`${value}\``,
      );
      return durationMs(fallback);
    }
    return durationMs(value);
  }

  count(name: string, fallback: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const count = Number(value);
    if (!Number.isInteger(count) || count < 1) {
      this.problem(`${name} must be a positive integer, got \`${value}\``);
      return fallback;
    }
    return count;
  }

  port(name: string, fallback: number): number {
    const port = this.count(name, fallback);
    if (port > 65535) {
      this.problem(`${name} must be a port number, got \`${port}\``);
      return fallback;
    }
    return port;
  }

  /** `on` or `off`. */
  switch(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (value === 'on') return true;
    if (value === 'off') return false;
    this.problem(`${name} must be on or off, got \`${this.env[name]}\``);
    return fallback;
  }

  choice<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const value = this.raw(name) ?? fallback;
    if (choices.includes(value as T)) return value as T;
    this.problem(`${name} must be one of ${choices.join(', ')}, got \`${value}\``);
    return fallback;
  }

  /** CIDRs, comma-separated; `none` is an empty list. */
  cidrs(name: string): string[] | undefined {
    const items = this.listOrNone(name);
    if (!items) return undefined;
    const bad = items.filter((item) => !isCidr(item));
    if (bad.length > 0) {
      this.problem(
        `${name} takes CIDRs such as 10.0.0.0/8, separated by commas; not \`${bad.join(', ')}\``,
      );
      return undefined;
    }
    return items;
  }

  /** A list whose every item must pass `valid`. */
  checkedList(
    name: string,
    valid: { test: (value: string) => boolean; what: string },
  ): string[] | undefined {
    const items = this.listOrNone(name);
    if (!items) return undefined;
    const bad = items.filter((item) => !valid.test(item));
    if (bad.length > 0) {
      this.problem(
        `${name}: \`${bad.join('`, `')}\` ${bad.length > 1 ? 'are' : 'is'} not ${valid.what}`,
      );
      return undefined;
    }
    return items;
  }
}

/** Kubernetes' quantity grammar: a number, then an optional binary or decimal suffix or exponent. */
export const quantity = {
  test: (value: string) =>
    /^[+-]?(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/.test(value),
  what: 'a Kubernetes quantity such as 500m, 2 or 4Gi',
};

/** What a ResourceQuota may count (the API server refuses other keys in `hard`). */
export const quotaKey = {
  test: (key: string) =>
    /^(requests\.|limits\.)?(cpu|memory|ephemeral-storage|storage|hugepages-[0-9A-Za-z]+)$/.test(
      key,
    ) ||
    /^(pods|services|services\.nodeports|services\.loadbalancers|secrets|configmaps|persistentvolumeclaims|replicationcontrollers|resourcequotas)$/.test(
      key,
    ) ||
    /^count\/[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(key) ||
    /^[a-z0-9.-]+\.storageclass\.storage\.k8s\.io\/(requests\.storage|persistentvolumeclaims)$/.test(
      key,
    ) ||
    /^requests\.[a-z0-9.-]+\/[A-Za-z0-9_.-]+$/.test(key),
  what: 'a resource a ResourceQuota counts, such as requests.cpu, pods or count/configmaps',
};

/** A container resource a LimitRange defaults. */
export const containerResource = {
  test: (key: string) =>
    /^(cpu|memory|ephemeral-storage|hugepages-[0-9A-Za-z]+|[a-z0-9.-]+\/[A-Za-z0-9_.-]+)$/.test(
      key,
    ),
  what: 'a container resource such as cpu, memory or ephemeral-storage',
};

/** A DNS-1123 label, as namespaces and many object names are. */
export const dnsLabel = {
  test: (value: string) => value.length <= 63 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(value),
  what: 'a DNS label (lowercase letters, digits and inner dashes, at most 63)',
};

/** A DNS-1123 subdomain, as most object names are. */
export const dnsSubdomain = {
  test: (value: string) =>
    value.length <= 253 &&
    /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(value),
  what: 'a DNS name (lowercase letters, digits, dashes and dots)',
};

/** A label or annotation key, optionally prefixed (`example.com/name`). */
export const qualifiedKey = {
  test: (value: string) =>
    /^([a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\/)?[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/.test(
      value,
    ),
  what: 'a label key such as kubernetes.io/os',
};
