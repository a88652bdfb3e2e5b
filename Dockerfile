# docker-deploy-script: the compiled app (dist/src/main.js is one bundle of it and its packages, see
# build/bundle.mjs), its production node_modules (the packages left outside the bundle, and the
# migration CLI's) and the docker CLI.
#
#   docker build -t docker-deploy-script .                       # the normal build (Docker Hub + npm registry)
#   deploy/build-image.sh --offline docker-deploy-script:latest  # machines that cannot pull: see that script
#
# Runs as the unprivileged `node` user (uid/gid 1000). It starts as root only for the first
# milliseconds: dist/src/docker-entrypoint.js joins the group that owns /var/run/docker.sock (its gid
# differs between hosts, and swarm stack files cannot `group_add`), drops to uid 1000 for good and then
# loads the app in the same process, so node is PID 1 and gets SIGTERM itself.

# Node 24 LTS; any Node 20+ image works (the tests here build on this machine's Node 20).
ARG NODE_IMAGE=node:24-bookworm-slim
# Only its static /usr/local/bin/docker is used: no daemon, no Debian docker.io package.
ARG DOCKER_CLI_IMAGE=docker:28-cli

FROM ${DOCKER_CLI_IMAGE} AS docker-cli

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# PREBUILT=true: the context already holds production node_modules and dist/ (deploy/build-image.sh
# --offline prepares them on the host); nothing is installed or compiled here then.
ARG PREBUILT=false
COPY package.json package-lock.json ./
# better-sqlite3 compiles from source when no prebuilt binary fits: python3, make and g++.
RUN if [ "$PREBUILT" != true ]; then \
      apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
      && rm -rf /var/lib/apt/lists/* \
      && npm ci --no-audit --no-fund; \
    fi
COPY . .
RUN if [ "$PREBUILT" != true ]; then npm run build && npm prune --omit=dev --no-audit --no-fund; fi \
 && test -f dist/src/main.js
# Run time needs none of these (about 90 MB): source maps, TypeScript sources and declarations, docs,
# the empty scope folders npm prune leaves, and better-sqlite3's C sources and build objects (only its
# compiled addon is loaded).
RUN find node_modules -type f \( -name '*.map' -o -name '*.ts' -o -name '*.md' \) -exec rm -f {} + \
 && find node_modules -mindepth 1 -maxdepth 1 -type d -empty -exec rmdir {} + \
 && cd node_modules/better-sqlite3 \
 && mv build/Release/better_sqlite3.node . && rm -rf build deps src \
 && mkdir -p build/Release && mv better_sqlite3.node build/Release/

FROM ${NODE_IMAGE} AS app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=docker-cli /usr/local/bin/docker /usr/local/bin/docker
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Fail the build, not the first start, when the native SQLite addon or the docker CLI cannot load.
RUN mkdir -p /data && chown 1000:1000 /data \
 && node -e "new (require('better-sqlite3'))(':memory:').close()" \
 && docker --version
VOLUME /data
EXPOSE 8080
STOPSIGNAL SIGTERM
# Liveness only: readiness includes the database, and swarm would restart every replica during an outage.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node's flags and variables as in `npm run start:prod`, which the bench measures (src/docker-entrypoint.spec.ts
# checks they agree).
ENTRYPOINT ["node", "dist/src/docker-entrypoint.js"]
