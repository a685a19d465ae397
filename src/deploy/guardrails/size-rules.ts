import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, kindOf } from '../../plan/object-identity.ts';

/** etcd keeps objects up to 1.5 MiB; one that big in a preview is a mistake or an attack. */
export const maxObjectBytes = 1024 * 1024;

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
/** A bound as people set it: whole MiB without decimals. */
const bound = (bytes: number) =>
  bytes % (1024 * 1024) === 0 ? `${bytes / 1024 / 1024} MiB` : mib(bytes);
const kib = (bytes: number) => `${Math.round(bytes / 1024)} KiB`;

/** The bytes an object takes as JSON, roughly what etcd stores. */
export function objectBytes(object: KubernetesObject): number {
  return Buffer.byteLength(JSON.stringify(object));
}

/**
 * The payload of a ConfigMap or Secret, as the admission policy counts it:
 * every value's length (a Secret's `data` decoded, `stringData` as written).
 */
export function dataBytes(object: KubernetesObject): number | undefined {
  const kind = kindOf(object);
  if (kind !== 'ConfigMap' && kind !== 'Secret') return undefined;
  const body = object as {
    data?: Record<string, unknown>;
    binaryData?: Record<string, unknown>;
    stringData?: Record<string, unknown>;
  };
  const decoded = (value: unknown) => Buffer.from(String(value), 'base64').length;
  const plain = (value: unknown) => Buffer.byteLength(String(value));
  const sum = (values: Record<string, unknown> | undefined, size: (v: unknown) => number) =>
    Object.values(values ?? {}).reduce<number>((total, value) => total + size(value), 0);
  return kind === 'ConfigMap'
    ? sum(body.data, plain) + sum(body.binaryData, decoded)
    : sum(body.data, decoded) + sum(body.stringData, plain);
}

/** One object's size: at most 1 MiB as a whole, and ConfigMaps and Secrets at most `maxDataBytes` of data. */
export function sizeRefusals(object: KubernetesObject, maxDataBytes: number): string[] {
  const name = describe(object);
  const refusals: string[] = [];
  const bytes = objectBytes(object);
  if (bytes > maxObjectBytes) {
    refusals.push(
      `${name} is ${mib(bytes)}; a preview object may be at most ${bound(maxObjectBytes)}`,
    );
  }
  const data = dataBytes(object);
  if (data !== undefined && data > maxDataBytes) {
    refusals.push(
      `${name} holds ${kib(data)} of data; a preview's ConfigMaps and Secrets hold at most ${kib(maxDataBytes)} each (PREVIEW_MAX_DATA_BYTES)`,
    );
  }
  return refusals;
}

/** The whole render: all objects together, so that the caps times this bound fit in etcd. */
export function totalSizeRefusal(
  objects: KubernetesObject[],
  maxPreviewBytes: number,
): string | undefined {
  const total = objects.reduce((sum, object) => sum + objectBytes(object), 0);
  return total > maxPreviewBytes
    ? `the chart renders ${mib(total)} of objects; a preview may have at most ${bound(maxPreviewBytes)} (PREVIEW_MAX_PREVIEW_BYTES)`
    : undefined;
}

/** A claim on a storage class the platform gives previews, never bound to a volume by name. */
export function claimRefusals(object: KubernetesObject, storageClasses: string[]): string[] {
  if (kindOf(object) !== 'PersistentVolumeClaim') return [];
  const spec = (object as { spec?: { storageClassName?: string; volumeName?: string } }).spec ?? {};
  const name = describe(object);
  const refusals: string[] = [];
  const wanted = spec.storageClassName;
  if (wanted && !storageClasses.includes(wanted)) {
    refusals.push(
      `${name} asks for storage class \`${wanted}\`; previews may use ${storageClasses.map((c) => `\`${c}\``).join(', ') || 'only the cluster default'} (PREVIEW_STORAGE_CLASSES)`,
    );
  }
  if (spec.volumeName) {
    refusals.push(
      `${name} names the volume \`${spec.volumeName}\`; a preview's claims are bound by the cluster`,
    );
  }
  return refusals;
}

const maxNodes = 1_000_000;

/**
 * Counts the nodes a document would have once written out, following shared
 * references (YAML aliases) each time: an alias bomb is small as YAML and
 * huge as JSON. True while the count stays under the bound.
 */
export function withinSizeBound(document: unknown, limit = maxNodes): boolean {
  let count = 0;
  const stack: unknown[] = [document];
  while (stack.length > 0) {
    const node = stack.pop();
    if (++count > limit) return false;
    if (Array.isArray(node)) stack.push(...node);
    else if (node !== null && typeof node === 'object') stack.push(...Object.values(node));
  }
  return true;
}
