# Stand-in for postgres:16-bookworm where no registry is reachable: Debian's PostgreSQL (15) with
# the upstream image's interface (POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB, data in
# /var/lib/postgresql/data, pg_isready on PATH). Built by docker/build-local-bases.sh.
ARG DEBIAN_IMAGE=torchgrade-local/debian:bookworm
# hadolint ignore=DL3006
FROM ${DEBIAN_IMAGE}
# No cluster at install time: the entrypoint creates one in the data volume.
# hadolint ignore=DL3008
RUN mkdir -p /etc/postgresql-common \
 && echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf \
 && apt-get update \
 && apt-get install -y --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/*
ENV PATH=/usr/lib/postgresql/15/bin:$PATH \
    PGDATA=/var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint.sh
VOLUME /var/lib/postgresql/data
EXPOSE 5432
# Fast shutdown: disconnect clients and stop (SIGTERM would wait for every client to leave).
STOPSIGNAL SIGINT
ENTRYPOINT ["/usr/local/bin/postgres-entrypoint.sh"]
CMD ["postgres"]
