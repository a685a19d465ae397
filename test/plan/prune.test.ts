import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { inventoryRef, refsToPrune } from '../../src/plan/prune.ts';

describe('refsToPrune', () => {
  it('keeps objects by group, kind and name, across API versions of one group', () => {
    const previous = [
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'foo' },
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'old' },
      { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', name: 'foo' },
    ];
    const current = [
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'foo' },
      { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: 'foo' },
    ];
    expect(refsToPrune(previous, current)).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'old' },
    ]);
  });

  it('never prunes what its last deploy marked helm.sh/resource-policy: keep, as helm upgrade', () => {
    const registry = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'registry', annotations: { 'helm.sh/resource-policy': 'keep' } },
    } as KubernetesObject;
    const cache = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'cache', annotations: { 'helm.sh/resource-policy': 'delete' } },
    } as KubernetesObject;
    const previous = [inventoryRef(registry), inventoryRef(cache)];
    expect(previous[0]).toEqual({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      name: 'registry',
      keep: true,
    });
    expect(refsToPrune(previous, [])).toEqual([
      { apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: 'cache' },
    ]);
  });
});
