"""Reads beside the writer: read-only operations on connections of their own.

A read never queues behind the group-commit writer and never takes SQLite's write lock.
Each runs on one of a few reader threads, each with its own connection kept open: on SQLite a
WAL reader (``PRAGMA query_only``) in a deferred transaction, so a read of several statements
sees one snapshot while the writer commits; on PostgreSQL a read-only transaction at READ
COMMITTED, as the writer's (a read that waits for writes in flight, like an export page, sees
what they committed). The thread hop costs a few tens of microseconds per read and keeps a 1,000-row
export page (milliseconds of work) off the event loop.

Bulk reads (an export page and its rendering) have threads of their own at the lowest CPU
priority on Linux (``BULK_NICE``): a client paging through an export as fast as it can would
otherwise take half the process's CPU from the requests beside it and double their latency.
A bulk read gets the CPU the requests leave over; with nothing else to do, it runs as fast as
any other read. On PostgreSQL only the rendering does (see :meth:`Readers.submit_bulk`).

A read sees only committed data; an operation that writes is refused by the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import sqlite3
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from opengauge.server.errors import InternalError
from opengauge.server.storage import retry
from opengauge.server.storage.transaction import Operation, T, Tx
from opengauge.server.storage.writer import failure

U = TypeVar("U")

log = logging.getLogger("opengauge.storage")

#: Reader threads (and connections) per process, for reads that answer a request...
THREADS = 4
#: ...and for bulk reads (export pages), which run at nice value ``BULK_NICE``: the lowest
#: priority there is.
BULK_THREADS = 2
BULK_NICE = 19


def read_in(conn: Any, dialect: str, op: Operation[T]) -> T:
    """Run ``op`` in one read-only transaction on ``conn``, retrying a busy database."""
    return retry.call(lambda: _read_once(conn, dialect, op))


def _read_once(conn: Any, dialect: str, op: Operation[T]) -> T:
    settle = None
    if dialect == "sqlite":
        conn.execute("BEGIN")  # deferred: a snapshot from the first read, no write lock
        settle = functools.partial(_settle_sqlite, conn)
    try:
        return op(Tx(conn, dialect, settle=settle))
    finally:
        # Nothing was written: ending the transaction only lets the snapshot go.
        conn.rollback()


def _settle_sqlite(conn: Any) -> None:
    """Wait for the write in flight, if any, then start a snapshot that sees what it committed.

    Taking the write lock is the only way to wait for another writer; it is given back at
    once, so the read that follows holds up no writer.
    """
    conn.execute("COMMIT")
    conn.execute("PRAGMA query_only=OFF")
    try:
        conn.execute("BEGIN IMMEDIATE")  # waits up to the connection's busy timeout
        conn.execute("COMMIT")
    finally:
        conn.execute("PRAGMA query_only=ON")
    conn.execute("BEGIN")


def prepare_reader(conn: Any, dialect: str) -> Any:
    """Make ``conn`` refuse writes."""
    if dialect == "sqlite":
        conn.execute("PRAGMA query_only=ON")
    else:
        conn.read_only = True
    return conn


class Readers:
    """A few threads, each with its own read-only connection, running reads."""

    def __init__(self, connect: Callable[[], Any], dialect: str) -> None:
        self._connect = connect
        self._dialect = dialect
        self._local = threading.local()
        self._connections: list[Any] = []
        self._lock = threading.Lock()
        self._threads = ThreadPoolExecutor(THREADS, thread_name_prefix="opengauge-reader")
        self._bulk_threads = ThreadPoolExecutor(
            BULK_THREADS, thread_name_prefix="opengauge-bulk-reader", initializer=lower_priority
        )

    def submit(self, op: Operation[T]) -> asyncio.Future[T]:
        return asyncio.get_running_loop().run_in_executor(self._threads, self._read, op)

    async def submit_bulk(self, op: Operation[T], then: Callable[[T], U]) -> U:
        """``op``, then ``then`` on its value once the transaction ended, at low priority.

        On PostgreSQL ``op`` itself runs on a reader thread at the loop's priority: an export
        page's transaction holds a lock that survey-record writes wait for, and a thread at
        the lowest priority could be kept from ending it while the CPU is busy. On SQLite the
        page's snapshot holds nothing a writer waits for, so the read goes at low priority too.
        """
        loop = asyncio.get_running_loop()
        if self._dialect == "sqlite":
            return await loop.run_in_executor(self._bulk_threads, lambda: then(self._read(op)))
        value = await loop.run_in_executor(self._threads, self._read, op)
        return await loop.run_in_executor(self._bulk_threads, then, value)

    def _read(self, op: Operation[T]) -> T:
        try:
            try:
                return read_in(self._connection(), self._dialect, op)
            except Exception as exc:
                if not self._dropped_broken():
                    raise
                # The database closed the connection since the last read (a restart, a
                # failover): a read is safe to repeat, once, on a new one.
                log.info("reader reconnecting: %s", exc)
                return read_in(self._connection(), self._dialect, op)
        except Exception as exc:
            self._dropped_broken()
            error = InternalError() if _wrote(exc) else failure(exc)
            if error is exc:
                raise
            raise error from exc

    def _connection(self) -> Any:
        """This thread's connection, made on first use (or after it broke)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = prepare_reader(self._connect(), self._dialect)
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def _dropped_broken(self) -> bool:
        """Forget and close this thread's connection if it was lost; whether it was."""
        conn = getattr(self._local, "conn", None)
        if conn is None or not _broken(conn):
            return False
        self._local.conn = None
        with self._lock:
            self._connections.remove(conn)
        with contextlib.suppress(Exception):
            conn.close()
        return True

    def close(self) -> None:
        self._threads.shutdown(wait=True)
        self._bulk_threads.shutdown(wait=True)
        with self._lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            with contextlib.suppress(Exception):
                conn.close()


def lower_priority() -> None:
    """Give the calling thread nice value ``BULK_NICE`` (Linux gives every thread its own);
    elsewhere, or where the system refuses, the thread keeps its priority."""
    if sys.platform != "linux":
        return
    thread = threading.get_native_id()
    try:
        if os.getpriority(os.PRIO_PROCESS, thread) < BULK_NICE:
            os.setpriority(os.PRIO_PROCESS, thread, BULK_NICE)
    except OSError as exc:
        log.debug("bulk reader keeps its priority: %s", exc)


def _wrote(exc: Exception) -> bool:
    """True when a read tried to write: a bug, not the database being unavailable."""
    if isinstance(exc, sqlite3.OperationalError) and "readonly" in str(exc):
        log.error("a read tried to write", exc_info=exc)
        return True
    return False


def _broken(conn: Any) -> bool:
    """True for a PostgreSQL connection that was lost (a new one is made for the next read)."""
    return bool(getattr(conn, "broken", False))
