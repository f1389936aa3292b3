"""Serving the app in-process: its own event loop on a background thread.

The app's start-up (lifespan) runs on that loop, so its SQLite writer lives there exactly as
under a server. Requests from any thread or any event loop are handed to it with
``run_coroutine_threadsafe``: sync and async callers share one app and one database writer,
and no socket is ever opened.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from opengauge.server.app import OpenGaugeApp
from opengauge.server.http.asgi import Message

log = logging.getLogger("opengauge.testing")

Headers = list[tuple[bytes, bytes]]

_DEFAULT_PORTS = {"http": 80, "https": 443}
_START_TIMEOUT = 60.0


@dataclass(frozen=True)
class Request:
    """An HTTP request as the interception layer hands it over."""

    method: str
    url: str
    headers: Headers
    body: bytes

    def scope(self) -> dict[str, Any]:
        """The ASGI scope for this request (with a Host header even if the client sent none)."""
        parts = urlsplit(self.url)
        host = parts.hostname or ""
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme, 80)
        headers = [(name.lower(), value) for name, value in self.headers]
        if not any(name == b"host" for name, _ in headers):
            headers.insert(0, (b"host", parts.netloc.encode("idna")))
        raw_path = parts.path or "/"
        return {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": self.method.upper(),
            "scheme": parts.scheme,
            "path": unquote(raw_path),
            "raw_path": raw_path.encode("ascii", errors="replace"),
            "query_string": parts.query.encode("ascii", errors="replace"),
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 0),
            "server": (host, port),
            "state": {},
        }


@dataclass(frozen=True)
class Response:
    status: int
    headers: Headers
    body: bytes


async def _serve(app: OpenGaugeApp, request: Request) -> Response:
    """Run one request through the app and collect its whole response."""
    body_sent = False
    done = asyncio.Event()
    start: Message | None = None
    chunks: list[bytes] = []

    async def receive() -> Message:
        nonlocal body_sent
        if not body_sent:
            body_sent = True
            return {"type": "http.request", "body": request.body, "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
        elif message["type"] == "http.response.body":
            chunks.append(bytes(message.get("body", b"")))
            if not message.get("more_body", False):
                done.set()

    try:
        await app(request.scope(), receive, send)
    finally:
        done.set()
    if start is None:
        raise RuntimeError(f"the app sent no response to {request.method} {request.url}")
    headers = [(bytes(name), bytes(value)) for name, value in start.get("headers", [])]
    status = int(start["status"])
    if request.method == "HEAD" or status in (204, 304) or status < 200:
        # What an HTTP server does: these answers have no body on the wire (clients that
        # get one anyway fail or misread it).
        return Response(status, headers, b"")
    return Response(status, headers, b"".join(chunks))


class _Lifespan:
    """Drives the app's ASGI lifespan (start-up and shutdown), as a server would."""

    def __init__(self, app: OpenGaugeApp) -> None:
        self._app = app
        self._inbox: asyncio.Queue[Message] = asyncio.Queue()
        self._outbox: asyncio.Queue[Message] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def startup(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        self._task = asyncio.create_task(self._app(scope, self._inbox.get, self._outbox.put))
        await self._exchange("lifespan.startup")

    async def shutdown(self) -> None:
        if self._task is None or self._task.done():
            return
        await self._exchange("lifespan.shutdown")
        await self._task

    async def _exchange(self, event: str) -> None:
        assert self._task is not None
        await self._inbox.put({"type": event})
        answer = asyncio.ensure_future(self._outbox.get())
        await asyncio.wait({answer, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if not answer.done():
            answer.cancel()
            self._task.result()  # the app crashed: raise its error
            raise RuntimeError(f"the app ended during {event}")
        message = answer.result()
        if message["type"].endswith(".failed"):
            # Starlette re-raises the error after reporting it: raise the original.
            await asyncio.wait({self._task}, timeout=5)
            error = self._task.exception() if self._task.done() else None
            if error is not None:
                raise error
            raise RuntimeError(f"{event} failed: {message.get('message', '')}")


class AppThread:
    """The app, started, on an event loop of its own in a daemon thread."""

    def __init__(self, app: OpenGaugeApp) -> None:
        self.app = app
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ready: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._thread = threading.Thread(target=self._run, name="opengauge-sandbox", daemon=True)

    def start(self) -> None:
        """Start the thread and the app's lifespan; raises what start-up raised."""
        self._thread.start()
        self._ready.result(timeout=_START_TIMEOUT)

    def stop(self) -> None:
        """Shut the app down (lifespan shutdown) and end the thread."""
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None and self._thread.is_alive():
            loop.call_soon_threadsafe(stopping.set)
        self._thread.join(timeout=_START_TIMEOUT)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except Exception as exc:
            if self._ready.done():
                log.exception("the sandbox's app failed while shutting down")
            else:  # start-up failed: start() raises it
                self._ready.set_exception(exc)

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        lifespan = _Lifespan(self.app)
        await lifespan.startup()
        self._ready.set_result(None)
        await self._stopping.wait()
        await lifespan.shutdown()

    def call(self, request: Request, read_timeout: float | None) -> Response:
        """Serve ``request`` from any thread that is not the app's own."""
        assert self._loop is not None
        future = asyncio.run_coroutine_threadsafe(_serve(self.app, request), self._loop)
        try:
            return future.result(read_timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError(f"no response within {read_timeout} s") from None

    async def acall(self, request: Request, read_timeout: float | None) -> Response:
        """Serve ``request`` from a coroutine on any event loop."""
        assert self._loop is not None
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # another async library (trio): wait in a worker thread
            import anyio.to_thread

            call = functools.partial(self.call, request, read_timeout)
            return await anyio.to_thread.run_sync(call)
        future = asyncio.run_coroutine_threadsafe(_serve(self.app, request), self._loop)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), read_timeout)
        except TimeoutError:
            future.cancel()
            raise TimeoutError(f"no response within {read_timeout} s") from None
