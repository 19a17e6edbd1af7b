"""Named SQL statements from include/sql: every statement the code runs lives in a file there."""

from __future__ import annotations

from functools import cache

from vagled.config import SQL_DIR


@cache
def load_sql(name: str) -> str:
    """Return the text of ``include/sql/<name>.sql`` (``name`` like ``core/upsert_county``).

    Raises:
        FileNotFoundError: no such named statement.
    """
    path = (SQL_DIR / f"{name}.sql").resolve()
    if SQL_DIR.resolve() not in path.parents:
        raise ValueError(f"SQL name {name!r} points outside include/sql")
    return path.read_text(encoding="utf-8")
