"""Reading a revenue file's rows as text cells: CSV or XLSX.

The type comes from the content first (an XLSX file is a ZIP archive) and the file name
second. CSV may be UTF-8 (with or without BOM) or Windows-1252, separated by commas,
semicolons or tabs (whichever the first line holds most of). XLSX cells are turned into the
text a CSV would hold: whole numbers without ``.0``, dates as ``Y-m-d``.

A small XLSX archive can hold a huge sheet, so a workbook is read only while it stays within
bounds: its unpacked size, the rows of its sheet, and the rows that hold something.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime
from typing import Any

from openpyxl import load_workbook

from opengauge.server.domain.revenue import MAX_ROWS, is_blank

#: Columns read from each row; further ones are ignored.
COLUMNS = 6
#: An XLSX file may unpack to at most this much: a 60 KB archive can hold a 17 MB sheet,
#: while 1,000 rows of six cells take a few hundred KB.
MAX_UNPACKED_BYTES = 8 * 1024 * 1024
#: Sheet rows read at most, blank ones included: a row numbered a million costs a few bytes,
#: and openpyxl hands out every empty row before it.
MAX_SHEET_ROWS = 10_000
#: Rows that hold something read at most: a header and one more than the data rows allowed,
#: so that a longer sheet is known to be too long without reading on.
_MAX_FILLED_ROWS = MAX_ROWS + 2

_ZIP_MAGIC = b"PK\x03\x04"
_XLSX_NAMES = (".xlsx", ".xlsm")
_CSV_NAMES = (".csv", ".txt")
_SEPARATORS = (",", ";", "\t")


class UnreadableFile(Exception):
    """The file is not a CSV or XLSX file we can read."""


class TooMuchData(Exception):
    """The workbook holds more than we read; the message is the upload's log line."""


def read_rows(filename: str, content: bytes) -> list[list[str]]:
    """Every row of the file as up to six trimmed text cells."""
    name = filename.lower()
    if content.startswith(_ZIP_MAGIC):
        return _xlsx_rows(content)
    suffix = name[name.rfind(".") :] if "." in name else ""
    if suffix not in (*_CSV_NAMES, ""):
        raise UnreadableFile(f"files of type {suffix} are not read")
    return _csv_rows(content)


def _decode(content: bytes) -> str:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1252")
        except UnicodeDecodeError as error:
            raise UnreadableFile("neither UTF-8 nor Windows-1252 text") from error
    if "\x00" in text:
        raise UnreadableFile("binary content")
    return text


def _csv_rows(content: bytes) -> list[list[str]]:
    text = _decode(content)
    first_line = text.split("\n", 1)[0]
    separator = max(_SEPARATORS, key=first_line.count)
    try:
        return [
            [cell.strip() for cell in row[:COLUMNS]]
            for row in csv.reader(io.StringIO(text, newline=""), delimiter=separator)
        ]
    except csv.Error as error:
        raise UnreadableFile(str(error)) from error


def _xlsx_rows(content: bytes) -> list[list[str]]:
    try:
        # The declared sizes bound what zipfile will inflate, so they can be trusted here.
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise UnreadableFile("not a ZIP archive") from error
    if unpacked > MAX_UNPACKED_BYTES:
        limit = MAX_UNPACKED_BYTES // (1024 * 1024)
        raise TooMuchData(f"The file unpacks to more than {limit} MB.")
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            return _sheet_rows(workbook.worksheets[0])
        finally:
            workbook.close()
    except TooMuchData:
        raise
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        raise UnreadableFile("not a readable workbook") from error


def _sheet_rows(sheet: Any) -> list[list[str]]:
    rows: list[list[str]] = []
    filled = 0
    # One row past the limit tells whether the sheet goes on (openpyxl then fills the gap).
    cells = sheet.iter_rows(max_row=MAX_SHEET_ROWS + 1, max_col=COLUMNS, values_only=True)
    for number, values in enumerate(cells, start=1):
        if number > MAX_SHEET_ROWS:
            raise TooMuchData(f"The worksheet has more than {MAX_SHEET_ROWS} rows.")
        row = [_cell_text(value) for value in values]
        if not is_blank(row):
            filled += 1
            if filled > _MAX_FILLED_ROWS:
                raise TooMuchData(
                    f"The file holds more than {MAX_ROWS} records; at most {MAX_ROWS} are allowed."
                )
        rows.append(row)
    return rows


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
