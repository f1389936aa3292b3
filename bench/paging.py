"""Reads beside writes: the responses export alone, and ``PUT /records/`` while it runs.

A fresh database gets ``records`` survey records with a response (straight through SQL:
seeding them through the API would take longer than the measurement). Then:

1. the export: one client pages through all of them at ``per_page`` (records/s);
2. ``PUT /records/`` alone (p99);
3. ``PUT /records/`` again while a client pages through the export over and over (p99);
4. ``PUT /records/`` alone once more. The p99 beside the export is divided by the mean of the
   two p99s alone around it, as each ``PUT /records/`` row is by the ceilings around it: on a
   shared machine the speed drifts within seconds, and a single run alone before it made the
   factor drift with it.

The pager runs on the load CPU and reads only what it needs from each page (the cursor at
its end and the number of records), so it takes as little CPU from the load generator as
it can; the server still builds and sends every page in full.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from databases import LABELS, fresh
from harness import BenchBroken, Pinning, log_problems, serve
from load import Generator, Load, Result
from workloads import CONTACT

RESPONSES = "/v7/rest/sync/responses"
TARGET_EXPORT_PER_S = 20_000
TARGET_P99_FACTOR = 1.5
_CURSOR = re.compile(rb'"cursor"\s*:\s*\{\s*"next"\s*:\s*(\d+)')
_RECORD = b'"number_customergauge":'


@dataclass
class Paged:
    """How far a pager got: pages, records and seconds."""

    pages: int = 0
    records: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def records_per_s(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0


@dataclass
class Reads:
    """What the paging part measured."""

    database: str
    records: int
    per_page: int
    export: Paged
    alone: Result
    beside: Result
    beside_paged: Paged
    #: The run alone after the one beside the export.
    alone_after: Result
    problems: list[str] = field(default_factory=list)
    log_lines: list[str] = field(default_factory=list)

    @property
    def alone_p99_ms(self) -> float:
        """The mean p99 of the runs alone before and after the one beside the export."""
        return (self.alone.p99_ms + self.alone_after.p99_ms) / 2

    @property
    def factor(self) -> float:
        alone = self.alone_p99_ms
        return self.beside.p99_ms / alone if alone else 0.0


def page_through(
    http: httpx.Client, per_page: int, paged: Paged, until: threading.Event | None = None
) -> None:
    """Follow the cursor to the end (once, or again and again until ``until`` is set)."""
    started = time.perf_counter()
    cursor = 0
    while True:
        answer = http.get(RESPONSES, params={"per_page": per_page, "cursor": cursor})
        if answer.status_code != 200:
            paged.errors.append(f"GET {RESPONSES} answered {answer.status_code}: {answer.text}")
            break
        body = answer.content
        found = _CURSOR.search(body, max(0, len(body) - 200))
        if found is None:
            paged.errors.append(f"GET {RESPONSES}: no cursor in {body[-200:]!r}")
            break
        count = body.count(_RECORD)
        paged.pages += 1
        paged.records += count
        cursor = int(found.group(1))
        if count == 0:
            if until is None:
                break
            cursor = 0
        if until is not None and until.is_set():
            break
    paged.seconds = time.perf_counter() - started


def measure(
    generator: Generator,
    load: Load,
    pinning: Pinning,
    workdir: Path,
    seed_path: Path,
    *,
    kind: str,
    records: int,
    per_page: int,
) -> Reads:
    """The export rate, then ``PUT /records/`` p99 alone, beside a pager, and alone again."""
    log_path = workdir / f"server-paging-{kind}.log"
    load = dataclasses.replace(load, workload=CONTACT)
    with (
        fresh(kind, workdir) as database,
        serve(database.url, seed_path, log_path, pinning) as server,
    ):
        database.insert_responses(records)
        headers = {"Authorization": f"Bearer {server.token}"}
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=60) as http:
            export = Paged()
            _on_load_cpu(pinning, lambda: page_through(http, per_page, export)).join()
            if export.errors:
                raise BenchBroken("; ".join(export.errors))
            if export.records != records:
                raise BenchBroken(f"the export gave {export.records:,} of {records:,} records")
            alone = generator.run(load, server.port, server.token, "PUT alone", server.process.pid)
            stop = threading.Event()
            paged = Paged()
            pager = _on_load_cpu(pinning, lambda: page_through(http, per_page, paged, stop))
            try:
                beside = generator.run(
                    load, server.port, server.token, "PUT beside export", server.process.pid
                )
            finally:
                stop.set()
                pager.join(timeout=120)
            after = generator.run(
                load, server.port, server.token, "PUT alone again", server.process.pid
            )
        server.check_alive("opengauge serve (paging)")
    reads = Reads(LABELS[kind], records, per_page, export, alone, beside, paged, after)
    reads.problems = alone.problems() + beside.problems() + after.problems() + paged.errors
    if paged.pages == 0:
        reads.problems.append("the pager fetched no page while PUT /records/ ran")
    reads.log_lines = [f"server log (paging): {line}" for line in log_problems(log_path)]
    return reads


def _on_load_cpu(pinning: Pinning, work: Callable[[], None]) -> threading.Thread:
    """``work`` started on a thread of its own, pinned to the load CPU."""

    def pinned() -> None:
        pinning.pin_this_thread()
        work()

    thread = threading.Thread(target=pinned, name="bench-pager", daemon=True)
    thread.start()
    return thread
