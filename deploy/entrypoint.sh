#!/bin/bash
# Entrypoint of the Debian-built base image (deploy/base-image.sh), with the official Airflow
# image's behaviour: a shell or Python command runs as given, anything else is an Airflow
# subcommand (`api-server`, `celery worker`, ...).
set -e
case "${1:-}" in
  bash | sh | python | python3 | airflow | celery | vagled | /*) exec "$@" ;;
  "") exec bash ;;
  *) exec airflow "$@" ;;
esac
