"""Migrations and the group-commit writer, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from opengauge.server.app import OpenGaugeApp
from opengauge.server.errors import ValidationFailed
from opengauge.server.settings import Settings
from opengauge.server.storage import Database, Tx, migrate
from opengauge.server.storage.repositories import contacts
from opengauge.server.storage.repositories.accounts import AccountFields
from opengauge.server.storage.repositories.contacts import ContactFields
from opengauge.server.storage.tables import metadata
from tests.conftest import BACKENDS
from tests.support import run_in_one_batch


def test_migrations_upgrade_and_downgrade(database: Database) -> None:
    assert migrate.current_revision(database) is None
    migrate.upgrade(database)
    assert migrate.current_revision(database) == migrate.head_revision()
    migrate.downgrade(database, "base")
    assert migrate.current_revision(database) is None
    migrate.upgrade(database)
    assert migrate.current_revision(database) == migrate.head_revision()


def test_migrations_match_the_table_definitions(database: Database) -> None:
    migrate.upgrade(database)
    engine = database.create_engine()
    try:
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), metadata)
    finally:
        engine.dispose()
    assert diff == []


def _add_touchpoint(name: str) -> Callable[[Tx], str]:
    def operation(tx: Tx) -> str:
        tx.write("INSERT INTO touchpoints (system_id, name) VALUES (1, ?)", (name,))
        return name

    return operation


def _refuse_before_writing(tx: Tx) -> None:
    raise ValidationFailed({"x": ["refused"]})


def _refuse_after_writing(tx: Tx) -> None:
    tx.write("INSERT INTO touchpoints (system_id, name) VALUES (1, 'half-written')")
    raise ValidationFailed({"x": ["refused late"]})


def _crash(tx: Tx) -> None:
    tx.write("INSERT INTO touchpoints (system_id, name) VALUES (1, 'crash')")
    raise RuntimeError("bug")


def _names(db: Database) -> list[str]:
    return [
        r[0] for r in db.run_sync(lambda tx: tx.all("SELECT name FROM touchpoints ORDER BY id"))
    ]


def test_a_batch_commits_everything_and_refusals_stay_local(migrated: Database) -> None:
    results = asyncio.run(
        run_in_one_batch(
            migrated, [_add_touchpoint("a"), _refuse_before_writing, _add_touchpoint("b")]
        )
    )
    assert results[0] == "a"
    assert isinstance(results[1], ValidationFailed)
    assert results[2] == "b"
    assert _names(migrated) == ["a", "b"]


def test_a_refusal_after_writing_rolls_back_only_itself(migrated: Database) -> None:
    results = asyncio.run(
        run_in_one_batch(
            migrated, [_add_touchpoint("a"), _refuse_after_writing, _add_touchpoint("b")]
        )
    )
    assert isinstance(results[1], ValidationFailed)
    assert results[1].errors == {"x": ["refused late"]}
    assert _names(migrated) == ["a", "b"]


def test_a_crashing_operation_becomes_a_500_and_others_commit(migrated: Database) -> None:
    results = asyncio.run(
        run_in_one_batch(migrated, [_add_touchpoint("a"), _crash, _add_touchpoint("b")])
    )
    assert getattr(results[1], "status", None) == 500
    assert _names(migrated) == ["a", "b"]


def test_a_constraint_violation_is_isolated(migrated: Database) -> None:
    results = asyncio.run(
        run_in_one_batch(
            migrated, [_add_touchpoint("same"), _add_touchpoint("same"), _add_touchpoint("c")]
        )
    )
    assert results[0] == "same"
    assert getattr(results[1], "status", None) == 500
    assert results[2] == "c"
    assert _names(migrated) == ["same", "c"]


def test_run_before_start_is_an_error(migrated: Database) -> None:
    with pytest.raises(RuntimeError, match="start"):
        migrated.run(_refuse_before_writing)


def test_transaction_rolls_back_on_error(migrated: Database) -> None:
    def write_then_fail() -> None:
        with migrated.transaction() as tx:
            tx.write("INSERT INTO touchpoints (system_id, name) VALUES (1, 'gone')")
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        write_then_fail()
    assert _names(migrated) == []


def _send_touchpoint(name: str) -> Callable[[Tx], str]:
    def operation(tx: Tx) -> str:
        tx.send("INSERT INTO touchpoints (system_id, name) VALUES (1, ?)", (name,))
        return name

    return operation


def _send_duplicate_then_refuse(tx: Tx) -> None:
    tx.send("INSERT INTO touchpoints (system_id, name) VALUES (1, 'same')")
    raise ValidationFailed({"x": ["refused after a write the database refuses"]})


def test_a_queued_write_that_fails_is_isolated(migrated: Database) -> None:
    """On PostgreSQL the failure surfaces at the commit, not in the operation."""
    results = asyncio.run(
        run_in_one_batch(
            migrated,
            [_send_touchpoint("same"), _send_touchpoint("same"), _send_touchpoint("c")],
        )
    )
    assert results[0] == "same"
    assert getattr(results[1], "status", None) == 500
    assert results[2] == "c"
    assert _names(migrated) == ["same", "c"]


def test_a_refusal_after_a_failing_queued_write_is_the_write_failure(
    migrated: Database,
) -> None:
    """As without the pipeline: the database's refusal came first, so it is the answer."""
    results = asyncio.run(
        run_in_one_batch(migrated, [_send_touchpoint("same"), _send_duplicate_then_refuse])
    )
    assert results[0] == "same"
    assert getattr(results[1], "status", None) == 500
    assert _names(migrated) == ["same"]


