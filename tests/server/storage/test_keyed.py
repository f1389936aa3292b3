"""Accounts and contacts put again and again: one row each, the same on both databases.

SQLite looks the row up and updates the given columns; PostgreSQL runs one upsert. Every
test here runs on both and expects the same rows.
"""

from __future__ import annotations

from opengauge.server.storage import Database, Tx
from opengauge.server.storage.repositories import accounts, contacts
from opengauge.server.storage.repositories.accounts import AccountFields
from opengauge.server.storage.repositories.contacts import ContactFields

EARLY = "2026-01-01 10:00:00"
LATE = "2026-01-02 11:00:00"


def _account_rows(tx: Tx) -> list[tuple[object, ...]]:
    return tx.all(
        "SELECT id, name, number, manager, region, parent_id, created_at, updated_at"
        " FROM accounts ORDER BY id"
    )


def _contact_rows(tx: Tx) -> list[tuple[object, ...]]:
    return tx.all(
        "SELECT id, key, email, first_name, last_name, account_id, created_at, updated_at"
        " FROM contacts ORDER BY id"
    )


def test_an_account_put_twice_keeps_what_the_second_put_leaves_out(migrated: Database) -> None:
    def first(tx: Tx) -> int:
        return accounts.upsert(tx, 1, "ACME", AccountFields(number="A-1", manager="Ann"), EARLY)

    def second(tx: Tx) -> int:
        return accounts.upsert(tx, 1, "ACME", AccountFields(manager="Bob", region="EU"), LATE)

    created, updated = migrated.run_sync(first), migrated.run_sync(second)

    assert created == updated
    assert migrated.read_sync(_account_rows) == [
        (created, "ACME", "A-1", "Bob", "EU", None, EARLY, LATE)
    ]


def test_a_quiet_account_put_creates_then_updates(migrated: Database) -> None:
    migrated.run_sync(
        lambda tx: accounts.put_quietly(tx, 1, "ACME", AccountFields(number="A-1"), EARLY)
    )
    migrated.run_sync(lambda tx: accounts.put_quietly(tx, 1, "ACME", AccountFields(), LATE))

    [(_, name, number, *_, created_at, updated_at)] = migrated.read_sync(_account_rows)
    assert (name, number, created_at, updated_at) == ("ACME", "A-1", EARLY, LATE)


def test_a_contact_is_one_row_whatever_the_case_of_its_address(migrated: Database) -> None:
    def first(tx: Tx) -> int:
        fields = ContactFields(email="Ann@Example.com", first_name="Ann", last_name="Lee")
        return contacts.upsert(tx, 1, fields, EARLY)

    def second(tx: Tx) -> int:
        return contacts.upsert(tx, 1, ContactFields(email="ann@example.com", last_name="Li"), LATE)

    created, updated = migrated.run_sync(first), migrated.run_sync(second)

    assert created == updated
    assert migrated.read_sync(_contact_rows) == [
        (created, "email:ann@example.com", "ann@example.com", "Ann", "Li", None, EARLY, LATE)
    ]


def test_a_contact_put_with_its_account_points_at_that_account(migrated: Database) -> None:
    def put(name: str, first_name: str | None, now: str) -> None:
        fields = ContactFields(email="ann@example.com", first_name=first_name)
        migrated.run_sync(
            lambda tx: contacts.put_with_account(tx, 1, (name, AccountFields()), fields, now)
        )

    put("ACME", "Ann", EARLY)
    put("Globex", None, LATE)

    [acme, globex] = migrated.read_sync(_account_rows)
    assert (acme[1], acme[7], globex[1], globex[6]) == ("ACME", EARLY, "Globex", LATE)
    assert migrated.read_sync(_contact_rows) == [
        (1, "email:ann@example.com", "ann@example.com", "Ann", None, globex[0], EARLY, LATE)
    ]


def test_a_contact_without_an_account_keeps_the_one_it_had(migrated: Database) -> None:
    def put(account: tuple[str, AccountFields] | None, now: str) -> None:
        fields = ContactFields(phone="+44 20 7946 0000")
        migrated.run_sync(lambda tx: contacts.put_with_account(tx, 1, account, fields, now))

    put(("ACME", AccountFields()), EARLY)
    put(None, LATE)

    [(account_id, *_)] = migrated.read_sync(_account_rows)
    [(_, key, _, _, _, kept, created_at, updated_at)] = migrated.read_sync(_contact_rows)
    assert (key, kept, created_at, updated_at) == ("phone:+442079460000", account_id, EARLY, LATE)
