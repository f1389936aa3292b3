"""Issuing tokens and authenticating bearer requests."""

from __future__ import annotations

import asyncio
import base64
import binascii
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from opengauge.server.auth.tokens import Claims, KeyRing
from opengauge.server.clock import Clock
from opengauge.server.domain.secrets import hash_secret, new_secret, verify_secret
from opengauge.server.errors import ApiError, OAuthError, Unauthenticated
from opengauge.server.storage import Database, Tx
from opengauge.server.storage.repositories import apps

GRANT_TYPE = "client_credentials"


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
    if authorization and authorization[:6].lower() == "basic ":
        encoded = authorization[6:].strip()
        try:
            # Some clients leave out the base64 padding; put it back.
            encoded += "=" * (-len(encoded) % 4)
            decoded = base64.b64decode(encoded, validate=True).decode()
            basic_id, _, basic_secret = decoded.partition(":")
        except (binascii.Error, UnicodeDecodeError):
            basic_id = basic_secret = ""
        client_id = client_id or basic_id or None
        client_secret = client_secret or basic_secret or None
    return TokenRequest(pick("grant_type"), client_id, client_secret)


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


def authenticate_bearer(
    authorization: str | None, region: str, keys: KeyRing, clock: Clock
) -> Claims:
    """The claims of a valid bearer token for this region; :class:`Unauthenticated` if not.

    Whether the app is still active is checked by :func:`require_active_app` inside the
    request's database operation, so a revoked app fails from its next request on.
    """
    if not authorization or authorization[:7].lower() != "bearer ":
        raise Unauthenticated()
    claims = keys.verify(authorization[7:].strip(), clock.time())
    if claims is None or claims.region != region:
        raise Unauthenticated()
    return claims


def require_active_app(tx: Tx, claims: Claims) -> None:
    """:class:`Unauthenticated` unless the token's app still exists and is active."""
    key = ("app", claims.app_id, claims.client_id)
    active = tx.cache.get(key)
    if active is None:
        active = tx.cache[key] = apps.is_active(
            tx, claims.app_id, claims.client_id, claims.system_id
        )
    if not active:
        raise Unauthenticated()


def refuse_after_auth(claims: Claims, error: ApiError) -> Callable[[Tx], None]:
    """An operation that answers ``error``, unless the app is revoked (then 401 comes first)."""

    def operation(tx: Tx) -> None:
        require_active_app(tx, claims)
        raise error

    return operation
