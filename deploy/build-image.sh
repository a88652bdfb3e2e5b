#!/usr/bin/env bash
# Builds the app image from ./Dockerfile.
#
#   deploy/build-image.sh [TAG]             The normal build: pulls node:24-bookworm-slim and docker:28-cli
#                                           and runs npm ci inside the build (needs Docker Hub and npm).
#   deploy/build-image.sh --offline [TAG]   For machines that cannot pull images (this project's CI):
#     1. dds-node-base:local   assembled from this machine's own Node runtime: node, the shared libraries
#                              `ldd` lists for it and for better-sqlite3's addon, CA certificates, busybox as
#                              /bin/sh, and a `node` user (uid/gid 1000) as in the official node images;
#     2. dds-docker-cli:local  this machine's docker CLI binary (it must be static, as Docker's own is);
#     3. production node_modules and dist/ prepared on the host (same Node and libc as that base), as
#        `npm run build` makes dist/: tsc, build/bundle.mjs, the dashboard;
#     4. the same Dockerfile built with PREBUILT=true on those two bases.
#
# TAG defaults to docker-deploy-script:latest (what deploy/stack.yml runs). Prints the image size at the end.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
offline=false
if [ "${1:-}" = "--offline" ]; then offline=true; shift; fi
tag="${1:-docker-deploy-script:latest}"

if [ "$offline" = false ]; then
  docker build -t "$tag" "$repo"
  docker image inspect --format "built $tag: {{.Size}} bytes" "$tag"
  exit 0
fi

export DOCKER_BUILDKIT=0 # the classic builder needs no buildx plugin and builds only the stages it needs here
work="$(mktemp -d /tmp/dds-image-XXXXXX)"
trap 'rm -rf "$work"' EXIT
log() { printf '== %s\n' "$*" >&2; }

# Copies a file to the same path under $1, following symlinks, so the image has plain files.
copy_into() {
  local root="$1" file="$2" dir
  dir="$(cd "$(dirname "$file")" && pwd -P)"
  mkdir -p "$root$dir"
  cp -L "$file" "$root$dir/$(basename "$file")"
}

# The shared libraries a binary needs, one absolute path a line (from ldd).
libraries_of() {
  ldd "$1" | awk '/=> \// { print $3 } /^\s*\/[^ ]+ \(/ { print $1 }'
}

node_bin="$(readlink -f "$(command -v node)")"
node_version="$("$node_bin" --version)"
sqlite_addon="$repo/node_modules/better-sqlite3/build/Release/better_sqlite3.node"
[ -f "$sqlite_addon" ] || { echo "run npm ci first: $sqlite_addon is missing" >&2; exit 1; }

if [ "$(docker image inspect --format '{{index .Config.Labels "dds.node"}}' dds-node-base:local 2>/dev/null)" != "$node_version" ]; then
  log "assembling dds-node-base:local from $node_bin ($node_version)"
  root="$work/base"
  mkdir -p "$root"/{usr/bin,usr/lib,usr/lib64,usr/local/bin,etc/ssl/certs,tmp,root,home/node}
  ln -s usr/bin "$root/bin"; ln -s usr/lib "$root/lib"; ln -s usr/lib64 "$root/lib64"; ln -s usr/bin "$root/usr/sbin"; ln -s usr/sbin "$root/sbin"
  cp "$node_bin" "$root/usr/local/bin/node"
  for lib in $( (libraries_of "$node_bin"; libraries_of "$sqlite_addon") | sort -u); do copy_into "$root" "$lib"; done
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
  cp /bin/busybox "$root/usr/bin/busybox"
  for applet in $(/bin/busybox --list); do [ -e "$root/usr/bin/$applet" ] || ln -s busybox "$root/usr/bin/$applet"; done
  printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnode:x:1000:\nnogroup:x:65534:\n' >"$root/etc/group"
  printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
  chmod 1777 "$root/tmp"; chmod 700 "$root/root"
  tar -C "$root" --numeric-owner --owner=0 --group=0 -cf "$work/base.tar" --exclude=./home/node .
  tar -C "$root" --numeric-owner --owner=1000 --group=1000 -rf "$work/base.tar" ./home/node
  docker import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c "LABEL dds.node=$node_version" -c 'CMD ["node"]' \
    "$work/base.tar" dds-node-base:local >/dev/null
fi

docker_bin="$(readlink -f "$(command -v docker)")"
if ldd "$docker_bin" >/dev/null 2>&1; then
  echo "$docker_bin is dynamically linked; the image needs a static docker CLI (https://download.docker.com/linux/static/stable/)" >&2
  exit 1
fi
log "assembling dds-docker-cli:local from $docker_bin"
mkdir -p "$work/cli/usr/local/bin"
# Stripping drops the Go debug info: about a quarter of the binary, nothing the CLI uses.
if command -v strip >/dev/null; then strip -o "$work/cli/usr/local/bin/docker" "$docker_bin"; else cp "$docker_bin" "$work/cli/usr/local/bin/docker"; fi
tar -C "$work/cli" --numeric-owner --owner=0 --group=0 -cf "$work/cli.tar" .
docker import "$work/cli.tar" dds-docker-cli:local >/dev/null

log "preparing production node_modules and dist/ on the host"
context="$work/context"
mkdir -p "$context"
cp "$repo/package.json" "$repo/package-lock.json" "$context/"
# Its contents, not the folder: in a git worktree node_modules can be a symlink to another checkout's,
# and pruning through that link would remove the other checkout's dev dependencies.
mkdir -p "$context/node_modules"
cp -a "$repo/node_modules/." "$context/node_modules/"
(cd "$context" && npm prune --omit=dev --no-audit --no-fund --loglevel=error >/dev/null)
(cd "$repo" && npx tsc -p tsconfig.build.json --outDir "$context/dist" && node build/bundle.mjs "$context/dist")
(cd "$repo" && npx vite build --config web/vite.config.ts --logLevel warn --outDir "$context/dist/web")

log "building $tag"
docker build -q \
  --build-arg NODE_IMAGE=dds-node-base:local \
  --build-arg DOCKER_CLI_IMAGE=dds-docker-cli:local \
  --build-arg PREBUILT=true \
  -f "$repo/Dockerfile" -t "$tag" "$context" >/dev/null
docker image inspect --format "built $tag: {{.Size}} bytes" "$tag"
