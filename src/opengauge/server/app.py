"""The ASGI application.

Every family exports ``ROUTES``; they are compiled here into one :class:`Router`. Before a
request reaches its route the app applies OpenGauge's own policy: operator endpoints first
(no journal, no faults), the control plane's admin token, then the request journal and the
fault rules. Refusals are rendered by the route's family (``http/rendering.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import secrets
import sys
import time
import traceback
from collections.abc import AsyncIterator

from opengauge.server import metrics
from opengauge.server.auth import endpoints as auth_endpoints
from opengauge.server.bootstrap import prepare_database
from opengauge.server.clock import Clock
from opengauge.server.console import endpoints as console_endpoints
from opengauge.server.control import endpoints as control_endpoints
from opengauge.server.errors import ApiError, Unauthenticated
from opengauge.server.http.asgi import Message, Receive, Scope, Send, has_bearer, route_path
from opengauge.server.http.rendering import JSON_ERRORS, send_reply
from opengauge.server.http.routing import PathRoutes, Route, Router
from opengauge.server.imports import endpoints as import_endpoints
from opengauge.server.journal import SCOPE_KEY, Journal, new_entry
from opengauge.server.logs import AccessLog
from opengauge.server.operations import endpoints as operations_endpoints
from opengauge.server.outbox.sender import OutboxSender, SmtpTarget
from opengauge.server.rest import endpoints as rest_endpoints
from opengauge.server.settings import Settings
from opengauge.server.state import State
from opengauge.server.storage import Database
from opengauge.server.storage.repositories import apps
from opengauge.server.survey import endpoints as survey_endpoints
from opengauge.server.tokens import KeyRing
from opengauge.server.users import endpoints as users_endpoints
from opengauge.server.v4_1 import endpoints as v4_1_endpoints

#: How long shutdown waits for the writes being committed before answering them 503.
DRAIN_SECONDS = 30.0

log = logging.getLogger("opengauge")
#: Seconds a thread holds the GIL before another may take it (see `start`).
_SWITCH_INTERVAL = 0.0005

CONTROL_PREFIX = "/_opengauge"


class OpenGaugeApp:
    """The server as an ASGI callable; ``state`` holds the database, clock and keys."""

    def __init__(
        self, settings: Settings, *, clock: Clock | None = None, tune_gc: bool = True
    ) -> None:
        self.settings = settings
        #: Freeze and retune the garbage collector at start (a server process owns its
        #: interpreter; an app embedded in someone else's test run does not).
        self.tune_gc = tune_gc
        self.state = State(
            settings=settings,
            db=Database(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous),
            clock=clock or Clock(),
            admin_token=settings.admin_token or secrets.token_urlsafe(24),
            journal=Journal(settings.journal_size),
        )
        self._admin_token = self.state.admin_token.encode()
        self.state.db.on_batch = metrics.observe_batch
        self.state.limiter.refusal_listeners.append(count_refusal)
        #: Without the control plane its paths are unknown paths like any other (404).
        self._control = settings.control_plane
        self.access_log = AccessLog(settings.log_format) if settings.access_log else None
        routes: list[Route[State]] = [
            *operations_endpoints.ROUTES,
            *import_endpoints.ROUTES,
            *auth_endpoints.ROUTES,
            *rest_endpoints.ROUTES,
            *v4_1_endpoints.ROUTES,
            *survey_endpoints.ROUTES,
            *users_endpoints.ROUTES,
            *console_endpoints.ROUTES,
            *(control_endpoints.ROUTES if settings.control_plane else ()),
        ]
        self.router = Router(routes)

    @contextlib.asynccontextmanager
    async def _running(self) -> AsyncIterator[None]:
        self.start()
        sender = self._outbox_sender()
        if sender is not None:
            sender.start()
        try:
            yield
        finally:
            if sender is not None:
                await sender.stop()
            await self.state.limiter.aclose()
            # Writes already being committed get their real answer, not a 503.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(DRAIN_SECONDS):
                    await self.state.db.drain()
            self.stop()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        """ASGI lifespan: start on ``startup``, stop on ``shutdown``; a failure is reported
        to the server and raised, as Starlette does."""
        await receive()
        running = self._running()
        try:
            await running.__aenter__()
        except BaseException:
            await send({"type": "lifespan.startup.failed", "message": traceback.format_exc()})
            raise
        await send({"type": "lifespan.startup.complete"})
        await receive()
        try:
            await running.__aexit__(None, None, None)
        except BaseException:
            await send({"type": "lifespan.shutdown.failed", "message": traceback.format_exc()})
            raise
        await send({"type": "lifespan.shutdown.complete"})

    def _outbox_sender(self) -> OutboxSender | None:
        settings = self.settings
        if not settings.smtp_url:
            return None
        return OutboxSender(
            self.state.db,
            self.state.clock,
            SmtpTarget.from_url(settings.smtp_url),
            settings.mail_from,
            settings.outbox_poll_seconds,
        )

    @property
    def admin_token(self) -> str:
        """The control plane's bearer token (the setting, or the one made at start)."""
        return self.state.admin_token

    def start(self) -> None:
        """Connect, check the schema and load the signing keys (what lifespan start does)."""
        if not self.settings.admin_token:
            # Never the token itself in a log line: `serve` shows it once on the terminal, an
            # embedding program reads `admin_token`.
            log.warning(
                "control plane admin token generated; set OPENGAUGE_ADMIN_TOKEN to choose one"
            )
        db = self.state.db
        prepare_database(db, self.state.clock)
        self.state.keys = KeyRing(
            db.run_sync(apps.signing_keys), reload=lambda: db.run_sync(apps.signing_keys)
        )
        db.start()
        if self.access_log is not None:
            self.access_log.start()
        if not self.tune_gc:
            return
        # Everything loaded so far lives as long as the process: keep the collector off it.
        gc.collect()
        gc.freeze()
        # A request allocates a few hundred objects; collecting every 700 allocations (the
        # default) means a collection every couple of requests, visible in tail latency.
        gc.set_threshold(20_000, 20, 20)
        # Threads that work beside the loop (the PostgreSQL writer, the access log) wait for
        # the GIL up to this long whenever the loop is busy: 5 ms by default, a whole batch.
        sys.setswitchinterval(_SWITCH_INTERVAL)

    def stop(self) -> None:
        self.state.db.stop()
        if self.access_log is not None:
            self.access_log.stop()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http":
            if kind == "lifespan":
                await self._lifespan(receive, send)
            elif kind == "websocket":
                await send({"type": "websocket.close", "code": 1000})
            return
        # The path as routes match it: mounted under a root path, that prefix is cut.
        path = route_path(scope)
        found, params = self.router.match(path)
        state = self.state
        # The admin check first, whatever routes match: no route can skip it.
        if self._control and path.startswith(CONTROL_PREFIX):
            if self._is_admin(scope):
                await self.router.serve(state, found, params, path, scope, receive, send)
            else:
                await send_reply(send, JSON_ERRORS.render(Unauthenticated(), path))
            return
        if found is not None and not found.family.journaled:
            await self.router.serve(state, found, params, path, scope, receive, send)
            return
        entry = scope[SCOPE_KEY] = new_entry(scope, path, state.clock.time())
        started = time.perf_counter()

        async def send_noting_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                entry.status = message["status"]
            await send(message)

        try:
            if state.faults.rules and await self._faulted(found, path, scope, send_noting_status):
                return
            await self.router.serve(state, found, params, path, scope, receive, send_noting_status)
        finally:
            elapsed = time.perf_counter() - started
            entry.duration_ms = elapsed * 1000
            state.journal.add(entry)
            metrics.observe_request(path, scope["method"], entry.status, elapsed)
            if self.access_log is not None:
                self.access_log.write(entry)

    async def _faulted(
        self, found: PathRoutes[State] | None, path: str, scope: Scope, send: Send
    ) -> bool:
        """Apply the first fault rule that fires; True when it answered instead of the route."""
        rule = self.state.faults.pick(scope["method"], path)
        if rule is None:
            return False
        scope[SCOPE_KEY].fault = rule.id
        error: ApiError | None = await rule.fire()
        if error is None:
            return False
        errors = found.family.errors if found is not None else JSON_ERRORS
        await send_reply(send, errors.render(error, path))
        return True

    def _is_admin(self, scope: Scope) -> bool:
        """Whether the request carries the admin token (compared in constant time)."""
        return has_bearer(scope, self._admin_token)


def count_refusal(limit: str) -> None:
    """Count a rate-limit refusal under the request family its limit guards."""
    # The limiter names the token endpoint's limit "oauth"; metrics call that family "auth".
    metrics.note_rate_limit_refusal("auth" if limit == "oauth" else limit)


def create_app(settings: Settings | None = None) -> OpenGaugeApp:
    """The application for ``settings`` (default: from ``OPENGAUGE_*`` variables)."""
    return OpenGaugeApp(settings or Settings.from_env())
