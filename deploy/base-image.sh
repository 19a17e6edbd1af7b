#!/usr/bin/env bash
# Builds the images the stack needs from Debian's packages alone, for machines that reach no image
# registry (the stack's test, offline sites). Each is built only when missing, so layers and
# images are reused between runs:
#
#   vagled-base:bookworm       Debian bookworm (debootstrap --variant=minbase) shaped like the
#                              official apache/airflow image: user airflow (50000:0), a Python 3.11
#                              virtualenv on PATH, AIRFLOW_HOME=/opt/airflow, curl, dumb-init and
#                              an entrypoint that runs Airflow subcommands (`api-server`, ...).
#                              Build the project's image on it with
#                              --build-arg BASE_IMAGE=vagled-base:bookworm.
#   vagled-postgres:bookworm   Debian's PostgreSQL on that base, started like the official
#                              postgres image (POSTGRES_USER/PASSWORD/DB, PGDATA, `postgres` args).
#   vagled-redis:bookworm      Debian's redis-server on that base.
#
# Usage: deploy/base-image.sh [base|postgres|redis|all]   (default: all). Needs root (debootstrap)
# and a running Docker engine (deploy/docker-host.sh). MIRROR overrides the Debian mirror.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
BASE_IMAGE="${VAGLED_BASE_IMAGE:-vagled-base:bookworm}"
POSTGRES_IMAGE="${VAGLED_POSTGRES_IMAGE:-vagled-postgres:bookworm}"
REDIS_IMAGE="${VAGLED_REDIS_IMAGE:-vagled-redis:bookworm}"
SUITE=bookworm
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
# What the project's image needs from the system; Python packages come from requirements.lock.
PACKAGES=python3,python3-venv,python3-dev,ca-certificates,curl,dumb-init,procps,libpq5,tzdata

exists() { docker image inspect "$1" >/dev/null 2>&1; }

build_base() {
  if exists "$BASE_IMAGE"; then echo "$BASE_IMAGE: present"; return; fi
  local rootfs
  rootfs="$(mktemp -d /var/tmp/vagled-rootfs.XXXXXX)"
  trap 'rm -rf "$rootfs"' RETURN
  echo "$BASE_IMAGE: debootstrap $SUITE from $MIRROR"
  debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$rootfs" "$MIRROR" >"$rootfs.log" 2>&1 \
    || { tail -20 "$rootfs.log"; exit 1; }
  rm -f "$rootfs.log"
  # The host's extra certificate authorities (a TLS-inspecting proxy on the way to PyPI, say):
  # the image trusts what the machine that builds it trusts.
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
    chroot "$rootfs" update-ca-certificates >/dev/null
  fi
  chroot "$rootfs" /bin/bash -euo pipefail -c '
    useradd --uid 50000 --gid 0 --home-dir /home/airflow --create-home --shell /bin/bash airflow
    python3 -m venv /opt/python
    mkdir -p /opt/airflow
    chown -R airflow:0 /opt/python /opt/airflow
    chmod -R g+rwX /opt/python /opt/airflow
    apt-get clean
    rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /usr/share/doc/* /usr/share/man/* /usr/share/locale/*'
  install -m 0755 "$here/entrypoint.sh" "$rootfs/entrypoint"
  tar -C "$rootfs" -c . | docker import \
    --change 'ENV PATH=/opt/python/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV AIRFLOW_HOME=/opt/airflow' \
    --change 'ENV PIP_DISABLE_PIP_VERSION_CHECK=1' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'USER airflow' \
    --change 'WORKDIR /opt/airflow' \
    --change 'ENTRYPOINT ["/usr/bin/dumb-init", "--", "/entrypoint"]' \
    --change 'CMD ["--help"]' \
    - "$BASE_IMAGE" >/dev/null
  echo "$BASE_IMAGE: imported ($(docker image inspect -f '{{.Size}}' "$BASE_IMAGE") bytes)"
}

build_service() {  # image dockerfile
  if exists "$1"; then echo "$1: present"; return; fi
  echo "$1: building from $2"
  DOCKER_BUILDKIT=0 docker build --quiet --network host --build-arg "BASE_IMAGE=$BASE_IMAGE" -t "$1" -f "$here/$2" "$here" >/dev/null
  echo "$1: built"
}

case "${1:-all}" in
  base) build_base ;;
  postgres) build_base; build_service "$POSTGRES_IMAGE" postgres.Dockerfile ;;
  redis) build_base; build_service "$REDIS_IMAGE" redis.Dockerfile ;;
  all) build_base; build_service "$POSTGRES_IMAGE" postgres.Dockerfile; build_service "$REDIS_IMAGE" redis.Dockerfile ;;
  *) echo "usage: $0 [base|postgres|redis|all]" >&2; exit 2 ;;
esac
