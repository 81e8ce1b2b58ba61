# syntax=docker/dockerfile:1
# A Graft training worker (`graft-api worker`: takes runs from the pg-boss queue in Postgres,
# trains with @graft/core on wasm/cpu or ONNX Runtime, stores artifacts in S3). Build from the
# repository root:
#   docker build -f infra/docker/worker.Dockerfile -t graft/worker .
# For GPU workers see worker-gpu.Dockerfile.
ARG NODE_VERSION=20

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./
COPY packages/core/package.json packages/core/
COPY apps/api/package.json apps/api/
RUN npm ci --no-audit --no-fund --workspace @graft/core --workspace @graft/api --include-workspace-root
COPY tsconfig.base.json ./
COPY packages/core packages/core
COPY apps/api apps/api
RUN npm run build -w @graft/core && npm run build -w @graft/api \
  && npm prune --omit=dev --workspace @graft/core --workspace @graft/api

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production GRAFT_DATA_DIR=/var/lib/graft
COPY --from=build --chown=node:node /app/node_modules node_modules
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/packages/core/package.json packages/core/
COPY --from=build --chown=node:node /app/packages/core/dist packages/core/dist
COPY --from=build --chown=node:node /app/packages/core/assets packages/core/assets
COPY --from=build --chown=node:node /app/apps/api/package.json apps/api/
COPY --from=build --chown=node:node /app/apps/api/dist apps/api/dist
COPY --from=build --chown=node:node /app/apps/api/drizzle apps/api/drizzle
RUN mkdir -p /var/lib/graft && chown node:node /var/lib/graft
USER node
# A worker has no HTTP port: it is healthy while its process runs (pg-boss retries the runs of
# a worker that dies once their job expires).
HEALTHCHECK NONE
CMD ["node", "apps/api/dist/cli.js", "worker"]
