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

FROM node AS build
ARG TFJS_VERSION
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
COPY packages/core/package.json packages/core/
COPY apps/api/package.json apps/api/
RUN npm ci --no-audit --no-fund --workspace @graft/core --workspace @graft/api --include-workspace-root \
  && npm install --no-save "@tensorflow/tfjs-node-gpu@${TFJS_VERSION}"
COPY tsconfig.base.json ./
COPY packages/core packages/core
COPY apps/api apps/api
RUN npm run build -w @graft/core && npm run build -w @graft/api

FROM node AS runtime
WORKDIR /app
ENV NODE_ENV=production GRAFT_DATA_DIR=/var/lib/graft
RUN useradd --create-home --uid 10001 graft && mkdir -p /var/lib/graft && chown graft /var/lib/graft
COPY --from=build --chown=graft /app /app
USER graft
HEALTHCHECK NONE
CMD ["node", "apps/api/dist/cli.js", "worker"]
