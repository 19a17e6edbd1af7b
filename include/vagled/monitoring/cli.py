"""``vagled quarantine list|show|replay``: the engineers' view of quarantine, and replays after a fix."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def add_quarantine_commands(commands: Any) -> None:
    """Add ``quarantine`` with its sub-commands to the ``vagled`` parser."""
    quarantine = commands.add_parser("quarantine", help="list, show and replay quarantined records")
    actions = quarantine.add_subparsers(dest="quarantine_action", required=True)

    listing = actions.add_parser("list", help="batches with records in quarantine not yet replayed")
    listing.add_argument("--feed", help="only this feed")
    listing.add_argument("--limit", type=int, default=50, help="at most this many batches (default 50)")
    listing.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    listing.set_defaults(func=_cmd_list)

    show = actions.add_parser("show", help="the quarantined records of a batch with their reasons")
    show.add_argument("batch_id", type=int, metavar="BATCH")
    show.add_argument("--limit", type=int, default=100, help="at most this many records (default 100)")
    show.add_argument("--json", action="store_true", help="JSON lines, each with the record as kept")
    show.set_defaults(func=_cmd_show)

    replay = actions.add_parser(
        "replay", help="validate a batch's quarantined records again and load those that now pass"
    )
    replay.add_argument("batch_id", type=int, metavar="BATCH")
    replay.add_argument("--note", help="why (recorded in audit.quarantine_replay), e.g. the fix made")
    replay.add_argument("--by", dest="replayed_by", help="who replays (default: $VAGLED_OPERATOR or the login)")
    replay.add_argument("--dry-run", action="store_true", help="validate and report, keep nothing")
    replay.set_defaults(func=_cmd_replay)


def _connect():
    from vagled.warehouse.db import connect
    from vagled.warehouse.embedded import use_embedded_warehouse_by_default

    use_embedded_warehouse_by_default()
    return connect(autocommit=True)


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if hasattr(value, "isoformat"):
        return value.isoformat(timespec="minutes") if hasattr(value, "hour") else value.isoformat()
    return str(value)


def _cmd_list(args: argparse.Namespace) -> int:
    from vagled.monitoring.quarantine import list_open

    with _connect() as conn:
        batches = list_open(conn, feed=args.feed, limit=args.limit)
    if args.json:
        for batch in batches:
            print(json.dumps(batch.__dict__, default=_text, ensure_ascii=False))
        return 0
    if not batches:
        print("no quarantined records waiting" + (f" for {args.feed}" if args.feed else ""))
        return 0
    print(f"{'batch':>7}  {'feed':<22} {'part':<5} {'period':<23} {'open':>6}  reasons")
    for b in batches:
        period = f"{_text(b.interval_start)[:10]}..{_text(b.interval_end)[:10]}" if b.interval_start else "-"
        replay = f" (replay of {b.replay_of_batch_id})" if b.replay_of_batch_id else ""
        print(
            f"{b.batch_id:>7}  {b.feed:<22} {b.partition_key or '-':<5} {period:<23} {b.open_records:>6}  "
            f"{b.reasons or ''}{replay}"
        )
    return 0


def _reason_text(reason: dict[str, Any]) -> str:
    column = f"({reason['column']})" if reason.get("column") else ""
    detail = reason.get("detail")
    value = reason.get("value")
    extra = f": {detail}" if detail else (f" = {value!r}" if value is not None else "")
    return f"{reason.get('expectation')}{column}{extra}"


def _cmd_show(args: argparse.Namespace) -> int:
    from vagled.monitoring.quarantine import show_batch

    with _connect() as conn:
        records = show_batch(conn, args.batch_id, limit=args.limit)
    if args.json:
        for record in records:
            print(json.dumps(record.__dict__, default=_text, ensure_ascii=False))
        return 0
    if not records:
        print(f"batch {args.batch_id} has no quarantined records")
        return 0
    for record in records:
        state = f"replayed in batch {record.replayed_batch_id}" if record.replayed_batch_id else "open"
        print(f"record {record.record_no} [{record.natural_key or '-'}] {state}")
        for reason in record.reasons:
            print(f"    {_reason_text(reason)}")
    return 0


def _cmd_replay(args: argparse.Namespace) -> int:
    from vagled.pipeline.replay import ReplayError, replay_batch

    with _connect() as conn:
        try:
            result = replay_batch(
                conn, args.batch_id, replayed_by=args.replayed_by, note=args.note, dry_run=args.dry_run
            )
        except ReplayError as exc:
            print(f"vagled quarantine replay: {exc}", file=sys.stderr)
            return 2
    what = "would replay" if result.dry_run else f"replayed as batch {result.replay_batch_id}"
    print(f"{result.feed} batch {result.source_batch_id} {what}:")
    print(f"  records replayed:  {result.records_replayed}")
    print(f"  loaded:            {result.loaded}")
    print(f"  still quarantined: {result.still_quarantined}")
    print(f"  duplicates:        {result.duplicates}")
    if result.not_replayable:
        print(f"  not replayable:    {result.not_replayable} (unreadable records: fix the parser and rerun the DAG)")
    for expectation, count in sorted(result.still_failing.items()):
        print(f"    still failing {expectation}: {count}")
    if result.dry_run:
        print("dry run: nothing was kept")
    return 0
