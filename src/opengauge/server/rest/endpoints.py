"""``GET /v7/rest/sync/responses`` and ``/non-responses`` (the v7 export), and
``POST /v6/system-admin/data-admin/contacts/anonymize`` (GDPR anonymization, v6 style).

The anonymization body names the contact by ``email`` or ``phone`` (``telephone`` is accepted
for ``phone``, as one page of the documentation calls it). Nothing usable given is a Laravel
422; success is ``{"data": {"count": n}}`` with ``n`` the survey records anonymized. The use
case is shared with the 4.1 module through :mod:`opengauge.server.anonymization.service`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from opengauge.server.anonymization import service as anonymization
from opengauge.server.anonymization.service import Subject
from opengauge.server.auth.service import (
    authenticate_bearer,
    refuse_after_auth,
    require_active_app,
)
from opengauge.server.errors import ApiError
from opengauge.server.http.bodies import parse_body, parse_form, parse_off_loop
from opengauge.server.http.responses import json_response, limited_body
from opengauge.server.http.routing import Family, Route, request_endpoint
from opengauge.server.rest import service
from opengauge.server.rest.schemas import read_subject
from opengauge.server.rest.service import Stream
from opengauge.server.state import State
from opengauge.server.storage import Tx
from opengauge.server.tokens import Claims

FAMILY = Family("rest")
ANONYMIZE_PATH = "/v6/system-admin/data-admin/contacts/anonymize"


def _caller(state: State, request: Request) -> Claims:
    return authenticate_bearer(
        request.scope, state.keys, state.clock, state.settings.default_region
    )


async def _export(state: State, request: Request, stream: Stream) -> Response:
    claims = _caller(state, request)
    params = parse_form(request.url.query)
    body = await state.db.read_then(
        service.read_page(params, claims, stream),
        service.encode_page(stream, state.settings.base_url),
    )
    return Response(body, media_type="application/json")


async def responses(state: State, request: Request) -> Response:
    return await _export(state, request, service.RESPONSES)


async def non_responses(state: State, request: Request) -> Response:
    return await _export(state, request, service.NON_RESPONSES)


def _anonymize(claims: Claims, subject: Subject, now: str) -> Callable[[Tx], int]:
    def operation(tx: Tx) -> int:
        require_active_app(tx, claims)
        return anonymization.anonymize(tx, claims.system_id, subject, now)

    return operation


async def anonymize(state: State, request: Request) -> Response:
    """Anonymize the contact of the caller's system named by the body."""
    claims = _caller(state, request)
    body = await limited_body(request, state.settings.max_body_bytes)
    operation: Callable[[Tx], Any]
    try:
        params = await parse_off_loop(parse_body, body, request.headers.get("content-type", ""))
        subject = read_subject(params)
        operation = _anonymize(claims, subject, state.clock.timestamp())
    except ApiError as refused:
        # A revoked app hears 401 before anything about its body.
        operation = refuse_after_auth(claims, refused)
    count = await state.db.run(operation)
    return json_response({"data": {"count": count}})


#: Each export path is also served with a trailing slash, like the import paths.
ROUTES: list[Route[State]] = [
    Route(path, ("GET",), request_endpoint(endpoint), FAMILY, trailing_slash=True)
    for path, endpoint in (
        ("/v7/rest/sync/responses", responses),
        ("/v7/rest/sync/non-responses", non_responses),
    )
] + [Route(ANONYMIZE_PATH, ("POST",), request_endpoint(anonymize), FAMILY)]
