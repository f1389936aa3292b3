"""Routes of the REST v7 export (``GET /v7/rest/sync/responses`` and ``/non-responses``)
and of the v6 contact anonymization (``rest/anonymize.py``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from opengauge.server.auth.service import authenticate_bearer
from opengauge.server.http.bodies import parse_form
from opengauge.server.http.hosts import region_of_host
from opengauge.server.http.responses import json_response
from opengauge.server.http.state import State
from opengauge.server.journal import note_caller
from opengauge.server.rest import anonymize, service
from opengauge.server.rest.service import Stream


async def _export(request: Request, stream: Stream) -> Response:
    state: State = request.app.state.opengauge
    region = region_of_host(request.headers.get("host"), state.settings.default_region)
    claims = authenticate_bearer(
        request.headers.get("authorization"), region, state.keys, state.clock
    )
    note_caller(request.scope, claims.system_id, claims.client_id)
    params = parse_form(request.url.query)
    page = await state.db.read(service.read_page(params, claims, stream))
    return json_response(service.render_page(page, stream, state.settings.base_url))


async def responses(request: Request) -> Response:
    return await _export(request, service.RESPONSES)


async def non_responses(request: Request) -> Response:
    return await _export(request, service.NON_RESPONSES)


#: Each export path is also served with a trailing slash, like the import paths.
ROUTES: list[BaseRoute] = [
    *(
        route
        for path, endpoint in (
            ("/v7/rest/sync/responses", responses),
            ("/v7/rest/sync/non-responses", non_responses),
        )
        for route in (
            Route(path, endpoint, methods=["GET"]),
            Route(path + "/", endpoint, methods=["GET"]),
        )
    ),
    Route(anonymize.PATH, anonymize.anonymize, methods=["POST"]),
]
