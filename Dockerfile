# The base is an argument so that a locally built stand-in for the Debian-based
# Node image can be used where no registry is reachable; it must stay Debian.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
# Pinned: an unpinned install can silently resolve to a much older release.
ARG CLAUDE_CODE_VERSION=2.1.332
# git: the CLI works on repositories; tini: forwards signals and reaps the
# CLI's children, so node is not PID 1.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini git ca-certificates \
 && rm -rf /var/lib/apt/lists/*
# Install scripts must run here: the package's postinstall puts the native
# binary in place, and without it `claude` only prints an error (hence the
# version check, which fails the build instead).
RUN npm install -g --no-audit --no-fund --allow-scripts=@anthropic-ai/claude-code \
      "@anthropic-ai/claude-code@${CLAUDE_CODE_VERSION}" \
 && npm cache clean --force \
 && claude --version
ENV NODE_ENV=production \
    DATA_DIR=/data
WORKDIR /app
# The application files stay owned by root: the app cannot rewrite its own code.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /data \
 && chown node:node /data
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/main.js"]
