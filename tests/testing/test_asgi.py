"""AppThread: the app on its own loop; timeouts, and start-up errors reaching the caller."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from opengauge.testing._asgi import AppThread, Request


class _SlowApp:
    """An ASGI app that takes its time (and can fail at start-up)."""

    def __init__(self, fail_start: bool = False) -> None:
        self.fail_start = fail_start

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    if self.fail_start:
                        raise LookupError("no such database")
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        await asyncio.sleep(float(scope["query_string"] or 0))
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def _request(delay: float) -> Request:
    return Request("GET", f"https://api.eu.customergauge.com/?{delay}", [], b"")


def test_answers_and_timeouts_sync_and_async() -> None:
    thread = AppThread(_SlowApp())  # type: ignore[arg-type]
    thread.start()
    try:
        assert thread.call(_request(0), 5).status == 204
        with pytest.raises(TimeoutError, match=r"within 0\.05 s"):
            thread.call(_request(1), 0.05)

        async def both() -> int:
            with pytest.raises(TimeoutError):
                await thread.acall(_request(1), 0.05)
            return (await thread.acall(_request(0), 5)).status

        assert asyncio.run(both()) == 204
    finally:
        thread.stop()


def test_a_failing_start_up_raises_its_own_error() -> None:
    thread = AppThread(_SlowApp(fail_start=True))  # type: ignore[arg-type]
    with pytest.raises(LookupError, match="no such database"):
        thread.start()
    thread.stop()
