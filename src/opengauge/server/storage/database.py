"""Connections, transactions and group commit.

Every piece of work the server does against the database is an *operation*: a plain function
that takes a :class:`Tx` and returns a value. Request handlers hand operations to
:meth:`Database.run`; one writer per process takes everything queued, runs it in a single
transaction and commits once, then answers every waiting request. A request is only
answered after its operation is committed, so a 2xx always means the data is stored, while the
cost of a commit (and of an fsync) is shared by all requests that arrived meanwhile.

Operations refuse bad input by raising :class:`~opengauge.server.errors.ApiError`. An operation
that refuses *before* writing leaves the shared transaction untouched; if one fails after it
wrote, or anything unexpected happens, the whole batch is rolled back and every operation is
run again on its own, so one bad request never costs another its write.

Repositories use plain parameterised SQL through :class:`Tx` rather than ORM sessions: on the
hot import path the per-statement overhead of an ORM would cost more than the database itself.
SQL is written with ``?`` placeholders and translated once for PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import psycopg
import sqlalchemy
from sqlalchemy.engine import make_url

from opengauge.server.errors import ApiError, InternalError, ServiceUnavailable

log = logging.getLogger("opengauge.storage")

T = TypeVar("T")
Operation = Callable[["Tx"], T]
Row = tuple[Any, ...]

#: Errors worth running an operation again for: lock contention and PostgreSQL's
#: serialization failures and deadlocks.
_TRANSIENT_PG_STATES = {"40001", "40P01", "55P03"}
_RETRIES = 5


class Tx:
    """One transaction's cursor, with the few calls repositories need."""

    __slots__ = ("_cursor", "_pg", "cache", "wrote")

    _pg_sql: dict[str, str] = {}

    def __init__(self, connection: Any, dialect: str) -> None:
        self._cursor = connection.cursor()
        self._pg = dialect == "postgresql"
        self.wrote = False
        #: Lookups that stay true for the whole transaction (an app's state, a mapping),
        #: shared by the operations of one batch.
        self.cache: dict[Any, Any] = {}

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
        self._cursor.execute(self._sql(sql), params)
        row: Row | None = self._cursor.fetchone()
        return row

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run a query and return every row."""
        self._cursor.execute(self._sql(sql), params)
        return list(self._cursor.fetchall())

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.one(sql, params)
        return None if row is None else row[0]

    def write(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a statement that changes data; returns the affected row count."""
        self.wrote = True
        self._cursor.execute(self._sql(sql), params)
        return int(self._cursor.rowcount)

    def write_returning(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """Run an INSERT/UPDATE ... RETURNING and return the row it gave, if any."""
        self.wrote = True
        self._cursor.execute(self._sql(sql), params)
        row: Row | None = self._cursor.fetchone()
        return row


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
        self._committer: _Committer | None = None
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

    def _begin(self, conn: Any) -> None:
        if self.dialect == "sqlite":
            # Take the write lock up front so two processes never deadlock upgrading a read lock.
            conn.execute("BEGIN IMMEDIATE")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Tx]:
        """A transaction on its own connection, for start-up work, the CLI and tests."""
        conn = self.connect()
        try:
            self._begin(conn)
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
        """Run one operation in its own transaction, retrying transient conflicts."""
        for attempt in range(_RETRIES):
            try:
                with self.transaction() as tx:
                    return op(tx)
            except Exception as exc:
                if attempt + 1 < _RETRIES and self.is_transient(exc):
                    time.sleep(0.01 * (attempt + 1))
                    continue
                raise
        raise AssertionError("unreachable")

    def is_transient(self, exc: BaseException) -> bool:
        if isinstance(exc, sqlite3.OperationalError):
            return "locked" in str(exc) or "busy" in str(exc)
        if isinstance(exc, psycopg.Error):
            return getattr(exc, "sqlstate", None) in _TRANSIENT_PG_STATES
        return False

    # -- group commit -----------------------------------------------------------------

    def start(self) -> None:
        """Start the group-commit writer (idempotent).

        SQLite runs each batch right on the event loop: its statements take microseconds,
        and a writer thread would spend more time fighting the event loop for the GIL than
        working. PostgreSQL statements wait on the network, so its writer is a thread.
        """
        if self._committer is None:
            if self.dialect == "sqlite":
                self._committer = _LoopCommitter(self)
            else:
                self._committer = _ThreadCommitter(self)
            self._committer.start()

    def stop(self) -> None:
        """Finish queued work and stop the writer."""
        if self._committer is not None:
            self._committer.stop()
            self._committer = None

    def run(self, op: Operation[T]) -> asyncio.Future[T]:
        """Queue an operation; the future resolves once it is committed (or refused)."""
        if self._committer is None:
            raise RuntimeError("Database.start() has not been called")
        return self._committer.submit(op)

    @property
    def syncs_on_commit(self) -> bool:
        return self.dialect == "sqlite" and self._sqlite_synchronous in ("FULL", "EXTRA")


