"""Checks every record passes before it is staged, whatever its feed.

A feed's suite checks what its data means; these check what no feed may store: a national
identity or co-ordination number in any text field (masked, and the record quarantined), a text
value too long to be data (quarantined, cut short in the quarantine copy), a nested object
where one value belongs (a source that changed a field's shape), and an infinite or NaN number. They also make
any value storable in a jsonb quarantine row (no NUL characters, no lone surrogates, no
infinities), so a hostile record can always be quarantined.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from vagled.privacy import mask_identity_numbers

# Longer than any name, code or headline a feed stages; a value above it is quarantined.
MAX_TEXT_CHARS = 100_000
# How much of an over-long value the quarantine copy keeps.
EXCERPT_CHARS = 2_000

IDENTITY_NUMBER_CHECK = "no_identity_numbers"
TEXT_SIZE_CHECK = "text_within_size_limit"
SINGLE_VALUE_CHECK = "single_value"
FINITE_NUMBER_CHECK = "finite_number"
STORABLE_VALUE_CHECK = "storable_value"  # PostgreSQL refused the value (vagled.pipeline.load)
# Records held by these keep a masked, cut or converted copy in quarantine: a replay must never
# publish that copy; the source is fixed and the DAG rerun instead.
PRE_STAGING_CHECKS = frozenset(
    {IDENTITY_NUMBER_CHECK, TEXT_SIZE_CHECK, SINGLE_VALUE_CHECK, FINITE_NUMBER_CHECK, STORABLE_VALUE_CHECK}
)


def check_record(record: dict[str, Any], columns: Iterable[str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Return the record with identity numbers masked (and over-long text cut), and why to quarantine it.

    Args:
        record: a parsed record (staged column -> value).
        columns: the columns that are stored; only their text is checked.

    Returns:
        (the record to stage or quarantine, a list of reasons; empty when it may be staged)
    """
    checked = dict(record)
    reasons: list[dict[str, Any]] = []
    for column in columns:
        value = record.get(column)
        if isinstance(value, dict | list | tuple | set):
            reasons.append(
                {
                    "expectation": SINGLE_VALUE_CHECK,
                    "column": column,
                    "detail": f"a nested {type(value).__name__} where one value belongs",
                }
            )
            checked[column] = storable(value if not isinstance(value, set) else sorted(map(str, value)))
            continue
        if isinstance(value, float) and not math.isfinite(value):
            reasons.append({"expectation": FINITE_NUMBER_CHECK, "column": column, "detail": f"{value} is not a number"})
            checked[column] = storable(value)
            continue
        if not isinstance(value, str):
            continue
        masked, found = mask_identity_numbers(value)
        if found:
            reasons.append(
                {
                    "expectation": IDENTITY_NUMBER_CHECK,
                    "column": column,
                    "detail": "a national identity or co-ordination number (masked; the raw payload keeps it)",
                }
            )
        if len(masked) > MAX_TEXT_CHARS:
            reasons.append(
                {
                    "expectation": TEXT_SIZE_CHECK,
                    "column": column,
                    "detail": f"{len(masked)} characters, above the limit of {MAX_TEXT_CHARS}",
                }
            )
            masked = masked[:EXCERPT_CHARS] + "…"
        checked[column] = masked
    return checked, reasons


def storable(value: Any) -> Any:
    """The value with what jsonb and UTF-8 refuse replaced: NUL, lone surrogates, NaN and infinities.

    Used for quarantine copies only; the raw payload keeps every byte as received.
    """
    if isinstance(value, str):
        if "\x00" in value:
            value = value.replace("\x00", "\ufffd")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            value = value.encode("utf-8", "replace").decode("utf-8")
        return value
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else str(value)
    if isinstance(value, dict):
        return {storable(k) if isinstance(k, str) else k: storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [storable(v) for v in value]
    return value


def masked_text(text: str | None) -> str:
    """Text with identity numbers masked and made storable (for reasons, excerpts and error messages)."""
    return storable(mask_identity_numbers(text or "")[0] or "")
