"""Group commit: every queued write operation of a moment in one transaction, one commit.

:meth:`Database.run <opengauge.server.storage.database.Database.run>` queues an operation;
the writer, a task on the event loop, takes everything queued, runs it in a single
transaction and commits once, then answers every waiting request. A request is only answered
after its operation is committed, so a 2xx always means the data is stored, while the cost of
a commit (and of an fsync) is shared by all requests that arrived meanwhile.

Operations refuse bad input by raising :class:`~opengauge.server.errors.ApiError`. An
operation that refuses *before* writing leaves the shared transaction untouched; if one fails
after it wrote, or anything unexpected happens, the whole batch is rolled back and every
operation is run again on its own, so one bad request never costs another its write. That
routine (:meth:`Writer._commit`) is the same for both databases; only a :class:`Session`,
which runs one attempt, differs:

- SQLite runs it right on the event loop: its statements take microseconds, and a writer
  thread would spend more time fighting the event loop for the GIL than working.
- PostgreSQL statements wait on the network, so the attempt runs on a writer thread, with
  the connection in pipeline mode: writes nobody waits for (:meth:`Tx.send`) travel
  together, and the batch costs a few round trips instead of one per statement. There are
  two such sessions, so the next batch's operations run while the last one's statements and
  commit are still on their way; the batch lock (:data:`_BATCH_LOCK`) orders what must be.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

import psycopg

from opengauge.server.errors import ApiError, InternalError, ServiceUnavailable
from opengauge.server.storage import retry
from opengauge.server.storage.checkpoint import Checkpointer
from opengauge.server.storage.transaction import Lookup, Operation, T, Tx

log = logging.getLogger("opengauge.storage")


class Job:
    """One queued operation, the future its request awaits, and how it ended."""

    __slots__ = ("future", "op", "outcome")

    def __init__(self, op: Operation[Any], future: asyncio.Future[Any]) -> None:
        self.op = op
        self.future = future
        self.outcome: tuple[bool, Any] = (False, None)


class Rollback(Exception):
    """An operation refused after it had written: the batch must be undone."""


def run_ops(tx: Tx, batch: Sequence[Job]) -> None:
    """Run a batch's operations in one transaction; refusals before any write stay local."""
    for job in batch:
        tx.wrote = False
        try:
            job.outcome = (True, job.op(tx))
        except ApiError as error:
            if tx.wrote:
                # A queued write of this operation that the database refuses comes first,
                # as it would have without the pipeline.
                tx.flush()
                raise Rollback(error) from error
            job.outcome = (False, error)


def failure(exc: BaseException) -> ApiError:
    """What a lone operation's client is told when it could not be committed."""
    if isinstance(exc, Rollback):
        error: ApiError = exc.args[0]
        return error
    if isinstance(exc, ApiError):  # a read refusing
        return exc
    if isinstance(exc, (psycopg.OperationalError, sqlite3.OperationalError)):
        log.warning("database unavailable: %s", exc)
        return ServiceUnavailable()
    log.error("operation failed", exc_info=exc)
    return InternalError()


def resolve(jobs: Sequence[Job]) -> None:
    """Answer every job's request with its outcome."""
    for job in jobs:
        if job.future.done():
            continue
        ok, value = job.outcome
        if ok:
            job.future.set_result(value)
        else:
            job.future.set_exception(value)


class Session(Protocol):
    """The writer's connection: runs one attempt at committing a batch."""

    async def attempt(self, batch: list[Job]) -> None:
        """Run the batch in one transaction and commit; roll back and raise on failure."""

    def close(self, *, wait: bool) -> None:
        """Let the connection go; ``wait`` for an attempt still running, or not."""


