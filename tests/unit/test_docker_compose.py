"""docker-compose.yml, Dockerfile and .env.example, checked without a Docker engine.

The compose file is validated against the Compose Specification's JSON schema (vendored in
tests/data, see its README), and every image, variable, volume, command and Airflow option it
names must exist in the project or be documented in .env.example and docs/deployment.md.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
from pathlib import Path

import pytest

from vagled.config import REPO_ROOT, UPSTREAM_CONN_IDS, WAREHOUSE_CONN_ID
from vagled.pools import UPSTREAM_POOLS

pytestmark = pytest.mark.unit

COMPOSE = REPO_ROOT / "docker-compose.yml"
DOCKERFILE = REPO_ROOT / "Dockerfile"
ENV_EXAMPLE = REPO_ROOT / ".env.example"
SCHEMA = Path(__file__).resolve().parents[1] / "data" / "compose-spec.json"
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}; $$ escapes a dollar.
INTERPOLATION = re.compile(r"(?<!\$)\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-?+])?(?P<arg>[^}]*)\}")
SECRET_KEY = re.compile(r"PASSWORD|SECRET|FERNET|AUTH$|_KEY$|^AIRFLOW_CONN_")
# The upstream connections are URLs of public APIs (or feedsim), not secrets; they still come from .env.
UPSTREAM_URL_KEYS = {f"AIRFLOW_CONN_{conn_id.upper()}" for conn_id in UPSTREAM_CONN_IDS}
LONG_RUNNING = {
    "airflow-db",
    "warehouse",
    "redis",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
    "feedsim",
}


@pytest.fixture(scope="module")
def compose() -> dict:
    import yaml

    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def compose_text() -> str:
    """The compose file without its comment lines (they may show ${VAR} syntax as an example)."""
    return "\n".join(line for line in COMPOSE.read_text().splitlines() if not line.lstrip().startswith("#"))


@pytest.fixture(scope="module")
def env_example() -> dict[str, tuple[str, bool]]:
    """{name: (value, active)}: active lines are set, commented ones (``# NAME=value``) documented."""
    entries: dict[str, tuple[str, bool]] = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = re.match(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$", line.strip())
        if match:
            entries[match[2]] = (match[3], match[1] is None)
    return entries


@pytest.fixture(scope="module")
def deployment_doc() -> str:
    """The page that documents the stack: its services, variables and volumes."""
    return (REPO_ROOT / "docs" / "deployment.md").read_text()


def _validator():
    from jsonschema import Draft202012Validator

    schema = json.loads(SCHEMA.read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _service_env(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def test_compose_file_is_valid_against_the_compose_specification(compose):
    errors = sorted(_validator().iter_errors(compose), key=lambda e: list(e.path))
    assert not errors, [f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors]


def test_the_schema_check_rejects_what_compose_would_reject(compose):
    validator = _validator()
    misspelt = copy.deepcopy(compose)
    misspelt["services"]["redis"]["healthchek"] = misspelt["services"]["redis"].pop("healthcheck")
    assert any("healthchek" in error.message for error in validator.iter_errors(misspelt))
    bad_condition = copy.deepcopy(compose)
    bad_condition["services"]["airflow-scheduler"]["depends_on"]["airflow-init"]["condition"] = "finished"
    assert list(validator.iter_errors(bad_condition))


def test_stack_has_the_services_of_a_celery_deployment(compose):
    services = compose["services"]
    assert LONG_RUNNING | {"airflow-init"} <= set(services)
    assert services["warehouse"]["image"] == "postgres:17"
    assert services["airflow-db"]["image"].startswith("postgres:")
    for name in LONG_RUNNING:
        assert "healthcheck" in services[name], f"{name} has no health check"
    for name, service in services.items():
        for dependency in service.get("depends_on") or {}:
            assert dependency in services, f"{name} depends on unknown service {dependency}"
    for name in ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer"):
        assert services[name]["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"
    worker = services["airflow-worker"]
    # `docker compose up --scale airflow-worker=N` needs no fixed name and no host port
    assert "container_name" not in worker and "ports" not in worker
    assert worker["command"] == "celery worker"
    assert services["feedsim"]["profiles"] == ["feedsim"]


def test_airflow_settings_name_real_options_and_the_celery_executor(compose):
    from airflow.configuration import conf

    described = conf.configuration_description
    for name, service in compose["services"].items():
        for key in _service_env(service):
            if key.startswith("AIRFLOW__"):
                section, option = key.removeprefix("AIRFLOW__").lower().split("__", 1)
                assert option in described.get(section, {}).get("options", {}), f"{name}: {key} is no Airflow option"
    env = _service_env(compose["services"]["airflow-scheduler"])
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
    assert json.loads(env["AIRFLOW__CELERY__EXTRA_CELERY_CONFIG"]) == {"worker_disable_prefetch": True}


def test_every_connection_and_pool_setting_reaches_the_airflow_services(compose, env_example):
    for name in ("airflow-scheduler", "airflow-worker", "airflow-init", "airflow-apiserver"):
        env = _service_env(compose["services"][name])
        for conn_id in (WAREHOUSE_CONN_ID, *UPSTREAM_CONN_IDS):
            assert f"AIRFLOW_CONN_{conn_id.upper()}" in env, f"{name} lacks connection {conn_id}"
        pools = {key for key in env if key.startswith("VAGLED_POOL_SLOTS_")}
        assert pools == {f"VAGLED_POOL_SLOTS_{pool.conn_id.upper()}" for pool in UPSTREAM_POOLS}, name
    # the defaults .env.example shows are the ones the code uses
    for pool in UPSTREAM_POOLS:
        value, active = env_example[f"VAGLED_POOL_SLOTS_{pool.conn_id.upper()}"]
        assert (value, active) == (str(pool.default_slots), False)


def test_every_variable_is_in_env_example_and_documented(compose_text, env_example, deployment_doc):
    used = {match["name"]: match["op"] for match in INTERPOLATION.finditer(compose_text)}
    assert used
    for name, op in used.items():
        assert name in env_example, f"${{{name}}} is not in .env.example"
        if name.startswith("VAGLED_POOL_SLOTS_"):
            # documented as a pattern, beside the table of the pools
            pool = "upstream_" + name.removeprefix("VAGLED_POOL_SLOTS_").lower()
            assert "VAGLED_POOL_SLOTS_<CONNECTION ID>" in deployment_doc and f"`{pool}`" in deployment_doc, name
        else:
            assert name in deployment_doc, f"${{{name}}} is not documented in docs/deployment.md"
        if op in (":?", "?"):
            assert env_example[name][1], f"{name} is required: .env.example must set it"
    # COMPOSE_* are Compose's own settings (the project name), not the file's variables.
    stale = {name for name in set(env_example) - set(used) if not name.startswith("COMPOSE_")}
    assert not stale, f".env.example has variables docker-compose.yml never uses: {sorted(stale)}"


def test_no_secret_is_written_in_the_repository(compose, env_example):
    for name, service in compose["services"].items():
        for key, value in _service_env(service).items():
            if SECRET_KEY.search(key) and key not in UPSTREAM_URL_KEYS and not key.endswith("_FILE"):
                assert "${" in value, f"{name}: {key} holds a literal secret; take it from .env"
    secrets_in_example = {k: v for k, (v, active) in env_example.items() if SECRET_KEY.search(k) and active}
    for key, value in secrets_in_example.items():
        if key not in UPSTREAM_URL_KEYS:
            assert value == "change-me", f".env.example: {key} must be a placeholder, not a secret"
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=REPO_ROOT).returncode
    assert ignored == 0, ".env must be git-ignored"
    tracked = subprocess.run(["git", "ls-files", ".env"], cwd=REPO_ROOT, capture_output=True, text=True).stdout
    assert tracked == ""


def test_redis_password_comes_from_env(compose):
    redis = compose["services"]["redis"]
    command = redis["command"]
    assert command[command.index("--requirepass") + 1].startswith("${REDIS_PASSWORD")


def test_volumes_are_declared_used_and_documented(compose, deployment_doc):
    declared = set(compose["volumes"])
    used: set[str] = set()
    for name, service in compose["services"].items():
        for volume in service.get("volumes") or []:
            source = volume.split(":", 1)[0] if isinstance(volume, str) else volume.get("source", "")
            if source.startswith((".", "/", "~")):
                assert (REPO_ROOT / source).exists(), f"{name} mounts {source}, which does not exist"
            else:
                assert source in declared, f"{name} uses undeclared volume {source}"
                used.add(source)
    assert declared == used, f"declared but unused volumes: {declared - used}"
    for volume in declared:
        assert f"`{volume}`" in deployment_doc, f"volume {volume} is not documented in docs/deployment.md"


def test_images_exist_or_are_built_from_the_dockerfile(compose, deployment_doc):
    for name, service in compose["services"].items():
        if "build" in service:
            context = REPO_ROOT / service["build"]["context"]
            assert (context / service["build"].get("dockerfile", "Dockerfile")).is_file()
        else:
            image = service["image"]
            _, _, tag = image.partition(":")
            assert tag and tag != "latest", f"{name}: pin {image} to a version"
            assert f"`{image}`" in deployment_doc, f"image {image} is not documented in docs/deployment.md"


def test_dockerfile_matches_the_lock_and_copies_what_exists():
    text = DOCKERFILE.read_text()
    lock = (REPO_ROOT / "requirements.lock").read_text()
    airflow_pin = re.search(r"^apache-airflow==(\S+)$", lock, re.M)[1]
    python_version = re.search(r"--python-version (\S+)", lock)[1]
    assert re.search(rf"^ARG AIRFLOW_VERSION={re.escape(airflow_pin)}$", text, re.M), "Dockerfile's Airflow != lock"
    assert re.search(rf"^ARG PYTHON_VERSION={re.escape(python_version)}$", text, re.M), "Dockerfile's Python != lock"
    # The base is a build argument; by default the official image production pulls.
    assert "ARG BASE_IMAGE=apache/airflow:${AIRFLOW_VERSION}-python${PYTHON_VERSION}" in text
    assert re.search(r"^FROM \$\{BASE_IMAGE\}$", text, re.M)
    assert "--constraint requirements.lock" in text
    copied: set[str] = set()
    for line in text.splitlines():
        if line.startswith("COPY "):
            sources = [part for part in line.split()[1:-1] if not part.startswith("--")]
            for source in sources:
                assert (REPO_ROOT / source).exists(), f"Dockerfile copies {source}, which does not exist"
            copied.update(sources)
    # what the package reads at run time beside itself (vagled.config), and what installs it
    needed = {"include", "dags", "plugins", "expectations", "pyproject.toml", "requirements.lock", "README.md"}
    assert needed <= copied, f"the image lacks {needed - copied}"
    ignored = {line.strip() for line in (REPO_ROOT / ".dockerignore").read_text().splitlines()}
    assert not needed & ignored, f".dockerignore leaves out {needed & ignored}"


def test_init_service_runs_commands_that_exist(compose):
    from vagled.cli import build_parser

    script = compose["services"]["airflow-init"]["command"][-1]
    steps = [line.strip() for line in script.splitlines() if line.strip().startswith(("airflow ", "vagled "))]
    assert steps == [
        "airflow db migrate",
        "vagled warehouse bootstrap",
        "vagled warehouse migrate",
        "vagled pools sync",
        "vagled connections check",
    ]
    parser = build_parser()
    for step in steps[1:]:
        args = parser.parse_args(step.split()[1:])
        assert callable(args.func)


HOST_NETWORK = REPO_ROOT / "docker-compose.host-network.yml"


def test_project_name_comes_from_env_example(compose, env_example):
    # Debian's Compose 1.29 rejects a top-level `name`: .env names the project for both versions.
    assert "name" not in compose
    assert env_example["COMPOSE_PROJECT_NAME"] == ("vagled", True)


def test_host_network_override_puts_every_service_on_the_host_network(compose):
    import yaml

    override = yaml.safe_load(HOST_NETWORK.read_text())
    errors = sorted(_validator().iter_errors(override), key=lambda e: list(e.path))
    assert not errors, [f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors]
    assert set(override["services"]) == set(compose["services"])
    for name, service in override["services"].items():
        assert service["network_mode"] == "host", name
    # Registry images are replaced by the Debian-built ones; the project's image stays.
    for name in ("airflow-db", "warehouse", "redis"):
        assert override["services"][name]["image"].startswith("${VAGLED_"), name
    # Secrets still come from .env only: every one is a ${VAR:?...} reference.
    text = "\n".join(line for line in HOST_NETWORK.read_text().splitlines() if not line.lstrip().startswith("#"))
    for match in INTERPOLATION.finditer(text):
        if SECRET_KEY.search(match["name"]):
            assert match["op"] == ":?", match["name"]
