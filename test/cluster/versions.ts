/** Pinned versions of everything the test bed builds. Change here only. */
export const versions = {
  /** k8s.io/kubernetes; test/cluster/kube-bed/go.mod pins the same release. */
  kubernetes: 'v1.37.2',
  kwok: 'v0.8.0',
  helm: 'v3.22.0',
  /** Debian bookworm's redis-server (a release line: the mirror keeps only the newest patch). */
  redis: '7.0',
  /** Debian bookworm's haproxy (2.6.12 seen), built with the Prometheus exporter; a release line, as redis. */
  haproxy: '2.6',
  /** Debian bookworm's prometheus (2.42.0 seen), scraping HAProxy's exporter; a release line, as redis. */
  prometheus: '2.42',
} as const;
