"""Abuse limits: failed authentications and survey submissions, counted with ``limits``.

Each :class:`Limit` counts events per key (a client id, a client address, a survey code) in
a moving window. The counts live in this process's memory, or in Redis when the setting
``rate_limit_url`` is set, so that every worker and host counts together. Redis is reached
through redis-py's asyncio client, so the event loop never waits on a socket.

A Redis that fails does not take the API down: the limit lets the request through, logs a
warning (at most once a minute) and leaves Redis alone for a few seconds before trying again.

The families turn a refusal into their own error format; this module knows none of them.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

from limits import RateLimitItem
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from opengauge.server.settings import Settings, parse_rate_limit

log = logging.getLogger("opengauge.ratelimit")

T = TypeVar("T")

#: After a storage failure, how long the limits let everything through without asking it.
STORAGE_PAUSE_SECONDS = 5.0
#: How often a failing storage is logged.
WARNING_INTERVAL_SECONDS = 60.0
#: Redis must answer quickly: a limit that waits for it would slow down every login.
REDIS_TIMEOUT_SECONDS = 0.5

#: Called with the family name ("oauth", "v4_1", "survey") whenever a request is refused.
RefusalListener = Callable[[str], None]


class Limiter:
    """The limits of one server process, sharing one storage.

    ``oauth`` and ``v4_1`` count failed authentications (setting ``auth_failure_limit``),
    ``survey`` counts submissions per survey code (``survey_submit_limit``). Add a listener
    to :attr:`refusal_listeners` to count refusals (for example in a metric).
    """

    def __init__(
        self,
        storage_url: str = "",
        *,
        prefix: str = "opengauge",
        auth_failures: str = "",
        survey_submissions: str = "",
    ) -> None:
        self.storage = _storage(storage_url, prefix)
        self.strategy = MovingWindowRateLimiter(self.storage)
        self.refusal_listeners: list[RefusalListener] = []
        self._paused_until = 0.0
        self._warned_at = -math.inf
        auth = parse_rate_limit(auth_failures) if auth_failures else None
        self.oauth = Limit(self, "oauth", auth)
        self.v4_1 = Limit(self, "v4_1", auth)
        #: Console sign-in failures, once the console exists.
        self.console = Limit(self, "console", auth)
        self.survey = Limit(
            self, "survey", parse_rate_limit(survey_submissions) if survey_submissions else None
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Limiter:
        return cls(
            settings.rate_limit_url,
            prefix=settings.rate_limit_prefix,
            auth_failures=settings.auth_failure_limit,
            survey_submissions=settings.survey_submit_limit,
        )

    async def reset(self) -> None:
        """Forget every count (of this deployment's prefix, in Redis)."""
        await self._ask(self.storage.reset, None)

    async def aclose(self) -> None:
        """Close the Redis connections, if any."""
        if isinstance(self.storage, RedisStorage):
            await self.storage.bridge.get_connection().aclose()  # type: ignore[attr-defined]

    def _refused(self, family: str) -> None:
        for listener in self.refusal_listeners:
            listener(family)

    async def _ask(self, question: Callable[[], Awaitable[T]], fallback: T) -> T:
        """The storage's answer, or ``fallback`` (let the request through) when it fails."""
        now = time.monotonic()
        if now < self._paused_until:
            return fallback
        try:
            return await question()
        except (StorageError, OSError, TimeoutError) as error:
            self._paused_until = now + STORAGE_PAUSE_SECONDS
            if now - self._warned_at >= WARNING_INTERVAL_SECONDS:
                self._warned_at = now
                log.warning("rate limits are off for now: their storage failed (%s)", error)
            return fallback


class Limit:
    """One limit of one family: at most N events per key in any window of its length."""

    def __init__(self, limiter: Limiter, family: str, item: RateLimitItem | None) -> None:
        self.limiter = limiter
        self.family = family
        self.item = item
        #: Guarded blocks running now, per stored key (this process only).
        self._in_flight: Counter[str] = Counter()

    @contextlib.asynccontextmanager
    async def guard(
        self,
        *keys: str,
        refusal: Callable[[int], Exception],
        failed: Callable[[Exception], bool],
    ) -> AsyncIterator[None]:
        """Run the block unless a key has used up its limit (then raise ``refusal(seconds)``);
        count it against every key if it raises an error that ``failed`` accepts.

        A block still running counts as a failure to come, so that simultaneous guesses are
        refused like a sequence of them: never more blocks run than failures are left.
        """
        if self.item is None:
            yield
            return
        stored = [self._key(key) for key in keys]
        # Taken before the first await: each block sees those that started before it.
        ahead = [self._in_flight[key] for key in stored]
        self._in_flight.update(stored)
        try:
            wait = 0.0
            for key, running in zip(stored, ahead, strict=True):
                wait = max(wait, await self._wait(self.item, key, running))
            if wait > 0:
                self.limiter._refused(self.family)
                raise refusal(math.ceil(wait))
            try:
                yield
            except Exception as error:
                if failed(error):
                    await self.count(*keys)
                raise
        finally:
            self._in_flight -= Counter(stored)  # drops the keys that reach zero

    async def refused(self, *keys: str) -> int | None:
        """Seconds to wait (for ``Retry-After``) if any key has used up its limit; else None.

        Asks without counting: call :meth:`count` once the request has failed.
        """
        if self.item is None:
            return None
        wait = 0.0
        for key in keys:
            wait = max(wait, await self._wait(self.item, self._key(key)))
        if wait <= 0:
            return None
        self.limiter._refused(self.family)
        return math.ceil(wait)

    async def count(self, *keys: str) -> None:
        """Count one event (a failure) against each key."""
        if self.item is None:
            return
        for key in keys:
            await self._hit(self.item, self._key(key))

    async def take(self, key: str) -> int | None:
        """Count one event for ``key`` and refuse it (seconds to wait) if over the limit."""
        if self.item is None:
            return None
        if await self._hit(self.item, self._key(key)):
            return None
        self.limiter._refused(self.family)
        return max(1, math.ceil(await self._wait(self.item, self._key(key))))

    async def _hit(self, item: RateLimitItem, key: str) -> bool:
        """Count one event; False when the window was already full (True if storage failed)."""
        return await self.limiter._ask(lambda: self.limiter.strategy.hit(item, key), True)

    async def _wait(self, item: RateLimitItem, key: str, running: int = 0) -> float:
        """Seconds until ``key`` may try again with ``running`` blocks ahead of it; 0: now."""
        strategy = self.limiter.strategy
        stats = await self.limiter._ask(lambda: strategy.get_window_stats(item, key), None)
        if stats is None or stats.remaining > running:
            return 0.0
        if stats.remaining > 0:
            return 1.0  # only blocks still running fill the window; they end soon
        # The moment the oldest event in the window expires; at least a second.
        return max(1.0, stats.reset_time - time.time())

    def _key(self, key: str) -> str:
        # Keys come from the request (a client id can be long): store a fixed-size digest.
        digest = hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
        return f"{self.family}/{digest}"


def client_address(scope: Mapping[str, Any]) -> str:
    """The peer's address from an ASGI scope (empty when the server does not know it)."""
    client: Sequence[Any] | None = scope.get("client")
    return str(client[0]) if client else ""


def _storage(url: str, prefix: str) -> Storage:
    if not url:
        return MemoryStorage(wrap_exceptions=True)
    return RedisStorage(
        "async+" + url,
        implementation="redispy",
        wrap_exceptions=True,
        key_prefix=prefix,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
    )