class _Job:
    __slots__ = ("future", "loop", "op", "outcome")

    def __init__(self, op: Operation[Any], future: asyncio.Future[Any], loop: Any) -> None:
        self.op = op
        self.future = future
        self.loop = loop
        self.outcome: tuple[bool, Any] = (False, None)


class _Rollback(Exception):
    """An operation refused after it had written: the batch must be undone."""


def _run_ops(tx: Tx, batch: Sequence[_Job]) -> None:
    """Run a batch's operations in one transaction; refusals before any write stay local."""
    for job in batch:
        tx.wrote = False
        try:
            job.outcome = (True, job.op(tx))
        except ApiError as error:
            if tx.wrote:
                raise _Rollback(error) from error
            job.outcome = (False, error)


def _failure(exc: BaseException) -> ApiError:
    """What a lone operation's client is told when it could not be committed."""
    if isinstance(exc, _Rollback):
        error: ApiError = exc.args[0]
        return error
    if isinstance(exc, (psycopg.OperationalError, sqlite3.OperationalError)):
        log.warning("database unavailable: %s", exc)
        return ServiceUnavailable()
    log.error("operation failed", exc_info=exc)
    return InternalError()


class _Committer:
    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def submit(self, op: Operation[T]) -> asyncio.Future[T]:
        raise NotImplementedError


class _LoopCommitter(_Committer):
    """Group commit as a task on the event loop (SQLite)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._queue: list[_Job] = []
        self._conn: Any = None
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._checkpointer: _Checkpointer | None = None

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._conn = self._db.connect()
        # Never block the event loop waiting for another process's lock: retry instead.
        self._conn.execute("PRAGMA busy_timeout=0")
        # Checkpoints copy the log into the database file and fsync it; done inside a commit
        # they would stall every request, so a background thread does them instead.
        self._conn.execute("PRAGMA wal_autocheckpoint=0")
        self._checkpointer = _Checkpointer(self._db)
        self._checkpointer.start()
        self._task = self._loop.create_task(self._run(), name="opengauge-writer")

    def stop(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
        if self._task is not None:
            self._task.cancel()
        for job in self._queue:
            if not job.future.done():
                job.future.set_exception(ServiceUnavailable())
        self._queue = []
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def submit(self, op: Operation[T]) -> asyncio.Future[T]:
        assert self._loop is not None
        assert self._wake is not None
        future: asyncio.Future[T] = self._loop.create_future()
        self._queue.append(_Job(op, future, self._loop))
        self._wake.set()
        return future

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            await self._wake.wait()
            # One turn of the loop lets every request that is already readable join the batch.
            await asyncio.sleep(0)
            self._wake.clear()
            batch, self._queue = self._queue, []
            if batch:
                await self._run_batch(batch)
                _resolve(batch)

    async def _run_batch(self, batch: list[_Job]) -> None:
        for attempt in range(_RETRIES):
            try:
                started = time.perf_counter()
                await self._attempt(batch)
                _note_batch(self._db, len(batch), started)
                return
            except Exception as exc:
                with contextlib.suppress(Exception):
                    self._conn.rollback()
                if self._db.is_transient(exc) and attempt + 1 < _RETRIES:
                    await asyncio.sleep(0.005 * (attempt + 1))
                    continue
                if len(batch) > 1:
                    for job in batch:  # isolate the culprit; everyone else still gets their write
                        await self._run_batch([job])
                    return
                batch[0].outcome = (False, _failure(exc))
                return

    async def _attempt(self, batch: list[_Job]) -> None:
        await self._begin()
        _run_ops(Tx(self._conn, "sqlite"), batch)
        if self._db.syncs_on_commit:
            # The fsync happens off the loop; requests keep arriving meanwhile.
            await asyncio.to_thread(self._conn.commit)
        else:
            self._conn.commit()

    async def _begin(self) -> None:
        delay = 0.0005
        deadline = time.monotonic() + 30
        while True:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if not self._db.is_transient(exc) or time.monotonic() > deadline:
                    raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.05)


class _Checkpointer:
    """Moves SQLite's write-ahead log into the database file, off the event loop."""

    INTERVAL = 0.5

    def __init__(self, db: Database) -> None:
        self._db = db
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="opengauge-checkpoint", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        conn = self._db.connect()
        try:
            while not self._stop.wait(self.INTERVAL):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as exc:  # a busy database: try again next time
                    log.debug("checkpoint skipped: %s", exc)
            with contextlib.suppress(sqlite3.Error):
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        finally:
            conn.close()


