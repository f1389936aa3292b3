"""Revenue uploads, the revenue lines they stored and the lines' monthly amounts."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from opengauge.server.storage.transaction import Tx

#: Rows per multi-row INSERT of monthly amounts (5 parameters each, far below any limit).
_MONTHS_CHUNK = 200


@dataclass(frozen=True)
class Upload:
    """One stored revenue upload."""

    id: int
    status: str
    source_filename: str
    date_upload: str
    total_records: int
    successful_records: int
    unsuccessful_records: int
    logs: list[str]


@dataclass(frozen=True)
class NewLine:
    """A revenue line to store, with its monthly amounts."""

    account_id: int
    amount: Decimal
    start: date
    end: date | None
    kind: str
    description: str | None
    months: Sequence[tuple[date, Decimal]]


def account_ids(tx: Tx, system_id: int, names: Iterable[str]) -> dict[str, int]:
    """Account ids by name for the names that exist; an exact name wins, else any casing.

    Names missing exactly are looked up with the database's own ``lower`` on both sides, so
    the comparison is the same on SQLite and PostgreSQL.
    """
    found: dict[str, int] = {}
    for name in dict.fromkeys(names):
        value = tx.scalar(
            "SELECT id FROM accounts WHERE system_id = ? AND name = ?", (system_id, name)
        )
        if value is None:
            value = tx.scalar(
                "SELECT id FROM accounts WHERE system_id = ? AND lower(name) = lower(?)"
                " ORDER BY id LIMIT 1",
                (system_id, name),
            )
        if value is not None:
            found[name] = int(value)
    return found


def add_upload(
    tx: Tx,
    system_id: int,
    status: str,
    source_filename: str,
    now: str,
    counts: tuple[int, int, int],
    logs: Sequence[str],
) -> int:
    """Store an upload entry; ``counts`` is (total, successful, unsuccessful). Returns its id."""
    total, successful, unsuccessful = counts
    row = tx.write_returning(
        "INSERT INTO revenue_uploads (system_id, status, source_filename, date_upload,"
        " total_records, successful_records, unsuccessful_records, logs)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            system_id,
            status,
            source_filename,
            now,
            total,
            successful,
            unsuccessful,
            json.dumps(list(logs), ensure_ascii=False),
        ),
    )
    assert row is not None
    return int(row[0])


def add_lines(
    tx: Tx, system_id: int, upload_id: int | None, lines: Sequence[NewLine], now: str
) -> None:
    """Store revenue lines (of one upload, or of a record import) and their monthly amounts."""
    months: list[tuple[Any, ...]] = []
    for line in lines:
        row = tx.write_returning(
            'INSERT INTO revenue_lines (system_id, upload_id, account_id, amount, start, "end",'
            " type, description, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                system_id,
                upload_id,
                line.account_id,
                str(line.amount),
                line.start.isoformat(),
                None if line.end is None else line.end.isoformat(),
                line.kind,
                line.description,
                now,
            ),
        )
        assert row is not None
        line_id = int(row[0])
        months.extend(
            (system_id, line_id, line.account_id, month.isoformat(), str(amount))
            for month, amount in line.months
        )
    for offset in range(0, len(months), _MONTHS_CHUNK):
        chunk = months[offset : offset + _MONTHS_CHUNK]
        values = ", ".join(["(?, ?, ?, ?, ?)"] * len(chunk))
        tx.write(
            "INSERT INTO revenue_months (system_id, line_id, account_id, month, amount)"  # noqa: S608
            f" VALUES {values}",
            [value for month_row in chunk for value in month_row],
        )


def uploads(
    tx: Tx,
    system_id: int,
    upload_id: int | None,
    start: int,
    limit: int,
    window: tuple[str, str] | None,
) -> list[Upload]:
    """A system's uploads, oldest first; optionally one id and an upload-time window."""
    where = ["system_id = ?"]
    params: list[Any] = [system_id]
    if upload_id is not None:
        where.append("id = ?")
        params.append(upload_id)
    if window is not None:
        where.append("date_upload >= ? AND date_upload <= ?")
        params.extend(window)
    rows = tx.all(
        "SELECT id, status, source_filename, date_upload, total_records, successful_records,"  # noqa: S608
        f" unsuccessful_records, logs FROM revenue_uploads WHERE {' AND '.join(where)}"
        " ORDER BY date_upload, id LIMIT ? OFFSET ?",
        (*params, limit, start),
    )
    return [
        Upload(
            int(r[0]),
            str(r[1]),
            str(r[2]),
            _timestamp(r[3]),
            int(r[4]),
            int(r[5]),
            int(r[6]),
            [str(line) for line in json.loads(r[7] or "[]")],
        )
        for r in rows
    ]


def _timestamp(value: Any) -> str:
    # PostgreSQL hands back a datetime, SQLite the stored text.
    if hasattr(value, "strftime"):
        return str(value.strftime("%Y-%m-%d %H:%M:%S"))
    return str(value)
