"""Console users: creating, listing and disabling them, checking a password, and sessions.

The console, ``opengauge users``, the seed file and ``PATCH /v5/user-manager/users/disable``
all go through these operations, so a rule about users holds in one place. Passwords are
hashed (argon2id, tens of milliseconds) before an operation runs, never inside one.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from opengauge.server.clock import Clock
from opengauge.server.errors import Conflict, ResourceNotFound, UserNotFound
from opengauge.server.storage import Tx
from opengauge.server.storage.repositories import systems, users
from opengauge.server.storage.repositories.users import Session, User

Operation = Callable[[Tx], Any]


def token_hash(token: str) -> str:
    """Cookies and set-password links are stored only as their SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


def _system_id(tx: Tx, system: str) -> int:
    found = systems.find_by_name(tx, system) if "\x00" not in system else None
    if found is None:
        raise ResourceNotFound(f"System [{system}] not found.")
    return found[0]


def create_user(
    system: str, email: str, name: str, role: str, password_hash: str, now: str
) -> Operation:
    """Create a user (``password_hash`` empty: they set one through an invitation)."""
    email = email.strip()  # as :func:`~opengauge.server.users.schemas.user_problems` checks it

    def operation(tx: Tx) -> User:
        system_id = _system_id(tx, system)
        if users.find(tx, system_id, email) is not None:
            raise Conflict(f"The user [{email.lower()}] exists already.")
        user_id = users.put(tx, system_id, email, name.strip(), role, password_hash, now)
        user = users.get(tx, system_id, user_id)
        assert user is not None
        return user

    return operation


def list_users(system: str) -> Operation:
    return lambda tx: users.of_system(tx, _system_id(tx, system))


def disable_user(system_id: int, email: str) -> Operation:
    """Disable the system's user with this e-mail and end their sessions; else the 404."""

    def operation(tx: Tx) -> User:
        user = users.find(tx, system_id, email) if "\x00" not in email else None
        if user is None:
            raise UserNotFound()
        users.set_active(tx, user.id, False)
        return user

    return operation


def user_by_id(system_id: int, user_id: int) -> Operation:
    return lambda tx: users.get(tx, system_id, user_id)


def disable_user_of(system: str, email: str) -> Operation:
    """:func:`disable_user` for a system given by name (the CLI)."""
    return lambda tx: disable_user(_system_id(tx, system), email)(tx)


def users_with_email(email: str) -> Operation:
    """Every system's active user with this e-mail (a sign-in checks their passwords)."""
    return lambda tx: [u for u in users.with_email(tx, email) if u.active and u.password_hash]


# -- sessions -------------------------------------------------------------------------


def start_session(user: User, clock: Clock) -> tuple[str, Operation]:
    """A new session token for the cookie, and the operation that stores it."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = clock.timestamp()

    def operation(tx: Tx) -> None:
        still = users.get(tx, user.system_id, user.id)
        if still is None or not still.active:
            raise ResourceNotFound("The user is disabled.")
        users.start_session(tx, token_hash(token), user.id, csrf, now)

    return token, operation


def find_session(token: str, idle: timedelta, clock: Clock) -> Operation:
    """The live session of a cookie: its user active, seen within ``idle``; else None."""
    oldest = _timestamp(clock, -idle)

    def operation(tx: Tx) -> Session | None:
        found = users.session(tx, token_hash(token))
        if found is None or not found.user.active or found.last_seen_at < oldest:
            return None
        return found

    return operation


#: A session's last sight is written at most this often, not on every page.
TOUCH_EVERY = timedelta(minutes=1)


def needs_touch(session: Session, clock: Clock) -> bool:
    return session.last_seen_at < _timestamp(clock, -TOUCH_EVERY)


def touch_session(token: str, clock: Clock) -> Operation:
    now = clock.timestamp()
    return lambda tx: users.touch_session(tx, token_hash(token), now)


def end_session(token: str) -> Operation:
    return lambda tx: users.end_session(tx, token_hash(token))


def end_idle_sessions(idle: timedelta, clock: Clock) -> Operation:
    oldest = _timestamp(clock, -idle)
    return lambda tx: users.end_idle_sessions(tx, oldest)


def change_password(user: User, password_hash: str, keep_token: str) -> Operation:
    """Set the user's password; every other session of theirs ends."""

    def operation(tx: Tx) -> None:
        users.set_password(tx, user.id, password_hash)
        users.end_sessions(tx, user.id, keep=token_hash(keep_token))

    return operation


# -- invitations ----------------------------------------------------------------------

INVITATION_LIFETIME = timedelta(days=7)


def invite(user: User, clock: Clock) -> tuple[str, Operation]:
    """A one-time set-password link token for ``user`` and the operation storing it."""
    token = secrets.token_urlsafe(32)
    expires = _timestamp(clock, INVITATION_LIFETIME)
    return token, lambda tx: users.invite(tx, token_hash(token), user.id, expires)


def invited(token: str, clock: Clock) -> Operation:
    now = clock.timestamp()
    return lambda tx: users.invited(tx, token_hash(token), now)


def accept_invitation(token: str, password_hash: str, clock: Clock) -> Operation:
    """Set the invited user's password and use the link up; the user, or None if expired."""
    now = clock.timestamp()

    def operation(tx: Tx) -> User | None:
        user = users.invited(tx, token_hash(token), now)
        if user is None:
            return None
        users.set_password(tx, user.id, password_hash)
        users.end_invitations(tx, user.id)
        return user

    return operation


def _timestamp(clock: Clock, shift: timedelta) -> str:
    return (clock.now() + shift).strftime("%Y-%m-%d %H:%M:%S")
