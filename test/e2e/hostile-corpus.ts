import { randomBytes } from 'node:crypto';
import { tarball, type TarEntry } from '../support/tarball.ts';
import { fenceAttacks } from './fence-attacks.ts';

/**
 * What a pull request, its repository or a stranger on the network can send
 * the app. Every case must end in `refusal` (on the pull request, or as the
 * HTTP status of a webhook) with nothing applied to the cluster.
 */
export interface HostileCase {
  what: string;
  /** `.github/preview.yml`; default `app: hostile`. */
  config?: string;
  /** Files laid over the `foo` fixture chart, which lives at `.cloud/charts/hostile`. */
  files?: Record<string, string>;
  /** The commit's whole tarball instead, given its top folder. */
  archive?: (top: string) => Buffer;
  /** What starts the work: the `cd/preview` label by default. */
  act?: { comment: string; user: string } | { signature: string | undefined };
  refusal: string | number;
  /** A value that must appear neither on the pull request nor in the log. */
  secret?: string;
}

const chart = '.cloud/charts/hostile';
const template = (body: string) => ({ [`${chart}/templates/hostile.yaml`]: body });

/** A valid chart of one ConfigMap, plus whatever hostile entries follow. */
const minimalChart = (top: string, ...hostile: TarEntry[]) =>
  tarball([
    {
      path: `${top}/${chart}/Chart.yaml`,
      body: 'apiVersion: v2\nname: hostile\nversion: 0.1.0\n',
    },
    {
      path: `${top}/${chart}/templates/cm.yaml`,
      body: 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: cm }\n',
    },
    ...hostile,
  ]);

function aliasBomb(prefix: string): string {
  return [
    `${prefix}a: &a [x, x, x, x, x, x, x, x, x, x]`,
    ...Array.from({ length: 7 }, (_, i) => {
      const from = String.fromCharCode(97 + i);
      const to = String.fromCharCode(98 + i);
      return `${prefix}${to}: &${to} [${Array(10).fill(`*${from}`).join(', ')}]`;
    }),
  ].join('\n');
}

function repeated(block: Buffer, length: number): Buffer {
  return Buffer.concat(Array(Math.ceil(length / block.length)).fill(block)).subarray(0, length);
}

const rbac = 'apiVersion: rbac.authorization.k8s.io/v1';

