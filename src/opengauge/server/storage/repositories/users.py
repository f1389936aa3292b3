"""Console users, their sessions and their one-time set-password links."""

from __future__ import annotations

from dataclasses import dataclass

from opengauge.server.storage.transaction import Row, Tx

ROLES = ("administrator", "viewer")

_COLUMNS = "u.id, u.system_id, s.name, u.email, u.name, u.role, u.password_hash, u.active"
_FROM = " FROM console_users u JOIN systems s ON s.id = u.system_id"


@dataclass(frozen=True)
class User:
    id: int
    system_id: int
    system: str
    email: str
    name: str
    role: str
    password_hash: str
    active: bool

    @property
    def is_administrator(self) -> bool:
        return self.role == "administrator"


def _user(row: Row) -> User:
    return User(
        int(row[0]),
        int(row[1]),
        str(row[2]),
        str(row[3]),
        str(row[4]),
        str(row[5]),
        str(row[6]),
        bool(row[7]),
    )


def find(tx: Tx, system_id: int, email: str) -> User | None:
    row = tx.one(
        f"SELECT {_COLUMNS}{_FROM} WHERE u.system_id = ? AND u.email = ?",
        (system_id, email.lower()),
    )
    return None if row is None else _user(row)


def get(tx: Tx, system_id: int, user_id: int) -> User | None:
    row = tx.one(
        f"SELECT {_COLUMNS}{_FROM} WHERE u.system_id = ? AND u.id = ?",
        (system_id, user_id),
    )
    return None if row is None else _user(row)


def with_email(tx: Tx, email: str) -> list[User]:
    """The users of every system with this e-mail, oldest first."""
    rows = tx.all(f"SELECT {_COLUMNS}{_FROM} WHERE u.email = ? ORDER BY u.id", (email.lower(),))
    return [_user(row) for row in rows]


def of_system(tx: Tx, system_id: int) -> list[User]:
    rows = tx.all(
        f"SELECT {_COLUMNS}{_FROM} WHERE u.system_id = ? ORDER BY u.email",
        (system_id,),
    )
    return [_user(row) for row in rows]


def put(
    tx: Tx,
    system_id: int,
    email: str,
    name: str,
    role: str,
    password_hash: str,
    now: str,
    *,
    active: bool = True,
) -> int:
    """Create the user, or update the one with this e-mail; its id."""
    found = find(tx, system_id, email)
    if found is not None:
        tx.write(
            "UPDATE console_users SET name = ?, role = ?, password_hash = ?, active = ?"
            " WHERE id = ?",
            (name, role, password_hash, active, found.id),
        )
        if not active:
            end_sessions(tx, found.id)
        return found.id
    return tx.insert(
        "INSERT INTO console_users (system_id, email, name, role, password_hash, active,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (system_id, email.lower(), name, role, password_hash, active, now),
    )


def set_active(tx: Tx, user_id: int, active: bool) -> None:
    tx.write("UPDATE console_users SET active = ? WHERE id = ?", (active, user_id))
    if not active:
        end_sessions(tx, user_id)


def set_role(tx: Tx, user_id: int, role: str) -> None:
    tx.write("UPDATE console_users SET role = ? WHERE id = ?", (role, user_id))


def set_password(tx: Tx, user_id: int, password_hash: str) -> None:
    tx.write("UPDATE console_users SET password_hash = ? WHERE id = ?", (password_hash, user_id))


def count_administrators(tx: Tx, system_id: int) -> int:
    return int(
        tx.scalar(
            "SELECT COUNT(*) FROM console_users WHERE system_id = ? AND role = ? AND active = ?",
            (system_id, "administrator", True),
        )
    )


# -- sessions -------------------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    user: User
    csrf_token: str
    last_seen_at: str


def start_session(tx: Tx, token_hash: str, user_id: int, csrf_token: str, now: str) -> None:
    tx.write(
        "INSERT INTO console_sessions (token_hash, user_id, csrf_token, created_at, last_seen_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (token_hash, user_id, csrf_token, now, now),
    )


def session(tx: Tx, token_hash: str) -> Session | None:
    """The session and its user, whatever their state (the caller checks both)."""
    row = tx.one(
        f"SELECT {_COLUMNS}, c.csrf_token, c.last_seen_at{_FROM}"
        " JOIN console_sessions c ON c.user_id = u.id WHERE c.token_hash = ?",
        (token_hash,),
    )
    return None if row is None else Session(_user(row), str(row[8]), str(row[9]))


def touch_session(tx: Tx, token_hash: str, now: str) -> None:
    tx.write("UPDATE console_sessions SET last_seen_at = ? WHERE token_hash = ?", (now, token_hash))


def end_session(tx: Tx, token_hash: str) -> None:
    tx.write("DELETE FROM console_sessions WHERE token_hash = ?", (token_hash,))


def end_sessions(tx: Tx, user_id: int, *, keep: str = "") -> None:
    """End every session of the user (but ``keep``, the one changing its password)."""
    tx.write("DELETE FROM console_sessions WHERE user_id = ? AND token_hash <> ?", (user_id, keep))


def end_idle_sessions(tx: Tx, seen_before: str) -> int:
    return tx.write("DELETE FROM console_sessions WHERE last_seen_at < ?", (seen_before,))


# -- invitations ----------------------------------------------------------------------


def invite(tx: Tx, token_hash: str, user_id: int, expires_at: str) -> None:
    tx.write("DELETE FROM console_invitations WHERE user_id = ?", (user_id,))
    tx.write(
        "INSERT INTO console_invitations (token_hash, user_id, expires_at) VALUES (?, ?, ?)",
        (token_hash, user_id, expires_at),
    )


def invited(tx: Tx, token_hash: str, now: str) -> User | None:
    """The user a set-password link is for, while the link has not expired."""
    row = tx.one(
        f"SELECT {_COLUMNS}{_FROM}"
        " JOIN console_invitations i ON i.user_id = u.id"
        " WHERE i.token_hash = ? AND i.expires_at > ?",
        (token_hash, now),
    )
    return None if row is None else _user(row)


def end_invitations(tx: Tx, user_id: int) -> None:
    tx.write("DELETE FROM console_invitations WHERE user_id = ?", (user_id,))
