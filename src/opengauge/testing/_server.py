"""``ThreadedServer``: the real server on a loopback port, for clients that are not Python."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from opengauge.server.settings import Settings
from opengauge.testing._asgi import Request, Response
from opengauge.testing._sandbox import Urls, _Environment
from opengauge.testing._seed import SeedSource

_START_TIMEOUT = 60.0


class ThreadedServer(_Environment):
    """OpenGauge under uvicorn in a background thread, with a fresh seeded database.

    ``url`` serves every API family (plain ``http://127.0.0.1:<port>``, the default system's
    region); point a Node, Go or shell client at it. The credentials and inspection helpers
    are the same as a sandbox's. Use it as a context manager, or call ``close()``.
    """

    def __init__(
        self,
        seed: SeedSource = None,
        *,
        strict: bool = False,
        rate_limits: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        # Bound before the app exists, so that its public URL carries the real port.
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._socket.bind((host, port))
            self.host, self.port = self._socket.getsockname()[:2]
            super().__init__(seed, strict=strict, rate_limits=rate_limits)
        except BaseException:
            self._socket.close()
            raise

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``, without a trailing slash."""
        return f"http://{self.host}:{self.port}"

    @property
    def urls(self) -> Urls:
        return Urls.same(self.url)

    def _settings(self, path: Path, region: str) -> Settings:
        return (
            super()
            ._settings(path, region)
            .replace(host=self.host, port=self.port, public_url=self.url)
        )

    def _start(self) -> None:
        config = uvicorn.Config(
            self.app,
            lifespan="on",
            log_config=None,  # leave the host's logging configuration alone
            log_level="warning",
            access_log=False,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name="opengauge-threaded-server",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self._socket.close()
                raise RuntimeError("OpenGauge did not start; see the log above")
            time.sleep(0.005)

    def _send(self, request: Request) -> Response:
        answer = httpx.request(
            request.method, request.url, headers=request.headers, content=request.body, timeout=60
        )
        return Response(answer.status_code, list(answer.headers.raw), answer.content)

    def _stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=_START_TIMEOUT)
        self._socket.close()
