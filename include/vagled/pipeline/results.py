"""What the load path's steps return and raise, and the JSON they write, shared by load, stage and replay.

A module of its own so that load, stage and replay import it and not each other.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any


class BatchRejected(RuntimeError):
    """A batch failed validation beyond its feed's threshold, or its structure is wrong."""


@dataclass(frozen=True)
class StageResult:
    batch_id: int
    received: int
    quarantined: int
    out_of_area: int
    validation_s: float = 0.0


@dataclass(frozen=True)
class PublishResult:
    batch_id: int
    received: int
    loaded: int
    quarantined: int
    duplicates: int
    out_of_area: int

    def as_dict(self) -> dict[str, int]:
        return self.__dict__.copy()


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def to_json(value: Any) -> str:
    """JSON text for jsonb columns (dates as ISO strings, NaN as null)."""
    if isinstance(value, dict):
        value = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in value.items()}
    return json.dumps(value, default=_json_default, ensure_ascii=False)
