"""Reading the CSV files public agencies and municipalities publish: encoding, separator, headers.

Files come as UTF-8 (with or without BOM) or Windows-1252, semicolon- or comma-separated, with
Swedish headers and decimal commas. Shared by every feed that reads CSV.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from vagled.pipeline.feed import SourceStructureError


def decode_text(body: bytes) -> str:
    """Decode UTF-8 (BOM or not); fall back to Windows-1252, the other encoding Swedish files use."""
    if body.startswith(b"\xef\xbb\xbf"):
        return body[3:].decode("utf-8")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("cp1252")


def read_csv_rows(body: bytes, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) of a CSV whose header holds every ``required`` column.

    Title rows above the header are skipped: the header is the first line naming every required
    column.

    Raises:
        SourceStructureError: no line names every required column (a renamed or missing header).
    """
    lines = decode_text(body).splitlines()
    index, delimiter, header = _find_header(lines, required)
    reader = csv.reader(io.StringIO("\n".join(lines[index + 1 :])), delimiter=delimiter)
    names = [cell.casefold() for cell in header]
    for offset, cells in enumerate(reader, start=index + 2):
        if not any(cell.strip() for cell in cells):
            continue
        yield offset, {name: (cells[pos].strip() if pos < len(cells) else "") for pos, name in enumerate(names)}


def _find_header(lines: list[str], required: tuple[str, ...]) -> tuple[int, str, list[str]]:
    wanted = {name.casefold() for name in required}
    for index, line in enumerate(lines[:10]):
        delimiter = ";" if line.count(";") >= line.count(",") else ","
        header = [cell.strip().strip('"') for cell in next(csv.reader([line], delimiter=delimiter))]
        if wanted <= {cell.casefold() for cell in header}:
            return index, delimiter, header
    first = lines[0] if lines else ""
    raise SourceStructureError(f"no header with the columns {', '.join(required)}; the file starts {first[:200]!r}")


def parse_swedish_number(value: str | None) -> float | None:
    """Read '1 234,5' or '1234.5'; '', '..' and '-' are missing values."""
    if value is None:
        return None
    cleaned = value.replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if cleaned in ("", "..", "-", "."):
        return None
    return float(cleaned)
