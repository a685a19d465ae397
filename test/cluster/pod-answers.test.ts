import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { podAnswers } from './pod-answers.ts';

function pod(overrides: {
  name?: string;
  phase?: string;
  ip?: string;
  hostNetwork?: boolean;
  spec?: Partial<NonNullable<V1Pod['spec']>>;
}): V1Pod {
  return {
    metadata: { name: overrides.name ?? 'web-1', namespace: 'foo-pr-7-fr' },
    spec: {
      nodeName: 'kwok-node-1',
      ...(overrides.hostNetwork ? { hostNetwork: true } : {}),
      containers: [
        {
          name: 'nginx',
          image: 'registry.example.com/foo:1111111',
          env: [
            { name: 'TENANT', value: 'fr' },
            { name: 'EMPTY' },
            { name: 'SECRET', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
          ],
          ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }],
        },
      ],
      ...overrides.spec,
    },
    status: { phase: overrides.phase ?? 'Running', podIP: overrides.ip ?? '10.0.0.5' },
  };
}

describe('podAnswers', () => {
  it('answers on each TCP port of a Running pod with its identity and literal environment', () => {
    expect([...podAnswers([pod({})])]).toEqual([
      [
        '10.0.0.5:80',
        {
          namespace: 'foo-pr-7-fr',
          pod: 'web-1',
          node: 'kwok-node-1',
          ip: '10.0.0.5',
          port: 80,
          container: 'nginx',
          image: 'registry.example.com/foo:1111111',
          images: ['registry.example.com/foo:1111111'],
          env: [
            { name: 'TENANT', value: 'fr' },
            { name: 'EMPTY', value: '' },
          ],
        },
      ],
    ]);
  });

  it.each([
    ['Pending', pod({ phase: 'Pending' })],
    ['Succeeded', pod({ phase: 'Succeeded' })],
    ['on the host network', pod({ hostNetwork: true })],
    ['without an IP yet', { ...pod({}), status: { phase: 'Running' } }],
  ])('has no answer for a pod %s', (_, subject) => {
    expect(podAnswers([subject]).size).toBe(0);
  });

  it('names the container that declares the port, and every image including sidecars', () => {
    const answers = podAnswers([
      pod({
        spec: {
          initContainers: [
            { name: 'migrate', image: 'migrate:1' },
            {
              name: 'proxy',
              image: 'proxy:2',
              restartPolicy: 'Always',
              ports: [{ containerPort: 15001 }],
            },
          ],
        },
      }),
    ]);
    expect([...answers.keys()].sort()).toEqual(['10.0.0.5:15001', '10.0.0.5:80']);
    expect(answers.get('10.0.0.5:15001')).toMatchObject({
      container: 'proxy',
      image: 'proxy:2',
      images: ['proxy:2', 'registry.example.com/foo:1111111'],
      env: [],
    });
  });

  it('keeps pods apart by address', () => {
    const answers = podAnswers([
      pod({ name: 'a', ip: '10.0.0.5' }),
      pod({ name: 'b', ip: '10.0.0.6' }),
    ]);
    expect(answers.get('10.0.0.5:80')?.pod).toBe('a');
    expect(answers.get('10.0.0.6:80')?.pod).toBe('b');
  });
});
