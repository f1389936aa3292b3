"""Systems (tenants) and what hangs off them: divisions, touchpoints, segments, campaigns."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from opengauge.server.storage.transaction import Tx

GLOBAL_DIVISION = "Global"


def find_by_name(tx: Tx, name: str) -> tuple[int, str] | None:
    """(id, region) of the system called ``name``."""
    row = tx.one("SELECT id, region FROM systems WHERE name = ?", (name,))
    return None if row is None else (int(row[0]), str(row[1]))


def find_by_api_key_hash(tx: Tx, key_hash: str) -> tuple[int, str] | None:
    row = tx.one("SELECT id, region FROM systems WHERE api_key_hash = ?", (key_hash,))
    return None if row is None else (int(row[0]), str(row[1]))


def create(tx: Tx, name: str, region: str, api_key_hash: str, now: str) -> int:
    row = tx.write_returning(
        "INSERT INTO systems (name, region, api_key_hash, duplication_enabled,"
        " duplication_days, duplication_fields, created_at)"
        " VALUES (?, ?, ?, ?, 0, '[]', ?) RETURNING id",
        (name, region, api_key_hash, False, now),
    )
    assert row is not None
    return int(row[0])


def update(tx: Tx, system_id: int, region: str, api_key_hash: str | None) -> None:
    tx.write("UPDATE systems SET region = ? WHERE id = ?", (region, system_id))
    if api_key_hash is not None:
        tx.write("UPDATE systems SET api_key_hash = ? WHERE id = ?", (api_key_hash, system_id))


def set_duplication_rule(
    tx: Tx, system_id: int, enabled: bool, days: int, fields: Sequence[str]
) -> None:
    tx.write(
        "UPDATE systems SET duplication_enabled = ?, duplication_days = ?,"
        " duplication_fields = ? WHERE id = ?",
        (enabled, days, json.dumps(list(fields)), system_id),
    )


def list_names(tx: Tx) -> list[str]:
    return [str(row[0]) for row in tx.all("SELECT name FROM systems ORDER BY id")]


# -- divisions ----------------------------------------------------------------------------


def division_id(tx: Tx, system_id: int, name: str) -> int | None:
    value = tx.scalar(
        "SELECT id FROM divisions WHERE system_id = ? AND name = ?", (system_id, name)
    )
    return None if value is None else int(value)


def ensure_division(tx: Tx, system_id: int, name: str, parent_id: int | None) -> int:
    """The division's id, creating it (or moving it under ``parent_id``) as needed."""
    row = tx.one(
        "SELECT id, parent_id FROM divisions WHERE system_id = ? AND name = ?", (system_id, name)
    )
    if row is None:
        created = tx.write_returning(
            "INSERT INTO divisions (system_id, name, parent_id) VALUES (?, ?, ?) RETURNING id",
            (system_id, name, parent_id),
        )
        assert created is not None
        return int(created[0])
    if row[1] != parent_id:
        tx.write("UPDATE divisions SET parent_id = ? WHERE id = ?", (parent_id, row[0]))
    return int(row[0])


# -- touchpoints and segments -------------------------------------------------------------


def touchpoint_id(tx: Tx, system_id: int, name: str) -> int | None:
    value = tx.scalar(
        "SELECT id FROM touchpoints WHERE system_id = ? AND name = ?", (system_id, name)
    )
    return None if value is None else int(value)


def ensure_touchpoint(tx: Tx, system_id: int, name: str) -> None:
    if touchpoint_id(tx, system_id, name) is None:
        tx.write("INSERT INTO touchpoints (system_id, name) VALUES (?, ?)", (system_id, name))


def segment_names(tx: Tx, system_id: int) -> list[str]:
    rows = tx.all("SELECT name FROM segments WHERE system_id = ? ORDER BY id", (system_id,))
    return [str(row[0]) for row in rows]


def ensure_segment(tx: Tx, system_id: int, name: str) -> None:
    if name not in segment_names(tx, system_id):
        tx.write("INSERT INTO segments (system_id, name) VALUES (?, ?)", (system_id, name))


# -- campaigns ----------------------------------------------------------------------------


def upsert_campaign(
    tx: Tx,
    system_id: int,
    name: str,
    active: bool,
    filters: list[dict[str, Any]],
    duplication_days: int | None,
    now: str,
) -> None:
    encoded = json.dumps(filters)
    changed = tx.write(
        "UPDATE campaigns SET active = ?, filters = ?, duplication_days = ?"
        " WHERE system_id = ? AND name = ?",
        (active, encoded, duplication_days, system_id, name),
    )
    if not changed:
        tx.write(
            "INSERT INTO campaigns (system_id, name, active, filters, duplication_days,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (system_id, name, active, encoded, duplication_days, now),
        )


def campaigns(tx: Tx, system_id: int) -> list[tuple[int, str, bool, str, int | None]]:
    """(id, name, active, filters JSON, duplication days) in creation order."""
    rows = tx.all(
        "SELECT id, name, active, filters, duplication_days FROM campaigns"
        " WHERE system_id = ? ORDER BY id",
        (system_id,),
    )
    return [(int(r[0]), str(r[1]), bool(r[2]), str(r[3]), r[4]) for r in rows]


def duplication_rule(tx: Tx, system_id: int) -> tuple[bool, int, list[str]]:
    """(enabled, days, fields) of the system's duplication rule."""
    row = tx.one(
        "SELECT duplication_enabled, duplication_days, duplication_fields FROM systems"
        " WHERE id = ?",
        (system_id,),
    )
    assert row is not None
    return bool(row[0]), int(row[1]), list(json.loads(row[2] or "[]"))


def system_name(tx: Tx, system_id: int) -> str:
    return str(tx.scalar("SELECT name FROM systems WHERE id = ?", (system_id,)))


def set_api_key_hash(tx: Tx, name: str, key_hash: str, hint: str | None = None) -> bool:
    """Give the system called ``name`` a new API key; False when there is no such system."""
    return (
        tx.write(
            "UPDATE systems SET api_key_hash = ?, api_key_hint = ? WHERE name = ?",
            (key_hash, hint, name),
        )
        > 0
    )


def api_key_hint_of(key: str) -> str:
    """What the console shows of a key: its last four characters."""
    return key[-4:]


def api_key_hint(tx: Tx, system_id: int) -> str | None:
    value = tx.scalar("SELECT api_key_hint FROM systems WHERE id = ?", (system_id,))
    return None if value is None else str(value)


def set_api_key_hint(tx: Tx, system_id: int, hint: str) -> None:
    tx.write("UPDATE systems SET api_key_hint = ? WHERE id = ?", (hint, system_id))
