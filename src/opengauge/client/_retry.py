"""When to retry and how long to wait: bounded, jittered, selective.

Only failures that say nothing about the data are retried: connection errors, 429 and 5xx.
A request that may have reached the server (a read timeout, a 5xx) is retried only when the
operation is idempotent: every import ``PUT`` is an upsert, every ``GET`` a read; creating a
personal link or a 4.1 ``POST`` is not. ``Retry-After`` is honoured up to ``max_wait``.

``set_testing(True)`` turns the sleeping off for a whole test run (the decisions stay the
same), as stamina's ``set_testing`` does.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from dataclasses import dataclass

import httpx

from opengauge.client._errors import retry_after

#: Failures that happen before a request leaves the client: safe to retry for any operation.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class _Testing:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.on = False

    def set(self, on: bool) -> None:
        with self._lock:
            self.on = on


_testing = _Testing()


def set_testing(testing: bool) -> None:
    """Turn retry sleeping off (True) or back on (False) for every client in the process."""
    _testing.set(testing)


def is_testing() -> bool:
    """Whether :func:`set_testing` turned the sleeping off."""
    return _testing.on


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long a client retries.

    ``max_retries`` retries after the first attempt; waits grow from ``base`` doubling up to
    ``cap`` seconds, each picked at random between half and all of that (jitter, so many
    clients that failed together do not come back together). A ``Retry-After`` above
    ``max_wait`` is not waited for: the error goes to the caller.
    """

    max_retries: int = 2
    base: float = 0.5
    cap: float = 8.0
    max_wait: float = 60.0

    def retry_response(self, response: httpx.Response, attempt: int, idempotent: bool) -> bool:
        """Whether to send again after ``response`` on attempt ``attempt`` (0-based)."""
        if attempt >= self.max_retries:
            return False
        status = response.status_code
        if status == 429:
            wait = retry_after(response.headers)
            return wait is None or wait <= self.max_wait
        if status >= 500:
            wait = retry_after(response.headers)
            return idempotent and (wait is None or wait <= self.max_wait)
        return False

    def retry_exception(self, exc: httpx.TransportError, attempt: int, idempotent: bool) -> bool:
        """Whether to send again after a transport failure on attempt ``attempt``."""
        if attempt >= self.max_retries:
            return False
        return idempotent or isinstance(exc, _NOT_SENT)

    def delay(self, attempt: int, response: httpx.Response | None = None) -> float:
        """Seconds to wait before the next attempt: ``Retry-After`` if given, else backoff."""
        if response is not None:
            wait = retry_after(response.headers)
            if wait is not None:
                return min(wait, self.max_wait)
        ceiling = min(self.cap, self.base * 2**attempt)
        return random.uniform(ceiling / 2, ceiling)


def sleep(seconds: float) -> None:
    """Wait before a retry, unless testing mode is on."""
    if not _testing.on and seconds > 0:
        time.sleep(seconds)


async def asleep(seconds: float) -> None:
    """Wait before a retry without blocking the event loop, unless testing mode is on."""
    if not _testing.on and seconds > 0:
        await asyncio.sleep(seconds)
