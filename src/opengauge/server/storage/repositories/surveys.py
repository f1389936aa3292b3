"""Survey records as the survey pages see them: found by link code, answered once."""

from __future__ import annotations

from dataclasses import dataclass

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


def find_by_link_code(tx: Tx, code: str) -> SurveyLink | None:
    """The record whose link code is ``code``, with its system's name and contact's e-mail."""
    row = tx.one(
        "SELECT r.id, r.system_id, s.name, r.form_token, r.date_response, c.email"
        " FROM survey_records r"
        " JOIN systems s ON s.id = r.system_id"
        " JOIN contacts c ON c.id = r.contact_id"
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
    )


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
