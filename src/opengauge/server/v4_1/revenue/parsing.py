"""Reading a revenue file's rows as text cells: CSV or XLSX.

The type comes from the content first (an XLSX file is a ZIP archive) and the file name
second. CSV may be UTF-8 (with or without BOM) or Windows-1252, separated by commas,
semicolons or tabs (whichever the first line holds most of). XLSX cells are turned into the
text a CSV would hold: whole numbers without ``.0``, dates as ``Y-m-d``.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from openpyxl import load_workbook

#: Columns read from each row; further ones are ignored.
COLUMNS = 6
#: An XLSX file may unpack to at most this much (a small archive can hide a huge sheet).
MAX_UNPACKED_BYTES = 64 * 1024 * 1024

_ZIP_MAGIC = b"PK\x03\x04"
_XLSX_NAMES = (".xlsx", ".xlsm")
_CSV_NAMES = (".csv", ".txt")
_SEPARATORS = (",", ";", "\t")


class UnreadableFile(Exception):
    """The file is not a CSV or XLSX file we can read."""


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
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_UNPACKED_BYTES:
            raise UnreadableFile("the workbook unpacks to too much data")
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            return list(_sheet_rows(workbook.worksheets[0]))
        finally:
            workbook.close()
    except UnreadableFile:
        raise
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        raise UnreadableFile("not a readable workbook") from error


def _sheet_rows(sheet: Any) -> Iterator[list[str]]:
    for row in sheet.iter_rows(max_col=COLUMNS, values_only=True):
        yield [_cell_text(value) for value in row]


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
