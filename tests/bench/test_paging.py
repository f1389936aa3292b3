"""The bench's pager follows the export's cursor to the end, counting every record."""

from __future__ import annotations

import threading
import time

from load import Result
from paging import Paged, Reads, page_through

from tests.server.rest.helpers import insert_records
from tests.support import Tenant


def test_the_pager_reads_every_record_once_then_an_empty_page(tenant: Tenant) -> None:
    insert_records(tenant, 2500, responded=True)
    insert_records(tenant, 40, responded=False)
    paged = Paged()
    with tenant.client() as http:
        page_through(http, 1000, paged)
    assert (paged.pages, paged.records, paged.errors) == (4, 2500, [])


def test_the_pager_starts_over_until_told_to_stop(tenant: Tenant) -> None:
    insert_records(tenant, 30, responded=True)
    paged = Paged()
    stop = threading.Event()
    with tenant.client() as http:
        thread = threading.Thread(target=page_through, args=(http, 20, paged, stop))
        thread.start()
        deadline = time.monotonic() + 30
        while paged.records < 90 and time.monotonic() < deadline:
            time.sleep(0.01)
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert paged.errors == []
    assert paged.records >= 90


def test_the_p99_beside_the_export_is_divided_by_the_mean_of_the_runs_alone_around_it() -> None:
    def run(name: str, p99_ms: float) -> Result:
        return Result(name, "wrk", p99_ms=p99_ms)

    reads = Reads(
        "SQLite",
        100,
        10,
        Paged(),
        run("alone", 10.0),
        run("beside", 18.0),
        Paged(),
        run("alone again", 14.0),
    )
    assert reads.alone_p99_ms == 12.0
    assert reads.factor == 1.5
