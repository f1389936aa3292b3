"""The invitation outbox: e-mails waiting to be sent, sent, or given up on."""

from __future__ import annotations

from dataclasses import dataclass

from opengauge.server.storage.transaction import Tx

QUEUED = "QUEUED"
SENDING = "SENDING"
SENT = "SENT"
FAILED = "FAILED"


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    system_id: int
    #: None for a console user's set-password e-mail; the followed-up record for a
    #: follow-up assignment.
    survey_record_id: int | None
    recipient: str
    subject: str
    link: str
    status: str
    attempts: int
    last_error: str | None
    created_at: str
    sent_at: str | None
    #: survey, console or follow_up (:data:`SURVEY`, :data:`CONSOLE`, :data:`FOLLOW_UP`).
    kind: str = "survey"


SURVEY = "survey"
CONSOLE = "console"
#: A console user told that a follow-up is assigned to them (its link: the console page).
FOLLOW_UP = "follow_up"

_COLUMNS = (
    "id, system_id, survey_record_id, recipient, subject, link, status, attempts, last_error,"
    " created_at, sent_at, kind"
)


def enqueue(
    tx: Tx,
    system_id: int,
    survey_record_id: int,
    recipient: str,
    subject: str,
    link: str,
    now: str,
) -> None:
    tx.write(
        "INSERT INTO outbox (system_id, survey_record_id, recipient, subject, link, status,"
        " attempts, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)",
        (system_id, survey_record_id, recipient, subject, link, QUEUED, now, now),
    )


def enqueue_console(
    tx: Tx, system_id: int, recipient: str, subject: str, link: str, now: str
) -> None:
    """Queue a console user's set-password e-mail (it names no survey record)."""
    tx.write(
        "INSERT INTO outbox (system_id, kind, recipient, subject, link, status, attempts,"
        " next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)",
        (system_id, CONSOLE, recipient, subject, link, QUEUED, now, now),
    )


def enqueue_follow_up(
    tx: Tx, system_id: int, survey_record_id: int, recipient: str, subject: str, link: str, now: str
) -> None:
    """Queue the e-mail telling a console user a record's follow-up is assigned to them."""
    tx.send(
        "INSERT INTO outbox (system_id, survey_record_id, kind, recipient, subject, link,"
        " status, attempts, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
        (system_id, survey_record_id, FOLLOW_UP, recipient, subject, link, QUEUED, now, now),
    )


def entries(tx: Tx, system_id: int | None = None, limit: int = 100) -> list[OutboxEntry]:
    """The newest entries, oldest first (of one system, or all)."""
    where = "WHERE system_id = ?" if system_id is not None else ""
    params: tuple[object, ...] = (system_id, limit) if system_id is not None else (limit,)
    rows = tx.all(
        f"SELECT {_COLUMNS} FROM outbox {where} ORDER BY id DESC LIMIT ?",  # noqa: S608
        params,
    )
    return [OutboxEntry(*row) for row in reversed(rows)]


def claim_due(tx: Tx, now: str, lease_until: str, limit: int) -> list[OutboxEntry]:
    """Take up to ``limit`` entries that are due, so no other process sends them meanwhile.

    A claimed entry is ``SENDING`` until ``lease_until``; if its sender dies, it becomes due
    again then.
    """
    due = tx.all(
        f"SELECT {_COLUMNS} FROM outbox WHERE status IN (?, ?) AND next_attempt_at <= ?"  # noqa: S608
        " ORDER BY id LIMIT ?",
        (QUEUED, SENDING, now, limit),
    )
    claimed = []
    for row in due:
        entry = OutboxEntry(*row)
        taken = tx.write(
            "UPDATE outbox SET status = ?, next_attempt_at = ? WHERE id = ? AND status = ?"
            " AND next_attempt_at <= ?",
            (SENDING, lease_until, entry.id, entry.status, now),
        )
        if taken:
            claimed.append(entry)
    return claimed


def mark_sent(tx: Tx, entry_id: int, now: str) -> None:
    tx.write(
        "UPDATE outbox SET status = ?, sent_at = ?, attempts = attempts + 1, last_error = NULL,"
        " next_attempt_at = NULL WHERE id = ? AND status = ?",
        (SENT, now, entry_id, SENDING),
    )
    # Only an invitation sends its record: a follow-up e-mail names its record too.
    tx.write(
        "UPDATE survey_records SET status = 'SENT', date_sent = ? WHERE id ="
        " (SELECT survey_record_id FROM outbox WHERE id = ? AND kind = ?) AND status = 'QUEUED'",
        (now, entry_id, SURVEY),
    )


def mark_attempt_failed(tx: Tx, entry_id: int, error: str, retry_at: str | None) -> None:
    """Record a failed attempt: retry at ``retry_at``, or give up (``FAILED``) when None."""
    tx.write(
        "UPDATE outbox SET status = ?, attempts = attempts + 1, last_error = ?,"
        " next_attempt_at = ? WHERE id = ?",
        (QUEUED if retry_at else FAILED, error[:2000], retry_at, entry_id),
    )


def count_by_status(tx: Tx) -> dict[str, int]:
    """How many entries the outbox holds in each status (all systems)."""
    rows = tx.all("SELECT status, COUNT(*) FROM outbox GROUP BY status")
    return {str(status): int(count) for status, count in rows}
