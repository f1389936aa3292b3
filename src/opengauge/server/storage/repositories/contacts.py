"""Contacts, keyed per system by e-mail address or else by phone number."""

from __future__ import annotations

from dataclasses import dataclass

from opengauge.server.storage.transaction import Tx


@dataclass(frozen=True)
class ContactFields:
    """Contact attributes; None leaves the stored value as it is."""

    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    number: str | None = None
    job_position: str | None = None
    job_level: str | None = None
    language: str | None = None
    account_id: int | None = None


def contact_key(email: str | None, phone: str | None) -> str:
    """The upsert key: the lower-cased address, else the phone number's digits."""
    if email:
        return "email:" + email.lower()
    assert phone
    return "phone:" + "".join(ch for ch in phone if ch.isdigit() or ch == "+")


_COLUMNS = (
    "email",
    "phone",
    "first_name",
    "last_name",
    "number",
    "job_position",
    "job_level",
    "language",
    "account_id",
)
# Built from the fixed column list above, never from input.
_UPSERT = (
    "INSERT INTO contacts (system_id, key, "  # noqa: S608
    + ", ".join(_COLUMNS)
    + ", created_at, updated_at) VALUES (?, ?, "
    + ", ".join("?" for _ in _COLUMNS)
    + ", ?, ?) ON CONFLICT (system_id, key) DO UPDATE SET "
    + ", ".join(f"{c} = COALESCE(excluded.{c}, contacts.{c})" for c in _COLUMNS)
    + ", updated_at = excluded.updated_at RETURNING id"
)


def upsert(tx: Tx, system_id: int, fields: ContactFields, now: str) -> int:
    key = contact_key(fields.email, fields.phone)
    row = tx.write_returning(
        _UPSERT,
        (
            system_id,
            key,
            fields.email,
            fields.phone,
            fields.first_name,
            fields.last_name,
            fields.number,
            fields.job_position,
            fields.job_level,
            fields.language,
            fields.account_id,
            now,
            now,
        ),
    )
    assert row is not None
    return int(row[0])


def find_id(tx: Tx, system_id: int, key: str) -> int | None:
    value = tx.scalar("SELECT id FROM contacts WHERE system_id = ? AND key = ?", (system_id, key))
    return None if value is None else int(value)


def find_id_by_reference(tx: Tx, system_id: int, reference: str) -> int | None:
    """A contact named by e-mail address or phone number, as callers write them."""
    if "@" in reference:
        return find_id(tx, system_id, contact_key(reference, None))
    return find_id(tx, system_id, contact_key(None, reference))
