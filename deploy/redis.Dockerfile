# Debian's redis-server on the Debian-built base (deploy/base-image.sh builds it as
# vagled-redis:bookworm), for machines that reach no image registry; the compose file's command
# (`redis-server --requirepass ...`) and health check (`redis-cli ping`) work unchanged.
# Production keeps the official image (docker-compose.yml).
ARG BASE_IMAGE=vagled-base:bookworm
FROM ${BASE_IMAGE}
USER root
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends redis-server \
 && apt-get clean && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data && chown redis:redis /data
USER redis
WORKDIR /data
EXPOSE 6379
ENTRYPOINT []
CMD ["redis-server"]
