"""Finding a data subject's contacts and overwriting or removing their personal data.

Only rows of the given system are read or written. Contacts already anonymized (their key
starts with ``anonymized:``) never match again, which makes anonymization idempotent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from opengauge.server.domain.anonymization import ANONYMIZED_KEY_PREFIX, PersonalData
from opengauge.server.storage.transaction import Tx

# Stored numbers only hold digits, spaces, brackets, '+' and '-' (import validation); strip
# the rest so that the digits can be compared on both databases.
_PHONE_DIGITS_SQL = "REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(phone, ' ', ''), '-', ''),"
_PHONE_DIGITS_SQL += " '(', ''), ')', ''), '+', '')"
# Passed as a parameter: psycopg would read a literal '%' in the SQL as a placeholder.
_ANONYMIZED_PATTERN = ANONYMIZED_KEY_PREFIX + "%"


@dataclass(frozen=True)
class Contact:
    """A contact's id and its personal data."""

    id: int
    data: PersonalData


@dataclass(frozen=True)
class PreviewRow:
    """One survey record of a matching contact, as the 4.1 preview lists it."""

    record_id: int
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)


def contact_ids_by_email(tx: Tx, system_id: int, address: str) -> list[int]:
    """Contacts keyed by this (lower-cased) address."""
    rows = tx.all(
        "SELECT id FROM contacts WHERE system_id = ? AND key = ?", (system_id, "email:" + address)
    )
    return [int(row[0]) for row in rows]


def contact_ids_by_phone(tx: Tx, system_id: int, digits: str) -> list[int]:
    """Contacts keyed by this number, or whose phone has these digits (``+`` ignored)."""
    rows = tx.all(
        "SELECT id FROM contacts WHERE system_id = ? AND key NOT LIKE ?"  # noqa: S608
        f" AND (key IN (?, ?) OR (phone IS NOT NULL AND {_PHONE_DIGITS_SQL} = ?)) ORDER BY id",
        (system_id, _ANONYMIZED_PATTERN, "phone:" + digits, "phone:+" + digits, digits),
    )
    return [int(row[0]) for row in rows]


def contact_ids_by_record(tx: Tx, system_id: int, record_id: int) -> list[int]:
    """The contact of one survey record (its CG-ID), unless already anonymized."""
    rows = tx.all(
        "SELECT c.id FROM survey_records r JOIN contacts c ON c.id = r.contact_id"
        " WHERE r.system_id = ? AND r.id = ? AND c.system_id = ? AND c.key NOT LIKE ?",
        (system_id, record_id, system_id, _ANONYMIZED_PATTERN),
    )
    return [int(row[0]) for row in rows]


def preview(tx: Tx, system_id: int, contact_ids: Sequence[int]) -> list[PreviewRow]:
    """The survey records of these contacts, oldest first."""
    if not contact_ids:
        return []
    rows = tx.all(
        "SELECT r.id, c.first_name, c.last_name, c.email, c.phone FROM survey_records r"  # noqa: S608
        " JOIN contacts c ON c.id = r.contact_id WHERE r.system_id = ?"
        f" AND r.contact_id IN ({_marks(contact_ids)}) ORDER BY r.id",
        (system_id, *contact_ids),
    )
    return [PreviewRow(int(row[0]), *row[1:]) for row in rows]


def contacts(tx: Tx, system_id: int, contact_ids: Sequence[int]) -> list[Contact]:
    """These contacts' personal data, by id."""
    if not contact_ids:
        return []
    rows = tx.all(
        "SELECT id, key, email, phone, first_name, last_name, number, job_position, job_level"  # noqa: S608
        f" FROM contacts WHERE system_id = ? AND id IN ({_marks(contact_ids)}) ORDER BY id",
        (system_id, *contact_ids),
    )
    return [Contact(int(row[0]), PersonalData(*row[1:])) for row in rows]


def overwrite_contact(tx: Tx, system_id: int, contact: Contact, now: str) -> None:
    """Store the contact's new (anonymized) personal data."""
    data = contact.data
    tx.write(
        "UPDATE contacts SET key = ?, email = ?, phone = ?, first_name = ?, last_name = ?,"
        " number = ?, job_position = ?, job_level = ?, updated_at = ?"
        " WHERE system_id = ? AND id = ?",
        (
            data.key,
            data.email,
            data.phone,
            data.first_name,
            data.last_name,
            data.number,
            data.job_position,
            data.job_level,
            now,
            system_id,
            contact.id,
        ),
    )


def overwrite_records(tx: Tx, system_id: int, contact_ids: Sequence[int], comment: str) -> int:
    """Replace the comments of these contacts' survey records and retire their links.

    Returns how many records there are. Records without a comment keep none; the link code
    and form token go, so the survey page of an anonymized record no longer opens.
    """
    if not contact_ids:
        return 0
    return tx.write(
        "UPDATE survey_records SET link_code = NULL, form_token = NULL,"  # noqa: S608
        " comment = CASE WHEN comment IS NULL OR comment = '' THEN comment ELSE ? END"
        f" WHERE system_id = ? AND contact_id IN ({_marks(contact_ids)})",
        (comment, system_id, *contact_ids),
    )


def delete_outbox_entries(
    tx: Tx, system_id: int, contact_ids: Sequence[int], addresses: Sequence[str]
) -> None:
    """Invitations of these contacts' records, or to these (lower-cased) addresses."""
    if contact_ids:
        tx.write(
            "DELETE FROM outbox WHERE system_id = ? AND survey_record_id IN"  # noqa: S608
            " (SELECT id FROM survey_records WHERE system_id = ?"
            f" AND contact_id IN ({_marks(contact_ids)}))",
            (system_id, system_id, *contact_ids),
        )
    if addresses:
        tx.write(
            "DELETE FROM outbox WHERE system_id = ?"  # noqa: S608
            f" AND LOWER(recipient) IN ({_marks(addresses)})",
            (system_id, *addresses),
        )


def delete_list_entries(tx: Tx, system_id: int, addresses: Sequence[str]) -> None:
    """These (lower-cased) addresses leave the system's unsubscribe and bounce lists."""
    if not addresses:
        return
    for table in ("unsubscribes", "bounces"):
        tx.write(
            f"DELETE FROM {table} WHERE system_id = ?"  # noqa: S608
            f" AND LOWER(email) IN ({_marks(addresses)})",
            (system_id, *addresses),
        )
