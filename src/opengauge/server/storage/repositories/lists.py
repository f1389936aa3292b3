"""The suppression lists: unsubscribed and bounced e-mail addresses."""

from __future__ import annotations

from opengauge.server.storage.transaction import Tx


def is_unsubscribed(tx: Tx, system_id: int, email: str) -> bool:
    return (
        tx.scalar(
            "SELECT 1 FROM unsubscribes WHERE system_id = ? AND email = ?",
            (system_id, email.lower()),
        )
        is not None
    )


def add_unsubscribe(tx: Tx, system_id: int, email: str, added_by: str, now: str) -> bool:
    """Put ``email`` on the system's unsubscribe list; False when it was already there."""
    changed = tx.write(
        "INSERT INTO unsubscribes (system_id, email, added_by, created_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (system_id, email) DO NOTHING",
        (system_id, email.lower(), added_by, now),
    )
    return changed > 0


def is_bounced(tx: Tx, system_id: int, email: str) -> bool:
    return (
        tx.scalar(
            "SELECT 1 FROM bounces WHERE system_id = ? AND email = ?", (system_id, email.lower())
        )
        is not None
    )


def add_bounce(tx: Tx, system_id: int, email: str, kind: str, reason: str | None, now: str) -> bool:
    """Record a bounce; False when the address was already listed."""
    return (
        tx.write(
            "INSERT INTO bounces (system_id, email, type, reason, created_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (system_id, email) DO NOTHING",
            (system_id, email.lower(), kind, reason, now),
        )
        > 0
    )


def unsubscribes(
    tx: Tx, system_id: int, start: int, limit: int, since: str | None, until: str | None
) -> list[tuple[str, str, str]]:
    """(email, date, added by) of unsubscribed addresses, oldest first."""
    where, params = _window(system_id, since, until)
    rows = tx.all(
        f"SELECT email, created_at, added_by FROM unsubscribes WHERE {where}"  # noqa: S608
        " ORDER BY created_at, id LIMIT ? OFFSET ?",
        (*params, limit, start),
    )
    return [(str(r[0]), str(r[1]), str(r[2])) for r in rows]


def bounces(
    tx: Tx, system_id: int, start: int, limit: int, since: str | None, until: str | None
) -> list[tuple[str, str, str | None, str]]:
    """(email, type, reason, date) of bounced addresses, oldest first."""
    where, params = _window(system_id, since, until)
    rows = tx.all(
        f"SELECT email, type, reason, created_at FROM bounces WHERE {where}"  # noqa: S608
        " ORDER BY created_at, id LIMIT ? OFFSET ?",
        (*params, limit, start),
    )
    return [(str(r[0]), str(r[1]), r[2], str(r[3])) for r in rows]


def _window(system_id: int, since: str | None, until: str | None) -> tuple[str, tuple[object, ...]]:
    if since is None or until is None:
        return "system_id = ?", (system_id,)
    return "system_id = ? AND created_at >= ? AND created_at <= ?", (system_id, since, until)


def find_unsubscribes(
    tx: Tx, system_id: int, prefix: str, before_id: int | None, limit: int
) -> list[tuple[int, str, str, str]]:
    """(id, email, date, added by), newest first, e-mails starting with ``prefix``; a page
    ends before ``before_id`` (keyset paging on the (system_id, email) index or the id)."""
    return _find(tx, "unsubscribes", "added_by", system_id, prefix, before_id, limit)


def find_bounces(
    tx: Tx, system_id: int, prefix: str, before_id: int | None, limit: int
) -> list[tuple[int, str, str, str]]:
    """(id, email, date, type) of bounced addresses, as :func:`find_unsubscribes`."""
    return _find(tx, "bounces", "type", system_id, prefix, before_id, limit)


def _find(
    tx: Tx,
    table: str,
    extra: str,
    system_id: int,
    prefix: str,
    before_id: int | None,
    limit: int,
) -> list[tuple[int, str, str, str]]:
    where = "system_id = ?"
    params: list[object] = [system_id]
    if prefix:
        # Stored e-mails are lower case; LIKE with an escape, so % and _ match themselves.
        escaped = prefix.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where += " AND email LIKE ? ESCAPE '\\'"
        params.append(escaped + "%")
    if before_id is not None:
        where += " AND id < ?"
        params.append(before_id)
    rows = tx.all(
        f"SELECT id, email, created_at, {extra} FROM {table} WHERE {where}"  # noqa: S608
        " ORDER BY id DESC LIMIT ?",
        (*params, limit),
    )
    return [(int(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows]
