import { describe, expect, it } from 'vitest';
import { parseCommands } from '../../src/plan/parse-commands.ts';

const kindsAndTenants = (body: string) =>
  parseCommands(body).map((c) =>
    c.kind === 'unknown' ? `unknown:${c.word}` : `${c.kind}:${c.tenants.join('+')}`,
  );

describe('parseCommands', () => {
  it.each([
    ['/preview deploy', ['deploy:']],
    ['/preview deploy fr be', ['deploy:fr+be']],
    ['/preview deploy FR, Be', ['deploy:fr+be']],
    ['/preview deploy fr fr', ['deploy:fr']],
    ['/preview destroy hr', ['destroy:hr']],
    ['/preview destroy', ['destroy:']],
    ['/preview redeploy hu', ['redeploy:hu']],
    ['/preview status', ['status:']],
    ['/preview keep FR be', ['keep:fr+be']],
    ['/preview unkeep', ['unkeep:']],
    ['/preview help', ['help:']],
    ['/preview', ['help:']],
    ['/PREVIEW Deploy fr', ['deploy:fr']],
    ['  /preview status  ', ['status:']],
    ['/preview deploy fr\n/preview destroy be', ['deploy:fr', 'destroy:be']],
    ['Please:\r\n/preview deploy hr\r\nthanks', ['deploy:hr']],
    ['/preview launch fr', ['unknown:launch']],
    ['/preview-deploy fr', []],
    ['/previewdeploy', []],
    ['please run /preview deploy', []],
    [',/preview deploy fr', []],
    ['> /preview deploy fr', []],
    ['>/preview deploy fr', []],
    ['```\n/preview deploy fr\n```', []],
    ['~~~sh\n/preview deploy fr\n~~~\n/preview status', ['status:']],
    ['````\n```\n/preview deploy\n```\n````', []],
    ['    /preview deploy fr', []],
    ['\t/preview deploy fr', []],
    ['`/preview deploy fr`', []],
    ['', []],
    ['```\n/preview deploy fr', []],
  ])('%j -> %j', (body, expected) => {
    expect(kindsAndTenants(body)).toEqual(expected);
  });

  it('keeps the line for replies', () => {
    expect(parseCommands('x\n /preview deploy fr \n')).toEqual([
      { kind: 'deploy', tenants: ['fr'], line: '/preview deploy fr' },
    ]);
  });

  it('takes at most ten commands from one comment', () => {
    expect(parseCommands('/preview status\n'.repeat(50))).toHaveLength(10);
  });
});
