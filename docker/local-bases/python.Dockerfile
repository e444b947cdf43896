# Stand-in for python:3.11-slim-bookworm where no registry is reachable: Debian's own Python 3.11
# as `python`, with venv. Built by docker/build-local-bases.sh on its debootstrap image.
ARG DEBIAN_IMAGE=torchgrade-local/debian:bookworm
# hadolint ignore=DL3006
FROM ${DEBIAN_IMAGE}
# Debian's stable updates replace package versions, so an exact pin would break builds.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv python-is-python3 \
 && rm -rf /var/lib/apt/lists/*
CMD ["python"]
