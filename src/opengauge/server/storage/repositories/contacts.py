"""Contacts, keyed per system by e-mail address or else by phone number."""

from __future__ import annotations

from typing import NamedTuple

from opengauge.server.storage.repositories import accounts
from opengauge.server.storage.repositories.accounts import AccountFields
from opengauge.server.storage.repositories.keyed import (
    KeyedTable,
    put_sqlite,
    put_sqlite_quietly,
)
from opengauge.server.storage.transaction import Tx


class ContactFields(NamedTuple):
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


#: The columns a put may set: the fields of ContactFields, in their order (a put passes its
#: fields as they are).
_COLUMNS = ContactFields._fields

TABLE = KeyedTable("contacts", ("system_id", "key"), _COLUMNS)


def _upsert_sql(account_id: str) -> str:
    """The contact upsert, with ``account_id`` as the value for that column (last in the list).

    Built from the fixed column list above, never from input.
    """
    values = ["?"] * (len(_COLUMNS) - 1) + [account_id]
    return (
        "INSERT INTO contacts (system_id, key, "  # noqa: S608
        + ", ".join(_COLUMNS)
        + ", created_at, updated_at) VALUES (?, ?, "
        + ", ".join(values)
        + ", ?, ?) ON CONFLICT (system_id, key) DO UPDATE SET "
        + ", ".join(f"{c} = COALESCE(excluded.{c}, contacts.{c})" for c in _COLUMNS)
        + ", updated_at = excluded.updated_at"
    )


_UPSERT = _upsert_sql("?")
# The account upsert feeds the contact's account_id: one statement, one round trip.
_UPSERT_WITH_ACCOUNT = f"WITH account AS ({accounts.UPSERT}) " + _upsert_sql(  # noqa: S608
    "(SELECT id FROM account)"
)


def _params(system_id: int, key: str, values: tuple[object, ...], now: str) -> tuple[object, ...]:
    """The parameters of PostgreSQL's contact upsert, for ``values`` in ``_COLUMNS`` order."""
    return (system_id, key, *values, now, now)


def upsert(tx: Tx, system_id: int, fields: ContactFields, now: str) -> int:
    """Create or update the contact; returns its id."""
    key = contact_key(fields.email, fields.phone)
    if not tx.is_postgres:
        return put_sqlite(tx, TABLE, (system_id, key), fields, now)
    row = tx.write_returning(_UPSERT + " RETURNING id", _params(system_id, key, fields, now))
    assert row is not None
    return int(row[0])


def put_with_account(
    tx: Tx,
    system_id: int,
    account: tuple[str, AccountFields] | None,
    fields: ContactFields,
    now: str,
) -> None:
    """Upsert the account (if any) and the contact in it, waiting for neither.

    On PostgreSQL that is one statement, queued with the rest of the batch (``Tx.send``).
    """
    key = contact_key(fields.email, fields.phone)
    values: tuple[object, ...] = fields
    if not tx.is_postgres:
        if account is not None:
            # The account's id takes the place of the contact's last column, account_id.
            values = (*fields[:-1], accounts.upsert(tx, system_id, *account, now))
        put_sqlite_quietly(tx, TABLE, (system_id, key), values, now)
        return
    if account is None:
        tx.send(_UPSERT, _params(system_id, key, values, now))
        return
    # The statement takes the contact's account_id from the account's upsert, not a parameter.
    account_params = accounts.upsert_params(system_id, *account, now)
    tx.send(_UPSERT_WITH_ACCOUNT, (*account_params, *_params(system_id, key, values[:-1], now)))


def find_id(tx: Tx, system_id: int, key: str) -> int | None:
    value = tx.scalar(TABLE.select, (system_id, key))
    return None if value is None else int(value)


def find_id_by_reference(tx: Tx, system_id: int, reference: str) -> int | None:
    """A contact named by e-mail address or phone number, as callers write them."""
    if "@" in reference:
        return find_id(tx, system_id, contact_key(reference, None))
    return find_id(tx, system_id, contact_key(None, reference))
