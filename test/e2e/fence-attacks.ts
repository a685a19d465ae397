/**
 * What a preview tries in order to leave its fence, written once and tried
 * twice: rendered by a chart (the guardrails refuse it on the pull request,
 * hostile-corpus.ts) and done at run time by the preview's own
 * ServiceAccount, as its pods would (the API server's admission policies
 * refuse it, fences.test.ts).
 */
export interface FenceAttack {
  what: string;
  /** The object, as YAML; `HOST` stands for the preview's own host. */
  manifest: string;
  /** What the pull request's comment says when a chart renders it. */
  rendered: string;
  /** What the API server says when the preview's ServiceAccount writes it. */
  admitted: string;
}

const container = '{ name: app, image: "registry.example.com/app:1" }';
const deployment = (name: string, spec: string) =>
  `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name} }
spec:
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
${spec}
      containers: [${container}]
`;

export const fenceAttacks: FenceAttack[] = [
  {
    what: 'a NetworkPolicy that reopens all egress',
    manifest:
      'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: open }\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress: [{}]\n',
    rendered: "NetworkPolicy `open` opens egress traffic beyond the preview's own pods",
    admitted: "NetworkPolicy `open` opens traffic beyond the preview's own pods",
  },
  {
    what: 'an ExternalName Service to the API server',
    manifest:
      'apiVersion: v1\nkind: Service\nmetadata: { name: api }\nspec: { type: ExternalName, externalName: kubernetes.default.svc.cluster.local }\n',
    rendered: 'Service `api` is an ExternalName Service',
    admitted: 'Service `api` is of type ExternalName; a preview Service may only be ClusterIP',
  },
  {
    what: 'an ExternalName Service to the cloud metadata',
    manifest:
      'apiVersion: v1\nkind: Service\nmetadata: { name: metadata }\nspec: { type: ExternalName, externalName: 169.254.169.254 }\n',
    rendered: 'Service `metadata` is an ExternalName Service',
    admitted: 'Service `metadata` is of type ExternalName',
  },
  {
    what: 'an Ingress of a default backend only',
    manifest:
      'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: { name: catch-all }\nspec:\n  ingressClassName: haproxy-v1\n  defaultBackend: { service: { name: web, port: { number: 80 } } }\n',
    rendered: 'Ingress `catch-all` sets a default backend',
    admitted: 'Ingress `catch-all` sets a default backend',
  },
  {
    what: 'pods that tolerate every taint on the control plane',
    manifest: deployment(
      'admin-node',
      "      tolerations: [{ operator: Exists }]\n      nodeSelector: { node-role.kubernetes.io/control-plane: '' }",
    ),
    rendered: 'Deployment `admin-node` tolerates every taint',
    admitted: 'Deployment `admin-node` tolerates taints the platform keeps for its own nodes',
  },
  {
    what: 'a pod that names its node',
    manifest: deployment('pinned', '      nodeName: kwok-node-0'),
    rendered: 'Deployment `pinned` names its node (`nodeName: kwok-node-0`)',
    admitted: 'Deployment `pinned` names its node (nodeName)',
  },
  {
    what: "pods that would preempt production's",
    manifest: deployment('critical', '      priorityClassName: system-cluster-critical'),
    rendered: 'Deployment `critical` asks for priority class `system-cluster-critical`',
    admitted: 'Deployment `critical` asks for priority class `system-cluster-critical`',
  },
  {
    what: 'a ConfigMap of a mebibyte',
    manifest: `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ballast }\ndata: { a: ${'x'.repeat(1024 * 1024 - 200)} }\n`,
    rendered: 'ConfigMap `ballast` holds 1024 KiB of data',
    admitted: 'ConfigMap `ballast` holds',
  },
  {
    what: 'a RoleBinding for every ServiceAccount of the cluster',
    manifest:
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: { name: everyone }\nroleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: operator }\nsubjects: [{ kind: Group, apiGroup: rbac.authorization.k8s.io, name: "system:serviceaccounts" }]\n',
    rendered: 'RoleBinding `everyone` names Group `system:serviceaccounts`',
    admitted: 'RoleBinding `everyone` may only name ServiceAccounts of its own namespace',
  },
  {
    what: "a RoleBinding for kube-system's default ServiceAccount",
    manifest:
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: { name: system-default }\nroleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: operator }\nsubjects: [{ kind: ServiceAccount, name: default, namespace: kube-system }]\n',
    rendered: 'RoleBinding `system-default` names ServiceAccount `kube-system/default`',
    admitted: 'RoleBinding `system-default` may only name ServiceAccounts of its own namespace',
  },
  {
    what: 'a Role that may bind anything',
    manifest:
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: { name: binder }\nrules: [{ apiGroups: [rbac.authorization.k8s.io], resources: [roles], verbs: [bind, escalate] }]\n',
    rendered: 'Role `binder` grants escalate, bind or impersonate',
    admitted: 'Role `binder` grants escalate, bind or impersonate',
  },
];

/** What only a writer at run time can try: the app rewrites these in a render. */
export const runTimeAttacks: FenceAttack[] = [
  {
    what: 'an Ingress for the login page of the domain',
    manifest:
      'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: { name: login }\nspec:\n  ingressClassName: haproxy-v1\n  rules: [{ host: login.preview.bar.com, http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }] } }]\n',
    rendered: '',
    admitted: "Ingress `login` may only answer for the preview's host",
  },
  {
    what: "an Ingress on production's controller",
    manifest:
      'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: { name: production }\nspec:\n  ingressClassName: nginx-production\n  rules: [{ host: HOST, http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }] } }]\n',
    rendered: '',
    admitted: 'Ingress `production` is on class `nginx-production`',
  },
  {
    what: 'Endpoints that send a Service anywhere',
    manifest:
      'apiVersion: v1\nkind: Endpoints\nmetadata: { name: web }\nsubsets: [{ addresses: [{ ip: 10.96.0.1 }], ports: [{ port: 443 }] }]\n',
    rendered: '',
    admitted: "Endpoints `web`: only the cluster's controllers write these in a preview",
  },
  {
    what: 'a claim of 50 TiB',
    manifest:
      'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: { name: hoard }\nspec: { accessModes: [ReadWriteOnce], resources: { requests: { storage: 50Ti } } }\n',
    rendered: '',
    admitted: 'exceeded quota: pr-preview-quota',
  },
];
