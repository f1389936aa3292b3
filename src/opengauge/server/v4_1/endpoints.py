"""Every ``/v4.1/...`` request: find the module, read parameters, authenticate, render.

Paths are ``/v4.1/<module>.json`` or ``.xml`` (no suffix means JSON). A documentation typo
that puts parameters after the suffix (``reasons.json&show_for=Promoter``) is understood.
Parameters come from the query string and the body on every method, GET and DELETE too.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from opengauge.server.auth.service import (
    API_KEY_CALLER,
    app_is_active,
    authenticate_api_key,
    bearer_claims,
    read_api_key,
)
from opengauge.server.errors import MalformedJson
from opengauge.server.http.asgi import Scope
from opengauge.server.http.bodies import (
    parse_body,
    parse_form,
    parse_multipart_with_files,
    parse_off_loop,
)
from opengauge.server.http.hosts import region_of_host
from opengauge.server.http.ratelimit import client_address
from opengauge.server.http.responses import limited_body
from opengauge.server.http.routing import Family, Route, request_endpoint
from opengauge.server.journal import note_caller
from opengauge.server.state import State
from opengauge.server.storage import Tx
from opengauge.server.storage.repositories import apps
from opengauge.server.tokens import Claims
from opengauge.server.v4_1.anonymize import service as anonymize
from opengauge.server.v4_1.call import Call, Module, Principal, Reply, UploadedFile
from opengauge.server.v4_1.errors import ErrorCode, V41Error, V41TooManyRequests
from opengauge.server.v4_1.hierarchy import service as hierarchy
from opengauge.server.v4_1.lists import service as lists
from opengauge.server.v4_1.reasons import service as reasons
from opengauge.server.v4_1.rendering import V41Errors, is_xml, render
from opengauge.server.v4_1.report import service as report
from opengauge.server.v4_1.revenue import service as revenue
from opengauge.server.v4_1.workflow import service as workflow

FAMILY = Family("v4_1", V41Errors())
#: Room for a revenue file well over the 2 MB limit plus multipart framing, so an oversized
#: file reaches the service and is refused with an upload log rather than cut off unread.
UPLOAD_BODY_BYTES = 4 * 1024 * 1024

#: Module path -> its handlers by HTTP method (each runs inside the request's operation).
MODULES: dict[str, Module] = {
    "lists/unsubscribe": Module({"GET": lists.list_unsubscribes, "POST": lists.add_unsubscribe}),
    "lists/bounce": Module({"GET": lists.list_bounces}),
    "anonymize": Module({"GET": anonymize.preview, "POST": anonymize.run}),
    "hierarchy": Module(
        {
            "GET": hierarchy.list_divisions,
            "POST": hierarchy.add_division,
            "PUT": hierarchy.update_division,
            "DELETE": hierarchy.delete_division,
        }
    ),
    "company/revenue_file_automate": Module(
        {"POST": revenue.upload}, max_body_bytes=UPLOAD_BODY_BYTES, prepare=revenue.read_upload
    ),
    "file/company-revenue": Module({"GET": revenue.list_uploads}),
    "report/nps": Module({"GET": report.nps}),
    "workflow": Module({"POST": workflow.update}),
    "reasons": Module(
        {"GET": reasons.list_reasons, "POST": reasons.add_reason, "PUT": reasons.update_reason}
    ),
}
#: The one thread that reads uploaded files (``Module.prepare``), for every app in the process.
_FILE_READER = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="opengauge-files")


@dataclass(frozen=True)
class _Credentials:
    claims: Claims | None
    api_key: str | None


def _credentials(request: Request, params: dict[str, Any], state: State) -> _Credentials:
    """A bearer token (verified here, its app checked later) or an API key, if any."""
    authorization = request.headers.get("authorization", "")
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return _Credentials(bearer_claims(authorization, state.keys, state.clock), None)
    return _Credentials(None, read_api_key(authorization, params))


def _authenticate(tx: Tx, credentials: _Credentials, region: str, scope: Scope) -> Principal:
    """The caller, or 200000: unknown, revoked or wrong-region credentials alike."""
    claims = credentials.claims
    if claims is not None:
        if claims.region == region and app_is_active(tx, claims):
            note_caller(scope, claims.system_id, claims.client_id)
            return Principal(claims.system_id, apps.name_of(tx, claims.app_id))
    elif credentials.api_key is not None:
        system_id = authenticate_api_key(tx, scope, credentials.api_key, region)
        if system_id is not None:
            return Principal(system_id, API_KEY_CALLER)
    raise V41Error(ErrorCode.INVALID_API_KEY)


def _reply(envelope: dict[str, Any], status: int, xml: bool) -> Response:
    body, content_type = render(envelope, xml)
    return Response(body, status, media_type=content_type)


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


async def dispatch(state: State, request: Request) -> Response:
    """Find the module and its handler; refusals are raised, in the family's format."""
    path, _, tail = request.path_params["path"].partition("&")
    name = path.removesuffix(".xml") if path.endswith(".xml") else path.removesuffix(".json")
    module = MODULES.get(name)
    if module is None:
        raise V41Error(ErrorCode.MODULE_DOES_NOT_EXIST)
    if request.method not in module.handlers:
        raise V41Error(ErrorCode.METHOD_DOES_NOT_EXIST)
    # Failed authentications count per address; a refusal reads no body and no database, and
    # keys being checked count as failures to come (simultaneous guesses are a sequence).
    limit_key = f"address:{client_address(request.scope)}"
    async with state.limiter.v4_1.guard(
        limit_key, refusal=V41TooManyRequests, failed=_wrong_credentials
    ):
        return await _answer(request, state, module, tail, is_xml(path))


def _wrong_credentials(error: Exception) -> bool:
    return isinstance(error, V41Error) and error.code is ErrorCode.INVALID_API_KEY


async def _answer(request: Request, state: State, module: Module, tail: str, xml: bool) -> Response:
    """The module's answer; a refusal is raised (a wrong key as 200000, for the limit)."""
    handler = module.handlers[request.method]
    body = await limited_body(request, module.max_body_bytes or state.settings.max_body_bytes)
    params, files = await _parameters(request, tail, body)
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


ROUTES: list[Route[State]] = [
    # Every method reaches dispatch, so a module without it answers 300003, not the generic 405.
    Route(
        "/v4.1/{path:path}",
        ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"),
        request_endpoint(dispatch),
        FAMILY,
    ),
]
