"""What a system's survey pages show of it: display name, brand colour, privacy link, logo,
and each touchpoint's question."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from opengauge.server.storage.transaction import Row, Tx

#: The columns of ``systems`` that :func:`update` may set.
SETTINGS = frozenset({"display_name", "brand_colour", "privacy_url"})


@dataclass(frozen=True)
class Branding:
    """A system's branding as stored (None: not set, the default applies)."""

    display_name: str | None
    brand_colour: str | None
    privacy_url: str | None
    #: The SHA-256 of the logo, None without one.
    logo_digest: str | None


NO_BRANDING = Branding(None, None, None, None)
#: The branding columns, for queries that join ``systems s`` and ``system_logos l``.
COLUMNS = "s.display_name, s.brand_colour, s.privacy_url, l.digest"
#: The join that goes with :data:`COLUMNS`, after ``systems s``.
LOGO_JOIN = " LEFT JOIN system_logos l ON l.system_id = s.id"


def from_row(row: Row) -> Branding:
    """The :class:`Branding` of the four :data:`COLUMNS` in ``row``."""
    return Branding(*(None if value is None else str(value) for value in row))


@dataclass(frozen=True)
class Logo:
    content_type: str
    data: bytes
    digest: str
    updated_at: str


def of_system(tx: Tx, system_id: int) -> Branding:
    row = tx.one(
        f"SELECT {COLUMNS} FROM systems s{LOGO_JOIN} WHERE s.id = ?",  # noqa: S608
        (system_id,),
    )
    return NO_BRANDING if row is None else from_row(row)


def update(tx: Tx, system_id: int, values: Mapping[str, str | None]) -> None:
    """Set the given settings (keys of :data:`SETTINGS`; None clears one), leave the rest."""
    names = sorted(values)
    if not names:
        return
    unknown = set(names) - SETTINGS
    if unknown:
        raise ValueError(f"not branding settings: {sorted(unknown)}")
    assignments = ", ".join(f"{name} = ?" for name in names)
    tx.write(
        f"UPDATE systems SET {assignments} WHERE id = ?",  # noqa: S608 - names from SETTINGS
        (*(values[name] for name in names), system_id),
    )


def logo(tx: Tx, system_id: int) -> Logo | None:
    row = tx.one(
        "SELECT content_type, data, digest, updated_at FROM system_logos WHERE system_id = ?",
        (system_id,),
    )
    if row is None:
        return None
    return Logo(str(row[0]), bytes(row[1]), str(row[2]), str(row[3]))


@dataclass(frozen=True)
class LogoFacts:
    """A logo without its data."""

    content_type: str
    digest: str
    size: int


def logo_facts(tx: Tx, system_id: int) -> LogoFacts | None:
    """The system's logo's type, digest and size (the data stays unread), None without one."""
    row = tx.one(
        "SELECT content_type, digest, LENGTH(data) FROM system_logos WHERE system_id = ?",
        (system_id,),
    )
    return None if row is None else LogoFacts(str(row[0]), str(row[1]), int(row[2]))


def put_logo(tx: Tx, system_id: int, content_type: str, data: bytes, digest: str, now: str) -> None:
    """Store the system's logo, replacing any it had."""
    tx.write(
        "INSERT INTO system_logos (system_id, content_type, data, digest, updated_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (system_id) DO UPDATE SET"
        " content_type = excluded.content_type, data = excluded.data,"
        " digest = excluded.digest, updated_at = excluded.updated_at",
        (system_id, content_type, data, digest, now),
    )


def delete_logo(tx: Tx, system_id: int) -> bool:
    """Remove the system's logo; False when it had none."""
    return tx.write("DELETE FROM system_logos WHERE system_id = ?", (system_id,)) > 0


def questions(tx: Tx, system_id: int) -> list[tuple[str, str | None]]:
    """Each touchpoint's name and question (None: the standard one), in creation order."""
    rows = tx.all(
        "SELECT name, question FROM touchpoints WHERE system_id = ? ORDER BY id", (system_id,)
    )
    return [(str(name), None if question is None else str(question)) for name, question in rows]


def set_question(tx: Tx, system_id: int, touchpoint: str, question: str | None) -> bool:
    """Set a touchpoint's question (None: the standard one); False when there is no such
    touchpoint."""
    changed = tx.write(
        "UPDATE touchpoints SET question = ? WHERE system_id = ? AND name = ?",
        (question, system_id, touchpoint),
    )
    return changed > 0
