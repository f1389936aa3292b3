"""``POST /oauth2/token`` and ``GET /.well-known/jwks.json``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from opengauge.server.auth import service
from opengauge.server.errors import (
    ApiError,
    MalformedJson,
    MultipartTooLarge,
    OAuthError,
    OAuthTooManyRequests,
)
from opengauge.server.http.bodies import parse_body, parse_form, parse_off_loop
from opengauge.server.http.hosts import region_of_host
from opengauge.server.http.ratelimit import client_address
from opengauge.server.http.rendering import JsonErrors, Reply
from opengauge.server.http.responses import json_response, limited_body
from opengauge.server.http.routing import Family, Route, request_endpoint
from opengauge.server.journal import note_caller
from opengauge.server.state import State


class CognitoErrors(JsonErrors):
    """The token endpoint's refusals: Cognito's ``{"error": ...}`` where Cognito has one
    (``OAuthError``), the plain JSON error otherwise (the body limit, faults, crashes)."""

    def render(self, error: ApiError, path: str) -> Reply:
        if isinstance(error, MultipartTooLarge):
            # Cognito's answer to a request it can't read; the plain 413 is for the body limit.
            error = OAuthError("invalid_request")
        return super().render(error, path)


FAMILY = Family("auth", CognitoErrors())


async def token(state: State, request: Request) -> Response:
    body = await limited_body(request, state.settings.max_body_bytes)
    try:
        params = await parse_off_loop(parse_body, body, request.headers.get("content-type", ""))
    except MalformedJson:
        params = {}
    token_request = service.read_token_request(
        params, parse_form(request.url.query), request.headers.get("authorization")
    )
    # Failed logins count per client id and per address; checked before the secret is hashed.
    limit_keys = (f"client:{token_request.client_id}", f"address:{client_address(request.scope)}")
    async with state.limiter.oauth.guard(
        *limit_keys, refusal=OAuthTooManyRequests, failed=_wrong_credentials
    ):
        issued = await service.issue_token(
            token_request,
            region_of_host(request.headers.get("host"), state.settings.default_region),
            db=state.db,
            keys=state.keys,
            clock=state.clock,
            issuer=state.settings.base_url,
            ttl=state.settings.token_ttl,
        )
    note_caller(request.scope, issued.system_id, issued.client_id)
    return json_response(issued.body, headers={"cache-control": "no-store"})


def _wrong_credentials(error: Exception) -> bool:
    """A failed login: unknown client, wrong secret, inactive app (not a malformed request)."""
    return isinstance(error, OAuthError) and error.message == "invalid_client"


async def jwks(state: State, request: Request) -> Response:
    return json_response(state.keys.jwks())


ROUTES: list[Route[State]] = [
    Route("/oauth2/token", ("POST",), request_endpoint(token), FAMILY, trailing_slash=True),
    Route("/.well-known/jwks.json", ("GET",), request_endpoint(jwks), FAMILY),
]
