"""RS256 access tokens: signing, verification and the JWKS document.

Signing keys live in the database so that every server process signs and accepts the same
tokens. Verified tokens are cached, because the same token is sent with every request of an
integration for up to an hour; expiry is still checked on every use.
"""

from __future__ import annotations

import functools
import secrets
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from jwt.algorithms import RSAAlgorithm

_CACHE_SIZE = 20_000
#: Our tokens are about 1 KB; anything far larger is not one of ours.
_MAX_TOKEN_LENGTH = 8192
#: An unknown key id makes us re-read the keys from the database, at most this often.
_RELOAD_INTERVAL = 10.0


@dataclass(frozen=True)
class Claims:
    """The parts of a verified token the server uses."""

    app_id: int
    client_id: str
    system_id: int
    region: str
    expires_at: int


def new_signing_key() -> tuple[str, str]:
    """A fresh (kid, private key PEM) pair."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return secrets.token_hex(8), pem


class KeyRing:
    """The signing keys, newest first; the newest signs, all verify."""

    def __init__(
        self, keys: Sequence[tuple[str, str]], reload: Callable[[], Sequence[tuple[str, str]]]
    ) -> None:
        self._reload = reload
        self._cache: dict[str, Claims] = {}
        self._reloaded_at = time.monotonic()
        self._load(keys)

    def _load(self, keys: Sequence[tuple[str, str]]) -> None:
        if not keys:
            raise ValueError("no signing keys: run `opengauge db upgrade` first")
        self._private = {kid: _private_key(pem) for kid, pem in keys}
        self._public = {kid: key.public_key() for kid, key in self._private.items()}
        self._signing_kid = keys[0][0]

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(
            claims,
            self._private[self._signing_kid],  # type: ignore[arg-type]
            algorithm="RS256",
            headers={"kid": self._signing_kid},
        )

    def issue(
        self,
        *,
        issuer: str,
        app_id: int,
        client_id: str,
        system_id: int,
        region: str,
        now: int,
        ttl: int,
    ) -> str:
        return self.sign(
            {
                "iss": issuer,
                "sub": client_id,
                "client_id": client_id,
                "token_use": "access",
                "iat": now,
                "exp": now + ttl,
                "jti": str(uuid.uuid4()),
                "system_id": system_id,
                "app_id": app_id,
                "region": region,
            }
        )

    def verify(self, token: str, now: float) -> Claims | None:
        """The token's claims if its signature is ours and it has not expired.

        Only good tokens are remembered, so made-up ones cost the sender, not our memory.
        """
        claims = self._cache.get(token)
        if claims is None:
            if len(token) > _MAX_TOKEN_LENGTH:
                return None
            claims = self._decode(token)
            if claims is None:
                return None
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.clear()
            self._cache[token] = claims
        if claims.expires_at <= now:
            return None
        return claims

    def _decode(self, token: str) -> Claims | None:
        try:
            kid = str(jwt.get_unverified_header(token).get("kid"))
            if kid not in self._public and time.monotonic() - self._reloaded_at > _RELOAD_INTERVAL:
                # Another process may have added a key since we started.
                self._reloaded_at = time.monotonic()
                self._load(self._reload())
            key = self._public.get(kid)
            if key is None:
                return None
            payload = jwt.decode(
                token,
                key,  # type: ignore[arg-type]
                algorithms=["RS256"],
                options={"verify_exp": False, "verify_iat": False, "require": ["exp"]},
            )
            if payload.get("token_use") != "access":
                return None
            return Claims(
                app_id=int(payload["app_id"]),
                client_id=str(payload["client_id"]),
                system_id=int(payload["system_id"]),
                region=str(payload["region"]),
                expires_at=int(payload["exp"]),
            )
        except (jwt.PyJWTError, KeyError, TypeError, ValueError):
            return None

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid, public in self._public.items():
            assert isinstance(public, rsa.RSAPublicKey)
            jwk = RSAAlgorithm.to_jwk(public, as_dict=True)
            jwk.update({"kid": kid, "alg": "RS256", "use": "sig"})
            keys.append(jwk)
        return {"keys": keys}


@functools.lru_cache(maxsize=64)
def _private_key(pem: str) -> PrivateKeyTypes:
    """A parsed signing key. Parsing checks the RSA key (~50 ms); embedded sandboxes start
    an app per test with the same keys, so each PEM is parsed once per process."""
    return serialization.load_pem_private_key(pem.encode(), password=None)
