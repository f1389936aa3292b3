"""``PUT /records/``, ``/accounts``, ``/contracts`` and ``/activities/`` as raw ASGI endpoints.

Each endpoint reads its input, hands one operation to the database and writes the answer.
The order of checks is the real service's: authentication, then the body, then the data.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from opengauge.server.auth.service import authenticate_bearer
from opengauge.server.auth.tokens import Claims
from opengauge.server.errors import ApiError
from opengauge.server.http.asgi import (
    Receive,
    Scope,
    Send,
    header,
    read_body,
    send_bytes,
    send_error,
    send_json,
)
from opengauge.server.http.bodies import parse_body
from opengauge.server.http.hosts import region_of_host
from opengauge.server.http.state import State
from opengauge.server.imports import schemas, service

IGNORED_FIELDS_HEADER = b"x-opengauge-ignored-fields"

Endpoint = Callable[[State, Scope, Receive, Send], Awaitable[None]]


async def _read(state: State, scope: Scope, receive: Receive) -> tuple[Claims, dict[str, Any]]:
    settings = state.settings
    region = region_of_host(header(scope, b"host"), settings.default_region)
    claims = authenticate_bearer(header(scope, b"authorization"), region, state.keys, state.clock)
    body = await read_body(receive, settings.max_body_bytes)
    return claims, parse_body(body, header(scope, b"content-type") or "")


async def put_records(state: State, scope: Scope, receive: Receive, send: Send) -> None:
    try:
        claims, params = await _read(state, scope, receive)
        request = schemas.read_record_import(params)
        ignored = await state.db.run(service.put_record(request, claims, state.clock))
    except ApiError as error:
        await send_error(send, error)
        return
    extra = [(IGNORED_FIELDS_HEADER, msgspec.json.encode(ignored))] if ignored else []
    await send_bytes(send, 200, b"", content_type=None, extra=extra)


async def put_accounts(state: State, scope: Scope, receive: Receive, send: Send) -> None:
    try:
        claims, params = await _read(state, scope, receive)
        request = schemas.read_account(params)
        status = await state.db.run(service.put_account(request, claims, state.clock))
    except ApiError as error:
        await send_error(send, error)
        return
    await send_json(send, status, {})


async def put_contracts(state: State, scope: Scope, receive: Receive, send: Send) -> None:
    try:
        claims, params = await _read(state, scope, receive)
        request = schemas.read_contract(params)
        status, body = await state.db.run(service.put_contract(request, claims, state.clock))
    except ApiError as error:
        await send_error(send, error)
        return
    await send_json(send, status, body)


async def put_activities(state: State, scope: Scope, receive: Receive, send: Send) -> None:
    try:
        claims, params = await _read(state, scope, receive)
        request = schemas.read_activity(params)
        status, body = await state.db.run(service.put_activity(request, claims, state.clock))
    except ApiError as error:
        await send_error(send, error)
        return
    await send_json(send, status, body)


#: Path -> endpoint; each path is served with and without its trailing slash.
ROUTES: dict[str, Endpoint] = {
    "/records/": put_records,
    "/accounts": put_accounts,
    "/contracts": put_contracts,
    "/activities/": put_activities,
}
