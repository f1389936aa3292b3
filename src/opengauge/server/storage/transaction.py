"""One transaction as repositories see it: :class:`Tx`, and the operations that use it.

Every piece of work the server does against the database is an *operation*: a plain function
that takes a :class:`Tx` and returns a value. Repositories use plain parameterised SQL through
:class:`Tx` rather than ORM sessions: on the hot import path the per-statement overhead of an
ORM would cost more than the database itself. SQL is written with ``?`` placeholders and
translated once for PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
Operation = Callable[["Tx"], T]
Row = tuple[Any, ...]
#: A lookup's statement and parameters (:meth:`Tx.lookup`).
Lookup = tuple[str, tuple[Any, ...]]
#: A deferred row's key: its table's key columns.
Key = tuple[Any, ...]


#: In a batch that has taken its lock (it wrote other than deferred rows), deferred rows go
#: once this many of a kind are waiting, so that the database works on them while the batch's
#: later operations run (4 or 16 measured slower than 8). A batch of puts only keeps them all
#: for the end, where they go in key order under the shared lock (:meth:`Tx.send_deferred`).
DEFER_ROWS = 8


class Batched(Protocol):
    """A kind of row that a PostgreSQL batch writes with one statement (:meth:`Tx.defer`)."""

    #: Kinds are sent in this order: a kind whose statement reads another's rows comes after.
    @property
    def rank(self) -> int: ...

    def merge(self, held: list[Any], row: Sequence[Any]) -> None:
        """Fold ``row`` into ``held``, a row with the same key deferred earlier, so that one
        write of ``held`` stores what writing both, one after the other, would."""

    def statement(self, rows: list[list[Any]]) -> tuple[str, Sequence[Any]]:
        """The one statement writing ``rows`` (distinct keys, in the order first deferred)."""


class Tx:
    """One transaction's cursor, with the few calls repositories need.

    On a PostgreSQL connection in pipeline mode (the group-commit writer's), :meth:`send`
    only queues its statement: it reaches the server with the next statement whose result is
    needed, or with the commit, so a batch of writes costs one round trip instead of one each.
    An error in a queued statement surfaces there too.
    """

    __slots__ = (
        "_cursor",
        "_deferred",
        "_lock",
        "_pg",
        "_pipeline",
        "_prefetched",
        "_settle",
        "cache",
        "looked_up",
        "wrote",
    )

    _pg_sql: dict[str, str] = {}

    def __init__(
        self,
        connection: Any,
        dialect: str,
        pipeline: Any = None,
        *,
        settle: Callable[[], None] | None = None,
        lock: tuple[str, str] | None = None,
    ) -> None:
        self._cursor = connection.cursor()
        #: The statements taking a lock (exclusive, shared) that every statement but a
        #: :meth:`lookup` needs first, sent just before the first of them: shared when that
        #: is the deferred rows' at the end (:meth:`send_deferred`), exclusive otherwise.
        self._lock = lock
        self._pipeline = pipeline
        self._settle = settle
        self._pg = dialect == "postgresql"
        self.wrote = False
        self._deferred: dict[Batched, dict[Key, list[Any]]] = {}
        #: Lookups that stay true for the whole transaction (an app's state, a mapping),
        #: shared by the operations of one batch.
        self.cache: dict[Any, Any] = {}
        #: The lookups this transaction ran, each once, in order (see :meth:`prefetch`).
        self.looked_up: dict[Lookup, None] = {}
        self._prefetched: dict[Lookup, Any] = {}

    @property
    def is_postgres(self) -> bool:
        return self._pg

    def _sql(self, sql: str) -> str:
        if not self._pg:
            return sql
        translated = self._pg_sql.get(sql)
        if translated is None:
            translated = self._pg_sql[sql] = sql.replace("?", "%s")
        return translated

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """Run a query and return its first row, or None."""
        self._execute(sql, params)
        row: Row | None = self._cursor.fetchone()
        return row

    def lookup(self, sql: str, params: tuple[Any, ...] = ()) -> Row | None:
        """As :meth:`one`, for a setting no write of accounts or contacts changes (an app, a
        mapping): it needs neither the transaction's lock nor its deferred rows first."""
        key = (sql, params)
        self.looked_up[key] = None
        cursor = self._prefetched.pop(key, None)
        if cursor is None:
            cursor = self._cursor
            cursor.execute(self._sql(sql), params)
        row: Row | None = cursor.fetchone()
        return row

    def prefetch(self, lookups: Iterable[Lookup]) -> None:
        """Queue ``lookups`` at once, each on a cursor of its own (a pipeline's first use):
        the first :meth:`lookup` then brings every result back in one round trip, where one
        after another each would cost one. Dropped unread at the first other statement,
        which may change what they read."""
        connection = self._cursor.connection
        for sql, params in lookups:
            cursor = connection.cursor()
            cursor.execute(self._sql(sql), params)
            self._prefetched[(sql, params)] = cursor

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run a query and return every row."""
        self._execute(sql, params)
        return list(self._cursor.fetchall())

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.one(sql, params)
        return None if row is None else row[0]

    def write(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a statement that changes data; returns the affected row count."""
        self.send(sql, params)
        self.flush()
        return int(self._cursor.rowcount)

    def send(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run a statement that changes data and whose outcome nobody waits for."""
        self.wrote = True
        self._execute(sql, params)

    def write_returning(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """Run an INSERT/UPDATE ... RETURNING and return the row it gave, if any."""
        self.wrote = True
        self._execute(sql, params)
        row: Row | None = self._cursor.fetchone()
        return row

    def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run an INSERT of one row and return the new row's ``id``."""
        self.wrote = True
        if self._pg:
            self._execute(sql + " RETURNING id", params)
            return int(self._cursor.fetchone()[0])
        self._execute(sql, params)
        return int(self._cursor.lastrowid)

    def _execute(self, sql: str, params: Sequence[Any]) -> None:
        if self._prefetched:
            self._prefetched = {}
        if self._lock is not None:
            self._take_lock()
        # Deferred rows go before any other statement, which may read or depend on them.
        if self._deferred:
            self.send_deferred()
        self._cursor.execute(self._sql(sql), params)

    def _take_lock(self, *, shared: bool = False) -> None:
        lock, self._lock = self._lock, None
        if lock is not None:
            self._cursor.execute(lock[shared])

    def defer(self, kind: Batched, key: Key, row: Sequence[Any]) -> None:
        """Write ``row`` with every other row of its ``kind`` in one statement (PostgreSQL).

        In the group-commit writer's pipeline the rows wait until the transaction runs any
        other statement, the writer commits, or (once the batch holds its lock)
        :data:`DEFER_ROWS` of a kind are waiting: then each kind goes as one statement (in
        ``rank`` order, its rows in key order), rows sharing a ``key`` merged into one.
        Without a pipeline the row goes at once.
        """
        self.wrote = True
        pending = self._deferred.get(kind)
        if pending is None:
            pending = self._deferred[kind] = {}
        held = pending.get(key)
        if held is None:
            pending[key] = list(row)
        else:
            kind.merge(held, row)
        if self._pipeline is None or (self._lock is None and len(pending) >= DEFER_ROWS):
            self.send_deferred()

    def send_deferred(self) -> None:
        """Send the deferred rows' statements now (queued, in a pipeline, as :meth:`send`)."""
        if not self._deferred:
            return
        self._take_lock(shared=True)
        deferred, self._deferred = self._deferred, {}
        for kind in sorted(deferred, key=_rank):
            # In key order: transactions that write only deferred rows, each kind in one
            # statement, then take their rows' locks in one order and never deadlock.
            rows = deferred[kind]
            sql, params = kind.statement([rows[key] for key in sorted(rows)])
            self._cursor.execute(sql, params)

    def settle_sqlite_writes(self) -> None:
        """On a SQLite reader: wait for the write in flight and see what it commits.

        The group-commit writer holds the write lock for its whole transaction, so there
        nothing is in flight; PostgreSQL needs a lock on the tables concerned instead.
        """
        if self._settle is not None:
            self._settle()

    def flush(self) -> None:
        """Wait for every queued statement, raising the first one's error (pipeline mode)."""
        if self._deferred:
            self.send_deferred()
        if self._pipeline is not None:
            self._pipeline.sync()


def _rank(kind: Batched) -> int:
    return kind.rank
