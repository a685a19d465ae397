# syntax=docker/dockerfile:1
# The app's image: Node 24, the compiled app with production dependencies,
# and a pinned helm, running as a non-root user. Built by CI elsewhere:
#   docker build -t ghcr.io/pr-preview/pr-preview:0.1.0 .

ARG NODE_IMAGE=node:24-bookworm-slim
ARG GO_IMAGE=golang:1.26-bookworm
# Keep in step with test/cluster/versions.ts, which the tests run against.
ARG HELM_VERSION=v3.22.0

# helm from its source through the Go module proxy: the version is pinned and
# the checksum database vouches for the source; CGO off makes it static. It is
# stamped as helm's Makefile stamps a release (scripts/helm-ldflags.sh), so it
# knows its own version and the Kubernetes version it was built for.
FROM ${GO_IMAGE} AS helm
ARG HELM_VERSION
COPY scripts/helm-ldflags.sh /helm-ldflags.sh
RUN CGO_ENABLED=0 GOBIN=/out go install -trimpath \
      -ldflags "$(sh /helm-ldflags.sh ${HELM_VERSION})" \
      helm.sh/helm/v3/cmd/helm@${HELM_VERSION} \
 && test "$(/out/helm version --template '{{.Version}}')" = "${HELM_VERSION}"

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Scripts stay off: the `node` devDependency would fetch a second Node.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json

FROM ${NODE_IMAGE} AS production-dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

FROM ${NODE_IMAGE}
# A 2 MiB young generation keeps the idle app near 122 MiB instead of 148 MiB
# (measured by npm run bench, which starts the app with the same flag).
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=2 \
    HELM_BIN=/usr/local/bin/helm \
    PORT=3000 \
    HOME=/tmp
WORKDIR /app
COPY --from=helm /out/helm /usr/local/bin/helm
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY --from=build /app/lib ./lib
# The admission policies that fence previews: the app checks (and outside the chart installs) them.
COPY charts/pr-preview/admission ./charts/pr-preview/admission
COPY package.json app.yml ./
# The node image's own unprivileged user; the chart runs it with a read-only
# root filesystem and a writable /tmp.
USER 1000:1000
# 3000: webhooks, health, metrics; 3001: requests for sleeping previews (PREVIEW_WAKE_PORT);
# 3002: the previews overview when PREVIEW_OVERVIEW_PORT names it (internal: no token).
EXPOSE 3000 3001 3002
CMD ["node", "lib/start.js"]
