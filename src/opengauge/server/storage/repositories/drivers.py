"""Drivers (the 4.1 suite's "reasons") and the drivers an answer chose."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from opengauge.server.domain.drivers import Draft
from opengauge.server.storage.transaction import Row, Tx

_COLUMNS = "id, reason_code, position, good_bad, category_main, level, label"


@dataclass(frozen=True)
class Driver:
    id: int
    reason_code: str
    position: int
    #: pos (shown for scores 9-10) or neg (0-8).
    good_bad: str
    #: A level 2 driver's level 1 label; empty for level 1.
    category_main: str
    level: int
    label: str


def _driver(row: Row) -> Driver:
    return Driver(
        id=int(row[0]),
        reason_code=str(row[1]),
        position=int(row[2]),
        good_bad=str(row[3]),
        category_main=str(row[4] or ""),
        level=int(row[5]),
        label=str(row[6]),
    )


def listed(tx: Tx, system_id: int, good_bad: str | None = None) -> list[Driver]:
    """The system's drivers (only ``pos`` or ``neg`` ones if given), by level, position, id."""
    where, params = "system_id = ?", list[object]([system_id])
    if good_bad is not None:
        where += " AND good_bad = ?"
        params.append(good_bad)
    rows = tx.all(
        f"SELECT {_COLUMNS} FROM drivers WHERE {where} ORDER BY level, position, id",  # noqa: S608
        params,
    )
    return [_driver(row) for row in rows]


def choose(tx: Tx, system_id: int, survey_record_id: int, driver_ids: Sequence[int]) -> None:
    """Store the drivers an answered record chose (ids of the system's drivers).

    The record's score, response time, touchpoint and division are copied beside each choice,
    so that reporting counts a driver over a period from this table's index alone. Ids that
    are not the system's drivers, and choices already stored, are left out.
    """
    for driver_id in dict.fromkeys(driver_ids):
        tx.send(
            "INSERT INTO record_drivers (survey_record_id, driver_id, system_id, date_response,"
            " nps, touchpoint_id, division_id)"
            " SELECT r.id, d.id, r.system_id, r.date_response, r.nps, r.touchpoint_id,"
            " r.division_id FROM survey_records r JOIN drivers d ON d.system_id = r.system_id"
            " WHERE r.id = ? AND r.system_id = ? AND d.id = ? AND r.nps IS NOT NULL"
            " AND NOT EXISTS (SELECT 1 FROM record_drivers x"
            " WHERE x.survey_record_id = r.id AND x.driver_id = d.id)",
            (survey_record_id, system_id, driver_id),
        )


def lock(tx: Tx, system_id: int) -> None:
    """Serialise driver changes of one system across server processes.

    SQLite needs nothing (one writer holds the database). On PostgreSQL two concurrent
    requests could each find a code or a label free and both take it, so every change first
    locks the system's row for the rest of the transaction.
    """
    if tx.is_postgres:
        tx.one("SELECT id FROM systems WHERE id = ? FOR UPDATE", (system_id,))


def create(tx: Tx, system_id: int, reason_code: str, draft: Draft, now: str) -> int:
    """A new driver of the system; its id."""
    return tx.insert(
        "INSERT INTO drivers (system_id, reason_code, position, good_bad, category_main, level,"
        " label, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            system_id,
            reason_code,
            draft.position,
            draft.good_bad,
            draft.category_main,
            draft.level,
            draft.label,
            now,
        ),
    )


def update(tx: Tx, system_id: int, driver_id: int, draft: Draft) -> None:
    """Store ``draft`` as the driver's fields (its reason code stays)."""
    tx.send(
        "UPDATE drivers SET position = ?, good_bad = ?, category_main = ?, level = ?, label = ?"
        " WHERE id = ? AND system_id = ?",
        (
            draft.position,
            draft.good_bad,
            draft.category_main,
            draft.level,
            draft.label,
            driver_id,
            system_id,
        ),
    )


def rename_category(tx: Tx, system_id: int, good_bad: str, old: str, new: str) -> None:
    """Level 2 drivers under the level 1 label ``old`` follow it to ``new``."""
    tx.send(
        "UPDATE drivers SET category_main = ?"
        " WHERE system_id = ? AND good_bad = ? AND level = 2 AND category_main = ?",
        (new, system_id, good_bad, old),
    )


def labels_of_records(tx: Tx, system_id: int, first: int, last: int) -> dict[int, list[str]]:
    """The labels of the drivers each answered record from id ``first`` to ``last`` chose.

    One query for a whole export page: a range of the primary key's leading column. Labels
    are in the listing's order (level, position, id); records that chose none are left out.
    """
    rows = tx.all(
        "SELECT x.survey_record_id, d.label FROM record_drivers x"
        " JOIN drivers d ON d.id = x.driver_id"
        " WHERE x.survey_record_id BETWEEN ? AND ? AND x.system_id = ?"
        " ORDER BY x.survey_record_id, d.level, d.position, d.id",
        (first, last, system_id),
    )
    chosen: dict[int, list[str]] = {}
    for record_id, label in rows:
        chosen.setdefault(int(record_id), []).append(str(label))
    return chosen
