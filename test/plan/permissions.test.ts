import { describe, expect, it } from 'vitest';
import { hasWriteAccess, needsWriteAccess } from '../../src/plan/permissions.ts';
import { parseCommands } from '../../src/plan/parse-commands.ts';

describe('hasWriteAccess', () => {
  it.each([
    [{ permission: 'admin', role_name: 'admin' }, true],
    [{ permission: 'write', role_name: 'maintain' }, true],
    [{ permission: 'write', role_name: 'write' }, true],
    [{ permission: 'read', role_name: 'triage' }, false],
    [{ permission: 'read', role_name: 'read' }, false],
    [{ permission: 'none' }, false],
    [{ permission: 'read', role_name: 'maintain' }, true],
  ])('%j -> %s', (access, expected) => {
    expect(hasWriteAccess(access)).toBe(expected);
  });
});

describe('needsWriteAccess', () => {
  it.each([
    ['/preview deploy', true],
    ['/preview redeploy fr', true],
    ['/preview destroy', true],
    ['/preview keep fr', true],
    ['/preview unkeep', true],
    ['/preview wake', false],
    ['/preview status', false],
    ['/preview help', false],
    ['/preview nonsense', false],
  ])('%s -> %s', (line, expected) => {
    expect(needsWriteAccess(parseCommands(line)[0]!)).toBe(expected);
  });
});
