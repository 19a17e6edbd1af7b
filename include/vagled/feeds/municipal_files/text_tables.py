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

UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

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
    if body.startswith(UTF16_BOMS):  # Excel's "Unicode text" export
        return body.decode("utf-16", errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        if UTF8_MULTIBYTE.search(body):
            return body.decode("utf-8", errors="replace")
        # Five bytes are undefined in Windows-1252: they become U+FFFD and their rows are quarantined.
        return body.decode("cp1252", errors="replace")


@dataclass(frozen=True)
class BadRow:
    """A record the CSV reader could not split; it is quarantined, and reading goes on.

    E.g. a field longer than csv's limit (``csv.field_size_limit()``, 131 072 characters).
    """

    reason: str


def _csv_records(lines: Iterable[str], delimiter: str) -> Iterator[tuple[int, list[str] | BadRow]]:
    """Yield (line number, cells) per CSV record, or (line number, BadRow) for a record csv cannot read.

    csv starts every record afresh, so reading goes on after a bad one.
    """
    reader = csv.reader(lines, delimiter=delimiter)
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield reader.line_num, BadRow(f"cannot be read as CSV: {exc}")
            continue
        yield reader.line_num, cells


def has_invalid_text(values: Iterable[str | None]) -> bool:
    """Whether a decoded row holds bytes that were not valid in the file's encoding."""
    return any(value is not None and "\ufffd" in value for value in values)


def read_csv_rows(body: bytes, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str] | BadRow]]:
    """Yield (line number, row) of a CSV whose header holds every ``required`` column.

    Title rows above the header are skipped: the header is the first line naming every required
    column. A record the CSV reader cannot split comes as a BadRow.

    Raises:
        SourceStructureError: no line names every required column (a renamed or missing header).
    """
    lines = decode_text(body).splitlines()
    index, delimiter, header = _find_header(lines, required)
    names = [cell.casefold() for cell in header]
    for number, cells in _csv_records(io.StringIO("\n".join(lines[index + 1 :])), delimiter):
        if isinstance(cells, BadRow):
            yield number + index + 1, cells
            continue
        if not any(cell.strip() for cell in cells):
            continue
        yield (
            number + index + 1,
            {name: (cells[pos].strip() if pos < len(cells) else "") for pos, name in enumerate(names)},
        )


def _find_header(lines: list[str], required: tuple[str, ...]) -> tuple[int, str, list[str]]:
    wanted = {name.casefold() for name in required}
    for index, line in enumerate(lines[:10]):
        delimiter = ";" if line.count(";") >= line.count(",") else ","
        try:
            header = [cell.strip().strip('"') for cell in next(csv.reader([line], delimiter=delimiter), [])]
        except csv.Error:
            continue
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
            what the cell holds (text, int, float, datetime, or a Formula) or "" when empty; a row
            that cannot be read comes as a BadRow.
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
        if isinstance(cells, BadRow):
            seen.append(cells.reason[:120])
            continue
        fields = {pos: lookup[normalise_header(c)] for pos, c in enumerate(cells) if normalise_header(c) in lookup}
        if wanted <= set(fields.values()):
            header = tuple(str(c or "").strip() for c in cells)
            return Table(header, fields, _mapped(rows, fields))
        seen.append(" | ".join(str(c) for c in cells if c not in (None, ""))[:120])
    raise SourceStructureError(
        f"no header row with the fields {', '.join(sorted(wanted))} in the first {search_rows} rows; "
        f"the file starts: {' / '.join(seen[:3])!r}"
    )


def _mapped(
    rows: Iterator[tuple[int, list[Any] | BadRow]], fields: dict[int, str]
) -> Iterator[tuple[int, dict[str, Any] | BadRow]]:
    for number, cells in rows:
        if isinstance(cells, BadRow):
            yield number, cells
            continue
        if not any(str(c).strip() for c in cells if c is not None):
            continue
        yield (
            number,
            {
                field: (cells[pos] if pos < len(cells) and cells[pos] is not None else "")
                for pos, field in fields.items()
            },
        )


def _csv_rows(body: bytes) -> Iterator[tuple[int, list[Any] | BadRow]]:
    if b"\x00" in body[:4096] and not body.startswith(UTF16_BOMS):
        raise UnreadableFile("binary content, not a text or spreadsheet file")
    lines = decode_text(body).splitlines()
    # One delimiter for the whole file, from the line with the most separators among the first few.
    sample = lines[:20]
    delimiter = ";" if sum(line.count(";") for line in sample) >= sum(line.count(",") for line in sample) else ","
    for number, cells in _csv_records(lines, delimiter):
        yield number, cells if isinstance(cells, BadRow) else [cell.strip() for cell in cells]


# A municipality's spreadsheet is a few hundred kilobytes unpacked. Far more, or a part that packs
# far tighter than real sheets do, is a zip bomb: refused before anything is unpacked.
MAX_XLSX_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_XLSX_PACKING_RATIO = 200


@dataclass(frozen=True)
class Formula:
    """A spreadsheet cell that holds a formula: its value is not in the file (or may be stale)."""

    text: str

    def __str__(self) -> str:
        return self.text


def check_zip_size(body: bytes) -> None:
    """Refuse a ZIP container whose parts unpack to more than MAX_XLSX_UNPACKED_BYTES or pack too tightly.

    The sizes come from the ZIP directory; zipfile never unpacks more than a part declares.

    Raises:
        UnreadableFile: not a ZIP file, or one that unpacks too far.
    """
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableFile(f"not a readable XLSX file: {type(exc).__name__}: {exc}") from exc
    unpacked = sum(part.file_size for part in parts)
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise UnreadableFile(
            f"the XLSX file unpacks to {unpacked} bytes, above the limit of {MAX_XLSX_UNPACKED_BYTES} (a zip bomb?)"
        )
    for part in parts:
        if part.file_size > 1024 * 1024 and part.file_size > MAX_XLSX_PACKING_RATIO * max(part.compress_size, 1):
            raise UnreadableFile(
                f"the XLSX part {part.filename!r} unpacks {part.file_size // max(part.compress_size, 1)} times its "
                f"packed size, above {MAX_XLSX_PACKING_RATIO} (a zip bomb?)"
            )


def _cell_value(cell: Any) -> Any:
    value = getattr(cell, "value", None)
    if getattr(cell, "data_type", None) == "f":
        return Formula(str(value))
    return value.strip() if isinstance(value, str) else value


def _xlsx_rows(body: bytes) -> Iterator[tuple[int, list[Any]]]:
    """The first sheet's rows, every one read before the first is yielded.

    A spreadsheet that breaks off part-way is unreadable as a whole, never half loaded; the sizes
    were checked first (check_zip_size), so reading it all is bounded.
    """
    from openpyxl import load_workbook

    check_zip_size(body)
    try:
        # data_only=False: a formula shows as a formula (its cached value may be missing or stale).
        workbook = load_workbook(io.BytesIO(body), read_only=True, data_only=False)
        try:
            sheet = workbook.worksheets[0]
            rows = [[_cell_value(c) for c in cells] for cells in sheet.iter_rows()]
        finally:
            workbook.close()
    except Exception as exc:  # untrusted bytes: any failure to read them means the file is unreadable
        raise UnreadableFile(f"not a readable XLSX file: {type(exc).__name__}: {str(exc)[:200]}") from exc
    yield from enumerate(rows, start=1)


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
