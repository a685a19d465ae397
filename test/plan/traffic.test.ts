import { describe, expect, it } from 'vitest';
import {
  defaultIgnoredUserAgents,
  defaultRequestsQuery,
  isIgnoredUserAgent,
  requestsByNamespace,
  requestsQueryFor,
} from '../../src/plan/traffic.ts';

describe('isIgnoredUserAgent', () => {
  it.each([
    ['UptimeRobot', 'Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)', true],
    ['Pingdom', 'Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)', true],
    ['Googlebot', 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', true],
    ['a kubelet probe', 'kube-probe/1.31', true],
    ['a Slack unfurl', 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)', true],
    [
      'Chrome',
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36',
      false,
    ],
    ['curl', 'curl/8.5.0', false],
    ['no User-Agent', undefined, false],
  ])('%s', (_, agent, expected) => {
    expect(isIgnoredUserAgent(agent, defaultIgnoredUserAgents)).toBe(expected);
  });

  it('takes the operator list as given, case aside; an empty list ignores nobody', () => {
    expect(isIgnoredUserAgent('our-synthetics/1.0', ['Our-Synthetics'])).toBe(true);
    expect(isIgnoredUserAgent('kube-probe/1.31', [])).toBe(false);
  });
});

describe('requestsQueryFor', () => {
  it('gives the window in whole seconds', () => {
    expect(requestsQueryFor('increase(x[{window}]) + y[{window}]', 90_500)).toBe(
      'increase(x[91s]) + y[91s]',
    );
    expect(requestsQueryFor(defaultRequestsQuery, 3_600_000)).toContain(
      'haproxy_backend_http_requests_total[3600s]',
    );
  });
});

describe('requestsByNamespace', () => {
  const vector = (result: unknown[]) => ({
    status: 'success',
    data: { resultType: 'vector', result },
  });

  it('reads each series by its namespace label, adding those of one namespace', () => {
    const answer = vector([
      { metric: { namespace: 'foo-pr-1-fr' }, value: [1796150000, '12'] },
      { metric: { namespace: 'foo-pr-1-be' }, value: [1796150000, '0'] },
      { metric: { namespace: 'foo-pr-1-fr' }, value: [1796150000, '3.5'] },
    ]);
    expect(requestsByNamespace(answer)).toEqual(
      new Map([
        ['foo-pr-1-fr', 15.5],
        ['foo-pr-1-be', 0],
      ]),
    );
  });

  it('refuses an answer that is no vector, or series without a namespace', () => {
    expect(() => requestsByNamespace({ status: 'error', error: 'parse error' })).toThrow(
      'Prometheus did not answer with a vector',
    );
    expect(() =>
      requestsByNamespace(vector([{ metric: { proxy: 'x' }, value: [0, '1'] }])),
    ).toThrow('has no `namespace` label');
  });
});
