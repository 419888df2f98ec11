# One image for all three Beluga processes: gateway (default), orchestrator, realtime.
# docker-compose.yml picks the process per service with `command`; by hand:
#   docker run beluga-telephony:local node --import tsx workers/orchestrator.ts
#
# TypeScript runs directly through tsx (a runtime dependency), so there is no build step.
# Debian (glibc) rather than Alpine: the Temporal core bridge and other native addons ship
# prebuilt glibc binaries.

FROM node:20.20.2-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Full install by default. tsx, webpack and @swc/core (the Temporal workflow bundler) are all
# production dependencies, so `--build-arg NPM_CI_FLAGS=--omit=dev` also works and gives a
# smaller image.
ARG NPM_CI_FLAGS=""
RUN npm ci --no-audit --no-fund ${NPM_CI_FLAGS} \
 && npm cache clean --force

# The operator console (console/, React) is bundled by Vite into static files the gateway serves at
# /console; Vite is a dev dependency, so it gets its own full install and only dist/console is kept.
FROM node:20.20.2-bookworm-slim AS console
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# The console imports server types only (erased when bundled), so its own folder is enough.
COPY console ./console
RUN npm run build:console

FROM node:20.20.2-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY . .
COPY --from=console /app/dist/console ./dist/console
# The files stay owned by root, so the app cannot rewrite its own code. tsx keeps its
# transform cache under /tmp.
USER node
EXPOSE 3000 3001
# `node --import tsx` runs as a single process, so SIGTERM from `docker stop` reaches the app
# directly. The tsx CLI would sit in front of it as a wrapper process.
CMD ["node", "--import", "tsx", "workers/gateway.ts"]
