"""What a feed module declares: where its records go, how they are parsed, keyed and validated.

The load path (vagled.pipeline.load) does the rest, the same way for every feed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ParseFailure:
    """A record that could not be read at all; it goes to quarantine with this reason.

    ``check`` names the failed check in quarantine.record.reasons (where the suite's
    expectations name theirs), ``reason`` says what was wrong with this record.
    """

    reason: str
    excerpt: str = ""
    check: str = "parseable_record"


class SourceStructureError(ValueError):
    """A payload's structure is not what the feed expects (a renamed or missing header or field).

    The whole batch is rejected: loading part of a source whose shape changed would be a guess.
    """


# A parser turns one landed payload (bytes + content type) into records: dicts of staged
# columns, or ParseFailure for what cannot be read. It must stream (yield), never build lists.
Parser = Callable[[bytes, str], Iterator[dict[str, Any] | ParseFailure]]

# A row parser is an optional, faster parser of the same payloads for a high-volume feed: it gives
# a record as a tuple of the staged columns in order (values of the column types, so they can be
# COPYed in binary), or as the dict or ParseFailure the feed's Parser gives for that record.
RowParser = Callable[[bytes, str], Iterator[tuple | dict[str, Any] | ParseFailure]]

# A lander fetches what one run needs from the upstream and lands it in raw:
# land(conn, batch_id, period, params) -> a small dict for XCom (at least ``parts``; an
# incremental feed adds ``watermark``, the point its next run starts from once this one is published).
# For a feed loaded in parts, params carries the part's key as ``partition``.
Lander = Callable[[Any, int, Any, Mapping[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Freshness:
    """How old a feed's data may be before it counts as stale (vagled.monitoring.freshness).

    Attributes:
        dag_id: the DAG that loads the feed (the Data health page links to it).
        max_age: the time since the last successful batch after which the feed is stale, as
            ``"<n>h"`` or ``"<n>d"``: the feed's cadence plus the slack its upstream needs.
        per_county: the feed is loaded per municipality (audit.load_batch.partition_key); it is
            also shown per county, a county as fresh as its stalest municipality.
        description: one line for the Data health page.
    """

    dag_id: str
    max_age: str
    per_county: bool = False
    description: str = ""


def always(params: Mapping[str, Any]) -> bool:
    """A run always covers a period (the default of FeedSpec.period_required)."""
    return True


@dataclass(frozen=True)
class FeedSpec:
    """The declaration of one feed.

    Attributes:
        name: the feed's name in audit.load_batch and quarantine.record (e.g. ``job_ads``).
        staging_table: table in schema ``staging`` (without schema).
        columns: staged columns, in COPY order (batch_id and record_no come first, implicitly).
        natural_key: the columns that identify a record in core.
        suite: the Great Expectations suite, ``expectations/<suite>.json``.
        publish_sql: named SQL (include/sql) that merges one staged batch into core.
        parse: the parser of one landed payload.
        parse_rows: a faster parser of the same payloads (see RowParser); when set, staging uses
            it instead of ``parse`` and must get the same records from it.
        asset_uri: the Asset the publish task emits (vagled.assets names them).
        pool: the Airflow connection of the upstream the extract task calls; the task runs in that
            upstream's pool (vagled.pools).
        freshness: how old the feed's data may be (vagled.monitoring.freshness).
        max_quarantine_share: above this share of quarantined records the batch is rejected whole.
        in_area: a record filter for national sources; records outside count as out_of_area.
        suite_parameters: values the suite needs at run time (reference code lists), read from core.
        order_by: staged columns that decide which of several records with one key wins (latest
            last): publish keeps the last by them in its passing rows (load.build_passing_rows).
        passing_split: staged columns that keep records of one natural key apart in the passing
            rows, because different statements publish them (a job ad's full record and its
            removal); they still count as one key loaded.
        land: fetches one run's payloads from the upstream into raw (see Lander).
        period_required: whether a run with these params covers a period (a backfill of whole
            years, or a full reference snapshot, does not).
        pre_publish_sql: named SQL run before ``publish_sql`` in the same transaction, each with
            the batch id (e.g. the dimension rows the facts reference).
        post_publish_sql: named SQL run after ``publish_sql`` in the same transaction, each with
            the batch id, before staging is cleared (e.g. closing what a full snapshot no longer holds).
        replayable: quarantined records can be replayed alone (``vagled quarantine replay``). False
            when publishing a few records would change others (a snapshot whose publish retires
            every code it does not list): rerun the DAG instead.
        replay_post_publish_sql: the ``post_publish_sql`` steps a replay runs. By default none: a
            replay only merges its records and never closes or retires what it does not hold.
        batch_checks: checks of the staged batch as a whole (e.g. the same total reached from two
            files): ``batch_checks(conn, batch_id)`` returns failure messages; any failure rejects
            the batch with them before anything is published.
    """

    name: str
    staging_table: str
    columns: tuple[str, ...]
    natural_key: tuple[str, ...]
    suite: str
    publish_sql: str
    parse: Parser
    asset_uri: str
    pool: str = ""
    freshness: Freshness | None = None
    max_quarantine_share: float = 0.2
    parse_rows: RowParser | None = None
    in_area: Callable[[dict[str, Any]], bool] | None = None
    suite_parameters: Callable[[Any], dict[str, Any]] | None = None
    order_by: tuple[str, ...] = field(default=("record_no",))
    passing_split: tuple[str, ...] = ()
    land: Lander | None = None
    period_required: Callable[[Mapping[str, Any]], bool] = always
    partition_parameter: str | None = None
    pre_publish_sql: tuple[str, ...] = ()
    post_publish_sql: tuple[str, ...] = ()
    replayable: bool = True
    replay_post_publish_sql: tuple[str, ...] = ()
    batch_checks: Callable[[Any, int], list[str]] | None = None

    def key_of(self, record: dict[str, Any]) -> str:
        """Return the natural key of a record as text (for quarantine rows)."""
        return "|".join("" if record.get(col) is None else str(record.get(col)) for col in self.natural_key)
