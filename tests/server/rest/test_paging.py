"""Following the export cursor: every record exactly once, also while records arrive."""

from __future__ import annotations

import concurrent.futures
import threading
import time
from collections.abc import Callable

import pytest

from opengauge.server.storage import Tx
from opengauge.server.storage.repositories import exports
from tests.conftest import BACKENDS
from tests.server.rest.helpers import (
    NON_RESPONSES,
    RESPONSES,
    flat,
    follow,
    get_page,
    insert_records,
    put_concurrently,
    system_record_ids,
)
from tests.support import Tenant, put_record


def _external(i: int) -> dict[str, str]:
    return {"Email": f"r{i}@example.com", "NPS": str(i % 11)}


def test_2500_records_come_in_three_full_pages_and_an_empty_one(tenant: Tenant) -> None:
    # Mostly bulk SQL to stay fast; two batches of concurrent PUTs land between them.
    insert_records(tenant, 1200, responded=True)
    put_concurrently(tenant, [_external(i) for i in range(100)], "external")
    insert_records(tenant, 1100, responded=True)
    put_concurrently(tenant, [_external(i) for i in range(100, 200)], "external")
    expected = system_record_ids(tenant.server, tenant.system_id, responded=True)
    assert len(expected) == 2500

    with tenant.client() as http:
        first = get_page(http, RESPONSES, [("per_page", 1000)])
        assert len(first["data"]) == 1000
        # Later calls send only the cursor, as viadot does: per_page defaults to 1000.
        pages, cursor = follow(http, RESPONSES, cursor=first["cursor"]["next"])
        pages.insert(0, [r["number_customergauge"] for r in first["data"]])
        assert [len(page) for page in pages] == [1000, 1000, 500, 0]
        assert flat(pages) == expected  # ascending, no gaps, no repeats
        assert cursor == expected[-1]
        assert get_page(http, NON_RESPONSES)["data"] == []


def test_records_created_during_iteration_come_later_exactly_once(tenant: Tenant) -> None:
    with tenant.client() as http:
        for i in range(25):
            assert put_record(http, "external", _external(i)).status_code == 200
        seen: list[int] = []
        cursor = None
        for round_ in range(3):
            body = get_page(
                http, RESPONSES, [("per_page", 10), *([("cursor", cursor)] if cursor else [])]
            )
            seen += [r["number_customergauge"] for r in body["data"]]
            cursor = body["cursor"]["next"]
            for i in range(4):  # arrive between calls
                put_record(http, "external", _external(100 + 10 * round_ + i))
        pages, cursor = follow(http, RESPONSES, cursor=cursor, per_page=10)
        seen += flat(pages)
        expected = system_record_ids(tenant.server, tenant.system_id, responded=True)
        assert seen == expected
        assert len(expected) == 25 + 12

        # The next sync, an hour later, gets exactly what arrived since.
        for i in range(3):
            put_record(http, "external", _external(200 + i))
        pages, _ = follow(http, RESPONSES, cursor=cursor)
        assert (
            flat(pages) == system_record_ids(tenant.server, tenant.system_id, responded=True)[-3:]
        )


#: How long a test waits for a condition before it gives up: far beyond any loaded machine.
PATIENCE = 60.0


def _wait_until(condition: Callable[[], bool], what: str) -> None:
    """Return once ``condition()`` holds; fail after :data:`PATIENCE` seconds."""
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.01)


def test_exactly_once_while_writers_keep_writing(tenant: Tenant) -> None:
    stop = threading.Event()
    written = [0] * 4  # each writer counts its own records

    def write(n: int) -> None:
        with tenant.client() as http:
            while not stop.is_set():
                record = _external(written[n] * 4 + n)
                assert put_record(http, "external", record).status_code == 200
                written[n] += 1

    with concurrent.futures.ThreadPoolExecutor(4) as pool, tenant.client() as http:
        writers = [pool.submit(write, n) for n in range(4)]
        seen: list[int] = []
        cursor = 0
        pages_while_writing = 0
        deadline = time.monotonic() + PATIENCE
        # Page on until the writers have written plenty and many pages were read meanwhile,
        # however slow the machine is; the deadline only ends a test that hangs.
        while sum(written) < 60 or pages_while_writing < 10:
            assert time.monotonic() < deadline, f"{written} records, {pages_while_writing} pages"
            assert not any(w.done() for w in writers), "a writer stopped early"
            body = get_page(http, RESPONSES, [("cursor", cursor), ("per_page", 7)])
            seen += [r["number_customergauge"] for r in body["data"]]
            cursor = body["cursor"]["next"]
            pages_while_writing += 1
        stop.set()
        for writer in writers:
            writer.result()
        pages, _ = follow(http, RESPONSES, cursor=cursor)
        seen += flat(pages)
    expected = system_record_ids(tenant.server, tenant.system_id, responded=True)
    assert len(expected) >= 60
    assert seen == expected


