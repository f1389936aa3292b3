"""How the server runs under uvicorn: one set of options, and the HTTP protocol it speaks.

``opengauge serve`` and the test suite's servers both take their uvicorn options from
:func:`uvicorn_options`, so tests exercise what users run.

Uvicorn's httptools protocol reads request heads of any size and waits for a client
forever. :class:`Protocol` adds what a server facing the internet needs: a request line or
header line over :data:`LINE_LIMIT`, or a head over :data:`HEAD_LIMIT` in all, is answered at
once (414 / 431) and the connection closed; a client that has not sent a whole request (head
and body) within ``client_timeout`` seconds of starting it (the first request: of opening the
connection) is answered 408 and closed.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import sys
from typing import Any

import httptools
import msgspec
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState

from opengauge.server.errors import ApiError, HeadersTooLarge, RequestTimeout, UriTooLong
from opengauge.server.logs import logging_config
from opengauge.server.settings import Settings

#: Longest request line or header line, and the most a request head may hold in all.
LINE_LIMIT = 16 * 1024
HEAD_LIMIT = 64 * 1024
#: A chunk this small holds no line near LINE_LIMIT, however its bytes are counted.
_SMALL_CHUNK = LINE_LIMIT // 2
#: After a refusal, how long unread input is drained so the client reads the answer: closing
#: a socket with unread data resets the connection, and the answer can be lost with it.
LINGER_SECONDS = 2.0

log = logging.getLogger("opengauge.http")


class _Refused(Exception):
    """Raised in a parser callback to stop parsing; carries the answer."""

    def __init__(self, error: ApiError) -> None:
        super().__init__(error.message)
        self.error = error


class Protocol(HttpToolsProtocol):
    """Uvicorn's httptools protocol with bounded request heads and client deadlines."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        client_timeout: float = 30.0,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.client_timeout = client_timeout
        #: Within a request head: from the connection opening or a request's first byte to the
        #: end of its head; ``_began``: a byte of the request has arrived.
        self._in_head = False
        self._began = False
        #: The request line and the header lines parsed so far, in bytes. ``_measure``: the
        #: chunk being parsed may hold a head or a line near a limit, so header lines are
        #: counted; a small chunk with no head in progress cannot (nearly every request).
        self._head_bytes = 0
        self._measure = True
        #: Bytes of the chunks that arrived wholly inside the head: what the parser holds of a
        #: line it has not finished (a 100 MB header would otherwise be read to its end).
        #: ``_started_now``: the head began in the chunk being parsed, so that chunk is not
        #: all head (it may end an earlier request's body).
        self._unparsed = 0
        self._started_now = False
        #: When the request in progress must have arrived (loop time), or None between
        #: requests; when the connection went idle after an answer, or None. One timer per
        #: connection checks both, and wakes at least every ``_tick`` seconds so that it is
        #: never late for a keep-alive timeout that starts between two wakes.
        self._deadline: float | None = None
        self._idle_since: float | None = None
        self._tick = max(0.05, min(client_timeout, self.timeout_keep_alive))
        self._timer: asyncio.TimerHandle | None = None
        self._refused = False
        #: A refusal waiting for the answers to the requests before it (pipelining).
        self._pending: ApiError | None = None

    # -- connection events

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._in_head = True
        # The first request's time starts when the connection opens.
        self._deadline = self.loop.time() + self.client_timeout
        self._timer = self.loop.call_later(self._tick, self._check_deadline)

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # draining after a refusal
        self._started_now = False
        self._measure = len(data) > _SMALL_CHUNK or (self._in_head and self._began)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            if isinstance(exc.__context__, _Refused):
                self._refuse(exc.__context__.error)
                return
            self._invalid()
            return
        except httptools.HttpParserError:
            self._invalid()
            return
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        if not self._measure and self._in_head and self._began:
            # A head begun in this small chunk goes on in the next: count what it holds.
            self._head_bytes = sum(len(name) + len(value) + 4 for name, value in self.headers)
        # A chunk that neither started nor ended the head is all head, parsed or not.
        if self._in_head and not self._started_now:
            self._unparsed += len(data)
            if self._unparsed > HEAD_LIMIT:
                self._refuse(HeadersTooLarge())

    # -- parser callbacks

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = self._began = self._started_now = True
        self._head_bytes = self._unparsed = 0
        # A request has begun: the connection is no longer idle. (Any byte used to count,
        # so blank lines between requests kept a connection open for good.)
        self._idle_since = None
        if self._deadline is None:
            self._deadline = self.loop.time() + self.client_timeout

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > LINE_LIMIT:
            raise _Refused(UriTooLong())

    def on_header(self, name: bytes, value: bytes) -> None:
        if self._measure:
            line = len(name) + len(value) + 4  # ": " and CRLF
            if line > LINE_LIMIT:
                raise _Refused(HeadersTooLarge())
            self._head_bytes += line
            if self._head_bytes + len(self.url) > HEAD_LIMIT:
                raise _Refused(HeadersTooLarge())
        # Uvicorn's on_header, inlined: it runs for every header of every request.
        name = name.lower()
        if name == b"expect" and value.lower() == b"100-continue":
            self.expect_100_continue = True
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._deadline = None
        self._began = False
        super().on_message_complete()
        cycle = self.cycle
        if cycle is not None and cycle.response_complete and not self.pipeline:
            # Answered before its body ended (a refusal): idle from now.
            self._idle_since = self.loop.time()

    # -- deadlines and refusals

    def _check_deadline(self) -> None:
        self._timer = None
        if self.transport.is_closing():
            return
        now = self.loop.time()
        deadline, idle_since = self._deadline, self._idle_since
        if deadline is not None and now >= deadline:
            self._too_slow()
            return
        wake = now + self._tick
        if idle_since is not None:
            if now >= idle_since + self.timeout_keep_alive:
                self.transport.close()  # uvicorn's timeout_keep_alive_handler
                return
            wake = min(wake, idle_since + self.timeout_keep_alive)
        if deadline is not None:
            wake = min(wake, deadline)
        self._timer = self.loop.call_later(wake - now, self._check_deadline)

    def _stop_timer(self) -> None:
        self._deadline = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _too_slow(self) -> None:
        cycle = self.cycle
        if self._in_head and not self._began:
            # Opened and left idle: nothing to answer.
            self.transport.close()
            return
        if not self._in_head and cycle is not None and cycle.response_started:
            # Answered already (a refusal before the body was read): nothing to add.
            self.transport.close()
            return
        log.info("closed a connection from %s: request not received in time", self._peer())
        self._refuse(RequestTimeout())

    def on_response_complete(self) -> None:
        # Uvicorn's, except that going idle is noted for our timer instead of arming its own.
        self.server_state.total_requests += 1
        if not self.transport.is_closing():
            self.flow.resume_reading()
            if self.pipeline:
                cycle, app = self.pipeline.pop()
                self._start_asgi_task(cycle, app)
            elif not self._began:  # not idle while the next request's head is arriving
                self._idle_since = self.loop.time()
        pending, cycle = self._pending, self.cycle
        if pending is not None and (cycle is None or cycle.response_complete):
            self._pending = None
            self._refuse(pending)

    def _refuse(self, error: ApiError) -> None:
        """Answer ``error`` with ``Connection: close``, drain the input for a moment, close.

        A refused head behind requests still being answered (pipelining) waits for their
        answers: one of them may follow a commit, and it must not be lost.
        """
        self._refused = True
        self._stop_timer()
        if self._in_head and self.cycle is not None and not self.cycle.response_complete:
            self._pending = error
            return
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.disconnected = True
            self.cycle.message_event.set()
        if isinstance(error, HeadersTooLarge | UriTooLong):
            log.info("refused a request from %s: %s", self._peer(), error.message)
        body = msgspec.json.encode(error.body())
        self.transport.write(
            b"".join(
                [
                    STATUS_LINE[error.status],
                    b"content-type: application/json\r\n",
                    b"content-length: %d\r\n" % len(body),
                    b"connection: close\r\n\r\n",
                    body,
                ]
            )
        )
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_SECONDS, self.transport.close)

    def _invalid(self) -> None:
        message = "Invalid HTTP request received."
        self.logger.warning(message)
        self._stop_timer()
        self.send_400_response(message)

    def _peer(self) -> str:
        return f"{self.client[0]}:{self.client[1]}" if self.client else "a client"


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.run`` / ``uvicorn.Config`` serving ``settings``."""
    return {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level,
        "log_config": logging_config(settings.log_level, settings.log_format),
        # Uvicorn's access log writes whole query strings; the app writes its own.
        "access_log": False,
        # A partial, not a class: worker processes receive it pickled.
        "http": functools.partial(Protocol, client_timeout=settings.client_timeout),
        "loop": "uvloop" if sys.platform != "win32" else "asyncio",
        "lifespan": "on",
        "server_header": False,
        # X-Forwarded-* rewriting costs time on every request and only changes log lines.
        "proxy_headers": False,
    }
