"""A database chosen by URL, and the ways work reaches it.

- :meth:`Database.run` queues a write operation for the group-commit writer (``writer.py``);
- :meth:`Database.read` runs a read-only operation on a reader connection (``readers.py``);
- :meth:`Database.run_sync`, :meth:`Database.read_sync` and :meth:`Database.transaction` do
  the same on a connection of their own, for start-up work, the CLI and tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import sqlalchemy
from sqlalchemy.engine import make_url

from opengauge.server.storage import retry
from opengauge.server.storage.readers import Readers, U, prepare_reader, read_in
from opengauge.server.storage.transaction import Operation, T, Tx
from opengauge.server.storage.writer import PostgresSession, Session, SqliteSession, Writer

#: PostgreSQL connections of the group-commit writer: while one batch's statements and commit
#: travel, the next batch's operations run on the other.
WRITER_SESSIONS = 2


class Database:
    """A database chosen by URL: SQLite (a file, WAL) or PostgreSQL."""

    def __init__(self, url: str, *, sqlite_synchronous: str = "NORMAL") -> None:
        parsed = make_url(url)
        self.url = url
        self.dialect = "postgresql" if parsed.get_backend_name() == "postgresql" else "sqlite"
        self._sqlite_synchronous = sqlite_synchronous.upper()
        if self.dialect == "sqlite":
            self._sqlite_path = parsed.database or ":memory:"
        else:
            self._pg_conninfo = parsed.set(drivername="postgresql").render_as_string(
                hide_password=False
            )
        self._writer: Writer | None = None
        self._readers: Readers | None = None
        #: Called with (operations, seconds) after each group-commit batch is committed;
        #: the app points it at its metrics.
        self.on_batch: Callable[[int, float], None] | None = None

    # -- connections -------------------------------------------------------------------

    def sqlalchemy_url(self) -> str:
        """The URL for SQLAlchemy/Alembic, with the driver we ship."""
        parsed = make_url(self.url)
        if self.dialect == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return parsed.render_as_string(hide_password=False)

    def create_engine(self) -> sqlalchemy.Engine:
        return sqlalchemy.create_engine(self.sqlalchemy_url(), poolclass=sqlalchemy.NullPool)

    def connect(self) -> Any:
        """A new DBAPI connection configured for our use."""
        if self.dialect == "sqlite":
            conn = sqlite3.connect(
                self._sqlite_path, isolation_level=None, check_same_thread=False, timeout=30
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={self._sqlite_synchronous}")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=30000")
            return conn
        return psycopg.connect(self._pg_conninfo, autocommit=False)

    @property
    def syncs_on_commit(self) -> bool:
        return self.dialect == "sqlite" and self._sqlite_synchronous in ("FULL", "EXTRA")

    # -- work on a connection of its own -------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Tx]:
        """A transaction on its own connection, for start-up work, the CLI and tests."""
        conn = self.connect()
        try:
            if self.dialect == "sqlite":
                # The write lock up front, so two processes never deadlock upgrading a read lock.
                conn.execute("BEGIN IMMEDIATE")
            tx = Tx(conn, self.dialect)
            try:
                yield tx
            except BaseException:
                conn.rollback()
                raise
            conn.commit()
        finally:
            conn.close()

    def run_sync(self, op: Operation[T]) -> T:
        """Run one operation in its own transaction, retrying conflicts."""

        def attempt() -> T:
            with self.transaction() as tx:
                return op(tx)

        return retry.call(attempt)

    def read_sync(self, op: Operation[T]) -> T:
        """Run one read-only operation on a connection of its own."""
        conn = prepare_reader(self.connect(), self.dialect)
        try:
            return read_in(conn, self.dialect, op)
        finally:
            conn.close()

    # -- the writer and the readers ------------------------------------------------------

    def start(self) -> None:
        """Start the group-commit writer and the readers (idempotent; on the event loop)."""
        if self._writer is None:
            self._writer = Writer(self._sessions(), self._note_batch)
            self._readers = Readers(self.connect, self.dialect)

    def _sessions(self) -> list[Session]:
        if self.dialect == "sqlite":
            return [SqliteSession(self.connect, syncs_on_commit=self.syncs_on_commit)]
        return [PostgresSession(self.connect) for _ in range(WRITER_SESSIONS)]

    async def drain(self) -> None:
        """Wait for the writes queued or being committed (bound it with ``asyncio.timeout``)."""
        if self._writer is not None:
            await self._writer.drain()

    def stop(self) -> None:
        """Stop the writer (requests still queued are told to come back) and the readers."""
        if self._writer is not None:
            self._writer.stop()
            self._writer = None
        if self._readers is not None:
            self._readers.close()
            self._readers = None

    def run(self, op: Operation[T]) -> asyncio.Future[T]:
        """Queue a write operation; the future resolves once it is committed (or refused)."""
        if self._writer is None:
            raise RuntimeError("Database.start() has not been called")
        return self._writer.submit(op)

    def read(self, op: Operation[T]) -> asyncio.Future[T]:
        """Run a read-only operation beside the writer; it sees committed data only.

        It answers like :meth:`run`: with the operation's value, its
        :class:`~opengauge.server.errors.ApiError`, or the generic 500 (503 when the
        database is unreachable) for anything unexpected.
        """
        if self._readers is None:
            raise RuntimeError("Database.start() has not been called")
        return self._readers.submit(op)

    async def read_then(self, op: Operation[T], then: Callable[[T], U]) -> U:
        """As :meth:`read`, then ``then`` on the value on a thread once the read's transaction
        has ended: CPU work on what was read (rendering an export page) that should neither
        run on the event loop nor hold the read's locks.

        For bulk reads: ``then`` (and on SQLite the read too) runs on threads of their own at
        the lowest CPU priority, so it takes what the requests beside it leave over."""
        if self._readers is None:
            raise RuntimeError("Database.start() has not been called")
        return await self._readers.submit_bulk(op, then)

    def _note_batch(self, size: int, seconds: float) -> None:
        if self.on_batch is not None:
            self.on_batch(size, seconds)
