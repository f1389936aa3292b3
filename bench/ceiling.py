"""The ceiling for ``bench/run.py``: a bare ASGI app under the server's uvicorn options.

It reads the whole request body and answers 200 with an empty body, so a load run against it
measures uvicorn, the event loop and the load generator, and nothing of OpenGauge.

    python bench/ceiling.py --port 8099
"""

from __future__ import annotations

import argparse

import uvicorn

from opengauge.server.http.asgi import Receive, Scope, Send
from opengauge.server.http.serving import uvicorn_options
from opengauge.server.settings import Settings

_HEADERS = [(b"content-length", b"0")]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """Read the body, answer ``200`` with nothing; lifespan is accepted and ignored."""
    if scope["type"] == "lifespan":
        await lifespan(receive, send)
        return
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
    await send({"type": "http.response.body", "body": b""})


async def lifespan(receive: Receive, send: Send) -> None:
    """Accept ASGI lifespan's startup and shutdown, doing nothing (``lean.py`` too)."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args()
    # The options of `opengauge serve` with one worker (its HTTP protocol included).
    settings = Settings(host=args.host, port=args.port, log_level=args.log_level)
    uvicorn.run(app, **uvicorn_options(settings))


if __name__ == "__main__":
    main()
