import { describe, expect, it } from 'vitest';
import { redactValues } from '../../src/deploy/redact.ts';

const secret = 'Sup3r S3cret!';
const stored = Buffer.from(secret).toString('base64');
const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('redactValues', () => {
  it.each([
    ['as written', secret],
    ['base64, as a Secret stores it', b64(secret)],
    ['base64 twice, as `b64enc` of `b64enc`', b64(b64(secret))],
    ['base64 without padding', b64(secret).replace(/=+$/, '')],
    ['URL-safe base64', Buffer.from(secret).toString('base64url')],
    ['hex', Buffer.from(secret).toString('hex')],
    ['upper-case hex', Buffer.from(secret).toString('hex').toUpperCase()],
    ['URL-encoded', encodeURIComponent(secret)],
  ])('removes a copied secret %s', (_how, form) => {
    const out = redactValues(`the API server said: value "${form}" is invalid`, [stored]);
    expect(out).toBe('the API server said: value "[redacted]" is invalid');
  });

  it('leaves values too short to be secrets, and other text, alone', () => {
    expect(redactValues('no: abc', [b64('abc')])).toBe('no: abc');
  });
});
