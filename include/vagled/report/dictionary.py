"""The data dictionary (docs/data-dictionary.md), generated from the warehouse's own comments.

The comments live in the migrations, next to the tables; this only renders them, so the
dictionary can never say something the warehouse does not. ``vagled docs dictionary`` writes it,
``--check`` fails when the committed file differs from what the warehouse says.
"""

from __future__ import annotations

from itertools import groupby

from vagled.config import REPO_ROOT
from vagled.sql import load_sql

DICTIONARY_PATH = REPO_ROOT / "docs" / "data-dictionary.md"


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def render_dictionary(conn) -> str:
    """Return the data dictionary of schemas mart and core as Markdown."""
    rows = conn.execute(load_sql("report/select_data_dictionary")).fetchall()
    lines = [
        "# Data dictionary / Datakatalog",
        "",
        "Generated from the warehouse's own comments by `vagled docs dictionary`; do not edit by hand.",
        "Every relation analysts can read: the marts first (what to query), then core (the detail).",
        "Relations marked *row-level security* show each county's analysts only their own county's rows.",
        "",
    ]
    for (schema, relation), group in groupby(rows, key=lambda r: (r[0], r[1])):
        columns = list(group)
        kind, comment, rls = columns[0][2], columns[0][3], columns[0][4]
        lines += [f"## {schema}.{relation}", "", f"*{kind}*" + (" · *row-level security*" if rls else ""), ""]
        if comment:
            lines += [_cell(comment), ""]
        lines += ["| column | type | null | description |", "|---|---|---|---|"]
        for *_, name, column_type, nullable, column_comment in columns:
            lines.append(f"| `{name}` | {column_type} | {'yes' if nullable else 'no'} | {_cell(column_comment)} |")
        lines.append("")
    return "\n".join(lines)
