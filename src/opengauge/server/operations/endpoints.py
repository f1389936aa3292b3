"""``GET /healthz``, ``/readyz`` and ``/metrics`` as raw ASGI endpoints.

They sit outside API authentication and the request journal (see ``OpenGaugeApp.__call__``):
a load balancer or Prometheus calls them every few seconds, and they must keep answering when
the API itself is refusing requests.
"""

from __future__ import annotations

import ipaddress

from opengauge.server import metrics
from opengauge.server.errors import Forbidden
from opengauge.server.http.asgi import Receive, Scope, Send, has_bearer, send_bytes, send_json
from opengauge.server.http.routing import Family, Route
from opengauge.server.operations import service
from opengauge.server.state import State

#: Outside the request journal and the fault rules: they must answer while the API is
#: being faulted, and a scrape every few seconds would crowd out the API's own entries.
FAMILY = Family("operations", journaled=False)

#: Headers a reverse proxy adds: a request that carries one came from elsewhere, even
#: though its connection comes from the proxy on loopback.
_FORWARDED = frozenset({b"forwarded", b"x-forwarded-for", b"x-real-ip"})


async def healthz(state: State, scope: Scope, receive: Receive, send: Send) -> None:
    """The process is up and its event loop answers."""
    await send_json(send, 200, {"status": "ok"})


async def readyz(state: State, scope: Scope, receive: Receive, send: Send) -> None:
    """The database answers and its schema is at the migration head."""
    reason = await service.readiness(state.db)
    if reason is None:
        await send_json(send, 200, {"status": "ready"})
    else:
        await send_json(send, 503, {"status": "unavailable", "reason": reason})


async def scrape(state: State, scope: Scope, receive: Receive, send: Send) -> None:
    """The Prometheus text: from loopback without a proxy in between, or with the admin token."""
    if not (_is_local(scope) or has_bearer(scope, state.admin_token.encode())):
        raise Forbidden()
    text = metrics.render(await service.outbox_counts(state.db))
    await send_bytes(send, 200, text, metrics.CONTENT_TYPE)


def _is_local(scope: Scope) -> bool:
    client = scope.get("client")
    if not client:
        return False
    try:
        address = ipaddress.ip_address(client[0])
    except ValueError:  # a Unix socket peer or a test transport's made-up name
        return False
    # On a dual-stack socket (``--host ::``) IPv4 peers arrive as ::ffff:a.b.c.d, which
    # Python 3.11 does not call loopback.
    mapped = getattr(address, "ipv4_mapped", None)
    loopback = (mapped or address).is_loopback
    return loopback and not any(key in _FORWARDED for key, _ in scope["headers"])


ROUTES: list[Route[State]] = [
    Route(path, ("GET",), endpoint, FAMILY)
    for path, endpoint in (("/healthz", healthz), ("/readyz", readyz), ("/metrics", scrape))
]
