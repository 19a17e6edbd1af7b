# The project's image: the official Airflow image with the locked `vagled` package, its DAGs,
# SQL, reference data, suites and plugins. docker-compose.yml builds it (`docker compose build`).
# AIRFLOW_VERSION and PYTHON_VERSION must match requirements.lock (a test checks it).
ARG AIRFLOW_VERSION=3.3.2
ARG PYTHON_VERSION=3.11
# The image built on: the official Airflow image, as production pulls it. Where no image registry
# is reachable, deploy/base-image.sh builds vagled-base:bookworm from Debian's packages with the
# same contract (user airflow 50000:0, pip on PATH, Airflow's entrypoint):
#   docker build --build-arg BASE_IMAGE=vagled-base:bookworm .
ARG BASE_IMAGE=apache/airflow:${AIRFLOW_VERSION}-python${PYTHON_VERSION}
FROM ${BASE_IMAGE}
ARG AIRFLOW_VERSION

# Folders that named volumes mount: a fresh volume takes their owner (the airflow user), so
# every component can write there without running as root.
USER root
RUN mkdir -p /opt/airflow/auth /opt/airflow/logs /var/lib/vagled \
 && chown -R airflow:0 /opt/airflow/auth /opt/airflow/logs /var/lib/vagled \
 && chmod -R g+rwX /opt/airflow/auth /opt/airflow/logs /var/lib/vagled
USER airflow

# The package is installed in place (editable): it finds include/sql, include/reference, dags/
# and expectations/ beside itself, as in a checkout. The lock pins every dependency; pinning
# apache-airflow too keeps pip from touching the image's Airflow.
WORKDIR /opt/vagled
COPY --chown=airflow:0 pyproject.toml requirements.lock README.md ./
COPY --chown=airflow:0 include ./include
RUN pip install --no-cache-dir --constraint requirements.lock "apache-airflow==${AIRFLOW_VERSION}" --editable .

COPY --chown=airflow:0 dags ./dags
COPY --chown=airflow:0 plugins ./plugins
COPY --chown=airflow:0 expectations ./expectations

ENV AIRFLOW__CORE__DAGS_FOLDER=/opt/vagled/dags \
    AIRFLOW__CORE__PLUGINS_FOLDER=/opt/vagled/plugins \
    VAGLED_HOME=/var/lib/vagled
WORKDIR /opt/airflow
