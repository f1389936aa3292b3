"""Follow-ups (closing the loop): a survey record's workflow state, its history, and the
console's list of the answers waiting for one.

A record without a ``workflows`` row is ``OPEN`` and assigned to nobody. Every change adds a
``workflow_events`` row holding what that change set (a column left null was not part of it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from opengauge.server.storage.transaction import Tx

OPEN = "OPEN"
IN_PROGRESS = "IN-PROGRESS"
CLOSED = "CLOSED"

#: The console list's filters on the status: not closed, closed, or either.
WAITING, CLOSED_ONLY, EVERY = "waiting", "closed", "all"


@dataclass(frozen=True)
class State:
    """A record's follow-up now; ``exists`` is False while it has no ``workflows`` row."""

    status: str
    assigned_to: str | None
    exists: bool


@dataclass(frozen=True)
class Event:
    """One change: when, by whom, and what it set (None: not part of the change)."""

    id: int
    at: str
    by: str
    status: str | None
    assigned_to: str | None
    comment: str | None


def state(tx: Tx, system_id: int, record_id: int) -> State | None:
    """The follow-up of the system's survey record; None if the system has no such record."""
    row = tx.one(
        "SELECT r.id, w.status, w.assigned_to FROM survey_records r"
        " LEFT JOIN workflows w ON w.survey_record_id = r.id AND w.system_id = r.system_id"
        " WHERE r.system_id = ? AND r.id = ?",
        (system_id, record_id),
    )
    if row is None:
        return None
    if row[1] is None:
        return State(OPEN, None, exists=False)
    return State(str(row[1]), row[2], exists=True)


def save(
    tx: Tx,
    system_id: int,
    record_id: int,
    status: str,
    assigned_to: str | None,
    now: str,
    *,
    exists: bool,
) -> None:
    """Store the follow-up's state (``exists``: as :func:`state` found it, in this
    transaction, which holds the write lock)."""
    if exists:
        tx.send(
            "UPDATE workflows SET status = ?, assigned_to = ?, updated_at = ?"
            " WHERE survey_record_id = ? AND system_id = ?",
            (status, assigned_to, now, record_id, system_id),
        )
        return
    tx.send(
        "INSERT INTO workflows (survey_record_id, system_id, status, assigned_to, updated_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (record_id, system_id, status, assigned_to, now),
    )


def add_event(
    tx: Tx,
    system_id: int,
    record_id: int,
    at: str,
    by: str,
    status: str | None,
    assigned_to: str | None,
    comment: str | None,
) -> int:
    """Keep one change in the record's history; the event's id."""
    return tx.insert(
        'INSERT INTO workflow_events (system_id, survey_record_id, at, "by", status,'
        " assigned_to, comment) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (system_id, record_id, at, by, status, assigned_to, comment),
    )


def history(tx: Tx, system_id: int, record_id: int, limit: int) -> list[Event]:
    """The record's newest ``limit`` changes, oldest first (read on the index of
    (survey_record_id, id))."""
    rows = tx.all(
        'SELECT id, at, "by", status, assigned_to, comment FROM workflow_events'
        " WHERE survey_record_id = ? AND system_id = ? ORDER BY id DESC LIMIT ?",
        (record_id, system_id, limit),
    )
    return [Event(int(r[0]), str(r[1]), str(r[2]), r[3], r[4], r[5]) for r in reversed(rows)]


def anonymize_comments(tx: Tx, system_id: int, contact_ids: Sequence[int], comment: str) -> None:
    """Overwrite the comments of the follow-ups of these contacts' survey records."""
    if not contact_ids:
        return
    marks = ", ".join("?" for _ in contact_ids)
    tx.write(
        "UPDATE workflow_events SET comment = ? WHERE system_id = ?"  # noqa: S608
        " AND comment IS NOT NULL AND survey_record_id IN (SELECT id FROM survey_records"
        f" WHERE system_id = ? AND contact_id IN ({marks}))",
        (comment, system_id, system_id, *contact_ids),
    )


# -- the console's Follow-up screen ---------------------------------------------------


