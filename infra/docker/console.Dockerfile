# syntax=docker/dockerfile:1
# The Graft console (Next.js). Build from the repository root:
#   docker build -f infra/docker/console.Dockerfile -t graft/console .
ARG NODE_VERSION=20

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip NEXT_TELEMETRY_DISABLED=1
COPY package.json package-lock.json .npmrc ./
COPY apps/console/package.json apps/console/
COPY apps/api/package.json apps/api/
COPY packages/core/package.json packages/core/
RUN npm ci --no-audit --no-fund --workspace @graft/console --include-workspace-root
COPY apps/api/schema.graphql apps/api/
COPY apps/console apps/console
RUN npm run build -w @graft/console && npm prune --omit=dev --workspace @graft/console

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
WORKDIR /app/apps/console
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 CONSOLE_PORT=3000
COPY --from=build --chown=node:node /app/node_modules /app/node_modules
# The console's own dependencies that clash with the root's (React 19 here; the root's React 18
# is the API's, for GraphiQL): npm ci installs them in the workspace, where `next start`
# resolves them first. infra.test.ts checks these folders against package-lock.json.
COPY --from=build --chown=node:node /app/apps/console/node_modules ./node_modules
COPY --from=build --chown=node:node /app/apps/console/package.json ./
COPY --from=build --chown=node:node /app/apps/console/.next .next
COPY --from=build --chown=node:node /app/apps/console/next.config.ts ./
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3000/sign-in').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "/app/node_modules/next/dist/bin/next", "start", "-p", "3000", "-H", "0.0.0.0"]
