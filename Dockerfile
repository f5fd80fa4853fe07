# syntax=docker/dockerfile:1
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig*.json nest-cli.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
# MALLOC_ARENA_MAX: glibc gives each thread that allocates (libuv's pool, V8's compiler and GC
# helpers) an arena of its own; two are enough for a service whose work runs on one thread, and
# hold less memory resident.
ENV NODE_ENV=production PORT=5000 DATA_DIR=/data MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 5000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.OPS_PORT||process.env.PORT||5000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["/usr/bin/tini", "--"]
# V8 heap flags (docs/configuration.md#node-flags); npm run start:prod and nest start use the same.
CMD ["node", "--max-semi-space-size=8", "--heap-growing-percent=60", "dist/main.js"]
