import type { KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesCluster } from '../../src/deploy/kubernetes-cluster.ts';
import { KubernetesRecords } from '../../src/deploy/kubernetes-records.ts';
import { podSecurityLabels } from '../../src/deploy/pod-security.ts';
import { clients, eventually } from './support/kube.ts';

/**
 * Pod Security as the API server applies it, read back from the bed: what the
 * app's adapter makes of pods that a namespace's level refuses.
 */
const k8s = clients();
const cluster = new KubernetesCluster(k8s.kc, {
  instance: 'psa-check',
  records: new KubernetesRecords(k8s.kc, { namespace: 'default', instance: 'psa-check' }),
});
const open = 'psa-open';
const fenced = 'psa-fenced';

const privilegedPod = (name: string, restartPolicy = 'Never') => ({
  metadata: { name, labels: { app: name } },
  spec: {
    restartPolicy,
    containers: [{ name: 'shell', image: 'busybox', securityContext: { privileged: true } }],
  },
});

beforeAll(async () => {
  await k8s.core.createNamespace({ body: { metadata: { name: open } } });
  await k8s.core.createNamespace({
    body: { metadata: { name: fenced, labels: podSecurityLabels('baseline') } },
  });
  // Pods need the namespace's default ServiceAccount, which a controller makes.
  for (const namespace of [open, fenced]) {
    await eventually(`the default ServiceAccount of ${namespace}`, () =>
      k8s.core.readNamespacedServiceAccount({ name: 'default', namespace }),
    );
  }
});

afterAll(async () => {
  for (const name of [open, fenced]) await k8s.core.deleteNamespace({ name });
});

describe('the test bed, as kubeadm and cloud clusters run', () => {
  it('admits a privileged pod where no Pod Security level forbids it', async () => {
    const pod = await k8s.core.createNamespacedPod({
      namespace: open,
      body: privilegedPod('allowed'),
    });
    expect(pod.spec?.containers[0]?.securityContext?.privileged).toBe(true);
  });

  it('refuses it where the baseline level is enforced, naming the violation', async () => {
    await expect(
      k8s.core.createNamespacedPod({ namespace: fenced, body: privilegedPod('refused') }),
    ).rejects.toMatchObject({ code: 403 });
  });
});

describe("the app's waits", () => {
  it('end a rollout at once when a controller cannot create pods that Pod Security refuses', async () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'privileged', namespace: fenced },
      spec: {
        selector: { matchLabels: { app: 'privileged' } },
        template: privilegedPod('privileged', 'Always'),
      },
    } as KubernetesObject;
    const applied = await cluster.apply([deployment], { dryRun: false });
    // The Deployment itself is admitted, with a warning at the namespace's warn level only.
    expect(applied.warnings).toEqual([
      {
        ref: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'privileged' },
        messages: [
          expect.stringMatching(/^would violate PodSecurity "restricted:latest": privileged/),
        ],
      },
    ]);
    const rollout = await cluster.waitForRollout(
      fenced,
      [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'privileged' }],
      300_000,
    );
    expect(rollout.ready).toBe(false);
    // Not the timeout's "not ready after 300 s": the controller's refusal, as soon as it came.
    expect(!rollout.ready && rollout.reasons[0]).toMatch(
      /^ReplicaSet privileged-\w+ cannot create its pods: pods "privileged-\w+-\w+" is forbidden: violates PodSecurity "baseline:latest": privileged/,
    );
  });

  it('end a hook Job at once for the same reason', async () => {
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'privileged-hook', namespace: fenced },
      spec: { backoffLimit: 0, template: privilegedPod('privileged-hook') },
    } as KubernetesObject;
    await cluster.apply([job], { dryRun: false });
    const result = await cluster.waitForCompletion(
      fenced,
      { apiVersion: 'batch/v1', kind: 'Job', name: 'privileged-hook' },
      300_000,
    );
    expect(!result.ready && result.reasons[0]).toMatch(
      /^Job privileged-hook cannot create its pods: .*violates PodSecurity "baseline:latest": privileged/,
    );
  });

  it("judge pod templates at the previews' level, bare Pods too, creating nothing", async () => {
    const hookPod = {
      apiVersion: 'v1',
      kind: 'Pod',
      ...privilegedPod('hook-pod'),
      metadata: { name: 'hook-pod', namespace: fenced },
    } as KubernetesObject;
    const config = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: fenced },
    } as KubernetesObject;
    const judged = await cluster.podSecurityWarnings([hookPod, config], 'baseline');
    expect(judged).toEqual([
      {
        ref: { apiVersion: 'v1', kind: 'Pod', name: 'hook-pod' },
        messages: [
          'would violate PodSecurity "baseline:latest": privileged (container "shell" must not set securityContext.privileged=true)',
        ],
      },
    ]);
    expect(await cluster.podSecurityWarnings([hookPod], 'privileged')).toEqual([]);
    const everywhere = await k8s.core.listPodForAllNamespaces({ labelSelector: 'app=hook-pod' });
    expect(everywhere.items).toEqual([]);
  });
});
