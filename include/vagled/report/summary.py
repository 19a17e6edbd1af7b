"""A plain-text summary of the warehouse: per feed what was received, loaded and quarantined."""

from __future__ import annotations

from vagled.sql import load_sql


def warehouse_summary(conn) -> dict[str, list[tuple]]:
    """Return the per-feed batch totals and the row count of every core table."""
    from psycopg import sql

    totals = conn.execute(load_sql("report/select_load_batch_totals")).fetchall()
    tables = [row[0] for row in conn.execute(load_sql("report/select_core_row_counts"))]
    counts = [
        (table, conn.execute(sql.SQL("select count(*) from core.{}").format(sql.Identifier(table))).fetchone()[0])
        for table in tables
    ]
    return {"feeds": totals, "core": counts}


def print_warehouse_summary() -> None:
    """Print the summary of the warehouse named by the vagled_warehouse connection."""
    from vagled.warehouse.db import connect

    with connect() as conn:
        summary = warehouse_summary(conn)
    if summary["feeds"]:
        header = ("feed", "batches", "failed", "received", "loaded", "quarant.", "dupl.")
        print("    {:<28} {:>7} {:>6} {:>9} {:>9} {:>9} {:>7}".format(*header))
        for feed, batches, _ok, failed, received, loaded, quarantined, duplicates in summary["feeds"]:
            print(f"    {feed:<28} {batches:>7} {failed:>6} {received:>9} {loaded:>9} {quarantined:>9} {duplicates:>7}")
    else:
        print("    no feed batches loaded yet (audit.load_batch is empty)")
    print("    core tables: " + ", ".join(f"{table} {rows}" for table, rows in summary["core"]))
