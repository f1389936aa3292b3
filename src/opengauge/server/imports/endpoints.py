"""``PUT /records/``, ``/accounts``, ``/contracts`` and ``/activities/`` as raw ASGI endpoints.

Each endpoint checks the token's signature, reads the body and hands one operation to the
database; the operation checks that the app is still active before anything else, so the
order of answers is the real service's: 401, then problems with the body, then the data.
Refusals are raised and rendered by the family's format: Laravel JSON, plus the header that
names the record keys a mapping ignored.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

import msgspec

from opengauge.server.auth.service import authenticate_bearer, refuse_after_auth
from opengauge.server.clock import Clock
from opengauge.server.errors import ApiError, BadRequest, ValidationFailed
from opengauge.server.http.asgi import (
    Receive,
    Scope,
    Send,
    header,
    read_body,
    send_bytes,
    send_json,
)
from opengauge.server.http.bodies import parse_body, parse_off_loop
from opengauge.server.http.rendering import JsonErrors, Reply
from opengauge.server.http.routing import Family, Route
from opengauge.server.imports import service
from opengauge.server.journal import note_ignored
from opengauge.server.state import State
from opengauge.server.storage import Tx
from opengauge.server.tokens import Claims

encode = msgspec.json.encode
IGNORED_FIELDS_HEADER = b"x-opengauge-ignored-fields"
#: Per-request override of the ``strict_mapping`` setting: 1 (refuse) or 0 (drop and report).
STRICT_HEADER = b"x-opengauge-strict"
_STRICT_VALUES = {"1": True, "true": True, "on": True, "0": False, "false": False, "off": False}
#: The ignored-keys header stays small: clients choke on huge header lines.
IGNORED_FIELDS_MAX_BYTES = 1024

MakeOperation = Callable[[dict[str, Any], Claims, service.Context], Callable[[Tx], Any]]


async def _run(state: State, scope: Scope, receive: Receive, make: MakeOperation) -> Any:
    settings = state.settings
    claims = authenticate_bearer(scope, state.keys, state.clock, settings.default_region)
    try:
        strict = _strict(scope, settings.strict_mapping)
        body = await read_body(receive, settings.max_body_bytes)
        params = await parse_off_loop(parse_body, body, header(scope, b"content-type") or "")
        operation = make(params, claims, _context(state.clock, settings.base_url, strict))
    except ApiError as refused:
        operation = refuse_after_auth(claims, refused)
    try:
        return await state.db.run(operation)
    except ValidationFailed as error:
        # The journal names the keys a mapping ignored, on a 422 as on a 200.
        if error.ignored:
            note_ignored(scope, error.ignored)
        raise


@functools.lru_cache(maxsize=16)
def _context(clock: Clock, base_url: str, strict: bool) -> service.Context:
    # Immutable and the same for nearly every request: made once, not per request.
    return service.Context(clock, base_url, strict)


def _strict(scope: Scope, default: bool) -> bool:
    raw = header(scope, STRICT_HEADER)
    if raw is None:
        return default
    strict = _STRICT_VALUES.get(raw.strip().lower())
    if strict is None:
        raise BadRequest("The X-OpenGauge-Strict header must be 1 or 0.")
    return strict


class ImportErrors(JsonErrors):
    """Laravel JSON; a 422 of a mapped record also names the keys the mapping ignored."""

    def render(self, error: ApiError, path: str) -> Reply:
        reply = super().render(error, path)
        if isinstance(error, ValidationFailed) and error.ignored:
            extra = ignored_fields_header(error.ignored)
            return Reply(reply.status, reply.body, reply.content_type, [*reply.headers, *extra])
        return reply


FAMILY = Family("imports", ImportErrors())


def ignored_fields_header(ignored: list[str]) -> list[tuple[bytes, bytes]]:
    """The header naming unmapped keys, as a JSON array cut to whole keys that fit."""
    kept: list[str] = []
    for key in ignored:
        cut = key[:256]
        if not kept and len(_header_json([cut])) > IGNORED_FIELDS_MAX_BYTES:
            # Escaped, a character takes 12 bytes at most, so 80 always fit: the header
            # never hides that a key was ignored.
            cut = key[:80]
        if len(_header_json([*kept, cut])) > IGNORED_FIELDS_MAX_BYTES:
            break
        kept.append(cut)
    return [(IGNORED_FIELDS_HEADER, _header_json(kept))] if kept else []


def _header_json(keys: list[str]) -> bytes:
    # Keys come from the request: ``ensure_ascii`` writes every character outside printable
    # ASCII (DEL, controls, non-ASCII) as a \u escape, so the value is always a valid header
    # and the server never drops the connection after the write committed.
    return json.dumps(keys, ensure_ascii=True, separators=(",", ":")).encode("ascii")


async def put_records(state: State, scope: Scope, receive: Receive, send: Send) -> None:
    ignored = await _run(state, scope, receive, service.put_record)
    if ignored:
        note_ignored(scope, ignored)
    await send_bytes(send, 200, b"", content_type=None, extra=ignored_fields_header(ignored))


async def put_personal_link(state: State, scope: Scope, receive: Receive, send: Send) -> None:
    body, ignored = await _run(state, scope, receive, service.put_personal_link)
    if ignored:
        note_ignored(scope, ignored)
    await send_bytes(send, 200, encode(body), extra=ignored_fields_header(ignored))


async def put_accounts(state: State, scope: Scope, receive: Receive, send: Send) -> None:
    status = await _run(state, scope, receive, service.put_account)
    await send_json(send, status, {})


async def put_contracts(state: State, scope: Scope, receive: Receive, send: Send) -> None:
    status, body = await _run(state, scope, receive, service.put_contract)
    await send_json(send, status, body)


async def put_activities(state: State, scope: Scope, receive: Receive, send: Send) -> None:
    status, body = await _run(state, scope, receive, service.put_activity)
    await send_json(send, status, body)


#: Each path is served with and without its trailing slash.
ROUTES: list[Route[State]] = [
    Route(path, ("PUT",), endpoint, FAMILY, trailing_slash=True)
    for path, endpoint in (
        ("/records/", put_records),
        ("/personal-link/", put_personal_link),
        ("/accounts", put_accounts),
        ("/contracts", put_contracts),
        ("/activities/", put_activities),
    )
]
