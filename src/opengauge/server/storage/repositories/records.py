"""Contracts, activities, revenue lines and survey records."""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass

from opengauge.server.storage.transaction import Tx

SEGMENT_PREFIX = "survey.segment."

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
    values = (account_id, start, end, description)
    return _put_by_reference(tx, "contracts", _CONTRACT_COLUMNS, system_id, reference, values, now)


_CONTRACT_COLUMNS = ("account_id", "start", '"end"', "description")


# -- activities ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityFields:
    account_id: int
    contact_id: int | None
    type: str
    source: str
    happened_at: str
    details: str


_ACTIVITY_COLUMNS = ("account_id", "contact_id", "type", "source", "happened_at", "details")


def put_activity(tx: Tx, system_id: int, reference: str, fields: ActivityFields, now: str) -> bool:
    """Create or replace the activity; returns True when it was created."""
    values = (
        fields.account_id,
        fields.contact_id,
        fields.type,
        fields.source,
        fields.happened_at,
        fields.details,
    )
    return _put_by_reference(tx, "activities", _ACTIVITY_COLUMNS, system_id, reference, values, now)


def _put_by_reference(
    tx: Tx,
    table: str,
    columns: tuple[str, ...],
    system_id: int,
    reference: str,
    values: tuple[object, ...],
    now: str,
) -> bool:
    """Insert the row, or replace ``columns`` of the one with this reference; True if inserted.

    Two atomic statements, as for accounts: another server process may create the same new
    reference at any moment, and an UPDATE-then-INSERT would then break the unique constraint.
    The first INSERT tells whether this request created the row; the upsert after it holds even
    if the row went away in between.
    """
    insert_new, upsert = _put_statements(table, columns)
    row = (system_id, reference, *values, now, now)
    if tx.write_returning(insert_new, row) is not None:
        return True
    tx.write(upsert, row)
    return False


@functools.cache
def _put_statements(table: str, columns: tuple[str, ...]) -> tuple[str, str]:
    """The two statements of :func:`_put_by_reference`, written once per table."""
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    insert = (
        f"INSERT INTO {table} (system_id, reference, {names}, created_at, updated_at)"  # noqa: S608
        f" VALUES (?, ?, {marks}, ?, ?) ON CONFLICT (system_id, reference)"
    )
    replaced = ", ".join(f"{c} = excluded.{c}" for c in (*columns, "updated_at"))
    return insert + " DO NOTHING RETURNING id", insert + f" DO UPDATE SET {replaced}"


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
    link_code: str | None = None
    form_token: str | None = None
    campaign_id: int | None = None
    date_sent: str | None = None


def add_survey_record(tx: Tx, system_id: int, fields: SurveyFields, now: str) -> int:
    row = tx.write_returning(
        "INSERT INTO survey_records (system_id, mapping_id, contact_id, account_id,"
        " division_id, touchpoint_id, delivery_vector, status, number_order, date_order,"
        " language, nps, comment, date_response, segments, link_code, form_token,"
        " campaign_id, date_sent, date_creation)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
            fields.link_code,
            fields.form_token,
            fields.campaign_id,
            fields.date_sent,
            now,
        ),
    )
    assert row is not None
    return int(row[0])


def recent_invitations(
    tx: Tx, system_id: int, contact_id: int, since: str, campaign_id: int | None = None
) -> list[dict[str, object]]:
    """Invitations sent to a contact since ``since``, as target field -> comparable value.

    Only records that went out count (``date_sent`` set): not duplicates, not suppressed
    ones, not external responses. With ``campaign_id``, only that campaign's.
    """
    sql = (
        "SELECT r.number_order, r.date_order, r.language, r.touchpoint_id, r.division_id,"
        " a.name, r.segments FROM survey_records r LEFT JOIN accounts a ON a.id = r.account_id"
        " WHERE r.system_id = ? AND r.contact_id = ? AND r.date_sent IS NOT NULL"
        " AND r.date_sent >= ?"
    )
    params: list[object] = [system_id, contact_id, since]
    if campaign_id is not None:
        sql += " AND r.campaign_id = ?"
        params.append(campaign_id)
    invitations = []
    for row in tx.all(sql, params):
        values: dict[str, object] = {
            "survey.number_order": row[0],
            "survey.date_order": row[1],
            "survey.language": row[2],
            "survey.touchpoint": row[3],
            "survey.division": row[4],
            "account.name": row[5],
        }
        for name, value in json.loads(row[6] or "{}").items():
            values[SEGMENT_PREFIX + name] = value
        invitations.append(values)
    return invitations


def lock_contact(tx: Tx, system_id: int, contact_key: str) -> None:
    """Serialise invitation decisions for one contact across server processes.

    SQLite needs nothing: one writer holds the database lock for the whole transaction.
    On PostgreSQL a transaction-scoped advisory lock on (system, contact) makes the
    duplicate check and the insert atomic even when several processes share the database.
    """
    if tx.is_postgres:
        digest = hashlib.blake2b(f"{system_id}:{contact_key}".encode(), digest_size=8).digest()
        tx.one("SELECT pg_advisory_xact_lock(?)", (int.from_bytes(digest, "big", signed=True),))
