#!/usr/bin/env bash
# Build local stand-ins for the upstream base images, for a host that reaches no container
# registry but does reach a Debian mirror: a Debian bookworm image made with debootstrap, and on
# it Python, PostgreSQL and Redis images with the upstream images' interface (docker/local-bases/).
# Run as root, with debootstrap installed; it prints the settings that select the stand-ins
# (KEY=value lines for docker/.env or the environment of `docker compose build` and `up`).
#
#   docker/build-local-bases.sh
#
# DOCKER: the client command (default `docker`); BUILD_NETWORK: the network of the builds' RUN
# steps (default `default`; `host` where the daemon has no bridge); DEBIAN_MIRROR: the mirror (default
# http://deb.debian.org/debian). The Debian image, once imported, is kept: `docker image rm
# torchgrade-local/debian:bookworm` to make it again. The others are rebuilt from the build cache.
set -euo pipefail
cd "$(dirname "$0")/local-bases"
DOCKER=${DOCKER:-docker}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
BUILD_NETWORK=${BUILD_NETWORK:-default}
DEBIAN_IMAGE=torchgrade-local/debian:bookworm

if ! $DOCKER image inspect "$DEBIAN_IMAGE" >/dev/null 2>&1; then
  command -v debootstrap >/dev/null || { echo "build-local-bases.sh: debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }
  rootfs=$(mktemp -d /var/tmp/torchgrade-rootfs.XXXXXX)
  trap 'rm -rf "$rootfs"' EXIT
  echo "Making $DEBIAN_IMAGE with debootstrap from $MIRROR" >&2
  debootstrap --variant=minbase bookworm "$rootfs" "$MIRROR" >/dev/null
  cat > "$rootfs/etc/apt/sources.list" <<SOURCES
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb ${MIRROR%/debian}/debian-security bookworm-security main
SOURCES
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | $DOCKER import -c 'CMD ["bash"]' - "$DEBIAN_IMAGE" >/dev/null
fi

for base in python:3.11 postgres:15 redis:7.0; do
  name=${base%%:*}
  tag=torchgrade-local/$name:${base#*:}-bookworm
  echo "Building $tag" >&2
  DOCKER_BUILDKIT=1 $DOCKER build --quiet --network "$BUILD_NETWORK" --build-arg "DEBIAN_IMAGE=$DEBIAN_IMAGE" \
    -f "$name.Dockerfile" -t "$tag" . >/dev/null
  echo "${name^^}_IMAGE=$tag"
done
