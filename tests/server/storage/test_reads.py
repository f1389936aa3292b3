"""Reads beside the writer: their own connections, committed data only, the writer's answers."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from opengauge.server.errors import InternalError, ServiceUnavailable, ValidationFailed
from opengauge.server.storage import Database, Tx
from opengauge.server.storage.readers import BULK_NICE, THREADS
from tests.conftest import BACKENDS

_NAMES = "SELECT name FROM touchpoints ORDER BY id"


def _names(tx: Tx) -> list[str]:
    return [row[0] for row in tx.all(_NAMES)]


def _add(name: str) -> Any:
    def operation(tx: Tx) -> str:
        tx.write("INSERT INTO touchpoints (system_id, name) VALUES (1, ?)", (name,))
        return name

    return operation


@contextlib.contextmanager
def _write_lock_held_elsewhere(db: Database) -> Iterator[None]:
    """Another connection in the middle of a write transaction, holding the write lock.

    On SQLite that is BEGIN IMMEDIATE; on PostgreSQL a table lock that lets only reads by.
    """
    conn = db.connect()
    try:
        if db.dialect == "sqlite":
            conn.execute("BEGIN IMMEDIATE")
        else:
            conn.execute("LOCK TABLE touchpoints IN EXCLUSIVE MODE")
        Tx(conn, db.dialect).write(
            "INSERT INTO touchpoints (system_id, name) VALUES (1, 'uncommitted')"
        )
        yield
        conn.commit()
    finally:
        conn.close()


async def _started(db: Database, body: Any) -> Any:
    db.start()
    try:
        return await body()
    finally:
        db.stop()


def test_a_read_returns_while_another_writer_holds_the_lock(migrated: Database) -> None:
    migrated.run_sync(_add("committed"))

    async def body() -> tuple[list[str], bool, str]:
        with _write_lock_held_elsewhere(migrated):
            write = asyncio.ensure_future(migrated.run(_add("queued")))
            seen = await asyncio.wait_for(migrated.read(_names), timeout=5)
            write_waited = not write.done()
        return seen, write_waited, await asyncio.wait_for(write, timeout=10)

    seen, write_waited, written = asyncio.run(_started(migrated, body))
    assert seen == ["committed"]
    assert write_waited
    assert written == "queued"
    assert migrated.read_sync(_names) == ["committed", "uncommitted", "queued"]


def test_a_read_sees_one_snapshot_on_sqlite(sqlite_migrated: Database) -> None:
    """On PostgreSQL reads are READ COMMITTED, as writes are: each statement sees the latest."""
    migrated = sqlite_migrated

    def read_twice(tx: Tx) -> tuple[list[str], list[str]]:
        before = _names(tx)
        migrated.run_sync(_add("meanwhile"))  # committed by another connection
        return before, _names(tx)

    before, after = asyncio.run(_started(migrated, lambda: migrated.read(read_twice)))
    assert before == after == []
    assert migrated.read_sync(_names) == ["meanwhile"]


def _refuse(tx: Tx) -> None:
    tx.all(_NAMES)
    raise ValidationFailed({"x": ["refused"]})


def test_a_read_refusing_answers_its_error(migrated: Database) -> None:
    with pytest.raises(ValidationFailed) as refused:
        asyncio.run(_started(migrated, lambda: migrated.read(_refuse)))
    assert refused.value.errors == {"x": ["refused"]}


def _crash(tx: Tx) -> None:
    raise RuntimeError("bug")


@pytest.mark.parametrize("operation", [_crash, _add("written by a read")], ids=["crash", "write"])
def test_a_failing_read_answers_the_generic_500(migrated: Database, operation: Any) -> None:
    with pytest.raises(InternalError) as failed:
        asyncio.run(_started(migrated, lambda: migrated.read(operation)))
    assert failed.value.status == 500
    assert migrated.read_sync(_names) == []


def test_read_sync_refuses_to_write(migrated: Database) -> None:
    with pytest.raises(Exception, match=r"(?i)read.?only"):
        migrated.read_sync(_add("no"))
    assert migrated.read_sync(_names) == []


def test_an_export_page_waits_for_the_write_in_flight_not_behind_it(
    sqlite_migrated: Database,
) -> None:
    """SQLite's settle step waits for the lock holder to finish, then the page sees its rows
    (PostgreSQL locks the table instead: tests/server/rest)."""
    migrated = sqlite_migrated

    def settled_names(tx: Tx) -> list[str]:
        tx.settle_sqlite_writes()
        return _names(tx)

    async def body() -> list[str]:
        with _write_lock_held_elsewhere(migrated):
            page = asyncio.ensure_future(migrated.read(settled_names))
            await asyncio.sleep(0.2)
            assert not page.done()
        return await asyncio.wait_for(page, timeout=5)

    assert asyncio.run(_started(migrated, body)) == ["uncommitted"]


def test_read_before_start_is_an_error(migrated: Database) -> None:
    with pytest.raises(RuntimeError, match="start"):
        migrated.read(_names)


def test_reads_run_off_the_event_loop(migrated: Database) -> None:
    loop_thread = threading.get_ident()

    async def body() -> int:
        return await migrated.read(lambda tx: threading.get_ident())

    assert asyncio.run(_started(migrated, body)) != loop_thread


def test_a_read_while_postgres_is_unreachable_answers_503() -> None:
    """The reader's connection cannot even be made: the database is unavailable, not broken."""
    unreachable = Database("postgresql://postgres@127.0.0.1:9/test?connect_timeout=2")
    with pytest.raises(ServiceUnavailable):
        asyncio.run(_started(unreachable, lambda: unreachable.read(_names)))