/** A Deployment `evil` whose pod has `pod` in its spec and `container` in its one container. */
const evilDeployment = (pod: string, container = '') =>
  template(
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: evil }\nspec:\n  selector: { matchLabels: { app: evil } }\n  template:\n    metadata: { labels: { app: evil } }\n    spec:\n${pod ? `      ${pod}\n` : ''}      containers: [{ name: shell, image: busybox${container} }]\n`,
  );
const breaks = (object: string) =>
  `${object} breaks the Pod Security level "baseline" of previews:`;

export const hostileCorpus: HostileCase[] = [
  // Pods that would leave their preview: refused by Pod Security before anything runs.
  {
    what: 'a privileged container',
    files: evilDeployment('', ', securityContext: { privileged: true }'),
    refusal: `${breaks('Deployment `evil`')} privileged (container "shell" must not set securityContext.privileged=true)`,
  },
  {
    what: "a hostPath volume onto the node's root",
    files: evilDeployment('volumes: [{ name: root, hostPath: { path: / } }]'),
    refusal: `${breaks('Deployment `evil`')} hostPath volumes (volume "root")`,
  },
  {
    what: "the node's network",
    files: evilDeployment('hostNetwork: true'),
    refusal: `${breaks('Deployment `evil`')} host namespaces (hostNetwork=true)`,
  },
  {
    what: "the node's process namespace",
    files: evilDeployment('hostPID: true'),
    refusal: `${breaks('Deployment `evil`')} host namespaces (hostPID=true)`,
  },
  {
    what: "the node's IPC namespace",
    files: evilDeployment('hostIPC: true'),
    refusal: `${breaks('Deployment `evil`')} host namespaces (hostIPC=true)`,
  },
  {
    what: 'an added capability',
    files: evilDeployment('', ', securityContext: { capabilities: { add: [SYS_ADMIN] } }'),
    refusal: `${breaks('Deployment `evil`')} non-default capabilities (container "shell" must not include "SYS_ADMIN" in securityContext.capabilities.add)`,
  },
  {
    what: 'a privileged pod template in a CronJob',
    files: template(
      'apiVersion: batch/v1\nkind: CronJob\nmetadata: { name: evil }\nspec:\n  schedule: "* * * * *"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          containers: [{ name: shell, image: busybox, securityContext: { privileged: true } }]\n',
    ),
    refusal: `${breaks('CronJob `evil`')} privileged (container "shell" must not set securityContext.privileged=true)`,
  },
  {
    what: 'a hostPath volume in a pre-install hook Job',
    files: template(
      'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: evil\n  annotations: { helm.sh/hook: pre-install }\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      volumes: [{ name: root, hostPath: { path: / } }]\n      containers: [{ name: shell, image: busybox }]\n',
    ),
    refusal: `${breaks('Job `evil`')} hostPath volumes (volume "root")`,
  },
  // Objects a preview may not create.
  {
    what: 'a ClusterRole',
    files: template(`${rbac}\nkind: ClusterRole\nmetadata: { name: escalate }\nrules: []\n`),
    refusal: 'ClusterRole `escalate` is cluster-scoped',
  },
  {
    what: 'a ClusterRoleBinding',
    files: template(
      `${rbac}\nkind: ClusterRoleBinding\nmetadata: { name: escalate }\nroleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin }\nsubjects: []\n`,
    ),
    refusal: 'ClusterRoleBinding `escalate` is cluster-scoped',
  },
  {
    what: 'a Namespace',
    files: template('apiVersion: v1\nkind: Namespace\nmetadata: { name: other }\n'),
    refusal: 'Namespace `other` is cluster-scoped',
  },
  {
    what: 'a CustomResourceDefinition',
    files: template(
      'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: { name: widgets.example.com }\nspec: {}\n',
    ),
    refusal:
      'the chart needs CustomResourceDefinitions that the cluster does not have; nothing was applied:\n- `widgets.example.com`',
  },
  {
    what: 'a PersistentVolume',
    files: template(
      'apiVersion: v1\nkind: PersistentVolume\nmetadata: { name: steal }\nspec: {}\n',
    ),
    refusal: 'PersistentVolume `steal` is cluster-scoped',
  },
  {
    what: 'a webhook configuration',
    files: template(
      'apiVersion: admissionregistration.k8s.io/v1\nkind: MutatingWebhookConfiguration\nmetadata: { name: intercept }\nwebhooks: []\n',
    ),
    refusal: 'MutatingWebhookConfiguration `intercept` is cluster-scoped',
  },
  {
    what: 'an object for another namespace',
    files: template(
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: sneaky, namespace: kube-system }\n',
    ),
    refusal: 'ConfigMap `sneaky` asks for namespace `kube-system`',
  },
  {
    what: 'a RoleBinding to cluster-admin',
    files: template(
      `${rbac}\nkind: RoleBinding\nmetadata: { name: admin }\nroleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin }\nsubjects: [{ kind: ServiceAccount, name: default, namespace: hostile-pr-1 }]\n`,
    ),
    refusal: 'RoleBinding `admin` binds ClusterRole `cluster-admin`',
  },
  {
    what: 'a kind not on the allowlist',
    files: template(
      'apiVersion: v1\nkind: Pod\nmetadata: { name: bare }\nspec: { containers: [{ name: x, image: x }] }\n',
    ),
    refusal: "Pod `bare`: kind Pod is not on the app's list of allowed kinds",
  },
  {
    what: 'a kind the cluster does not know',
    files: template('apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w }\n'),
    refusal: 'Widget `w`: the cluster does not know kind Widget in example.com/v1',
  },
  {
    what: 'a cluster-scoped object as a hook',
    files: template(
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: own-the-cluster\n  annotations: { helm.sh/hook: pre-install }\nroleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin }\nsubjects: [{ kind: ServiceAccount, name: default, namespace: default }]\n',
    ),
    refusal:
      'ClusterRoleBinding `own-the-cluster` is cluster-scoped; a preview may only create objects in its own namespace',
  },
  {
    what: "an object named like the app's own, to widen the namespace reader",
    files: template(
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: { name: pr-preview-lookup }\nrules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }]\n',
    ),
    refusal: 'Role `pr-preview-lookup` has the name of an object the app puts into every preview',
  },
  {
    what: 'a CRD that would be installed cluster-wide',
    files: {
      [`${chart}/crds/takeover.yaml`]:
        'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: { name: takeovers.evil.example.com }\nspec:\n  group: evil.example.com\n  names: { kind: Takeover, plural: takeovers }\n  scope: Cluster\n  versions: [{ name: v1, served: true, storage: true, schema: { openAPIV3Schema: { type: object } } }]\n',
    },
    refusal: '- `takeovers.evil.example.com` (evil.example.com/v1 Takeover)',
  },
  {
    what: 'a Service with externalIPs',
    files: template(
      'apiVersion: v1\nkind: Service\nmetadata: { name: mitm }\nspec: { externalIPs: [10.0.0.10], ports: [{ port: 53 }] }\n',
    ),
    refusal: 'Service `mitm` sets externalIPs',
  },
  {
    what: 'an Ingress with a configuration snippet for the shared controller',
    files: template(
      'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  annotations: { haproxy.org/backend-config-snippet: "http-request return status 200" }\nspec: { rules: [{ host: x.bar.com }] }\n',
    ),
    refusal:
      "Ingress `web` carries `haproxy.org/backend-config-snippet`, not on the platform's list of Ingress annotations",
  },
  {
    what: 'an object the API server rejects, quoting a Secret of the chart',
    files: template(
      'apiVersion: v1\nkind: Secret\nmetadata: { name: creds }\nstringData: { password: "Sup3r S3cret!" }\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: leaky, labels: { copy: "Sup3r S3cret!" } }\n',
    ),
    refusal: 'Invalid value: "[redacted]"',
    secret: 'Sup3r S3cret!',
  },
  // Out of the fence: each also tried at run time by the preview's own pods (fences.test.ts).
  ...fenceAttacks.map((attack) => ({
    what: attack.what,
    files: template(attack.manifest),
    refusal: attack.rendered,
  })),
  {
    what: "an Ingress annotation that is not on the platform's list",
    files: template(
      'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: alias\n  annotations: { haproxy.org/server-alias: shop.bar.com }\nspec: { rules: [{ host: x.bar.com }] }\n',
    ),
    refusal:
      "Ingress `alias` carries `haproxy.org/server-alias`, not on the platform's list of Ingress annotations",
  },
  {
    what: "production's ingress class in the repository's configuration",
    config: 'app: hostile\ningress: { className: nginx-production }\n',
    refusal: '.github/preview.yml sets `ingress.className: nginx-production`',
  },
  {
    what: "ten ConfigMaps of a hundred KiB, over a preview's whole size",
    files: template(
      `{{- range until 22 }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: "part-{{ . }}" }\ndata: { a: {{ repeat ${100 * 1024} "x" | quote }} }\n{{- end }}\n`,
    ),
    refusal: 'of objects; a preview may have at most 2 MiB (PREVIEW_MAX_PREVIEW_BYTES)',
  },
  // Renders that would hurt the API server or the app.
  {
    what: 'an alias bomb',
    // helm's own YAML reader refuses it first; the app's guard stands behind it.
    files: template(
      `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: bomb }\ndata:\n${aliasBomb('  ')}\n`,
    ),
    refusal: 'document contains excessive aliasing',
  },
  {
    what: 'a document over 1 MiB',
    files: template(
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: huge }\ndata: { big: {{ repeat 2000000 "x" | quote }} }\n',
    ),
    refusal: 'ConfigMap `huge` is 1.9 MiB; a preview object may be at most 1 MiB',
  },
  {
    what: 'ten thousand objects',
    files: template(
      '{{- range until 10000 }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: "flood-{{ . }}" }\n{{- end }}\n',
    ),
    refusal: 'objects; a preview may have at most 500',
  },
  {
    what: 'a render larger than helm output may be',
    files: template('a: {{ repeat 30000000 "x" }}\n'),
    refusal: 'helm template failed: rendered output is larger than 20971520 bytes',
  },
  {
    what: 'a template that fails on purpose',
    files: template('{{ fail "no preview for you" }}\n'),
    refusal: 'no preview for you',
  },
  {
    what: 'a dependency to download from anywhere',
    files: {
      [`${chart}/Chart.yaml`]:
        'apiVersion: v2\nname: hostile\nversion: 0.1.0\ndependencies:\n  - name: payload\n    version: 1.0.0\n    repository: http://169.254.169.254/latest/\n',
    },
    refusal: 'previews never download dependencies',
  },
  // Archives that try to leave the chart folder or fill the disk.
  {
    what: 'a chart folder that is a link',
    archive: (top) =>
      tarball([
        { path: `${top}/other/Chart.yaml`, body: 'apiVersion: v2\nname: x\nversion: 0.1.0\n' },
        { path: `${top}/${chart}`, type: 'SymbolicLink', linkpath: '../../other' },
      ]),
    refusal: `chart path \`${chart}\` goes through a link (\`${chart}\`)`,
  },
  {
    what: 'a link in the chart to a file of the app',
    archive: (top) =>
      minimalChart(top, {
        path: `${top}/${chart}/templates/token.yaml`,
        type: 'SymbolicLink',
        linkpath: '/var/run/secrets/kubernetes.io/serviceaccount/token',
      }),
    refusal:
      'the chart folder holds links, which previews do not follow: `templates/token.yaml` → `/var/run/secrets/kubernetes.io/serviceaccount/token`',
  },
  {
    what: 'a hard link in the chart',
    archive: (top) =>
      minimalChart(top, {
        path: `${top}/${chart}/values.yaml`,
        type: 'Link',
        linkpath: '/etc/passwd',
      }),
    refusal:
      'the chart folder holds links, which previews do not follow: `values.yaml` → `/etc/passwd`',
  },
  {
    what: 'an archive entry that climbs out with ..',
    archive: (top) =>
      minimalChart(top, { path: `${top}/${chart}/../../../../tmp/planted.yaml`, body: 'x' }),
    refusal: 'the archive has entries that climb out of the chart folder',
  },
  {
    what: 'a chart of more than 2000 files',
    archive: (top) =>
      minimalChart(
        top,
        ...Array.from({ length: 2000 }, (_, i) => ({ path: `${top}/${chart}/f/${i}`, body: 'x' })),
      ),
    refusal: 'the chart folder is too large: more than 2000 files',
  },
  {
    what: 'a chart of more than 50 MiB',
    archive: (top) =>
      minimalChart(top, {
        path: `${top}/${chart}/blob`,
        body: repeated(randomBytes(16 * 1024), 51 * 1024 * 1024),
      }),
    refusal: 'the chart folder is too large: more than 50 MiB',
  },
  {
    what: 'a compression bomb',
    archive: (top) =>
      minimalChart(top, { path: `${top}/${chart}/zeros`, body: Buffer.alloc(200 * 1024 * 1024) }),
    refusal: 'the commit archive unpacks to over 1000 times its size',
  },
  {
    what: 'an archive that is not a tarball',
    archive: () => Buffer.from('<html>definitely a tarball</html>'),
    refusal: 'the commit archive cannot be read',
  },
  // Repository configuration.
  {
    what: 'a chart path leaving the repository',
    config: 'app: hostile\nchart: ../../etc\n',
    refusal: 'must be a relative path inside the repository',
  },
  {
    what: 'an absolute chart path',
    config: 'app: hostile\nchart: /etc/kubernetes\n',
    refusal: 'must be a relative path inside the repository',
  },
  {
    what: 'a values file outside the chart',
    config: 'app: hostile\nvaluesFiles: [../../../../../etc/passwd]\n',
    refusal: 'values file `../../../../../etc/passwd` must be inside the chart folder',
  },
  {
    what: 'a host outside the preview domain',
    config: 'app: hostile\nhost: "login-{pr}.bar.com"\n',
    refusal: 'is not under the preview domain `preview.bar.com`',
  },
  {
    what: 'a host that is not a DNS name',
    config: 'app: hostile\nhost: "{pr}.x/../y.{domain}"\n',
    refusal: 'is not a valid DNS name',
  },
  {
    what: 'a tenant that would reach names and helm arguments',
    config: 'app: hostile\ntenants: ["fr --set x=y"]\n',
    refusal: '`tenants.0`: a tenant is lowercase letters, digits and inner dashes',
  },
  {
    what: 'an app name that would reach namespaces',
    config: 'app: ../kube-system\n',
    refusal: '`app`: app is lowercase letters, digits and inner dashes',
  },
  {
    what: 'a configuration alias bomb',
    config: `app: hostile\n${aliasBomb('')}\ningress: { annotations: *h }\n`,
    refusal: 'could not be read',
  },
  {
    what: 'configuration YAML that does not parse',
    config: 'app: [hostile\n',
    refusal: 'could not be read',
  },
  // Comments and webhooks.
  {
    what: 'a command naming a tenant that is a path',
    config: 'app: hostile\ntenants: [fr]\n',
    act: { comment: '/preview deploy ../../kube-system', user: 'octocat' },
    refusal: 'Unknown tenant `../../kube-system`. Valid tenants are `fr`.',
  },
  {
    what: 'a deploy command from someone without write access',
    act: { comment: '/preview deploy', user: 'stranger' },
    refusal: '@stranger, `/preview deploy` needs write, maintain or admin permission',
  },
  {
    what: 'an unsigned webhook',
    act: { signature: undefined },
    refusal: 400,
  },
  {
    what: 'a webhook signed with another secret',
    act: {
      signature: 'sha256=0000000000000000000000000000000000000000000000000000000000000000',
    },
    refusal: 400,
  },
];
