"""Hashing of client secrets and API keys, and generation of new ones."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

# scrypt with these costs takes a few tens of milliseconds: cheap for a token request,
# expensive for someone guessing secrets from a stolen database.
_N, _R, _P = 2**14, 8, 1


def hash_secret(secret: str, *, n: int = _N) -> str:
    """A salted scrypt hash of a client secret, as ``scrypt$N$r$p$salt$hash``."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=n, r=_R, p=_P, dklen=32)
    return "$".join(("scrypt", str(n), str(_R), str(_P), _b64(salt), _b64(digest)))


def verify_secret(secret: str, stored: str) -> bool:
    """Whether ``secret`` matches a hash made by :func:`hash_secret` (constant time)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        candidate = hashlib.scrypt(
            secret.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(candidate, _unb64(digest))


def hash_api_key(key: str) -> str:
    """API keys are long random strings, so a plain SHA-256 lets us look them up directly."""
    return hashlib.sha256(key.encode()).hexdigest()


def new_api_key() -> str:
    return secrets.token_hex(20)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
