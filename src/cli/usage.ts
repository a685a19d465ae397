import { defaultKubeVersion } from './offline-facts.ts';

export const usage = `Usage: pr-preview render --pr <number> --sha <commit> [--tenant <tenant>] [--repo-dir <dir>]
         [--repository <owner/name>] [--upgrade]
         [--kubeconfig <file> | --kube-version <version> [--api-versions <group/version[/Kind]>...]]
       pr-preview --help | --version

Prints, as YAML, what the app would apply and run for one preview of the chart
in a local checkout (--repo-dir, default the current folder), hooks in the
order they run, with the same checks as the app: .github/preview.yml, chart
limits, helm, guardrails and Pod Security at the app's level.

.github/preview.yml is read from the checkout. The app reads it from the
repository's default branch instead, so a pull request that adds or changes
it is deployed with the default branch's file.

It renders for the cluster of --kubeconfig (its version and APIs, read by
discovery), else for --kube-version (such as v1.31.2) and --api-versions
(repeatable, or comma-separated), else for Kubernetes ${defaultKubeVersion}. --upgrade renders
a later deploy (.Release.IsUpgrade, pre-upgrade and post-upgrade hooks).

The app's settings come from the environment and from .env in the current
folder, which wins, as the app reads them at start: PREVIEW_DOMAIN (default
preview.example.com), HELM_BIN, PREVIEW_POD_SECURITY, PREVIEW_ALLOWED_KINDS, ...

--version prints the app's version and the helm it would use.

Exit codes: 0 rendered; 1 the app would refuse or fail this preview;
2 a wrong command line, wrong settings, or no helm.`;
