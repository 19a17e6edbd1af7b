"""Reading the CSV files public agencies and municipalities publish: encoding, separator, headers.

Files come as UTF-8 (with or without BOM) or Windows-1252, semicolon- or comma-separated, with
Swedish headers and decimal commas; some (the municipalities' own) as XLSX, with title rows and
headers spelt each their own way (read_table). Shared by every feed that reads tables.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from vagled.pipeline.feed import SourceStructureError

# A multi-byte UTF-8 sequence ("å" is C3 A5). Windows-1252 Swedish text has none: its "å" is E5
# followed by an ASCII letter.
UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")


def decode_text(body: bytes) -> str:
    """Decode UTF-8 (BOM or not), else Windows-1252, the other encoding Swedish files use.

    A file that is UTF-8 apart from a few invalid bytes stays UTF-8: the invalid bytes become
    U+FFFD, so that only the rows holding them are quarantined (see ``has_invalid_text``) instead
    of the whole file being misread as Windows-1252. A declared charset is not trusted: files
    are often sent in another encoding than their headers say.
    """
    if body.startswith(b"\xef\xbb\xbf"):
        return body[3:].decode("utf-8", errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        if UTF8_MULTIBYTE.search(body):
            return body.decode("utf-8", errors="replace")
        return body.decode("cp1252")


def has_invalid_text(values: Iterable[str | None]) -> bool:
    """Whether a decoded row holds bytes that were not valid in the file's encoding."""
    return any(value is not None and "\ufffd" in value for value in values)


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


# -- tables whose headers vary: CSV or XLSX, headers matched through aliases ---------------------
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UnreadableFile(ValueError):
    """A file that cannot be read as a table at all (a corrupt spreadsheet, binary noise)."""


@dataclass(frozen=True)
class Table:
    """A table found in a file.

    Attributes:
        header: the header cells as written in the file.
        fields: column position -> canonical field name, for the columns an alias matched.
        rows: (line or sheet row number, {field: value}); CSV values are text, XLSX values are
            what the cell holds (text, int, float, datetime) or "" when empty.
    """

    header: tuple[str, ...]
    fields: dict[int, str]
    rows: Iterator[tuple[int, dict[str, Any]]]


def normalise_header(text: Any) -> str:
    """Fold a header cell for matching: case, quotes, '_'/'-' as spaces, runs of spaces."""
    folded = str(text or "").strip().strip('"').casefold().replace("_", " ").replace("-", " ")
    return " ".join(folded.split())


def is_xlsx(body: bytes, content_type: str) -> bool:
    return body.startswith(b"PK\x03\x04") or "spreadsheetml" in (content_type or "")


def read_table(
    body: bytes,
    content_type: str,
    aliases: Mapping[str, Iterable[str]],
    required: Iterable[str],
    *,
    search_rows: int = 10,
) -> Table:
    """Find the header of a CSV or XLSX file (title rows above it are skipped) and map it to fields.

    Args:
        aliases: canonical field -> the header spellings that mean it (matched after normalise_header).
        required: the fields a header must have; the header is the first row (of the first
            ``search_rows``) that has them all.

    Raises:
        UnreadableFile: the body is neither a readable spreadsheet nor text.
        SourceStructureError: no row within ``search_rows`` has every required field.
    """
    lookup = {normalise_header(alias): field for field, names in aliases.items() for alias in (field, *names)}
    wanted = set(required)
    rows = _xlsx_rows(body) if is_xlsx(body, content_type) else _csv_rows(body)
    seen: list[str] = []
    for _ in range(search_rows):
        item = next(rows, None)
        if item is None:
            break
        _, cells = item
        fields = {pos: lookup[normalise_header(c)] for pos, c in enumerate(cells) if normalise_header(c) in lookup}
        if wanted <= set(fields.values()):
            header = tuple(str(c or "").strip() for c in cells)
            return Table(header, fields, _mapped(rows, fields))
        seen.append(" | ".join(str(c) for c in cells if c not in (None, ""))[:120])
    raise SourceStructureError(
        f"no header row with the fields {', '.join(sorted(wanted))} in the first {search_rows} rows; "
        f"the file starts: {' / '.join(seen[:3])!r}"
    )


def _mapped(rows: Iterator[tuple[int, list[Any]]], fields: dict[int, str]) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, cells in rows:
        if not any(str(c).strip() for c in cells if c is not None):
            continue
        yield (
            number,
            {
                field: (cells[pos] if pos < len(cells) and cells[pos] is not None else "")
                for pos, field in fields.items()
            },
        )


def _csv_rows(body: bytes) -> Iterator[tuple[int, list[Any]]]:
    if b"\x00" in body[:4096]:
        raise UnreadableFile("binary content, not a text or spreadsheet file")
    lines = decode_text(body).splitlines()
    # One delimiter for the whole file, from the line with the most separators among the first few.
    sample = lines[:20]
    delimiter = ";" if sum(line.count(";") for line in sample) >= sum(line.count(",") for line in sample) else ","
    for number, cells in enumerate(csv.reader(lines, delimiter=delimiter), start=1):
        yield number, [cell.strip() for cell in cells]


def _xlsx_rows(body: bytes) -> Iterator[tuple[int, list[Any]]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnreadableFile(f"not a readable XLSX file: {type(exc).__name__}: {exc}") from exc
    try:
        sheet = workbook.worksheets[0]
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [c.strip() if isinstance(c, str) else c for c in cells]
    finally:
        workbook.close()


def to_number(value: Any) -> float | None:
    """A number from a CSV text ('1 234,5') or an XLSX cell (int/float); empty is None.

    Raises:
        ValueError: text that is not a number.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    return parse_swedish_number(str(value))


def to_whole_number(value: Any) -> int | None:
    """A count: like to_number, but a fractional value is an error, not rounded away.

    Raises:
        ValueError: not a number, or not a whole one.
    """
    number = to_number(value)
    if number is None:
        return None
    if number != int(number):
        raise ValueError(f"{value!r} is not a whole number")
    return int(number)
