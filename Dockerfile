# syntax=docker/dockerfile:1
# The /room bot as a container: `docker build -t room-bot .`, then run it with the FEISHU_* variables
# (see .env.example; compose.yaml runs it with Redis). It runs the production command, `node dist/main.js`.

# 1. Build: the whole toolchain (devDependencies included) bundles src/ into dist/ (esbuild).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build

# 2. What production needs from npm: dependencies only.
FROM node:20-bookworm-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# 3. The image: node, the production dependencies, dist/ and the defaults; nothing runs as root.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json app.config.json ./
# Without REDIS_URL, accepted messages wait in a journal in DATA_DIR (.data): keep it on a volume.
RUN mkdir .data && chown node:node .data
VOLUME ["/app/.data"]
USER node
EXPOSE 3000
# Liveness: the process answers HTTP. (Readiness, /readyz, is for the load balancer.)
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/livez').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node itself is PID 1 and gets the SIGTERM of `docker stop`: it finishes accepted events and exits 0.
CMD ["node", "dist/main.js"]