@pytest.mark.parametrize("database", [b for b in BACKENDS if b == "postgres"], indirect=True)
def test_reads_after_postgres_dropped_their_connections_succeed(migrated: Database) -> None:
    """A restart or failover closes every connection: the next read makes a new one instead
    of answering 503 once per reader thread."""
    migrated.run_sync(_add("kept"))

    async def body() -> list[list[str]]:
        first = [await migrated.read(_names)]
        with psycopg.connect(migrated.url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        return first + [await migrated.read(_names) for _ in range(THREADS + 1)]

    assert asyncio.run(_started(migrated, body)) == [["kept"]] * (THREADS + 2)


def test_then_runs_on_the_reader_thread_once_the_reads_transaction_has_ended(
    migrated: Database,
) -> None:
    """What a read hands to ``then`` (an export page to render) holds no lock any more."""
    migrated.run_sync(_add("committed"))

    def read(tx: Tx) -> list[str]:
        if tx.is_postgres:  # as an export page waits for the survey-record writes in flight
            tx.write("LOCK TABLE touchpoints IN SHARE MODE")
        return _names(tx)

    def then(names: list[str]) -> tuple[int, str]:
        conn = migrated.connect()
        try:
            if migrated.dialect == "postgresql":
                conn.execute("SET lock_timeout = '200ms'")
            # Refused (lock timeout) if the read's transaction still held its lock.
            Tx(conn, migrated.dialect).write(
                "INSERT INTO touchpoints (system_id, name) VALUES (1, 'meanwhile')"
            )
            conn.commit()
        finally:
            conn.close()
        return len(names), threading.current_thread().name

    found = asyncio.run(_started(migrated, lambda: migrated.read_then(read, then)))
    assert found[0] == 1
    assert found[1].startswith("opengauge-bulk-reader")
    assert migrated.read_sync(_names) == ["committed", "meanwhile"]


def _nice(_: object = None) -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@pytest.mark.skipif(
    sys.platform != "linux", reason="threads have nice values of their own on Linux"
)
def test_bulk_work_runs_at_the_lowest_priority_and_other_reads_do_not(migrated: Database) -> None:
    """An export page's rendering takes the CPU the requests beside it leave over; a token
    lookup does not wait behind it. On PostgreSQL the page's read keeps the loop's priority:
    it holds a lock that survey-record writes wait for."""

    async def body() -> tuple[int, int, tuple[int, int]]:
        plain = await migrated.read(_nice)
        bulk = await migrated.read_then(_nice, lambda read: (read, _nice()))
        return _nice(), plain, bulk

    loop, plain, (bulk_read, bulk_then) = asyncio.run(_started(migrated, body))
    assert plain == loop < BULK_NICE
    assert bulk_then == BULK_NICE
    assert bulk_read == (BULK_NICE if migrated.dialect == "sqlite" else loop)
