/** Benchmark figures, printed as `name value unit` so runs can be compared line by line. */
export class Figures {
  private readonly lines: { name: string; value: number; unit: string; note?: string }[] = [];

  add(name: string, value: number, unit: string, note?: string): void {
    this.lines.push({ name, value, unit, ...(note ? { note } : {}) });
    console.log(this.format(this.lines.at(-1) as (typeof this.lines)[number]));
  }

  /** The value of a figure added earlier, if any. */
  value(name: string): number | undefined {
    return this.lines.find((line) => line.name === name)?.value;
  }

  print(): void {
    console.log(`\n${this.lines.map((line) => this.format(line)).join('\n')}`);
  }

  markdown(machine: string): string {
    const body = this.lines.map((line) => this.format(line)).join('\n');
    return `\n## ${new Date().toISOString()}\n\nMachine: ${machine}\n\n\`\`\`\n${body}\n\`\`\`\n`;
  }

  private format(line: { name: string; value: number; unit: string; note?: string }): string {
    const value = Number.isInteger(line.value) ? String(line.value) : line.value.toFixed(3);
    return `${line.name} ${value} ${line.unit}${line.note ? `  # ${line.note}` : ''}`;
  }
}

/** The p-th percentile (nearest rank). */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? Number.NaN;
}

export function countBy(items: (string | undefined)[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) if (item !== undefined) counts.set(item, (counts.get(item) ?? 0) + 1);
  return new Map([...counts].sort(([a], [b]) => a.localeCompare(b)));
}

/** What was counted between two snapshots. */
export function difference(
  after: Map<string, number>,
  before: Map<string, number>,
): Map<string, number> {
  const delta = new Map<string, number>();
  for (const [key, count] of after) {
    const grown = count - (before.get(key) ?? 0);
    if (grown > 0) delta.set(key, grown);
  }
  return new Map([...delta].sort(([a], [b]) => a.localeCompare(b)));
}
