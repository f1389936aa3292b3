"""Every ``/v4.1/...`` request: find the module, read parameters, authenticate, render.

Paths are ``/v4.1/<module>.json`` or ``.xml`` (no suffix means JSON). A documentation typo
that puts parameters after the suffix (``reasons.json&show_for=Promoter``) is understood.
Parameters come from the query string and the body on every method, GET and DELETE too.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from opengauge.server.auth.tokens import Claims
from opengauge.server.domain.secrets import hash_api_key
from opengauge.server.errors import ApiError, MalformedJson, PayloadTooLarge
from opengauge.server.http.bodies import (
    parse_body,
    parse_form,
    parse_multipart_with_files,
    parse_off_loop,
)
from opengauge.server.http.hosts import region_of_host
from opengauge.server.http.ratelimit import client_address
from opengauge.server.http.responses import error_response, limited_body
from opengauge.server.http.state import State
from opengauge.server.journal import note_caller
from opengauge.server.storage import Tx
from opengauge.server.storage.repositories import apps, systems
from opengauge.server.v4_1.anonymize.endpoints import MODULES as ANONYMIZE
from opengauge.server.v4_1.call import Call, Module, Principal, Reply, UploadedFile
from opengauge.server.v4_1.errors import ErrorCode, V41Error, V41TooManyRequests
from opengauge.server.v4_1.hierarchy.endpoints import MODULES as HIERARCHY
from opengauge.server.v4_1.lists.endpoints import MODULES as LISTS
from opengauge.server.v4_1.rendering import render
from opengauge.server.v4_1.revenue.endpoints import MODULES as REVENUE

MODULES: dict[str, Module] = {**LISTS, **ANONYMIZE, **HIERARCHY, **REVENUE}
#: The one thread that reads uploaded files (``Module.prepare``), for every app in the process.
_FILE_READER = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="opengauge-files")
API_USER = "api_key"


@dataclass(frozen=True)
class _Credentials:
    claims: Claims | None
    api_key: str | None


def _credentials(request: Request, params: dict[str, Any], state: State) -> _Credentials:
    """A bearer token (verified here, its app checked later) or an API key, if any."""
    authorization = request.headers.get("authorization", "")
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        claims = state.keys.verify(value.strip(), state.clock.time())
        return _Credentials(claims, None) if claims else _Credentials(None, None)
    if scheme.lower() == "api_key" and value.strip():
        return _Credentials(None, value.strip())
    key = params.get("api_key")
    return _Credentials(None, key if isinstance(key, str) and key else None)


def _authenticate(
    tx: Tx, credentials: _Credentials, region: str, scope: MutableMapping[str, Any]
) -> Principal:
    """The caller, or 200000: unknown, revoked or wrong-region credentials alike."""
    claims = credentials.claims
    if claims is not None:
        if claims.region == region and apps.is_active(
            tx, claims.app_id, claims.client_id, claims.system_id
        ):
            note_caller(scope, claims.system_id, claims.client_id)
            return Principal(claims.system_id, apps.name_of(tx, claims.app_id))
    elif credentials.api_key is not None:
        found = systems.find_by_api_key_hash(tx, hash_api_key(credentials.api_key))
        if found is not None and found[1] == region:
            note_caller(scope, found[0], API_USER)
            return Principal(found[0], API_USER)
    raise V41Error(ErrorCode.INVALID_API_KEY)


def _reply(
    envelope: dict[str, Any], status: int, xml: bool, headers: Mapping[str, str] | None = None
) -> Response:
    body, content_type = render(envelope, xml)
    return Response(body, status, headers, media_type=content_type)


async def _parameters(
    request: Request, tail: str, body: bytes
) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """The query string's, the path tail's and the body's parameters, and the uploaded files."""
    content_type = request.headers.get("content-type", "")
    files: dict[str, UploadedFile] = {}
    params: dict[str, Any] = parse_form(request.url.query)
    params.update(parse_form(tail))
    if content_type.startswith("multipart/form-data"):
        fields, raw_files = await parse_off_loop(parse_multipart_with_files, body, content_type)
        params.update(fields)
        files = {k: UploadedFile(filename, data) for k, (filename, data) in raw_files.items()}
    else:
        # A 4.1 body is a form; unreadable JSON carries no parameters.
        with contextlib.suppress(MalformedJson):
            params.update(await parse_off_loop(parse_body, body, content_type))
    return params, files


async def dispatch(request: Request) -> Response:
    state: State = request.app.state.opengauge
    path, _, tail = request.path_params["path"].partition("&")
    xml = path.endswith(".xml")
    name = path.removesuffix(".xml") if xml else path.removesuffix(".json")
    module = MODULES.get(name)
    if module is None:
        return _reply(V41Error(ErrorCode.MODULE_DOES_NOT_EXIST).body(), 404, xml)
    if request.method not in module.handlers:
        return _reply(V41Error(ErrorCode.METHOD_DOES_NOT_EXIST).body(), 405, xml)
    # Failed authentications count per address; a refusal reads no body and no database, and
    # keys being checked count as failures to come (simultaneous guesses are a sequence).
    limit_key = f"address:{client_address(request.scope)}"
    try:
        async with state.limiter.v4_1.guard(
            limit_key, refusal=V41TooManyRequests, failed=_wrong_credentials
        ):
            return await _answer(request, state, module, tail, xml)
    except V41TooManyRequests as refusal:
        return _reply(refusal.body(), refusal.status, xml, refusal.headers)
    except V41Error as error:
        return _reply(error.body(), error.status, xml)
    except ApiError as error:
        return error_response(error)


def _wrong_credentials(error: Exception) -> bool:
    return isinstance(error, V41Error) and error.code is ErrorCode.INVALID_API_KEY


async def _answer(request: Request, state: State, module: Module, tail: str, xml: bool) -> Response:
    """The module's answer; a refusal is raised (a wrong key as 200000, for the limit)."""
    handler = module.handlers[request.method]
    try:
        body = await limited_body(request, module.max_body_bytes or state.settings.max_body_bytes)
        params, files = await _parameters(request, tail, body)
    except PayloadTooLarge as error:
        # The table has no code for this; the envelope stays the 4.1 one.
        envelope = {"Error": {"Message": error.message, "Code": int(ErrorCode.INVALID_ARGUMENTS)}}
        return _reply(envelope, error.status, xml)
    call = Call(request.method, params, state.clock, state.settings.base_url, files)
    credentials = _credentials(request, params, state)
    region = region_of_host(request.headers.get("host"), state.settings.default_region)
    if module.prepare is not None:
        # Reading a file costs seconds of CPU: only for a caller who is who they say, and one
        # file at a time, so uploads never take the threads logins and commits use. The
        # operation checks the caller again, in the transaction that writes.
        await state.db.read(lambda tx: _authenticate(tx, credentials, region, request.scope))
        loop = asyncio.get_running_loop()
        call = await loop.run_in_executor(_FILE_READER, module.prepare, call)

    def operation(tx: Tx) -> Any:
        return handler(tx, _authenticate(tx, credentials, region, request.scope), call)

    # A GET only reads (authenticating included): it never waits behind the writer.
    result = await (state.db.read if request.method == "GET" else state.db.run)(operation)
    if isinstance(result, Reply):
        return _reply({"Data": result.data}, result.status, xml)
    return _reply({"Data": result}, 200, xml)


ROUTES = [
    # Every method reaches dispatch, so a module without it answers 300003, not the generic 405.
    Route(
        "/v4.1/{path:path}",
        dispatch,
        methods=["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"],
    ),
]
