"""The suppression lists: unsubscribed and bounced e-mail addresses."""

from __future__ import annotations

from opengauge.server.storage.database import Tx


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
