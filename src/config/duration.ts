/**
 * The app's one duration grammar, for its settings, a repository's
 * `.github/preview.yml` and the values of its chart: whole numbers with the
 * units d, h, m and s, largest first, each at most once (`90s`, `30m`,
 * `1m30s`, `1h30m`, `7d`). Written without look-arounds or `\d`, so that the
 * same text is a valid pattern in JSON Schema (RE2, as helm reads it).
 */
const units = '([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?';
export const durationPattern = `^${units}$`;

/** The app's settings take `0` as well, for off (the chart's values.schema.json repeats it). */
export const settingDurationPattern = `^(0|${units})$`;

const durationRegExp = new RegExp(durationPattern);

/** What a duration looks like, for messages. */
export const durationExamples = '30s, 5m, 1m30s, 2h or 7d';

/** Whether the text is a duration of the grammar above (and not empty). */
export function isDuration(text: string): boolean {
  return text.length > 0 && durationRegExp.test(text);
}

const unitMs = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 } as const;

/** Milliseconds in a duration that `isDuration` accepts. */
export function durationMs(duration: string): number {
  let total = 0;
  for (const match of duration.matchAll(/([0-9]+)([dhms])/g)) {
    total += Number(match[1]) * unitMs[match[2] as keyof typeof unitMs];
  }
  return total;
}
