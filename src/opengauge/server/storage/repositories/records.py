"""Contracts, activities, revenue lines and survey records."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from opengauge.server.storage.database import Tx

# -- contracts ----------------------------------------------------------------------------


def contract_exists(tx: Tx, system_id: int, reference: str) -> bool:
    return (
        tx.scalar(
            "SELECT 1 FROM contracts WHERE system_id = ? AND reference = ?", (system_id, reference)
        )
        is not None
    )


def put_contract(
    tx: Tx,
    system_id: int,
    reference: str,
    account_id: int,
    start: str,
    end: str | None,
    description: str | None,
    now: str,
) -> bool:
    """Create or replace the contract; returns True when it was created."""
    changed = tx.write(
        'UPDATE contracts SET account_id = ?, start = ?, "end" = ?, description = ?,'
        " updated_at = ? WHERE system_id = ? AND reference = ?",
        (account_id, start, end, description, now, system_id, reference),
    )
    if changed:
        return False
    tx.write(
        'INSERT INTO contracts (system_id, reference, account_id, start, "end", description,'
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (system_id, reference, account_id, start, end, description, now, now),
    )
    return True


# -- activities ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityFields:
    account_id: int
    contact_id: int | None
    type: str
    source: str
    happened_at: str
    details: str


def put_activity(tx: Tx, system_id: int, reference: str, fields: ActivityFields, now: str) -> bool:
    """Create or replace the activity; returns True when it was created."""
    changed = tx.write(
        "UPDATE activities SET account_id = ?, contact_id = ?, type = ?, source = ?,"
        " happened_at = ?, details = ?, updated_at = ? WHERE system_id = ? AND reference = ?",
        (
            fields.account_id,
            fields.contact_id,
            fields.type,
            fields.source,
            fields.happened_at,
            fields.details,
            now,
            system_id,
            reference,
        ),
    )
    if changed:
        return False
    tx.write(
        "INSERT INTO activities (system_id, reference, account_id, contact_id, type, source,"
        " happened_at, details, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            system_id,
            reference,
            fields.account_id,
            fields.contact_id,
            fields.type,
            fields.source,
            fields.happened_at,
            fields.details,
            now,
            now,
        ),
    )
    return True


# -- revenue ------------------------------------------------------------------------------


def add_revenue_line(
    tx: Tx,
    system_id: int,
    account_id: int,
    amount: Decimal,
    start: str,
    end: str | None,
    kind: str,
    description: str | None,
    now: str,
) -> None:
    tx.write(
        'INSERT INTO revenue_lines (system_id, account_id, amount, start, "end", type,'
        " description, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (system_id, account_id, str(amount), start, end, kind, description, now),
    )


# -- survey records -----------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyFields:
    mapping_id: int
    contact_id: int
    account_id: int | None
    division_id: int | None
    touchpoint_id: int | None
    delivery_vector: str
    status: str
    number_order: str | None
    date_order: str | None
    language: str | None
    nps: int | None
    comment: str | None
    date_response: str | None
    segments: str


def add_survey_record(tx: Tx, system_id: int, fields: SurveyFields, now: str) -> int:
    row = tx.write_returning(
        "INSERT INTO survey_records (system_id, mapping_id, contact_id, account_id,"
        " division_id, touchpoint_id, delivery_vector, status, number_order, date_order,"
        " language, nps, comment, date_response, segments, date_creation)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            system_id,
            fields.mapping_id,
            fields.contact_id,
            fields.account_id,
            fields.division_id,
            fields.touchpoint_id,
            fields.delivery_vector,
            fields.status,
            fields.number_order,
            fields.date_order,
            fields.language,
            fields.nps,
            fields.comment,
            fields.date_response,
            fields.segments,
            now,
        ),
    )
    assert row is not None
    return int(row[0])
