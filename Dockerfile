# syntax=docker/dockerfile:1
# shiftguard: multi-stage build on Node 20 (the project's engine), non-root runtime.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# Native addons (better-sqlite3, when no prebuilt binary fits) compile here, never in the runtime image.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# `npm ci` runs `prepare` (the TypeScript build), so the sources must be present first.
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY bin ./bin
RUN npm ci && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    SHIFTGUARD_LISTEN=0.0.0.0:8080
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node bin ./bin
COPY --chown=node:node config ./config
COPY --chown=node:node dashboards ./dashboards
COPY --chown=node:node package.json ./
RUN mkdir -p /app/data && chown node:node /app/data && ln -s /app/bin/shiftguard.js /usr/local/bin/shiftguard
USER node
VOLUME ["/app/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:8080/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["shiftguard"]
CMD ["serve"]
