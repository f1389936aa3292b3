"""A system's division tree and what points into it: survey records, apps, campaign filters."""

from __future__ import annotations

import json

from opengauge.server.domain.hierarchy import Division, rename_in_filters
from opengauge.server.storage.transaction import Tx


def lock(tx: Tx, system_id: int) -> None:
    """Serialise tree changes of one system across server processes.

    SQLite needs nothing (one writer holds the database). On PostgreSQL two concurrent moves
    could each pass the cycle check and together make a loop, so every change first locks the
    system's row for the rest of the transaction.
    """
    if tx.is_postgres:
        tx.one("SELECT id FROM systems WHERE id = ? FOR UPDATE", (system_id,))


def divisions(tx: Tx, system_id: int) -> list[Division]:
    """Every division of the system."""
    rows = tx.all(
        "SELECT id, name, parent_id FROM divisions WHERE system_id = ? ORDER BY id", (system_id,)
    )
    return [Division(int(r[0]), str(r[1]), None if r[2] is None else int(r[2])) for r in rows]


def add(tx: Tx, system_id: int, name: str, parent_id: int) -> int:
    """Create a division under ``parent_id``; its id."""
    row = tx.write_returning(
        "INSERT INTO divisions (system_id, name, parent_id) VALUES (?, ?, ?) RETURNING id",
        (system_id, name, parent_id),
    )
    assert row is not None
    return int(row[0])


def rename(tx: Tx, system_id: int, division_id: int, old: str, new: str) -> None:
    """Give a division a new name, in the tree and in campaign filters."""
    tx.write(
        "UPDATE divisions SET name = ? WHERE system_id = ? AND id = ?",
        (new, system_id, division_id),
    )
    _rename_in_campaigns(tx, system_id, old, new)


def move(tx: Tx, system_id: int, division_id: int, parent_id: int) -> None:
    """Hang a division (and so its whole subtree) under ``parent_id``."""
    tx.write(
        "UPDATE divisions SET parent_id = ? WHERE system_id = ? AND id = ?",
        (parent_id, system_id, division_id),
    )


def delete(tx: Tx, system_id: int, division: Division, replacement: Division) -> None:
    """Delete a leaf division after pointing records, apps and campaigns at ``replacement``."""
    # record_drivers keeps a copy of its record's division, for reporting.
    for table in ("survey_records", "record_drivers", "connected_apps"):
        tx.write(
            f"UPDATE {table} SET division_id = ? WHERE system_id = ? AND division_id = ?",  # noqa: S608
            (replacement.id, system_id, division.id),
        )
    _rename_in_campaigns(tx, system_id, division.name, replacement.name)
    tx.write("DELETE FROM divisions WHERE system_id = ? AND id = ?", (system_id, division.id))


def _rename_in_campaigns(tx: Tx, system_id: int, old: str, new: str) -> None:
    rows = tx.all("SELECT id, filters FROM campaigns WHERE system_id = ?", (system_id,))
    for campaign_id, raw in rows:
        filters = rename_in_filters(json.loads(raw or "[]"), old, new)
        if filters is not None:
            tx.write(
                "UPDATE campaigns SET filters = ? WHERE id = ?",
                (json.dumps(filters), campaign_id),
            )
