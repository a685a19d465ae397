import { ApiException, type V1Lease } from '@kubernetes/client-node';
import type { LeaseApi } from '../../src/deploy/kubernetes-lease.ts';

/**
 * Leases as one API server keeps them: resourceVersions that every write
 * must match, 409 for a stale write or a second create, 404 for a missing
 * namespace, and a switch that makes every call fail as an API server that
 * does not answer.
 */
export class MemoryLeaseApi implements LeaseApi {
  readonly leases = new Map<string, V1Lease>();
  namespaceExists = true;
  unreachable = false;
  writes = 0;
  private version = 0;

  private check(): void {
    if (this.unreachable) throw new ApiException(503, 'Service Unavailable', {}, {});
  }

  private stored(lease: V1Lease): V1Lease {
    const copy = structuredClone(lease);
    copy.metadata = { ...copy.metadata, resourceVersion: String(++this.version) };
    this.leases.set(copy.metadata.name as string, copy);
    this.writes += 1;
    return structuredClone(copy);
  }

  async readNamespacedLease(params: { name: string }): Promise<V1Lease> {
    this.check();
    const lease = this.leases.get(params.name);
    if (!lease) throw new ApiException(404, 'Not Found', {}, {});
    return structuredClone(lease);
  }

  async createNamespacedLease(params: { body: V1Lease }): Promise<V1Lease> {
    this.check();
    if (!this.namespaceExists) throw new ApiException(404, 'namespaces "apps" not found', {}, {});
    if (this.leases.has(params.body.metadata?.name as string))
      throw new ApiException(409, 'AlreadyExists', {}, {});
    return this.stored(params.body);
  }

  async replaceNamespacedLease(params: { name: string; body: V1Lease }): Promise<V1Lease> {
    this.check();
    const current = this.leases.get(params.name);
    if (!current) throw new ApiException(404, 'Not Found', {}, {});
    if (params.body.metadata?.resourceVersion !== current.metadata?.resourceVersion)
      throw new ApiException(409, 'Conflict', {}, {});
    return this.stored(params.body);
  }

  async deleteNamespacedLease(params: {
    name: string;
    body?: { preconditions?: { resourceVersion?: string } };
  }): Promise<never> {
    this.check();
    const current = this.leases.get(params.name);
    if (!current) throw new ApiException(404, 'Not Found', {}, {});
    const wanted = params.body?.preconditions?.resourceVersion;
    if (wanted && wanted !== current.metadata?.resourceVersion)
      throw new ApiException(409, 'Conflict', {}, {});
    this.leases.delete(params.name);
    this.writes += 1;
    return {} as never;
  }

  /** Another process writes the Lease as its own, with the renew time its clock says. */
  takeAs(name: string, holder: string, renewTime: Date): void {
    const current = this.leases.get(name);
    this.stored({
      metadata: { name, resourceVersion: current?.metadata?.resourceVersion ?? '0' },
      spec: {
        holderIdentity: holder,
        leaseDurationSeconds: 30,
        acquireTime: renewTime,
        renewTime,
        leaseTransitions: (current?.spec?.leaseTransitions ?? 0) + 1,
      },
    });
  }
}
