"""Reading an import's CSV file: the delimiter, the header row, the fixed-schema checks."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import click


def open_csv(path: Path) -> tuple[IO[str], Iterator[list[str]], list[str]]:
    """The file, a reader past the header row, and the header (BOM dropped, ``;`` or ``,``)."""
    handle = path.open(encoding="utf-8-sig", newline="")
    first = handle.readline()
    delimiter = ";" if first.count(";") > first.count(",") else ","
    handle.seek(0)
    # Re-read from the start: ``utf-8-sig`` drops the BOM again after a seek to 0.
    reader = csv.reader(handle, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        handle.close()
        raise click.UsageError(f"{path} is empty: the first row must name the fields") from None
    if not header or any(not h.strip() for h in header):
        handle.close()
        raise click.UsageError(f"{path}: every column of the header row needs a name")
    return handle, reader, [h.strip() for h in header]


def count_rows(path: Path) -> int:
    """The number of data rows (the header not counted)."""
    handle, reader, _ = open_csv(path)
    with handle:
        return sum(1 for _ in reader)


def check_header(path: Path, required: tuple[str, ...], optional: tuple[str, ...]) -> None:
    """Refuse a fixed-schema file whose header names unknown or misses required columns,
    before anything is sent."""
    handle, _, header = open_csv(path)
    handle.close()
    unknown = [name for name in header if name not in required + optional]
    missing = [name for name in required if name not in header]
    if unknown or missing:
        problems = []
        if missing:
            problems.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            problems.append(f"unknown column(s) {', '.join(unknown)}")
        raise click.UsageError(
            f"{path}: {'; '.join(problems)} (the columns are {', '.join(required + optional)})"
        )
