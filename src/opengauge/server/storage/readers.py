"""Reads beside the writer: read-only operations on connections of their own.

A read never queues behind the group-commit writer and never takes SQLite's write lock.
Each runs on one of a few reader threads, each with its own connection kept open: on SQLite a
WAL reader (``PRAGMA query_only``) in a deferred transaction, so a read of several statements
sees one snapshot while the writer commits; on PostgreSQL a read-only transaction. A thread
costs a few tens of microseconds per read and keeps a 1,000-row export page (milliseconds of
work) off the event loop; the reads that must be cheap (credential lookups) are one indexed
query either way.

A read sees only committed data: an operation that writes is refused by the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from opengauge.server.storage import retry
from opengauge.server.storage.transaction import Operation, T, Tx
from opengauge.server.storage.writer import failure

#: Reader threads (and connections) per process.
THREADS = 4


def read_in(conn: Any, dialect: str, op: Operation[T]) -> T:
    """Run ``op`` in one read-only transaction on ``conn``, retrying a busy database."""
    delays = retry.conflict_delays()
    while True:
        try:
            return _read_once(conn, dialect, op)
        except Exception as exc:
            delay = next(delays, None) if retry.is_transient(exc) else None
            if delay is None:
                raise
            time.sleep(delay)


def _read_once(conn: Any, dialect: str, op: Operation[T]) -> T:
    if dialect == "sqlite":
        conn.execute("BEGIN")  # deferred: a snapshot from the first read, no write lock
    try:
        return op(Tx(conn, dialect))
    finally:
        # Nothing was written: ending the transaction only lets the snapshot go.
        conn.rollback()


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

    def submit(self, op: Operation[T]) -> asyncio.Future[T]:
        return asyncio.get_running_loop().run_in_executor(self._threads, self._read, op)

    def _read(self, op: Operation[T]) -> T:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = prepare_reader(self._connect(), self._dialect)
            with self._lock:
                self._connections.append(conn)
        try:
            return read_in(conn, self._dialect, op)
        except Exception as exc:
            if _broken(conn):
                self._local.conn = None
                with self._lock:
                    self._connections.remove(conn)
            error = failure(exc)
            if error is exc:
                raise
            raise error from exc

    def close(self) -> None:
        self._threads.shutdown(wait=True)
        with self._lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            with contextlib.suppress(Exception):
                conn.close()


def _broken(conn: Any) -> bool:
    """True for a PostgreSQL connection that was lost (a new one is made for the next read)."""
    return bool(getattr(conn, "broken", False))
