"""Which database errors are worth another try, and how long to wait before each one.

Two kinds of waiting: a *conflict* (PostgreSQL's serialization failures, deadlocks and lock
timeouts, SQLite's "database is locked") undoes the transaction, so the work runs again after a
short, jittered pause, a few times at most; a *lock wait* (another SQLite process holds the
write lock) only delays taking it, with pauses that double up to a cap until a deadline.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

import psycopg

T = TypeVar("T")

#: PostgreSQL states that mean "try again": serialization failure, deadlock, lock not available.
TRANSIENT_PG_STATES = frozenset({"40001", "40P01", "55P03"})
#: How many times a piece of work runs before a conflict is given up on.
ATTEMPTS = 5
#: How long a SQLite writer waits for another process's write lock.
LOCK_TIMEOUT = 30.0


def is_transient(exc: BaseException) -> bool:
    """True for an error that running the same work again may not meet."""
    if isinstance(exc, sqlite3.OperationalError):
        return "locked" in str(exc) or "busy" in str(exc)
    if isinstance(exc, psycopg.Error):
        return getattr(exc, "sqlstate", None) in TRANSIENT_PG_STATES
    return False


def conflict_delays() -> Iterator[float]:
    """The pauses between the attempts of one piece of work: ``ATTEMPTS - 1`` of them.

    Linear and jittered, so two writers that met once do not meet again on the next attempt.
    """
    for attempt in range(1, ATTEMPTS):
        yield 0.005 * attempt * random.uniform(0.5, 1.5)


def lock_delays(timeout: float = LOCK_TIMEOUT) -> Iterator[float]:
    """The pauses while a lock is held elsewhere: 0.5 ms doubling to 50 ms, for ``timeout``."""
    delay = 0.0005
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        yield delay
        delay = min(delay * 2, 0.05)


def call(work: Callable[[], T]) -> T:
    """``work()``, run again after a pause (:func:`conflict_delays`) while it meets a conflict;
    for work on a thread of its own (the event loop's writer pauses with ``asyncio.sleep``)."""
    delays = conflict_delays()
    while True:
        try:
            return work()
        except Exception as exc:
            delay = next(delays, None) if is_transient(exc) else None
            if delay is None:
                raise
            time.sleep(delay)
