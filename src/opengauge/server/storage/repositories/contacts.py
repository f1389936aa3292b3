"""Contacts, keyed per system by e-mail address or else by phone number."""

from __future__ import annotations

from typing import NamedTuple

from opengauge.server.storage.repositories import accounts
from opengauge.server.storage.repositories.accounts import AccountFields
from opengauge.server.storage.repositories.keyed import (
    Batch,
    KeyedTable,
    batched_upsert,
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


#: PostgreSQL's upsert of one contact.
_UPSERT = (
    "INSERT INTO contacts (system_id, key, "  # noqa: S608
    + ", ".join(_COLUMNS)
    + ", created_at, updated_at) VALUES ("
    + ", ".join("?" for _ in range(len(_COLUMNS) + 4))
    + ") ON CONFLICT (system_id, key) DO UPDATE SET "
    + ", ".join(f"{c} = COALESCE(excluded.{c}, contacts.{c})" for c in _COLUMNS)
    + ", updated_at = excluded.updated_at"
)

#: A batch's contacts in one statement (``Tx.defer``). A row is the key, the fields, the
#: name of an account upserted before it (``accounts.BATCH`` has the lower rank, so its
#: statement goes first) whose id takes the place of ``account_id``, and the timestamps.
_BATCH = Batch(
    batched_upsert(
        "contacts",
        (
            ("system_id", "int"),
            ("key", "text"),
            *((column, "int" if column == "account_id" else "text") for column in _COLUMNS),
            ("account_name", "text"),
            ("created_at", "timestamp"),
            ("updated_at", "timestamp"),
        ),
        TABLE.key,
        _COLUMNS,
        values={
            "account_id": "COALESCE((SELECT a.id FROM accounts a WHERE a.system_id ="
            " v.system_id AND a.name = v.account_name), v.account_id)"
        },
    ),
    rank=1,
    # Every field but account_id; that and the account's name are one choice.
    optional=range(2, 1 + len(_COLUMNS)),
    linked=(1 + len(_COLUMNS), 2 + len(_COLUMNS)),
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

    On PostgreSQL the batch's accounts, then its contacts, each go as one statement.
    """
    key = contact_key(fields.email, fields.phone)
    if not tx.is_postgres:
        values: tuple[object, ...] = fields
        if account is not None:
            # The account's id takes the place of the contact's last column, account_id.
            values = (*fields[:-1], accounts.upsert(tx, system_id, *account, now))
        put_sqlite_quietly(tx, TABLE, (system_id, key), values, now)
        return
    if account is None:
        tx.defer(_BATCH, (system_id, key), (system_id, key, *fields, None, now, now))
        return
    name = account[0]
    tx.defer(accounts.BATCH, (system_id, name), accounts.upsert_params(system_id, *account, now))
    tx.defer(_BATCH, (system_id, key), (system_id, key, *fields[:-1], None, name, now, now))


def find_id(tx: Tx, system_id: int, key: str) -> int | None:
    value = tx.scalar(TABLE.select, (system_id, key))
    return None if value is None else int(value)


def find_id_by_reference(tx: Tx, system_id: int, reference: str) -> int | None:
    """A contact named by e-mail address or phone number, as callers write them."""
    if "@" in reference:
        return find_id(tx, system_id, contact_key(reference, None))
    return find_id(tx, system_id, contact_key(None, reference))