class FollowUpRow(NamedTuple):
    id: int
    #: None only for a record not answered (its page opened by CG-ID).
    nps: int | None
    comment: str | None
    email: str | None
    phone: str | None
    first_name: str | None
    last_name: str | None
    account_id: int | None
    account_name: str | None
    touchpoint: str | None
    division: str | None
    #: None: no follow-up yet (OPEN).
    status: str | None
    assigned_to: str | None
    date_response: Any


_FOLLOW_UP_COLUMNS = (
    "SELECT r.id, r.nps, r.comment, c.email, c.phone, c.first_name, c.last_name, a.id, a.name,"
    " t.name, d.name, w.status, w.assigned_to, r.date_response FROM survey_records r"
    " JOIN contacts c ON c.id = r.contact_id"
    " LEFT JOIN accounts a ON a.id = r.account_id"
    " LEFT JOIN touchpoints t ON t.id = r.touchpoint_id"
    " LEFT JOIN divisions d ON d.id = r.division_id"
    " LEFT JOIN workflows w ON w.survey_record_id = r.id AND w.system_id = r.system_id"
)


def follow_ups(
    tx: Tx, system_id: int, *, worst: int, show: str, after: int | None, limit: int
) -> list[FollowUpRow]:
    """Up to ``limit`` answered records scoring ``worst`` or less, newest answer first (ties
    by id), after the record ``after``, with their follow-up.

    ``show`` is :data:`WAITING` (not closed), :data:`CLOSED_ONLY` or :data:`EVERY`. The page's
    ids are found first, on ``ix_survey_records_scores_by_date`` (answered records only, with
    their score: SQLite reads it without the table) and the workflows' primary key, then
    their columns are read for those ids only. So a page costs about the index entries it
    reads: the rows it shows, and the promoters and follow-ups the filters leave out above
    them.
    """
    where = (
        " WHERE r.system_id = ? AND r.date_response IS NOT NULL AND r.nps IS NOT NULL"
        " AND r.nps <= ?"
    )
    params: list[Any] = [system_id, worst]
    # An anti-join rather than a LEFT JOIN's "w.status IS NULL OR w.status <> ?": PostgreSQL
    # then estimates how many records wait, and reads the newest first instead of hashing
    # every record and follow-up of the system (90 ms with 100,000 answers).
    closed = (
        "EXISTS (SELECT 1 FROM workflows w WHERE w.survey_record_id = r.id"
        " AND w.system_id = r.system_id AND w.status = ?)"
    )
    if show == WAITING:
        where += f" AND NOT {closed}"
        params.append(CLOSED)
    elif show == CLOSED_ONLY:
        where += f" AND {closed}"
        params.append(CLOSED)
    if after is not None:
        last = tx.scalar(
            "SELECT date_response FROM survey_records WHERE system_id = ? AND id = ?"
            " AND date_response IS NOT NULL AND nps IS NOT NULL",
            (system_id, after),
        )
        if last is not None:
            where += " AND (r.date_response < ? OR (r.date_response = ? AND r.id < ?))"
            params.extend([last, last, after])
    # SQLite would rather read (system_id, date_response, id), in the ORDER BY's order but
    # with the table's row for each score; this index has the score, and sorts only ties.
    indexed = "" if tx.is_postgres else " INDEXED BY ix_survey_records_scores_by_date"
    found = tx.all(
        f"SELECT r.id FROM survey_records r{indexed}{where}"  # noqa: S608
        " ORDER BY r.date_response DESC, r.id DESC LIMIT ?",
        (*params, limit),
    )
    ids = [int(record_id) for (record_id,) in found]
    if not ids:
        return []
    marks = ", ".join("?" for _ in ids)
    # "+": by the ids' primary key, not an index on system_id (the ids are the system's
    # already; the test only guards).
    rows = tx.all(
        f"{_FOLLOW_UP_COLUMNS} WHERE r.id IN ({marks}) AND +r.system_id = ?"
        " ORDER BY r.date_response DESC, r.id DESC",
        (*ids, system_id),
    )
    return [FollowUpRow(*row) for row in rows]


def follow_up(tx: Tx, system_id: int, record_id: int) -> FollowUpRow | None:
    """One survey record of the system with its follow-up (answered or not, whatever its
    score); None if the system has no such record."""
    row = tx.one(f"{_FOLLOW_UP_COLUMNS} WHERE r.system_id = ? AND r.id = ?", (system_id, record_id))
    return None if row is None else FollowUpRow(*row)
