/**
 * What the app's own settings let a pull request put into the cluster. The
 * same rules are admission policies in the API server (fences.yaml), which
 * keep them for every writer; the guardrails (deploy/guardrails/) say it on
 * the pull request first. Plain lists, read by both and by the settings.
 */
export interface Guardrails {
  /** Namespaced kinds a chart may create, as `Kind` or `group/Kind`. */
  allowedKinds: string[];
  /** ClusterRoles that a RoleBinding in a preview may refer to. */
  allowedClusterRoles: string[];
  /** Objects one preview may have, so a chart cannot flood the API server. */
  maxObjects: number;
  /** Bytes of all of a render's objects together. */
  maxPreviewBytes: number;
  /** Bytes of data in one ConfigMap or Secret. */
  maxDataBytes: number;
  ingress: IngressFence;
  placement: PlacementFence;
  /** Storage classes a claim may name; a claim without one gets the cluster's default. */
  storageClasses: string[];
}

/** What the shared ingress controller may be told by a preview: the platform's lists. */
export interface IngressFence {
  /** Ingress classes previews may use. */
  classes: string[];
  /** Annotation keys an Ingress may carry; an entry ending in `*` is a prefix. */
  annotations: string[];
  /**
   * Annotation prefixes (before the `/`) that the controller reads from
   * Services too: there, only keys on `annotations` may use them.
   */
  controllerPrefixes: string[];
}

/** Where a preview's pods may run: the platform's lists, empty by default. */
export interface PlacementFence {
  /** Taint keys that pods may tolerate. */
  tolerations: string[];
  /** Node label keys that node selectors and node affinity may name. */
  nodeSelectorKeys: string[];
  priorityClasses: string[];
  runtimeClasses: string[];
}
