# Debian's PostgreSQL on the Debian-built base (deploy/base-image.sh builds it as
# vagled-postgres:bookworm), for machines that reach no image registry. It starts like the
# official postgres image, so the compose file's settings work unchanged: POSTGRES_USER,
# POSTGRES_PASSWORD and POSTGRES_DB create the cluster on first start in PGDATA, and the command is
# `postgres` with its options. Production keeps the official image (docker-compose.yml).
ARG BASE_IMAGE=vagled-base:bookworm
FROM ${BASE_IMAGE}
USER root
# No default cluster from the package: the entrypoint creates one in the volume.
RUN mkdir -p /etc/postgresql-common \
 && echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf \
 && apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql \
 && apt-get clean && rm -rf /var/lib/apt/lists/* \
 && ln -s "$(ls -d /usr/lib/postgresql/*/bin)" /usr/lib/postgresql/bin \
 && mkdir -p /var/lib/postgresql/data /var/run/postgresql \
 && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql \
 && chmod 700 /var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV PATH=/usr/lib/postgresql/bin:$PATH \
    PGDATA=/var/lib/postgresql/data
USER postgres
EXPOSE 5432
# PostgreSQL's fast shutdown, as in the official image.
STOPSIGNAL SIGINT
ENTRYPOINT ["/usr/bin/dumb-init", "--", "/usr/local/bin/docker-entrypoint.sh"]
CMD ["postgres"]
