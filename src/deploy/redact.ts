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

/**
 * Replaces known secret values wherever they appear, in the encodings a
 * template or a program commonly gives them: as written, base64 (once and
 * twice, with and without padding, URL-safe), hex, and URL-encoded.
 */
export function redactValues(text: string, encodedValues: string[]): string {
  let out = text;
  const forms = new Set<string>();
  for (const encoded of encodedValues) {
    const value = Buffer.from(encoded, 'base64');
    if (value.length < 4) continue;
    const once = value.toString('base64');
    for (const form of [
      value.toString('utf8'),
      once,
      once.replace(/=+$/, ''),
      value.toString('base64url'),
      Buffer.from(once).toString('base64'),
      Buffer.from(once).toString('base64').replace(/=+$/, ''),
      value.toString('hex'),
      value.toString('hex').toUpperCase(),
      encodeURIComponent(value.toString('utf8')),
    ]) {
      if (form.length >= 4) forms.add(form);
    }
  }
  // Longest first: a value inside one of its own encodings goes with it.
  for (const form of [...forms].sort((a, b) => b.length - a.length)) {
    out = out.replaceAll(form, '[redacted]');
  }
  return out;
}