def _export_waits_on_a_lock(tenant: Tenant) -> bool:
    """Whether a session of this database waits for a lock on ``survey_records`` (PostgreSQL)."""
    rows = tenant.server.rows(
        "SELECT COUNT(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
        " WHERE c.relname = 'survey_records' AND NOT l.granted"
        " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    return int(rows[0][0]) > 0


def test_a_write_in_flight_is_waited_for_not_skipped(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record whose id was taken before a later one committed must still be exported.

    PostgreSQL hands out ids at insert and shows rows at commit, so they can commit out of
    order; SQLite lets one writer in at a time. Either way the page waits for the write.
    """
    # However slow the machine, the page must wait here rather than give up with a 503.
    monkeypatch.setattr(exports, "IN_FLIGHT_WAIT", "60s")
    with tenant.client() as http:
        assert put_record(http, "external", _external(1)).status_code == 200
        _, cursor = follow(http, RESPONSES)
        contact_id = tenant.server.rows(
            "SELECT contact_id FROM survey_records WHERE id = ?", (cursor,)
        )[0][0]

        db = tenant.server.db
        faults = tenant.server.app.state.faults
        # A latency-only fault rule goes on to the endpoint; its "fired" count says that the
        # page request has reached the server.
        arrival = faults.add(RESPONSES, methods=["GET"], latency_ms=1, count=1)
        slow = db.connect()
        try:
            if db.dialect == "sqlite":
                slow.execute("BEGIN IMMEDIATE")
            # Another writer takes the next id and has not committed yet...
            inserted = Tx(slow, db.dialect).write_returning(
                "INSERT INTO survey_records (system_id, contact_id, delivery_vector, status,"
                " nps, date_response, segments, date_creation)"
                " VALUES (?, ?, 'Email', 'RESPONDED', 9, '2024-01-01 00:00:00', '{}',"
                " '2024-01-01 00:00:00') RETURNING id",
                (tenant.system_id, contact_id),
            )
            assert inserted is not None
            low = inserted[0]
            with concurrent.futures.ThreadPoolExecutor(2) as pool:
                # ... while a later record is written (on SQLite it waits its turn) ...
                later = pool.submit(put_record, http, "external", _external(2))
                if db.dialect == "postgresql":
                    assert later.result(timeout=PATIENCE).status_code == 200
                page = pool.submit(get_page, http, RESPONSES, [("cursor", cursor)])
                _wait_until(lambda: arrival.fired == 1, "the page request to arrive")
                if db.dialect == "postgresql":
                    _wait_until(
                        lambda: page.done() or _export_waits_on_a_lock(tenant), "the export's lock"
                    )
                # The page arrived before the commit below; it can only hold the record
                # committed after its arrival if it waited for it.
                assert not page.done()
                slow.commit()
                body = page.result(timeout=PATIENCE)
                assert later.result(timeout=PATIENCE).status_code == 200
        finally:
            slow.close()
            faults.remove(arrival.id)
        ids = [r["number_customergauge"] for r in body["data"]]
        assert ids[0] == low
        everything, _ = follow(http, RESPONSES, cursor=cursor)
        assert (
            flat(everything)
            == system_record_ids(tenant.server, tenant.system_id, responded=True)[1:]
        )


@pytest.mark.parametrize("server", [b for b in BACKENDS if b == "postgres"], indirect=True)
def test_a_write_left_open_too_long_is_a_503_not_a_skip(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    with tenant.client() as http:
        assert put_record(http, "external", _external(1)).status_code == 200
        _, cursor = follow(http, RESPONSES)
        monkeypatch.setattr(exports, "IN_FLIGHT_WAIT", "50ms")
        stuck = tenant.server.db.connect()
        try:
            stuck.execute("UPDATE survey_records SET comment = 'x' WHERE id = %s", (cursor,))
            response = http.get(RESPONSES, params={"cursor": 0})
            assert response.status_code == 503
            assert response.headers["retry-after"] == "1"
        finally:
            stuck.rollback()
            stuck.close()
        assert get_page(http, RESPONSES, [("cursor", 0)])["cursor"]["next"] == cursor
