import { describe, expect, it } from 'vitest';
import { hostProblem, namespaceName, renderHost, toDnsLabel } from '../../src/plan/names.ts';

describe('namespaceName', () => {
  it.each([
    [{ app: 'foo', pr: 241, tenant: 'fr' }, 'foo-pr-241-fr'],
    [{ app: 'foo', pr: 241, tenant: null }, 'foo-pr-241'],
  ])('%j -> %s', (params, name) => {
    expect(namespaceName(params)).toBe(name);
  });

  it('shortens long names with a hash, keeping them distinct and valid', () => {
    const a = namespaceName({ app: 'a'.repeat(30), pr: 1234567, tenant: 'x'.repeat(20) + 'a' });
    const b = namespaceName({ app: 'a'.repeat(30), pr: 1234567, tenant: 'x'.repeat(20) + 'b' });
    expect(a).toHaveLength(63);
    expect(a).toMatch(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/);
    expect(a).not.toBe(b);
  });
});

describe('toDnsLabel', () => {
  it('keeps a valid label as is', () => expect(toDnsLabel('foo-pr-1')).toBe('foo-pr-1'));
  it('cleans and hashes an invalid one', () => {
    expect(toDnsLabel('Foo_Bar')).toMatch(/^foo-bar-[0-9a-f]{8}$/);
  });
});

describe('renderHost', () => {
  it('fills the default tenant template', () => {
    expect(
      renderHost('{app}-{pr}-{tenant}.{domain}', {
        app: 'foo',
        pr: 241,
        tenant: 'fr',
        domain: 'preview.bar.com',
      }),
    ).toBe('foo-241-fr.preview.bar.com');
  });
  it('fills the template without tenants', () => {
    expect(
      renderHost('{app}-{pr}.{domain}', {
        app: 'foo',
        pr: 241,
        tenant: null,
        domain: 'preview.bar.com',
      }),
    ).toBe('foo-241.preview.bar.com');
  });
});

describe('hostProblem', () => {
  const domain = 'preview.bar.com';
  it('accepts a DNS name under the domain', () =>
    expect(hostProblem('foo-241-fr.preview.bar.com', domain)).toBeUndefined());
  it('refuses a label over 63 characters', () => {
    expect(hostProblem(`${'a'.repeat(64)}.preview.bar.com`, domain)).toMatch(
      /not a valid DNS name/,
    );
  });
  it('refuses an unknown placeholder', () => {
    expect(hostProblem('{branch}.preview.bar.com', domain)).toMatch(/unknown \{placeholder\}/);
  });
  it.each(['www-241.bar.com', '241.preview.bar.com.evil.com', 'x241preview.bar.com', domain])(
    'refuses %s, which is not under the preview domain',
    (host) => {
      expect(hostProblem(host, domain)).toBe(
        `host \`${host}\` is not under the preview domain \`preview.bar.com\`; previews only get hosts there`,
      );
    },
  );
});
