const patterns: [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, '[redacted key]'],
  [/\bgh[opsur]_[A-Za-z0-9]{20,}\b/g, '[redacted token]'],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [redacted]'],
  [
    /((?:password|passwd|secret|token|api[_-]?key)["']?\s*[:=]\s*)("[^"]*"|'[^']*'|\S+)/gi,
    '$1[redacted]',
  ],
];

/** Removes what looks like a credential from text that goes into a comment or a log line. */
export function redact(text: string): string {
  return patterns.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}

/** Keeps error text short enough for a comment, cutting at a line end. */
export function trimMessage(text: string, max = 1500): string {
  const clean = text.trim();
  if (clean.length <= max) return clean;
  const cut = clean.slice(0, max);
  const lineEnd = cut.lastIndexOf('\n');
  return `${lineEnd > max / 2 ? cut.slice(0, lineEnd) : cut}\n…`;
}

/** Replaces known secret values (base64 as stored, and decoded) wherever they appear. */
export function redactValues(text: string, encodedValues: string[]): string {
  let out = text;
  for (const encoded of encodedValues) {
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    for (const value of [encoded, decoded]) {
      if (value.length >= 4) out = out.replaceAll(value, '[redacted]');
    }
  }
  return out;
}
