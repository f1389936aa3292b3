"""Read-only listings of stored rows, for people looking at their data (``opengauge db show``)."""

from __future__ import annotations

from typing import Any

from opengauge.server.storage.transaction import Tx

# Table -> (SQL table, columns shown). Fixed lists: nothing here comes from user input.
_VIEWS: dict[str, tuple[str, tuple[str, ...]]] = {
    "accounts": (
        "accounts",
        ("id", "name", "number", "manager", "region", "parent_id", "updated_at"),
    ),
    "contacts": (
        "contacts",
        ("id", "email", "phone", "first_name", "last_name", "number", "account_id", "updated_at"),
    ),
    "contracts": ("contracts", ("id", "reference", "account_id", "start", '"end"', "description")),
    "activities": (
        "activities",
        ("id", "reference", "account_id", "contact_id", "type", "source", "happened_at"),
    ),
    "revenue": ("revenue_lines", ("id", "account_id", "amount", "start", '"end"', "type")),
    "outbox": (
        "outbox",
        ("id", "survey_record_id", "recipient", "status", "attempts", "last_error", "sent_at"),
    ),
    "survey-records": (
        "survey_records",
        ("id", "contact_id", "account_id", "delivery_vector", "status", "nps", "date_creation"),
    ),
}


def latest_rows(
    tx: Tx, view: str, system_name: str | None, limit: int
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The newest ``limit`` rows of a view, oldest first, with the system name in front."""
    table, columns = _VIEWS[view]
    selected = ", ".join(f"t.{c}" for c in columns)
    where = "WHERE s.name = ?" if system_name else ""
    params: tuple[Any, ...] = (system_name, limit) if system_name else (limit,)
    rows = tx.all(
        f"SELECT s.name, {selected} FROM {table} t JOIN systems s ON s.id = t.system_id "  # noqa: S608
        f"{where} ORDER BY t.id DESC LIMIT ?",
        params,
    )
    return ["system", *(c.strip('"') for c in columns)], list(reversed(rows))
