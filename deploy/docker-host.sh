#!/usr/bin/env bash
# A Docker engine and Compose from Debian's packages, for the stack's test and offline sites.
#
#   deploy/docker-host.sh start   install docker.io, docker-compose and debootstrap when missing,
#                                 start dockerd (data in /var/lib/docker) unless one answers;
#                                 prints "started" when it started one, "running" otherwise
#   deploy/docker-host.sh stop    stop the dockerd this script started (nothing else)
#
# Debian bookworm ships Compose v1 (`docker-compose`, 1.29); a machine with the Compose v2 plugin
# (`docker compose`) uses that instead, and the compose files work with both.
set -euo pipefail
PIDFILE=/run/vagled-dockerd.pid
LOG=/var/log/vagled-dockerd.log
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo

install_packages() {
  local missing=()
  [ -x /usr/sbin/dockerd ] || missing+=(docker.io)
  command -v docker-compose >/dev/null || docker compose version >/dev/null 2>&1 || missing+=(docker-compose)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  [ ${#missing[@]} = 0 ] && return
  echo "installing Debian packages: ${missing[*]}" >&2
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
    || { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; }
}

case "${1:-start}" in
  start)
    install_packages
    if docker info >/dev/null 2>&1; then echo running; exit 0; fi
    $SUDO mkdir -p /var/lib/docker
    # setsid: the engine outlives the shell that started it; `stop` ends it by its pid.
    $SUDO setsid /usr/sbin/dockerd --data-root /var/lib/docker --pidfile "$PIDFILE" >>"$LOG" 2>&1 </dev/null &
    for _ in $(seq 60); do
      if docker info >/dev/null 2>&1; then echo started; exit 0; fi
      sleep 1
    done
    echo "dockerd did not answer within 60 s; see $LOG:" >&2
    tail -20 "$LOG" >&2
    exit 1
    ;;
  stop)
    if [ -s "$PIDFILE" ]; then
      pid="$(cat "$PIDFILE")"
      $SUDO kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
      echo stopped
    fi
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
