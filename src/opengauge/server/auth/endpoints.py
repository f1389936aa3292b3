"""``POST /oauth2/token`` and ``GET /.well-known/jwks.json``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from opengauge.server.auth import service
from opengauge.server.errors import MalformedJson
from opengauge.server.http.bodies import parse_body, parse_form
from opengauge.server.http.hosts import region_of_host
from opengauge.server.http.responses import json_response, limited_body
from opengauge.server.http.state import State


async def token(request: Request) -> Response:
    state: State = request.app.state.opengauge
    body = await limited_body(request, state.settings.max_body_bytes)
    try:
        params = parse_body(body, request.headers.get("content-type", ""))
    except MalformedJson:
        params = {}
    token_request = service.read_token_request(
        params, parse_form(request.url.query), request.headers.get("authorization")
    )
    result = await service.issue_token(
        token_request,
        region_of_host(request.headers.get("host"), state.settings.default_region),
        db=state.db,
        keys=state.keys,
        clock=state.clock,
        issuer=state.settings.base_url,
        ttl=state.settings.token_ttl,
    )
    return json_response(result, headers={"cache-control": "no-store"})


async def jwks(request: Request) -> Response:
    state: State = request.app.state.opengauge
    return json_response(state.keys.jwks())
