"""``PATCH /v5/user-manager/users/disable``: a connected app disables a console user.

Bearer, a JSON or form body with ``email``; 204 with an empty body, the user's sessions ended.
Refusals are Laravel's: 401 ``Unauthenticated.``, 422 for the e-mail, 404 for an e-mail with
no user in the token's system.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from opengauge.server.auth.service import (
    authenticate_bearer,
    refuse_after_auth,
    require_active_app,
)
from opengauge.server.errors import ApiError
from opengauge.server.http.bodies import parse_body, parse_off_loop
from opengauge.server.http.responses import limited_body
from opengauge.server.http.routing import Family, Route, request_endpoint
from opengauge.server.state import State
from opengauge.server.storage import Tx
from opengauge.server.tokens import Claims
from opengauge.server.users import service
from opengauge.server.users.schemas import read_disable

FAMILY = Family("users")
DISABLE_PATH = "/v5/user-manager/users/disable"


def _disable(claims: Claims, email: str) -> Callable[[Tx], Any]:
    def operation(tx: Tx) -> None:
        require_active_app(tx, claims)
        service.disable_user(claims.system_id, email)(tx)

    return operation


async def disable(state: State, request: Request) -> Response:
    claims = authenticate_bearer(
        request.scope, state.keys, state.clock, state.settings.default_region
    )
    body = await limited_body(request, state.settings.max_body_bytes)
    operation: Callable[[Tx], Any]
    try:
        params = await parse_off_loop(parse_body, body, request.headers.get("content-type", ""))
        operation = _disable(claims, read_disable(params))
    except ApiError as refused:
        # A revoked app hears 401 before anything about its body.
        operation = refuse_after_auth(claims, refused)
    await state.db.run(operation)
    return Response(status_code=204)


ROUTES: list[Route[State]] = [Route(DISABLE_PATH, ("PATCH",), request_endpoint(disable), FAMILY)]
