"""What the control plane reads and deletes: whole systems and their configuration."""

from __future__ import annotations

from dataclasses import dataclass

from opengauge.server.storage.transaction import Tx

#: Every table holding a system's data, children before the tables they refer to.
TENANT_TABLES = (
    "record_drivers",
    "workflow_events",
    "workflows",
    "outbox",
    "revenue_months",
    "revenue_lines",
    "revenue_uploads",
    "survey_records",
    "activities",
    "contracts",
    "account_aliases",
    "contacts",
    "accounts",
    "unsubscribes",
    "bounces",
    "campaigns",
    "drivers",
    "system_logos",
    "mappings",
    "segments",
    "touchpoints",
    "connected_apps",
    "divisions",
)


@dataclass(frozen=True)
class SystemRow:
    id: int
    name: str
    region: str
    created_at: str


@dataclass(frozen=True)
class AppRow:
    name: str
    client_id: str
    division: str
    active: bool


@dataclass(frozen=True)
class BounceRow:
    email: str
    type: str
    reason: str | None
    created_at: str


def wipe(tx: Tx) -> None:
    """Delete every system and everything in it (signing keys stay)."""
    for table in TENANT_TABLES:
        tx.write(f"DELETE FROM {table}")  # noqa: S608 - table names are constants
    tx.write("DELETE FROM systems")


def delete_system(tx: Tx, system_id: int) -> None:
    for table in TENANT_TABLES:
        tx.write(f"DELETE FROM {table} WHERE system_id = ?", (system_id,))  # noqa: S608
    tx.write("DELETE FROM systems WHERE id = ?", (system_id,))


def systems(tx: Tx) -> list[SystemRow]:
    rows = tx.all("SELECT id, name, region, created_at FROM systems ORDER BY id")
    return [SystemRow(int(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows]


def system_names(tx: Tx, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    rows = tx.all(f"SELECT id, name FROM systems WHERE id IN ({marks})", tuple(ids))  # noqa: S608
    return {int(r[0]): str(r[1]) for r in rows}


def divisions(tx: Tx, system_id: int) -> list[tuple[str, str | None]]:
    """(division, parent) in creation order; Global has no parent."""
    rows = tx.all(
        "SELECT d.name, p.name FROM divisions d LEFT JOIN divisions p ON p.id = d.parent_id"
        " WHERE d.system_id = ? ORDER BY d.id",
        (system_id,),
    )
    return [(str(r[0]), None if r[1] is None else str(r[1])) for r in rows]


def apps(tx: Tx, system_id: int) -> list[AppRow]:
    rows = tx.all(
        "SELECT a.name, a.client_id, d.name, a.active FROM connected_apps a"
        " JOIN divisions d ON d.id = a.division_id WHERE a.system_id = ? ORDER BY a.id",
        (system_id,),
    )
    return [AppRow(str(r[0]), str(r[1]), str(r[2]), bool(r[3])) for r in rows]


def delete_app(tx: Tx, system_id: int, client_id: str) -> bool:
    return (
        tx.write(
            "DELETE FROM connected_apps WHERE system_id = ? AND client_id = ?",
            (system_id, client_id),
        )
        > 0
    )


def mapping_references(tx: Tx, system_id: int) -> list[str]:
    rows = tx.all("SELECT reference FROM mappings WHERE system_id = ? ORDER BY id", (system_id,))
    return [str(r[0]) for r in rows]


def delete_mapping(tx: Tx, system_id: int, reference: str) -> bool:
    """Delete a mapping; records imported through it keep their data."""
    return (
        tx.write(
            "DELETE FROM mappings WHERE system_id = ? AND reference = ?", (system_id, reference)
        )
        > 0
    )


def touchpoints(tx: Tx, system_id: int) -> list[str]:
    rows = tx.all("SELECT name FROM touchpoints WHERE system_id = ? ORDER BY id", (system_id,))
    return [str(r[0]) for r in rows]


def touchpoint_in_use(tx: Tx, system_id: int, name: str) -> bool:
    return (
        tx.scalar(
            "SELECT 1 FROM survey_records r JOIN touchpoints t ON t.id = r.touchpoint_id"
            " WHERE t.system_id = ? AND t.name = ? LIMIT 1",
            (system_id, name),
        )
        is not None
    )


def delete_touchpoint(tx: Tx, system_id: int, name: str) -> bool:
    return (
        tx.write("DELETE FROM touchpoints WHERE system_id = ? AND name = ?", (system_id, name)) > 0
    )


def delete_campaign(tx: Tx, system_id: int, name: str) -> bool:
    """Delete a campaign; its personal-link records stay, without a campaign."""
    return tx.write("DELETE FROM campaigns WHERE system_id = ? AND name = ?", (system_id, name)) > 0


def bounces(tx: Tx, system_id: int) -> list[BounceRow]:
    rows = tx.all(
        "SELECT email, type, reason, created_at FROM bounces WHERE system_id = ? ORDER BY id",
        (system_id,),
    )
    return [BounceRow(str(r[0]), str(r[1]), r[2], str(r[3])) for r in rows]


def delete_bounce(tx: Tx, system_id: int, email: str) -> bool:
    return (
        tx.write(
            "DELETE FROM bounces WHERE system_id = ? AND email = ?", (system_id, email.lower())
        )
        > 0
    )