class Writer:
    """The group-commit task on the event loop, committing through its sessions.

    With several sessions (PostgreSQL), a batch is taken as soon as one is free: the next
    batch's operations run while the one before waits for its statements and its commit.
    """

    def __init__(self, sessions: Sequence[Session], on_batch: Callable[[int, float], None]) -> None:
        self._sessions = list(sessions)
        self._free = list(self._sessions)
        self._on_batch = on_batch
        self._queue: list[Job] = []
        #: The batch each busy session is committing.
        self._running: dict[Session, list[Job]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._freed = asyncio.Event()
        #: Set while nothing is queued or being committed.
        self._idle = asyncio.Event()
        self._idle.set()
        self._task = self._loop.create_task(self._run(), name="opengauge-writer")

    def submit(self, op: Operation[T]) -> asyncio.Future[T]:
        future: asyncio.Future[T] = self._loop.create_future()
        self._queue.append(Job(op, future))
        self._idle.clear()
        self._wake.set()
        return future

    async def drain(self) -> None:
        """Wait until everything queued is committed and answered."""
        await self._idle.wait()

    def stop(self) -> None:
        """Stop taking work; requests still waiting are told the service is unavailable.

        :meth:`drain` first, or a batch being committed meanwhile is answered 503 too.
        """
        self._task.cancel()
        for task in self._tasks:
            task.cancel()
        running, self._running = self._running, {}
        for job in (*(job for batch in running.values() for job in batch), *self._queue):
            if not job.future.done():
                job.future.set_exception(ServiceUnavailable())
        self._queue = []
        for session in self._sessions:
            session.close(wait=session not in running)

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            # One turn of the loop lets every request that is already readable join the batch.
            await asyncio.sleep(0)
            while not self._free:
                self._freed.clear()
                await self._freed.wait()
            self._wake.clear()
            batch, self._queue = self._queue, []
            if batch:
                session = self._free.pop()
                self._running[session] = batch
                task = self._loop.create_task(self._finish(session, batch))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def _finish(self, session: Session, batch: list[Job]) -> None:
        try:
            await self._commit(session, batch)
            resolve(batch)
        finally:
            self._running.pop(session, None)
            self._free.append(session)
            self._freed.set()
            if not self._queue and not self._running:
                self._idle.set()

    async def _commit(self, session: Session, batch: list[Job]) -> None:
        """Commit the batch, retrying conflicts; past that, every operation on its own."""
        delays = retry.conflict_delays()
        while True:
            started = time.perf_counter()
            try:
                await session.attempt(batch)
            except Exception as exc:
                delay = next(delays, None) if retry.is_transient(exc) else None
                if delay is not None:
                    await asyncio.sleep(delay)
                    continue
                await self._isolate(session, batch, exc)
                return
            self._on_batch(len(batch), time.perf_counter() - started)
            return

    async def _isolate(self, session: Session, batch: list[Job], exc: Exception) -> None:
        if len(batch) == 1:
            batch[0].outcome = (False, failure(exc))
            return
        for job in batch:  # find the culprit; everyone else still gets their write
            await self._commit(session, [job])


class SqliteSession:
    """Attempts on the event loop, with a connection that never blocks it on a lock."""

    def __init__(self, connect: Callable[[], Any], *, syncs_on_commit: bool) -> None:
        self._conn = connect()
        # Never block the event loop waiting for another process's lock: retry instead.
        self._conn.execute("PRAGMA busy_timeout=0")
        self._conn.execute("PRAGMA wal_autocheckpoint=0")
        self._syncs_on_commit = syncs_on_commit
        self._checkpointer = Checkpointer(connect)
        self._checkpointer.start()

    async def attempt(self, batch: list[Job]) -> None:
        try:
            await self._begin()
            run_ops(Tx(self._conn, "sqlite"), batch)
            if self._syncs_on_commit:
                # The fsync happens off the loop; requests keep arriving meanwhile.
                await asyncio.to_thread(self._conn.commit)
            else:
                self._conn.commit()
        except Exception:
            with contextlib.suppress(Exception):
                self._conn.rollback()
            raise

    async def _begin(self) -> None:
        # Take the write lock up front so two processes never deadlock upgrading a read lock.
        for delay in retry.lock_delays():
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if not retry.is_transient(exc):
                    raise
            await asyncio.sleep(delay)
        self._conn.execute("BEGIN IMMEDIATE")

    def close(self, *, wait: bool) -> None:
        self._checkpointer.stop()
        self._conn.close()


#: Taken by every batch before its first statement that is not a lookup. Exclusive for a
#: batch that writes other than its deferred rows at the end: batches that write the same
#: accounts in different orders would otherwise deadlock, and PostgreSQL finds a deadlock only
#: after ``deadlock_timeout`` (1 s). Shared for a batch that writes only those rows, in key
#: order (:meth:`Tx.send_deferred`): such batches take row locks in one order, so they run
#: side by side. A two-key advisory lock: that key space never meets ``lock_contact``'s.
_BATCH_LOCK = (
    "SELECT pg_advisory_xact_lock(1330075458, 1)",
    "SELECT pg_advisory_xact_lock_shared(1330075458, 1)",
)


#: At most this many of a batch's lookups are run ahead by the next one.
PREFETCH_LOOKUPS = 8


class PostgresSession:
    """Attempts on the writer's thread, the connection in pipeline mode."""

    def __init__(self, connect: Callable[[], Any]) -> None:
        self._connect = connect
        self._conn: Any = None
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="opengauge-writer")
        #: The last batch's lookups: the next batch most likely runs the same ones.
        self._lookups: list[Lookup] = []

    async def attempt(self, batch: list[Job]) -> None:
        await asyncio.get_running_loop().run_in_executor(self._thread, self._attempt, batch)

    def _attempt(self, batch: list[Job]) -> None:
        if self._conn is None:
            self._conn = self._connect()
        try:
            with self._conn.pipeline() as pipeline:
                tx = Tx(self._conn, "postgresql", pipeline, lock=_BATCH_LOCK)
                tx.prefetch(self._lookups)
                run_ops(tx, batch)
                tx.send_deferred()
                self._conn.commit()
        except Exception:
            self._lookups = []  # in case one of them is what failed
            self._discard_transaction()
            raise
        self._lookups = list(tx.looked_up)[:PREFETCH_LOOKUPS]

    def _discard_transaction(self) -> None:
        try:
            self._conn.rollback()
        except Exception:  # a broken connection: the next attempt makes a new one
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None

    def close(self, *, wait: bool) -> None:
        # An attempt stuck past the drain (a dead socket, another process's lock) must not
        # hold the shutdown up.
        self._thread.shutdown(wait=wait)
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