def test_stop_tells_queued_requests_to_come_back(migrated: Database) -> None:
    async def body() -> list[object]:
        migrated.start()
        future = migrated.run(_add_touchpoint("late"))
        migrated.stop()
        return list(await asyncio.gather(future, return_exceptions=True))

    (result,) = asyncio.run(body())
    assert getattr(result, "status", None) == 503


def _write_beside_other_batch(
    migrated: Database, lock: str, first: Callable[[Tx], object] | None = None
) -> tuple[bool, object]:
    """While another server process's batch holds the batch lock (taken by ``lock``), run
    ``first`` (it must not wait), then a write: whether the write waited for the other
    batch's commit, and its result once the other committed."""
    other = psycopg.connect(migrated.url)
    other.execute(lock)

    async def body() -> tuple[bool, object]:
        migrated.start()
        try:
            if first is not None:
                await asyncio.wait_for(migrated.run(first), timeout=5)
            write = asyncio.ensure_future(migrated.run(_add_touchpoint("after")))
            await asyncio.sleep(0.3)
            waited = not write.done()
            other.commit()
            return waited, await asyncio.wait_for(write, timeout=5)
        finally:
            migrated.stop()

    try:
        return asyncio.run(body())
    finally:
        other.close()


@pytest.mark.parametrize("database", [b for b in BACKENDS if b == "postgres"], indirect=True)
def test_postgres_batches_of_server_processes_commit_one_after_another(
    migrated: Database,
) -> None:
    """Two processes' batches upserting the same rows in different orders would deadlock, and
    PostgreSQL notices only after ``deadlock_timeout`` (1 s): each batch waits its turn."""
    waited, written = _write_beside_other_batch(
        migrated, "SELECT pg_advisory_xact_lock(1330075458, 1)"
    )
    assert waited
    assert written == "after"
    assert _names(migrated) == ["after"]


def _look_up_touchpoint(tx: Tx) -> object:
    row = tx.lookup("SELECT name FROM touchpoints WHERE name = ?", ("x",))
    return None if row is None else row[0]


@pytest.mark.parametrize("database", [b for b in BACKENDS if b == "postgres"], indirect=True)
def test_postgres_lookups_do_not_wait_for_another_process_batch(migrated: Database) -> None:
    """A batch takes the lock at its first statement that is not a lookup: a request
    refused for its app or its mapping is answered while another process commits."""
    other = psycopg.connect(migrated.url)
    other.execute("SELECT pg_advisory_xact_lock(1330075458, 1)")

    async def body() -> object:
        migrated.start()
        try:
            return await asyncio.wait_for(migrated.run(_look_up_touchpoint), timeout=5)
        finally:
            migrated.stop()

    try:
        assert asyncio.run(body()) is None
    finally:
        other.close()


