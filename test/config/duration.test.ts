import { describe, expect, it } from 'vitest';
import { durationMs, durationPattern, isDuration } from '../../src/config/duration.ts';
import { parseConfig } from '../../src/config/load-config.ts';
import { readSettings } from '../../src/settings/read-settings.ts';

describe('the duration grammar', () => {
  it.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['1m30s', 90_000],
    ['1h30m', 5_400_000],
    ['2d12h', 216_000_000],
    ['1d1h1m1s', 90_061_000],
    ['0s', 0],
    ['90s', 90_000],
  ])('reads %s as %d ms', (text, ms) => {
    expect(isDuration(text)).toBe(true);
    expect(durationMs(text)).toBe(ms);
  });

  it.each(['', '30', '1.5h', '30m1h', '1m1m', '1 m', 'm', '5min', '-5m', '1w', '30S'])(
    'refuses %j',
    (text) => {
      expect(isDuration(text)).toBe(false);
    },
  );

  it('is one pattern without look-arounds or \\d, so JSON Schema (RE2) reads it the same', () => {
    expect(durationPattern).not.toMatch(/\(\?[=!<]|\\d/);
  });

  it('is the grammar of the settings and of .github/preview.yml alike', () => {
    const settings = readSettings({
      PREVIEW_DOMAIN: 'a.b',
      PREVIEW_SHUTDOWN_GRACE: '1m30s',
      PREVIEW_RECONCILE_INTERVAL: '0',
    });
    expect(settings.shutdownGraceMs).toBe(90_000);
    expect(settings.reconcileIntervalMs).toBe(0);
    expect(() => readSettings({ PREVIEW_DOMAIN: 'a.b', PREVIEW_SHUTDOWN_GRACE: '30m1h' })).toThrow(
      'PREVIEW_SHUTDOWN_GRACE must be a duration such as 30s, 5m, 1m30s, 2h or 7d (0 turns it off), got `30m1h`',
    );
    const config = parseConfig({ waitTimeout: '1h30m', ttl: '7d12h' }, 'repo');
    expect(config.ok && config.config).toMatchObject({
      waitTimeoutMs: 5_400_000,
      ttlMs: 648_000_000,
    });
  });
});
