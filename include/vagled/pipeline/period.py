"""The period a run loads: one pure function, never the wall clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vagled.config import STOCKHOLM


class PeriodError(ValueError):
    """A run has neither a data interval nor period params."""


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise PeriodError("a period's start and end must be timezone-aware")
        if self.start > self.end:
            raise PeriodError(f"period start {self.start.isoformat()} is after its end {self.end.isoformat()}")


def _parse(value: Any, name: str) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError as exc:
            raise PeriodError(f"param {name}={value!r} is not an ISO 8601 date or timestamp") from exc
    if parsed.tzinfo is None:
        # Dates without an offset are Swedish local time, as upstream documents them.
        parsed = parsed.replace(tzinfo=STOCKHOLM)
    return parsed


def resolve_period(
    data_interval_start: datetime | None,
    data_interval_end: datetime | None,
    params: dict[str, Any] | None = None,
) -> Period:
    """Return the period a run loads.

    Params ``period_start`` and ``period_end`` (set on a manual run) win; otherwise the run's
    data interval is used when it has a width. Asset-triggered and manual runs without params
    have no usable interval, so they get a clear error instead of a guess from the clock.

    Raises:
        PeriodError: no params and no data interval with a width, or malformed params.
    """
    params = params or {}
    start, end = params.get("period_start"), params.get("period_end")
    if start or end:
        if not (start and end):
            raise PeriodError("give both period_start and period_end, or neither")
        return Period(_parse(start, "period_start"), _parse(end, "period_end"))
    if data_interval_start is not None and data_interval_end is not None and data_interval_start < data_interval_end:
        return Period(data_interval_start, data_interval_end)
    raise PeriodError(
        "this run has no data interval (a manual or asset-triggered run): "
        "trigger it with params period_start and period_end (ISO 8601), or let the schedule run it"
    )


def years_param(years: Any) -> list[int] | None:
    """The statistics years a ``years`` param names (a year, a list, or "YYYY-YYYY"); None when not given.

    Raises:
        ValueError: ``years`` is not a year, a list of years or "YYYY-YYYY".
    """
    if years in (None, "", []):
        return None
    if isinstance(years, int):
        return [years]
    if isinstance(years, str):
        first, _, last = years.partition("-")
        return list(range(int(first), int(last or first) + 1))
    if isinstance(years, list | tuple):
        return sorted({int(y) for y in years})
    raise ValueError(f"param years={years!r}: give a year, a list of years or 'YYYY-YYYY'")
