# The orchestrator: one image for both roles (PROCESS_ROLE=api or worker).
#
# The base is an argument so that it can be pinned by digest, or replaced by a
# local stand-in where no registry is reachable (scripts/ci/build-base-image.sh).
# It must stay a Debian-based Node image, in every stage:
#   docker build --build-arg NODE_IMAGE=node:24-bookworm-slim@sha256:<digest> .
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- dependencies of the build (dev dependencies included) -----------------
FROM ${NODE_IMAGE} AS build
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /src
COPY package.json package-lock.json ./
# No install scripts: nothing the build needs compiles anything, and a
# dependency's script is code run with the registry's trust.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---- production dependencies only -------------------------------------------
FROM ${NODE_IMAGE} AS deps
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# ---- runtime -----------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# Pinned: an unpinned install can silently resolve to a much older release
# (the package's engines field), and the CLI's flags and output change often.
ARG CLAUDE_CODE_VERSION=2.1.332
ARG NPM_CONFIG_UPDATE_NOTIFIER=false

# tini: PID 1, forwards signals and reaps the CLI's children.
# git, ripgrep, bash: what the CLI's tools call. openssh-client: git over SSH
# (the chart's clone init container). ca-certificates: TLS to Slack and Anthropic.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      tini git ripgrep bash openssh-client ca-certificates \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log

# The CLI's install script must run: it links the native binary in place of a
# stub that only prints an error. `claude --version` proves it did.
RUN npm install -g --no-audit --no-fund --allow-scripts=@anthropic-ai/claude-code \
      "@anthropic-ai/claude-code@${CLAUDE_CODE_VERSION}" \
 && rm -rf /root/.npm /tmp/* \
 && claude --version

# The app's files stay owned by root: the process cannot rewrite its own code.
WORKDIR /app
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./

# /data holds each bot's CLI config (CLAUDE_CONFIG_DIR) and per-job files;
# /tmp is scratch. Both are volumes so that the root file system can be
# read-only (docker run --read-only, Kubernetes readOnlyRootFilesystem).
RUN mkdir -p /data \
 && chown 1000:1000 /data \
 && chmod 0750 /data
VOLUME ["/data", "/tmp"]

ENV NODE_ENV=production \
    PORT=3000 \
    DATA_DIR=/data \
    HOME=/home/node

# The node user (uid 1000 in the Node images), by number so that Kubernetes
# can verify runAsNonRoot without a runAsUser.
USER 1000:1000
EXPOSE 3000

HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# Last, so that a new revision or date does not invalidate the layers above.
ARG NODE_IMAGE
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="orchestrator" \
      org.opencontainers.image.description="Turns Slack conversations into work done by the Claude Code CLI" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="UNLICENSED" \
      org.opencontainers.image.base.name="${NODE_IMAGE}" \
      com.anthropic.claude-code.version="${CLAUDE_CODE_VERSION}"

# node, not npm: signals reach the app, which drains on SIGTERM.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/main.js"]
