"""Create or update one row found by its unique key, as cheaply as each database allows.

The import path puts the same accounts and contacts again and again, so this is the hot write:

- On PostgreSQL it is one ``INSERT ... ON CONFLICT DO UPDATE`` (written by each repository):
  safe against another server process creating the same row, and queued with the rest of a
  batch, so it costs no round trip of its own.
- On SQLite every write transaction holds the database's write lock from its ``BEGIN
  IMMEDIATE``, so nobody can create the row between a look-up and a write. Looking the id up,
  then updating only the columns given (or inserting), stores the same as the upsert. It costs
  SQLite much less: an ``ON CONFLICT`` upsert first builds the row it then throws away, and
  ``RETURNING`` collects its row in a temporary table; assigning a column the foreign key of
  another table points at runs that key's checks even when the value stays. Measured under
  callgrind, an account and its contact took 128,000 instructions as two upserts and 54,000
  this way. A put whose caller needs no id is an UPDATE by the key, and an INSERT only when
  that found no row: one statement fewer.

A column whose value is None keeps what is stored, as ``COALESCE(excluded.c, t.c)`` does in
the upserts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from opengauge.server.storage.transaction import Tx


class KeyedTable:
    """A table whose rows are found by ``key`` and carry optional ``columns``; every such
    table also has ``id``, ``created_at`` and ``updated_at``.

    Its statements are written once, from the fixed column names, never from input: a put
    costs no string building and no hashing beyond a dictionary look-up.
    """

    __slots__ = ("_by_key", "_updates", "columns", "insert", "key", "name", "select", "where")

    def __init__(self, name: str, key: tuple[str, ...], columns: tuple[str, ...]) -> None:
        self.name = name
        self.key = key
        self.columns = columns
        self.where = " AND ".join(f"{column} = ?" for column in key)
        self.select = f"SELECT id FROM {name} WHERE {self.where}"  # noqa: S608
        names = ", ".join((*key, *columns, "created_at", "updated_at"))
        marks = ", ".join("?" for _ in range(len(key) + len(columns) + 2))
        self.insert = f"INSERT INTO {name} ({names}) VALUES ({marks})"  # noqa: S608
        self._updates: dict[tuple[str, ...], str] = {}
        self._by_key: dict[tuple[str, ...], str] = {}

    def update(self, given: tuple[str, ...]) -> str:
        """The UPDATE by id of the ``given`` columns and ``updated_at``."""
        sql = self._updates.get(given)
        if sql is None:
            sql = self._updates[given] = self._update(given, "id = ?")
        return sql

    def update_by_key(self, given: tuple[str, ...]) -> str:
        """The UPDATE by key of the ``given`` columns and ``updated_at``."""
        sql = self._by_key.get(given)
        if sql is None:
            sql = self._by_key[given] = self._update(given, self.where)
        return sql

    def _update(self, given: tuple[str, ...], where: str) -> str:
        assigned = ", ".join(f"{column} = ?" for column in (*given, "updated_at"))
        return f"UPDATE {self.name} SET {assigned} WHERE {where}"  # noqa: S608


class Batch:
    """Upserts that a PostgreSQL batch sends as one statement (:func:`batched_upsert`).

    A row is the table's key columns, its optional columns, then ``created_at`` and
    ``updated_at``; :meth:`Tx.defer <opengauge.server.storage.transaction.Tx.defer>` collects
    them. Merging two rows with the same key keeps, per optional column, the later value that
    is not None, the earlier ``created_at`` and the later ``updated_at``: what the two
    ``COALESCE`` upserts one after the other would store. Columns in ``linked`` are one
    choice (an account given by id or by name): a later row that gives any of them replaces
    them all.
    """

    __slots__ = ("_linked", "_optional", "_sql", "rank")

    def __init__(
        self, sql: str, *, rank: int, optional: range, linked: tuple[int, ...] = ()
    ) -> None:
        self._sql = sql
        self.rank = rank
        self._optional = optional
        self._linked = linked

    def merge(self, held: list[Any], row: Sequence[Any]) -> None:
        for i in self._optional:
            if row[i] is not None:
                held[i] = row[i]
        linked = self._linked
        if linked and any(row[i] is not None for i in linked):
            for i in linked:
                held[i] = row[i]
        held[-1] = row[-1]

    def statement(self, rows: list[list[Any]]) -> tuple[str, Sequence[Any]]:
        # One JSON array of rows: msgspec writes it in C, where psycopg would adapt every
        # value of a per-column array in Python. The statement reads it as jsonb, parsed
        # once: as json, every ``->>`` would parse its row again.
        return self._sql, (_encode(rows).decode(),)


def batched_upsert(
    table: str,
    columns: tuple[tuple[str, str], ...],
    key: tuple[str, ...],
    optional: tuple[str, ...],
    *,
    values: dict[str, str] | None = None,
) -> str:
    """PostgreSQL's upsert of many rows of ``table``, given as one JSON array of rows.

    ``columns`` are a row's (name, SQL type) in row order. Each stored column (``key``,
    ``optional``, the timestamps) takes the row's value of the same name, or the expression
    over the row ``v`` that ``values`` gives it; a row may carry a column only such an
    expression reads (a name to look an id up by). Built from fixed names, never from input.
    """
    values = values or {}
    fields = ", ".join(f"(j->>{i})::{kind} AS {name}" for i, (name, kind) in enumerate(columns))
    stored = [*key, *optional, "created_at", "updated_at"]
    selected = ", ".join(values.get(column, f"v.{column}") for column in stored)
    updates = ", ".join(f"{c} = COALESCE(excluded.{c}, {table}.{c})" for c in optional)
    return (
        f"INSERT INTO {table} ({', '.join(stored)}) SELECT {selected}"  # noqa: S608
        f" FROM (SELECT {fields} FROM jsonb_array_elements(%s::jsonb) AS j) AS v"
        f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates},"
        " updated_at = excluded.updated_at"
    )


_encode = msgspec.json.encode


def put_sqlite(
    tx: Tx, table: KeyedTable, key: Sequence[object], values: Sequence[object], now: str
) -> int:
    """Update the given ``values`` (in ``table.columns`` order) of the row with ``key``, or
    insert it; returns its id. Only for SQLite, inside a write transaction."""
    row_id = tx.scalar(table.select, key)
    if row_id is None:
        return tx.insert(table.insert, (*key, *values, now, now))
    given, params = _given(table, values)
    tx.send(table.update(given), (*params, now, row_id))
    return int(row_id)


def put_sqlite_quietly(
    tx: Tx, table: KeyedTable, key: Sequence[object], values: Sequence[object], now: str
) -> None:
    """As :func:`put_sqlite` for a caller that needs no id: an UPDATE by the key, and an
    INSERT only when it found no row, one statement fewer than a look-up first."""
    given, params = _given(table, values)
    if tx.write(table.update_by_key(given), (*params, now, *key)) == 0:
        tx.send(table.insert, (*key, *values, now, now))


def _given(table: KeyedTable, values: Sequence[object]) -> tuple[tuple[str, ...], list[object]]:
    """The columns given a value (not None), and those values."""
    given: list[str] = []
    params: list[object] = []
    for column, value in zip(table.columns, values, strict=True):
        if value is not None:
            given.append(column)
            params.append(value)
    return tuple(given), params