def test_a_lookup_sees_what_the_batches_before_committed(migrated: Database) -> None:
    """The writer runs a batch's lookups again ahead of the next one (PostgreSQL): within
    that batch's transaction, so never from before a commit it should see."""

    async def body() -> list[object]:
        migrated.start()
        try:
            return [
                await migrated.run(_look_up_touchpoint),
                await migrated.run(_add_touchpoint("x")),
                await migrated.run(_look_up_touchpoint),
            ]
        finally:
            migrated.stop()

    assert asyncio.run(body()) == [None, "x", "x"]


def test_a_lookup_sees_the_writes_before_it_in_its_batch(migrated: Database) -> None:
    """A lookup run ahead is dropped once the batch writes: the write may change it."""

    async def body() -> list[object]:
        migrated.start()
        try:
            first = await migrated.run(_look_up_touchpoint)
            batch: list[Awaitable[object]] = [
                migrated.run(_add_touchpoint("x")),
                migrated.run(_look_up_touchpoint),
            ]
            return [first, *await asyncio.gather(*batch)]
        finally:
            migrated.stop()

    assert asyncio.run(body()) == [None, "x", "x"]


def _put_contact(email: str) -> Callable[[Tx], None]:
    def operation(tx: Tx) -> None:
        contacts.put_with_account(
            tx, 1, ("ACME", AccountFields()), ContactFields(email=email), "2026-01-01 10:00:00"
        )

    return operation


@pytest.mark.parametrize("database", [b for b in BACKENDS if b == "postgres"], indirect=True)
def test_postgres_batches_writing_only_deferred_rows_run_beside_each_other(
    migrated: Database,
) -> None:
    """Such batches write their rows in key order, so they cannot deadlock: they share the
    lock. A batch that writes anything else still waits for every other batch."""
    waited, written = _write_beside_other_batch(  # the other process's batch of puts
        migrated,
        "SELECT pg_advisory_xact_lock_shared(1330075458, 1)",
        _put_contact("ann@example.com"),
    )
    assert waited
    assert written == "after"
    assert migrated.read_sync(lambda tx: tx.scalar("SELECT count(*) FROM contacts")) == 1


@pytest.mark.parametrize("database", [b for b in BACKENDS if b == "postgres"], indirect=True)
def test_postgres_a_batch_runs_while_the_one_before_is_still_committing(
    migrated: Database,
) -> None:
    """The writer has a second connection: the next batch need not wait for the last."""
    second_ran = threading.Event()

    def first(tx: Tx) -> bool:
        return second_ran.wait(timeout=5)  # True only if the second batch ran meanwhile

    def second(tx: Tx) -> None:
        second_ran.set()

    async def body() -> list[object]:
        migrated.start()
        try:
            waiting = migrated.run(first)
            await asyncio.sleep(0.1)  # the writer has taken the first batch
            return list(await asyncio.gather(waiting, migrated.run(second)))
        finally:
            migrated.stop()

    assert asyncio.run(body()) == [True, None]


def _slow_touchpoint(name: str) -> Callable[[Tx], str]:
    def operation(tx: Tx) -> str:
        time.sleep(0.3)  # still in the writer when shutdown begins
        return _add_touchpoint(name)(tx)

    return operation


def test_shutdown_answers_the_write_in_flight_with_its_outcome(migrated: Database) -> None:
    """A request whose write commits during shutdown is told so, not 503 (it would retry, and
    store its record twice)."""
    app = OpenGaugeApp(Settings(database_url=migrated.url), tune_gc=False)

    async def body() -> object:
        events: asyncio.Queue[dict[str, str]] = asyncio.Queue()
        started = asyncio.Event()

        async def send(message: Any) -> None:
            if message["type"] == "lifespan.startup.complete":
                started.set()

        await events.put({"type": "lifespan.startup"})
        lifespan = asyncio.ensure_future(app({"type": "lifespan"}, events.get, send))
        await asyncio.wait_for(started.wait(), timeout=30)
        write = asyncio.ensure_future(app.state.db.run(_slow_touchpoint("in flight")))
        await asyncio.sleep(0.1)
        await events.put({"type": "lifespan.shutdown"})
        await lifespan
        return await asyncio.gather(write, return_exceptions=True)

    assert asyncio.run(body()) == ["in flight"]
    assert _names(migrated) == ["in flight"]
