#!/bin/sh
# Prints the -ldflags that stamp helm as its own Makefile does, for the helm
# version given ($1, e.g. v3.22.0): helm's release version, and the Kubernetes
# version of the client-go it is built with, which helm reports as
# .Capabilities.KubeVersion when no cluster says otherwise (a plain
# `go install` leaves v1.20.0). The module proxy carries no commit, so
# gitCommit stays empty. Used by test/cluster/tools.ts and the Dockerfile.
set -eu
version="$1"
gomod=$(go mod download -json "helm.sh/helm/v3@${version}" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
# client-go v0.37.x belongs to Kubernetes 1.37: helm's Makefile adds 1 to the major.
minor=$(sed -n 's/^[[:space:]]*k8s\.io\/client-go v0\.\([0-9][0-9]*\)\..*/\1/p' "$gomod")
if [ -z "$minor" ]; then
  echo "helm ${version} names no k8s.io/client-go in ${gomod}" >&2
  exit 1
fi
flags="-s -w -X helm.sh/helm/v3/internal/version.version=${version}"
flags="${flags} -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
  flags="${flags} -X ${pkg}.k8sVersionMajor=1 -X ${pkg}.k8sVersionMinor=${minor}"
done
printf '%s\n' "$flags"
