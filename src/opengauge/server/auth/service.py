"""Issuing tokens, and the one authentication step per kind of credential.

Every family that takes a credential calls the step for its kind: :func:`authenticate_bearer`
(imports, REST; 4.1 through :func:`bearer_claims`), :func:`authenticate_api_key` (4.1) and
:func:`basic_credentials` (the token endpoint; webhooks to come). A step reads the request's
headers, checks what needs no database and records the caller in the journal; whether the
app is still active is checked inside the request's database operation.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from opengauge.server.clock import Clock
from opengauge.server.domain.secrets import hash_api_key, hash_secret, new_secret, verify_secret
from opengauge.server.errors import ApiError, OAuthError, Unauthenticated
from opengauge.server.http.asgi import Scope, header
from opengauge.server.http.hosts import region_of_host
from opengauge.server.journal import note_caller
from opengauge.server.storage import Database, Tx
from opengauge.server.storage.repositories import apps, systems
from opengauge.server.tokens import Claims, KeyRing

GRANT_TYPE = "client_credentials"
#: The caller an API key is recorded as (the journal's ``caller``, 4.1's ``User``).
API_KEY_CALLER = "api_key"


@dataclass(frozen=True)
class IssuedToken:
    """The token response body and whom it was issued to."""

    body: dict[str, Any]
    system_id: int
    client_id: str


@dataclass(frozen=True)
class TokenRequest:
    grant_type: str | None
    client_id: str | None
    client_secret: str | None


def read_token_request(
    params: dict[str, Any], query: dict[str, Any], authorization: str | None
) -> TokenRequest:
    """Credentials from the form body, the query string or a Basic header (in that order)."""

    def pick(name: str) -> str | None:
        for source in (params, query):
            value = source.get(name)
            if isinstance(value, str) and value:
                return value
        return None

    client_id, client_secret = pick("client_id"), pick("client_secret")
    basic = basic_credentials(authorization)
    if basic is not None:
        client_id = client_id or basic[0] or None
        client_secret = client_secret or basic[1] or None
    return TokenRequest(pick("grant_type"), client_id, client_secret)


def basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """The (user, password) of ``Authorization: Basic``; None without one or when it does not
    decode. Clients that leave out the base64 padding are understood."""
    if not authorization or authorization[:6].lower() != "basic ":
        return None
    encoded = authorization[6:].strip()
    encoded += "=" * (-len(encoded) % 4)
    try:
        decoded = base64.b64decode(encoded, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, _, password = decoded.partition(":")
    return user, password


async def issue_token(
    request: TokenRequest,
    region: str,
    *,
    db: Database,
    keys: KeyRing,
    clock: Clock,
    issuer: str,
    ttl: int,
) -> IssuedToken:
    """The token response, or an :class:`OAuthError`."""
    if request.grant_type is None:
        raise OAuthError("invalid_request")
    if request.grant_type != GRANT_TYPE:
        raise OAuthError("unsupported_grant_type")
    if not request.client_id or not request.client_secret:
        raise OAuthError("invalid_request")
    client_id = request.client_id
    credentials = await db.read(lambda tx: apps.find_credentials(tx, client_id))
    usable = credentials is not None and credentials.active and credentials.region == region
    # Every refusal costs one hash, so the answer's timing never tells whether the client id
    # exists. Hashing is slow on purpose; keep it off the event loop and out of the writer.
    stored = credentials.secret_hash if credentials is not None and usable else _dummy_hash()
    matches = await asyncio.to_thread(verify_secret, request.client_secret, stored)
    if credentials is None or not usable or not matches:
        raise OAuthError("invalid_client")
    token = keys.issue(
        issuer=issuer,
        app_id=credentials.id,
        client_id=client_id,
        system_id=credentials.system_id,
        region=credentials.region,
        now=int(clock.time()),
        ttl=ttl,
    )
    body = {"access_token": token, "expires_in": ttl, "token_type": "Bearer"}
    return IssuedToken(body, credentials.system_id, client_id)


@functools.cache
def _dummy_hash() -> str:
    """A hash of the same kind and cost as a real one, matching no secret anyone sends."""
    return hash_secret(new_secret())


def bearer_claims(authorization: str | None, keys: KeyRing, clock: Clock) -> Claims | None:
    """The claims of ``Authorization: Bearer <token>`` with a valid signature, else None."""
    if not authorization or authorization[:7].lower() != "bearer ":
        return None
    return keys.verify(authorization[7:].strip(), clock.time())


def authenticate_bearer(scope: Scope, keys: KeyRing, clock: Clock, default_region: str) -> Claims:
    """The claims of the request's bearer token, valid for the region its host names, noted
    as the caller; :class:`Unauthenticated` if there is no such token.

    Whether the app is still active is checked by :func:`require_active_app` inside the
    request's database operation, so a revoked app fails from its next request on.
    """
    claims = bearer_claims(header(scope, b"authorization"), keys, clock)
    if claims is None or claims.region != region_of_host(header(scope, b"host"), default_region):
        raise Unauthenticated()
    note_caller(scope, claims.system_id, claims.client_id)
    return claims


def read_api_key(authorization: str | None, params: dict[str, Any]) -> str | None:
    """An API key from ``Authorization: api_key <key>``, else from the ``api_key`` parameter."""
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() == "api_key" and value.strip():
        return value.strip()
    key = params.get("api_key")
    return key if isinstance(key, str) and key else None


def authenticate_api_key(tx: Tx, scope: Scope, api_key: str, region: str) -> int | None:
    """The system whose API key this is, in ``region``, noted as the caller; else None."""
    found = systems.find_by_api_key_hash(tx, hash_api_key(api_key))
    if found is None or found[1] != region:
        return None
    note_caller(scope, found[0], API_KEY_CALLER)
    return found[0]


def app_is_active(tx: Tx, claims: Claims) -> bool:
    """Whether the token's app still exists and is active (asked once per transaction)."""
    key = ("app", claims.app_id, claims.client_id)
    active = tx.cache.get(key)
    if active is None:
        active = tx.cache[key] = apps.is_active(
            tx, claims.app_id, claims.client_id, claims.system_id
        )
    return bool(active)


def require_active_app(tx: Tx, claims: Claims) -> None:
    """:class:`Unauthenticated` unless the token's app still exists and is active."""
    if not app_is_active(tx, claims):
        raise Unauthenticated()


def refuse_after_auth(claims: Claims, error: ApiError) -> Callable[[Tx], None]:
    """An operation that answers ``error``, unless the app is revoked (then 401 comes first)."""

    def operation(tx: Tx) -> None:
        require_active_app(tx, claims)
        raise error

    return operation
