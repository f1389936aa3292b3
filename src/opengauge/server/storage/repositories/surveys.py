"""Survey records as the survey pages see them: found by link code, answered once, with
the drivers the answer chose; and one record as the console's detail page shows it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opengauge.server.storage.repositories import branding
from opengauge.server.storage.repositories.branding import NO_BRANDING, Branding
from opengauge.server.storage.transaction import Tx


@dataclass(frozen=True)
class SurveyLink:
    """What a survey page needs to know about the record behind a link code."""

    record_id: int
    system_id: int
    system_name: str
    #: None for records created before the form token existed (schema 0002).
    form_token: str | None
    answered: bool
    #: The contact's address; None for contacts known only by phone.
    email: str | None
    #: The score, once answered.
    nps: int | None = None
    #: The record's language as imported (any spelling), if any.
    language: str | None = None
    first_name: str | None = None
    #: The record's touchpoint's own question, if it has one.
    question: str | None = None
    branding: Branding = NO_BRANDING


def find_by_link_code(tx: Tx, code: str) -> SurveyLink | None:
    """The record whose link code is ``code``, with its system's name and branding, its
    touchpoint's question and its contact's e-mail and first name."""
    row = tx.one(
        "SELECT r.id, r.system_id, s.name, r.form_token, r.date_response,"  # noqa: S608
        f" c.email, r.nps, r.language, c.first_name, t.question, {branding.COLUMNS}"
        " FROM survey_records r"
        " JOIN systems s ON s.id = r.system_id"
        " JOIN contacts c ON c.id = r.contact_id"
        " LEFT JOIN touchpoints t ON t.id = r.touchpoint_id"
        f"{branding.LOGO_JOIN}"
        " WHERE r.link_code = ?",
        (code,),
    )
    if row is None:
        return None
    return SurveyLink(
        record_id=int(row[0]),
        system_id=int(row[1]),
        system_name=str(row[2]),
        form_token=None if row[3] is None else str(row[3]),
        answered=row[4] is not None,
        email=str(row[5]) if row[5] else None,
        nps=None if row[6] is None else int(row[6]),
        language=_text(row[7]),
        first_name=_text(row[8]),
        question=_text(row[9]),
        branding=branding.from_row(row[10:14]),
    )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def set_form_token(tx: Tx, record_id: int, token: str) -> str:
    """Give the record ``token`` unless it already has one; returns the token it ends up with.

    Two first visits at once must agree on one token, so the update only fills a NULL and the
    stored value is read back.
    """
    tx.write(
        "UPDATE survey_records SET form_token = ? WHERE id = ? AND form_token IS NULL",
        (token, record_id),
    )
    stored = tx.scalar("SELECT form_token FROM survey_records WHERE id = ?", (record_id,))
    return str(stored)


def record_answer(tx: Tx, record_id: int, nps: int, comment: str | None, now: str) -> bool:
    """Store the answer unless the record already has one; False when it had."""
    changed = tx.write(
        "UPDATE survey_records SET nps = ?, comment = ?, date_response = ?, status = 'RESPONDED'"
        " WHERE id = ? AND date_response IS NULL",
        (nps, comment, now, record_id),
    )
    return changed > 0


def has_chosen_drivers(tx: Tx, record_id: int) -> bool:
    """Whether the record's answer has chosen any driver yet."""
    found = tx.scalar(
        "SELECT 1 FROM record_drivers WHERE survey_record_id = ? LIMIT 1", (record_id,)
    )
    return found is not None


def lock_record(tx: Tx, record_id: int) -> None:
    """Hold the record's row for the rest of the transaction (PostgreSQL): two posts of the
    drivers of one record are then decided one after the other. SQLite's writer holds the
    whole database already."""
    if tx.is_postgres:
        tx.one("SELECT id FROM survey_records WHERE id = ? FOR UPDATE", (record_id,))


# -- one record, for the console ------------------------------------------------------


@dataclass(frozen=True)
class RecordDetail:
    id: int
    email: str | None
    phone: str | None
    first_name: str | None
    last_name: str | None
    account: str | None
    touchpoint: str | None
    status: str
    nps: int | None
    comment: str | None
    language: str | None
    link_code: str | None
    delivery_vector: str
    date_creation: Any
    date_sent: Any
    date_response: Any


@dataclass(frozen=True)
class ChosenDriver:
    reason_code: str
    label: str
    good_bad: str
    level: int
    category_main: str


def record_detail(tx: Tx, system_id: int, record_id: int) -> RecordDetail | None:
    """The system's survey record ``record_id``, with its contact, account and touchpoint."""
    row = tx.one(
        "SELECT r.id, c.email, c.phone, c.first_name, c.last_name, a.name, t.name, r.status,"
        " r.nps, r.comment, r.language, r.link_code, r.delivery_vector, r.date_creation,"
        " r.date_sent, r.date_response"
        " FROM survey_records r JOIN contacts c ON c.id = r.contact_id"
        " LEFT JOIN accounts a ON a.id = COALESCE(r.account_id, c.account_id)"
        " LEFT JOIN touchpoints t ON t.id = r.touchpoint_id"
        " WHERE r.id = ? AND r.system_id = ?",
        (record_id, system_id),
    )
    return None if row is None else RecordDetail(*row)


def chosen_drivers(tx: Tx, system_id: int, record_id: int) -> list[ChosenDriver]:
    """The drivers the record's answer chose, in the drivers' order (level, position, id)."""
    rows = tx.all(
        "SELECT d.reason_code, d.label, d.good_bad, d.level, d.category_main"
        " FROM record_drivers x JOIN drivers d ON d.id = x.driver_id"
        " WHERE x.survey_record_id = ? AND x.system_id = ?"
        " ORDER BY d.level, d.position, d.id",
        (record_id, system_id),
    )
    return [
        ChosenDriver(str(code), str(label), str(good_bad), int(level), str(category or ""))
        for code, label, good_bad, level, category in rows
    ]
