# Stand-in for redis:7.2-bookworm where no registry is reachable: Debian's Redis (7.0), run as
# `redis` in /data like the upstream image. Built by docker/build-local-bases.sh.
ARG DEBIAN_IMAGE=torchgrade-local/debian:bookworm
# hadolint ignore=DL3006
FROM ${DEBIAN_IMAGE}
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends redis-server redis-tools \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir /data && chown redis:redis /data
# A new named volume mounted on /data starts as a copy of this folder, owner included.
VOLUME /data
WORKDIR /data
# Debian gives `redis` no fixed uid; the name is resolved inside the image.
# hadolint ignore=DL3066
USER redis
EXPOSE 6379
CMD ["redis-server"]
