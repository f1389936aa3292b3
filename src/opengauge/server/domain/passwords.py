"""Console passwords: argon2id hashes (``argon2-cffi``) and the rules a new password meets."""

from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

#: OWASP's argon2id baseline (19 MiB, two passes, one lane): about 25 ms per check here. The
#: library's default (64 MiB, three passes, four lanes) took over 200 ms on a 2-core server,
#: which let a few sign-in attempts a second fill its CPU. Hashes record their parameters, so
#: stronger settings later still verify every stored hash.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

MIN_LENGTH = 8
MAX_LENGTH = 256


@functools.cache
def _nobody() -> str:
    """Checked when an e-mail has no user, so a sign-in takes as long whether or not it
    exists; made on first use, not when every process that reads a seed imports this."""
    return _HASHER.hash("no user has this password")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password: str, stored: str | None) -> bool:
    """Whether ``password`` matches ``stored``; with no hash, as slow as a real check."""
    try:
        return _HASHER.verify(stored or _nobody(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """Why ``password`` cannot be a console password, or None."""
    if len(password) < MIN_LENGTH:
        return f"The password must be at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"The password may not be greater than {MAX_LENGTH} characters."
    return None
