"""``vagled feedsim serve|connections``: run feedsim and point Airflow connections at it.

Connection URIs use Airflow's URI form, ``http://HOST:PORT/<connection id>``: Airflow parses it to
conn_type ``http``, host, port and schema = the connection id, and a client builds its base URL as
``http://{host}:{port}/{schema}``. (The JSON form, ``{"conn_type": "http", "host": ..., "port": ...,
"schema": ...}``, parses to the same fields; the URI is shorter in a shell and round-trips exactly.)
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from vagled.feedsim.server import CONNECTION_IDS

DEFAULT_PORT = 8765


def connection_uris(host: str, port: int) -> dict[str, str]:
    """Return {connection id: Airflow connection URI} for every upstream served by feedsim."""
    return {conn_id: f"http://{host}:{port}/{conn_id}" for conn_id in CONNECTION_IDS}


def connection_env(host: str, port: int) -> dict[str, str]:
    """Return the AIRFLOW_CONN_* variables for every upstream (set them in os.environ or a .env)."""
    return {f"AIRFLOW_CONN_{conn_id.upper()}": uri for conn_id, uri in connection_uris(host, port).items()}


def add_feedsim_commands(subparsers: argparse._SubParsersAction) -> None:
    """Register ``feedsim serve`` and ``feedsim connections`` on an argparse sub-parsers object."""
    feedsim = subparsers.add_parser("feedsim", help="the offline replica of every upstream API")
    commands = feedsim.add_subparsers(dest="feedsim_command", required=True)

    serve = commands.add_parser("serve", help="serve every upstream until interrupted")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve.add_argument("--seed", type=int, default=42)
    serve.add_argument("--scale", type=float, default=0.05, help="job-ad volume, 1.0 = about 150 000 ads a year")
    serve.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME[:N][@CONNECTION[/PATH]]",
        help="apply a fault to every matching request (repeatable); see docs/feedsim.md",
    )
    serve.add_argument("--fault-rate", type=float, default=1.0, help="share of matching requests a fault hits")
    serve.add_argument("--now", default=None, help="the sim's fixed now, e.g. 2026-11-01T00:00:00")
    serve.set_defaults(func=_cmd_serve)

    connections = commands.add_parser("connections", help="print export AIRFLOW_CONN_...=... lines")
    connections.add_argument("--host", default="127.0.0.1")
    connections.add_argument("--port", type=int, required=True)
    connections.set_defaults(func=_cmd_connections)


def _cmd_serve(args: argparse.Namespace) -> int:
    from vagled.feedsim.common import DEFAULT_NOW
    from vagled.feedsim.server import FeedSim

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    logger = logging.getLogger("vagled.feedsim")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    sim = FeedSim(
        host=args.host,
        port=args.port,
        seed=args.seed,
        scale=args.scale,
        faults=args.fault,
        fault_rate=args.fault_rate,
        now=args.now or DEFAULT_NOW,
        log_requests=True,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    sim.start()
    print(f"feedsim on http://{args.host}:{sim.port}/ (Ctrl-C stops); connections:", file=sys.stderr)
    for conn_id, uri in connection_uris(args.host, sim.port).items():
        print(f"  {conn_id}: {uri}", file=sys.stderr)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    return 0


def _cmd_connections(args: argparse.Namespace) -> int:
    for key, uri in connection_env(args.host, args.port).items():
        print(f"export {key}='{uri}'")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the feedsim commands alone: ``python -m vagled.feedsim.cli serve``."""
    parser = argparse.ArgumentParser(prog="feedsim")
    sub = parser.add_subparsers(dest="command", required=True)
    add_feedsim_commands(sub)
    args = parser.parse_args(["feedsim", *(argv if argv is not None else sys.argv[1:])])
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
