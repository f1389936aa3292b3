"""Connected apps (OAuth2 clients) and the signing keys of the tokens they get."""

from __future__ import annotations

from dataclasses import dataclass

from opengauge.server.storage.transaction import Tx


@dataclass(frozen=True)
class AppCredentials:
    """What the token endpoint needs to know about a client id."""

    id: int
    system_id: int
    region: str
    secret_hash: str
    active: bool


def find_credentials(tx: Tx, client_id: str) -> AppCredentials | None:
    row = tx.one(
        "SELECT a.id, a.system_id, s.region, a.secret_hash, a.active"
        " FROM connected_apps a JOIN systems s ON s.id = a.system_id WHERE a.client_id = ?",
        (client_id,),
    )
    if row is None:
        return None
    return AppCredentials(int(row[0]), int(row[1]), str(row[2]), str(row[3]), bool(row[4]))


def is_active(tx: Tx, app_id: int, client_id: str, system_id: int) -> bool:
    """Whether the app still exists as it was (same id and client id), is active and
    belongs to the system: a token never outlives its app, even if an id is reused."""
    row = tx.lookup(
        "SELECT active FROM connected_apps WHERE id = ? AND client_id = ? AND system_id = ?",
        (app_id, client_id, system_id),
    )
    return row is not None and bool(row[0])


def system_of_client(tx: Tx, client_id: str) -> int | None:
    value = tx.scalar("SELECT system_id FROM connected_apps WHERE client_id = ?", (client_id,))
    return None if value is None else int(value)


def upsert(
    tx: Tx,
    system_id: int,
    division_id: int,
    name: str,
    client_id: str,
    secret_hash: str,
    active: bool,
    now: str,
) -> None:
    changed = tx.write(
        "UPDATE connected_apps SET division_id = ?, name = ?, secret_hash = ?, active = ?"
        " WHERE client_id = ? AND system_id = ?",
        (division_id, name, secret_hash, active, client_id, system_id),
    )
    if not changed:
        tx.write(
            "INSERT INTO connected_apps (system_id, division_id, name, client_id, secret_hash,"
            " active, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (system_id, division_id, name, client_id, secret_hash, active, now),
        )


def set_active(tx: Tx, client_id: str, active: bool) -> bool:
    return (
        tx.write("UPDATE connected_apps SET active = ? WHERE client_id = ?", (active, client_id))
        > 0
    )


def delete(tx: Tx, client_id: str) -> bool:
    return tx.write("DELETE FROM connected_apps WHERE client_id = ?", (client_id,)) > 0


def signing_keys(tx: Tx) -> list[tuple[str, str]]:
    """All (kid, private PEM) pairs, newest first."""
    rows = tx.all("SELECT kid, private_pem FROM signing_keys ORDER BY created_at DESC, kid")
    return [(str(r[0]), str(r[1])) for r in rows]


def add_signing_key(tx: Tx, kid: str, private_pem: str, now: str) -> None:
    tx.write(
        "INSERT INTO signing_keys (kid, private_pem, created_at) VALUES (?, ?, ?)",
        (kid, private_pem, now),
    )


def name_of(tx: Tx, app_id: int) -> str:
    return str(tx.scalar("SELECT name FROM connected_apps WHERE id = ?", (app_id,)))
