"""Accounts, their aliases and their parent/child tree."""

from __future__ import annotations

from typing import NamedTuple

from opengauge.server.storage.repositories.keyed import (
    Batch,
    KeyedTable,
    batched_upsert,
    put_sqlite,
    put_sqlite_quietly,
)
from opengauge.server.storage.transaction import Tx


class AccountFields(NamedTuple):
    """Optional account attributes; None leaves the stored value as it is."""

    number: str | None = None
    manager: str | None = None
    region: str | None = None
    parent_id: int | None = None


#: The columns a put may set are the fields of AccountFields, in their order.
TABLE = KeyedTable("accounts", ("system_id", "name"), AccountFields._fields)

#: PostgreSQL's upsert; also the first half of ``contacts.put_with_account`` there.
UPSERT = (
    "INSERT INTO accounts (system_id, name, number, manager, region, parent_id, created_at,"
    " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (system_id, name) DO UPDATE SET"
    " number = COALESCE(excluded.number, accounts.number),"
    " manager = COALESCE(excluded.manager, accounts.manager),"
    " region = COALESCE(excluded.region, accounts.region),"
    " parent_id = COALESCE(excluded.parent_id, accounts.parent_id),"
    " updated_at = excluded.updated_at"
    " RETURNING id"
)


#: The same upsert for callers that need no id, one statement for a whole batch's rows
#: (``Tx.defer``): the rows of :func:`upsert_params`.
BATCH = Batch(
    batched_upsert(
        "accounts",
        (
            ("system_id", "int"),
            ("name", "text"),
            *((column, "int" if column == "parent_id" else "text") for column in TABLE.columns),
            ("created_at", "timestamp"),
            ("updated_at", "timestamp"),
        ),
        TABLE.key,
        TABLE.columns,
    ),
    rank=0,
    optional=range(2, 2 + len(TABLE.columns)),
)


def find_id(tx: Tx, system_id: int, name: str) -> int | None:
    value = tx.scalar(TABLE.select, (system_id, name))
    return None if value is None else int(value)


def upsert_params(system_id: int, name: str, fields: AccountFields, now: str) -> tuple[object, ...]:
    """The parameters of :data:`UPSERT`, also the first ones of the contact's upsert with it."""
    return (system_id, name, *fields, now, now)


def upsert(tx: Tx, system_id: int, name: str, fields: AccountFields, now: str) -> int:
    """Create or update the account called ``name``; returns its id."""
    if not tx.is_postgres:
        return put_sqlite(tx, TABLE, (system_id, name), fields, now)
    row = tx.write_returning(UPSERT, upsert_params(system_id, name, fields, now))
    assert row is not None
    return int(row[0])


def put_quietly(tx: Tx, system_id: int, name: str, fields: AccountFields, now: str) -> None:
    """Create or update the account called ``name``, waiting for nothing: on PostgreSQL one
    statement writes the batch's accounts together (an Account record needs no id back)."""
    if not tx.is_postgres:
        put_sqlite_quietly(tx, TABLE, (system_id, name), fields, now)
        return
    tx.defer(BATCH, (system_id, name), upsert_params(system_id, name, fields, now))


def ensure(tx: Tx, system_id: int, name: str, now: str) -> int:
    """The id of the account called ``name``, creating a bare one if there is none."""
    existing = find_id(tx, system_id, name)
    if existing is not None:
        return existing
    return upsert(tx, system_id, name, AccountFields(), now)


def put(tx: Tx, system_id: int, name: str, fields: AccountFields, now: str) -> tuple[int, bool]:
    """Create or update; returns (id, created)."""
    existing = find_id(tx, system_id, name)
    if existing is None:
        row = tx.write_returning(
            "INSERT INTO accounts (system_id, name, number, manager, region, parent_id,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (system_id, name) DO NOTHING RETURNING id",
            upsert_params(system_id, name, fields, now),
        )
        if row is not None:
            return int(row[0]), True
    return upsert(tx, system_id, name, fields, now), False


def ancestors(tx: Tx, account_id: int) -> list[int]:
    """Ids from the account's parent up to the root."""
    chain: list[int] = []
    current = tx.scalar("SELECT parent_id FROM accounts WHERE id = ?", (account_id,))
    while current is not None and current not in chain:
        chain.append(int(current))
        current = tx.scalar("SELECT parent_id FROM accounts WHERE id = ?", (current,))
    return chain


def add_alias(tx: Tx, system_id: int, account_id: int, alias: str) -> None:
    tx.write(
        "INSERT INTO account_aliases (system_id, account_id, alias) VALUES (?, ?, ?)"
        " ON CONFLICT (account_id, alias) DO NOTHING",
        (system_id, account_id, alias),
    )
