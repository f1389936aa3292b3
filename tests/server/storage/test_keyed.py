"""Accounts and contacts put again and again: one row each, the same on both databases.

SQLite looks the row up and updates the given columns; PostgreSQL runs one upsert. Every
test here runs on both and expects the same rows.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from opengauge.server.storage import Database, Tx
from opengauge.server.storage.repositories import accounts, contacts
from opengauge.server.storage.repositories.accounts import AccountFields
from opengauge.server.storage.repositories.contacts import ContactFields
from opengauge.server.storage.transaction import DEFER_ROWS
from tests.conftest import BACKENDS
from tests.support import run_in_one_batch

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


# -- one batch of the group-commit writer ------------------------------------------------
# On PostgreSQL a batch's puts are deferred and go as one statement per table; a batch must
# store what the same puts one after the other would.


def _put(
    email: str,
    account: str | None,
    now: str,
    *,
    first_name: str | None = None,
    last_name: str | None = None,
) -> Callable[[Tx], None]:
    fields = ContactFields(email=email, first_name=first_name, last_name=last_name)

    def operation(tx: Tx) -> None:
        given = (account, AccountFields()) if account is not None else None
        contacts.put_with_account(tx, 1, given, fields, now)

    return operation


def test_puts_of_one_contact_in_one_batch_store_what_they_would_in_turn(
    migrated: Database,
) -> None:
    asyncio.run(
        run_in_one_batch(
            migrated,
            [
                _put("Ann@Example.com", "ACME", EARLY, first_name="Ann", last_name="Lee"),
                _put("ann@example.com", None, EARLY, last_name="Li"),
                _put("bob@example.com", "Globex", EARLY),
                _put("ANN@example.com", "Globex", LATE),
                _put("ann@example.com", None, LATE, first_name=None),
            ],
        )
    )

    [acme, globex] = migrated.read_sync(_account_rows)
    assert (acme[1], globex[1]) == ("ACME", "Globex")
    assert migrated.read_sync(_contact_rows) == [
        (1, "email:ann@example.com", "ann@example.com", "Ann", "Li", globex[0], EARLY, LATE),
        (2, "email:bob@example.com", "bob@example.com", None, None, globex[0], EARLY, EARLY),
    ]


def test_accounts_put_in_one_batch_merge_their_fields(migrated: Database) -> None:
    def put(fields: AccountFields, now: str) -> Callable[[Tx], None]:
        return lambda tx: accounts.put_quietly(tx, 1, "ACME", fields, now)

    asyncio.run(
        run_in_one_batch(
            migrated,
            [
                put(AccountFields(number="A-1", manager="Ann"), EARLY),
                put(AccountFields(manager="Bob"), EARLY),
                put(AccountFields(region="EU"), LATE),
            ],
        )
    )

    [(_, *stored)] = migrated.read_sync(_account_rows)
    assert stored == ["ACME", "A-1", "Bob", "EU", None, EARLY, LATE]


def test_a_contact_finds_an_account_put_later_in_its_batch(migrated: Database) -> None:
    """Accounts go first whatever order the batch put them in."""
    asyncio.run(
        run_in_one_batch(
            migrated,
            [_put("bob@example.com", None, EARLY), _put("ann@example.com", "ACME", EARLY)],
        )
    )

    [(acme_id, *_)] = migrated.read_sync(_account_rows)
    stored = {row[2]: row[5] for row in migrated.read_sync(_contact_rows)}
    assert stored == {"bob@example.com": None, "ann@example.com": acme_id}


@pytest.mark.parametrize("database", [b for b in BACKENDS if b == "postgres"], indirect=True)
def test_postgres_a_batch_writes_its_rows_in_key_order(migrated: Database) -> None:
    """So that batches of several processes take the rows' locks in one order (and never
    deadlock), whatever order their requests came in: the first written gets the first id."""
    asyncio.run(
        run_in_one_batch(
            migrated,
            [_put("bob@example.com", "Zeta", EARLY), _put("ann@example.com", "Alpha", EARLY)],
        )
    )

    assert [row[1] for row in migrated.read_sync(_account_rows)] == ["Alpha", "Zeta"]
    assert [row[2] for row in migrated.read_sync(_contact_rows)] == [
        "ann@example.com",
        "bob@example.com",
    ]


def test_a_read_in_the_batch_sees_the_puts_before_it(migrated: Database) -> None:
    def find(tx: Tx) -> int | None:
        return contacts.find_id(tx, 1, contacts.contact_key("ann@example.com", None))

    results = asyncio.run(
        run_in_one_batch(migrated, [_put("ann@example.com", "ACME", EARLY), find])
    )

    assert results == [None, 1]


def test_a_put_the_database_refuses_costs_no_other_put_its_write(migrated: Database) -> None:
    """Among more puts than go in one statement, one breaks a foreign key."""

    def broken(tx: Tx) -> None:
        contacts.put_with_account(
            tx, 1, None, ContactFields("x@example.com", account_id=999), EARLY
        )

    emails = [f"c{n}@example.com" for n in range(3 * DEFER_ROWS)]
    operations: list[Callable[[Tx], object]] = [_put(e, "ACME", EARLY) for e in emails]
    operations.insert(DEFER_ROWS + 2, broken)

    results = asyncio.run(run_in_one_batch(migrated, operations))

    assert getattr(results.pop(DEFER_ROWS + 2), "status", None) == 500
    assert results == [None] * len(emails)
    assert [row[2] for row in migrated.read_sync(_contact_rows)] == emails
