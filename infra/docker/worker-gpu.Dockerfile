# syntax=docker/dockerfile:1
# A GPU training worker: @tensorflow/tfjs-node-gpu, whose libtensorflow (TF 2.9) needs
# CUDA 11.2 and cuDNN 8.1. Core picks the `tensorflow` backend when it loads and records it in
# each run's lineage. Build from the repository root on a machine with internet access
# (tfjs-node-gpu downloads libtensorflow at install time):
#   docker build -f infra/docker/worker-gpu.Dockerfile -t graft/worker-gpu \
#     --build-arg CUDA_IMAGE=nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04 \
#     --build-arg NODE_VERSION=20.20.2 --build-arg TFJS_VERSION=4.22.0 .
# Build arguments:
#   CUDA_IMAGE    base image with CUDA 11.2 + cuDNN 8 runtime (default below)
#   NODE_VERSION  Node.js release installed from nodejs.org (linux-x64 tarball)
#   TFJS_VERSION  @tensorflow/tfjs-node-gpu version; keep it equal to @tensorflow/tfjs in core
ARG CUDA_IMAGE=nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04
ARG NODE_VERSION=20.20.2
ARG TFJS_VERSION=4.22.0

FROM ${CUDA_IMAGE} AS node
ARG NODE_VERSION
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl xz-utils \
  && curl -fsSL "https://nodejs.org/dist/v${NODE_VERSION}/node-v${NODE_VERSION}-linux-x64.tar.xz" \
     | tar -xJ -C /usr/local --strip-components=1 \
  && apt-get purge -y curl xz-utils && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*

# Compiles core and the API; its node_modules (with the dev dependencies) stay here.
FROM node AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY packages/core/package.json packages/core/
COPY apps/api/package.json apps/api/
RUN npm ci --no-audit --no-fund --workspace @graft/core --workspace @graft/api --include-workspace-root
COPY tsconfig.base.json ./
COPY packages/core packages/core
COPY apps/api apps/api
RUN npm run build -w @graft/core && npm run build -w @graft/api

# Production dependencies only, plus tfjs-node-gpu. It is in no package.json (it cannot be
# installed on machines without internet; core loads it when present), so `npm prune` would
# remove it as extraneous: it is installed after an `npm ci --omit=dev`, in a stage of its own.
FROM node AS deps
ARG TFJS_VERSION
WORKDIR /app
# node-gyp's toolchain, for when no prebuilt tfjs-node binding matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
COPY packages/core/package.json packages/core/
COPY apps/api/package.json apps/api/
RUN npm ci --omit=dev --no-audit --no-fund --workspace @graft/core --workspace @graft/api --include-workspace-root \
  && npm install --omit=dev --no-save --no-audit --no-fund "@tensorflow/tfjs-node-gpu@${TFJS_VERSION}"

FROM node AS runtime
WORKDIR /app
ENV NODE_ENV=production GRAFT_DATA_DIR=/var/lib/graft
RUN useradd --create-home --uid 10001 graft && mkdir -p /var/lib/graft && chown graft /var/lib/graft
COPY --from=deps --chown=graft /app/node_modules node_modules
COPY --from=build --chown=graft /app/package.json ./
COPY --from=build --chown=graft /app/packages/core/package.json packages/core/
COPY --from=build --chown=graft /app/packages/core/dist packages/core/dist
COPY --from=build --chown=graft /app/packages/core/assets packages/core/assets
COPY --from=build --chown=graft /app/apps/api/package.json apps/api/
COPY --from=build --chown=graft /app/apps/api/dist apps/api/dist
COPY --from=build --chown=graft /app/apps/api/drizzle apps/api/drizzle
USER graft
HEALTHCHECK NONE
CMD ["node", "apps/api/dist/cli.js", "worker"]
