"""Readiness and scrape-time reads, each on a connection of its own with a time limit.

They run on a small thread pool of their own: a database that stopped answering can hold
those threads for a couple of seconds, and must not hold the ones the rest of the server
uses (``asyncio.to_thread``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from opengauge.server.storage import Database, migrate, probe
from opengauge.server.storage.repositories import outbox

log = logging.getLogger("opengauge")

T = TypeVar("T")

#: How long a readiness check or a scrape waits for the database.
TIMEOUT = 2.0

_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="opengauge-probe")


async def readiness(db: Database) -> str | None:
    """Why the server cannot serve requests right now, or None when it can."""
    try:
        revision = await _bounded(lambda: probe.read(db, probe.schema_revision, timeout=TIMEOUT))
    except probe.ProbeError as exc:
        return f"database unreachable: {exc}"
    except TimeoutError:
        return f"database did not answer within {TIMEOUT:g} s"
    head = migrate.head_revision()
    if revision != head:
        return (
            f"database schema at revision {revision or 'none'}, expected {head}"
            " (run `opengauge db upgrade`)"
        )
    return None


async def outbox_counts(db: Database) -> dict[str, int] | None:
    """Outbox entries by status; None when the database cannot say (the scrape goes on)."""
    try:
        return await _bounded(lambda: probe.read(db, outbox.count_by_status, timeout=TIMEOUT))
    except (probe.ProbeError, TimeoutError) as exc:
        log.warning("metrics: outbox not counted: %s", exc or "timed out")
        return None


async def _bounded(read: Callable[[], T]) -> T:
    loop = asyncio.get_running_loop()
    # The probe's own limits end the thread; this bounds the answer even if they do not.
    return await asyncio.wait_for(loop.run_in_executor(_pool, read), TIMEOUT + 1)
