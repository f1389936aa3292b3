"""The one dispatch (``http/routing.py``) and the one error renderer (``http/rendering.py``),
driven through plain ASGI calls: routes are declared as the families declare theirs."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from opengauge.server.errors import ApiError, BadRequest, TooManyRequests
from opengauge.server.http.asgi import Message, Receive, Scope, Send, send_json
from opengauge.server.http.rendering import JsonErrors, Reply
from opengauge.server.http.routing import Family, Route, Router


class Shouting(JsonErrors):
    """A family format that is easy to tell from the default one."""

    def render(self, error: ApiError, path: str) -> Reply:
        return Reply(error.status, error.message.upper().encode(), "text/plain")


PLAIN = Family("plain")
LOUD = Family("loud", Shouting())


async def ok(state: str, scope: Scope, receive: Receive, send: Send) -> None:
    await send_json(send, 200, {"state": state, "params": scope.get("path_params")})


async def refuse(state: str, scope: Scope, receive: Receive, send: Send) -> None:
    raise TooManyRequests(7)


async def crash(state: str, scope: Scope, receive: Receive, send: Send) -> None:
    raise RuntimeError("boom")


ROUTES: list[Route[str]] = [
    Route("/records/", ("PUT",), ok, PLAIN, trailing_slash=True),
    Route("/things", ("GET",), ok, LOUD),
    Route("/things", ("POST",), refuse, LOUD),
    Route("/things/{name}", ("DELETE",), crash, LOUD),
    Route("/files/{rest:path}", ("GET",), ok, PLAIN),
]


def call(
    method: str, path: str, routes: list[Route[str]] = ROUTES
) -> tuple[int, dict[str, str], bytes]:
    router = Router(routes)
    messages: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        messages.append(message)

    async def run() -> None:
        found, params = router.match(path)
        scope: dict[str, Any] = {"type": "http", "method": method, "path": path, "headers": []}
        await router.serve("the state", found, params, path, scope, receive, send)

    asyncio.run(run())
    start, body = messages
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], headers, body["body"]


def test_exact_paths_are_served_with_and_without_the_trailing_slash() -> None:
    assert call("PUT", "/records/")[0] == call("PUT", "/records")[0] == 200


def test_path_parameters_reach_the_endpoint() -> None:
    status, _, body = call("GET", "/files/a/b.csv")
    assert status == 200
    assert body == b'{"state":"the state","params":{"rest":"a/b.csv"}}'


def test_get_also_answers_head() -> None:
    assert call("HEAD", "/things")[0] == 200


def test_unknown_path_is_the_json_404() -> None:
    assert call("GET", "/nowhere") == (
        404,
        {"content-length": "24", "content-type": "application/json"},
        b'{"message":"Not found."}',
    )


def test_a_wrong_method_lists_every_method_of_the_path() -> None:
    # The path's routes are declared one method at a time; Allow names them all, in order
    # (Starlette named only the first route's methods).
    status, headers, body = call("DELETE", "/things")
    assert status == 405
    assert headers["allow"] == "GET, HEAD, POST"
    assert body == b'{"message":"Method not allowed."}'


def test_a_refusal_is_rendered_in_the_family_format() -> None:
    assert call("POST", "/things") == (
        429,
        {"content-length": "18", "content-type": "text/plain"},
        b"TOO MANY ATTEMPTS.",
    )


def test_a_refusal_of_a_family_without_a_format_is_json_with_its_headers() -> None:
    async def bad(state: str, scope: Scope, receive: Receive, send: Send) -> None:
        raise BadRequest("No.")

    status, headers, body = call("GET", "/bad", [Route("/bad", ("GET",), bad, PLAIN)])
    assert (status, body) == (400, b'{"message":"No."}')
    assert headers["content-type"] == "application/json"


def test_a_crash_is_the_json_500_whatever_the_family(caplog: pytest.LogCaptureFixture) -> None:
    status, _, body = call("DELETE", "/things/x")
    assert (status, body) == (500, b'{"message":"Server Error"}')
    assert "unhandled error on DELETE /things/x" in caplog.text


def test_a_path_belongs_to_one_family_and_a_method_to_one_route() -> None:
    with pytest.raises(ValueError, match="two families"):
        Router([Route("/x", ("GET",), ok, PLAIN), Route("/x", ("POST",), ok, LOUD)])
    with pytest.raises(ValueError, match="declared twice"):
        Router([Route("/x", ("GET",), ok, PLAIN), Route("/x", ("HEAD",), ok, PLAIN)])
