"""Driving an app in-process: raw ASGI calls, no socket and no HTTP client in between."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from opengauge.server.app import OpenGaugeApp
from opengauge.server.seed.schemas import validate_seed
from opengauge.server.seed.service import apply_seed
from opengauge.server.settings import Settings
from tests.support import postgres_database, tenant_seed


@contextlib.contextmanager
def database(backend: str, tmp_path: Path, postgres_url: str) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'control.db'}"
        return
    with postgres_database(postgres_url) as url:
        yield url


@contextlib.contextmanager
def started(url: str, name: str = "inproc", **settings: Any) -> Iterator[OpenGaugeApp]:
    """A started app (call from inside a running event loop) with one tenant from
    ``tenant_seed(name)``."""
    # An app in the test process writes no access log: its queue would hold journal entries.
    settings = {"sqlite_synchronous": "NORMAL", "access_log": False, **settings}
    app = OpenGaugeApp(Settings(database_url=url, **settings), tune_gc=False)
    app.start()
    try:
        apply_seed(app.state.db, validate_seed(tenant_seed(name)))
        yield app
    finally:
        app.stop()


async def call(
    app: OpenGaugeApp,
    method: str,
    path: str,
    *,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    query: str = "",
) -> tuple[int, dict[str, str], bytes]:
    """One request straight into the ASGI app: (status, headers, body)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    status = 0
    out_headers: dict[str, str] = {}
    chunks: list[bytes] = []

    async def send(message: Any) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
            out_headers.update((k.decode(), v.decode()) for k, v in message["headers"])
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, out_headers, b"".join(chunks)


async def token(app: OpenGaugeApp, name: str = "inproc") -> str:
    status, _, body = await call(
        app,
        "POST",
        "/oauth2/token",
        body=f"grant_type=client_credentials&client_id={name}-client&client_secret={name}-secret".encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert status == 200, body
    return str(json.loads(body)["access_token"])
