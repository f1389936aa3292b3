"""Sample survey records for a demo system (the seed file's ``sample_responses``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from opengauge.server.storage.transaction import Tx

#: Every sample record's number_order starts with this: a system that has one has samples.
ORDER_PREFIX = "SAMPLE-"


@dataclass(frozen=True)
class SampleRecord:
    contact_id: int
    account_id: int
    touchpoint_id: int | None
    division_id: int | None
    segments: str
    number_order: str
    link_code: str
    date_sent: str
    #: None for an invitation not answered (yet).
    nps: int | None
    comment: str | None
    date_response: str | None


def has_samples(tx: Tx, system_id: int) -> bool:
    found = tx.scalar(
        "SELECT 1 FROM survey_records WHERE system_id = ? AND number_order LIKE ? LIMIT 1",
        (system_id, ORDER_PREFIX + "%"),
    )
    return found is not None


def add(tx: Tx, system_id: int, records: Sequence[SampleRecord]) -> list[int]:
    """Store the records (sent by e-mail, answered or not); their ids, in order."""
    ids = []
    for r in records:
        status = "RESPONDED" if r.nps is not None else "SENT"
        ids.append(
            tx.insert(
                "INSERT INTO survey_records (system_id, contact_id, account_id, division_id,"
                " touchpoint_id, delivery_vector, status, number_order, nps, comment,"
                " date_response, segments, link_code, date_sent, date_creation)"
                " VALUES (?, ?, ?, ?, ?, 'Email', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    system_id,
                    r.contact_id,
                    r.account_id,
                    r.division_id,
                    r.touchpoint_id,
                    status,
                    r.number_order,
                    r.nps,
                    r.comment,
                    r.date_response,
                    r.segments,
                    r.link_code,
                    r.date_sent,
                    r.date_sent,
                ),
            )
        )
    return ids
