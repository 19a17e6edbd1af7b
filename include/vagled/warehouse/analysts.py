"""Analysts' logins: one per person, a member of their county's read role (analyst_NN)."""

from __future__ import annotations

import re
import secrets

from vagled.config import area_county_codes, county_role_name
from vagled.sql import load_sql

_LOGIN = re.compile(r"^[a-z][a-z0-9_]{2,62}$")


def add_analyst(conn, login: str, county_code: str) -> str:
    """Create ``login`` in county ``county_code``'s read role and return its new password.

    Raises:
        ValueError: the login is not a plain lower-case name, or the county is not in the area.
    """
    from psycopg import sql

    if not _LOGIN.match(login) or login.startswith(("analyst", "vagled", "pg_")):
        raise ValueError(f"{login!r}: a login is 3-63 lower-case letters, digits or _, not a reserved name")
    if county_code not in area_county_codes():
        raise ValueError(f"county {county_code!r} is not one of the area's ({', '.join(area_county_codes())})")
    password = secrets.token_urlsafe(18)
    conn.execute(
        sql.SQL(load_sql("roles/create_analyst_login")).format(
            login=sql.Identifier(login),
            password=sql.Literal(password),
            county_role=sql.Identifier(county_role_name(county_code)),
        )
    )
    return password
