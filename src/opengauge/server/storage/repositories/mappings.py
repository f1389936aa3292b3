"""Inbound mappings."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from opengauge.server.domain.mapping import Mapping
from opengauge.server.storage.transaction import Tx

_decode_fields = msgspec.json.Decoder(list[tuple[str, str]]).decode
# Parsed field lists by their stored JSON: mappings are read on every import.
_parsed: dict[str, tuple[tuple[str, str], ...]] = {}


def get(tx: Tx, system_id: int, reference: str) -> Mapping | None:
    key = ("mapping", system_id, reference)
    if key in tx.cache:
        cached: Mapping | None = tx.cache[key]
        return cached
    mapping = tx.cache[key] = _load(tx, system_id, reference)
    return mapping


def _load(tx: Tx, system_id: int, reference: str) -> Mapping | None:
    row = tx.lookup(
        "SELECT id, name, data_type, fields FROM mappings WHERE system_id = ? AND reference = ?",
        (system_id, reference),
    )
    if row is None:
        return None
    raw = row[3]
    fields = _parsed.get(raw)
    if fields is None:
        if len(_parsed) > 4096:
            _parsed.clear()
        fields = _parsed[raw] = tuple(_decode_fields(raw))
    return Mapping(int(row[0]), reference, str(row[1]), str(row[2]), fields)


def upsert(
    tx: Tx,
    system_id: int,
    reference: str,
    name: str,
    data_type: str,
    fields: Sequence[tuple[str, str]],
    now: str,
) -> None:
    encoded = msgspec.json.encode([list(pair) for pair in fields]).decode()
    changed = tx.write(
        "UPDATE mappings SET name = ?, data_type = ?, fields = ?"
        " WHERE system_id = ? AND reference = ?",
        (name, data_type, encoded, system_id, reference),
    )
    if not changed:
        tx.write(
            "INSERT INTO mappings (system_id, reference, name, data_type, fields, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (system_id, reference, name, data_type, encoded, now),
        )


def exists(tx: Tx, system_id: int, reference: str) -> bool:
    return (
        tx.scalar(
            "SELECT 1 FROM mappings WHERE system_id = ? AND reference = ?", (system_id, reference)
        )
        is not None
    )