class _ThreadCommitter(_Committer):
    """Group commit on a writer thread (PostgreSQL)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._queue: list[_Job] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = False
        self._conn: Any = None
        self._thread = threading.Thread(target=self._loop, name="opengauge-writer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        self._thread.join(timeout=30)
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()

    def submit(self, op: Operation[T]) -> asyncio.Future[T]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        with self._lock:
            self._queue.append(_Job(op, future, loop))
        self._wake.set()
        return future

    def _loop(self) -> None:
        while True:
            self._wake.wait()
            with self._lock:
                batch, self._queue = self._queue, []
                self._wake.clear()
            if batch:
                self._run_batch(batch)
                self._deliver(batch)
            elif self._stopping:
                return

    def _deliver(self, batch: list[_Job]) -> None:
        by_loop: dict[Any, list[_Job]] = {}
        for job in batch:
            by_loop.setdefault(job.loop, []).append(job)
        for loop, jobs in by_loop.items():
            with contextlib.suppress(RuntimeError):  # the loop closed while we worked
                loop.call_soon_threadsafe(_resolve, jobs)

    def _run_batch(self, batch: list[_Job]) -> None:
        for attempt in range(_RETRIES):
            try:
                if self._conn is None:
                    self._conn = self._db.connect()
                started = time.perf_counter()
                _run_ops(Tx(self._conn, self._db.dialect), batch)
                self._conn.commit()
                _note_batch(self._db, len(batch), started)
                return
            except Exception as exc:
                self._discard_transaction()
                if self._db.is_transient(exc) and attempt + 1 < _RETRIES:
                    time.sleep(0.005 * (attempt + 1))
                    continue
                if len(batch) > 1:
                    for job in batch:  # isolate the culprit; everyone else still gets their write
                        self._run_batch([job])
                    return
                batch[0].outcome = (False, _failure(exc))
                return

    def _discard_transaction(self) -> None:
        if self._conn is None:
            return
        try:
            self._conn.rollback()
        except Exception:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None


def _note_batch(db: Database, size: int, started: float) -> None:
    if db.on_batch is not None:
        db.on_batch(size, time.perf_counter() - started)


def _resolve(jobs: list[_Job]) -> None:
    for job in jobs:
        if job.future.done():
            continue
        ok, value = job.outcome
        if ok:
            job.future.set_result(value)
        else:
            job.future.set_exception(value)
