"""What the console's data screens read, one page at a time, and the one change they make:
putting an invitation that failed back in the outbox.

Every page is one system's, keyset-paged on an index and never counted or skipped with OFFSET,
so it costs the same on the first page and the thousandth:

- a list is newest first, by id, after the id of the last row shown, read backwards on an
  index of (system_id, id) (see :func:`_newest`);
- a search is a range of an index, in that index's order: accounts by name, contacts (and the
  survey records of contacts) by their key, ``email:<lower-cased address>``. The cursor is
  still the last row's id; its name or key is looked up to go on from there. Reading the
  matches newest first would have to read every match of a short prefix to sort them.

Counts and sums (an account's contracts and revenue) are read for the rows shown only.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, NamedTuple

from opengauge.server.storage.repositories.outbox import FAILED, QUEUED
from opengauge.server.storage.transaction import Row, Tx

#: Ids are 32-bit integers on PostgreSQL: a larger number names no row (and psycopg would
#: send it as a type the column can't be compared with).
ID_MAX = 2**31 - 1
#: The prefix of a contact's key for an e-mail address (``contacts.contact_key``).
EMAIL_KEY = "email:"


class Prefix(NamedTuple):
    """Values starting with ``low``, as a range of an index: ``low <= value < high`` (no
    ``high`` when nothing sorts after every such value).

    The range is exact where text compares by code point: always on SQLite (BINARY), and on
    PostgreSQL with a C collation (``C``, ``C.UTF-8``). Under a linguistic collation the
    range follows that collation's order: it may take in names that differ in case only, and
    miss some whose prefix ends in punctuation. Filtering the range exactly in SQL was tried:
    PostgreSQL then underestimated the matches and sorted all of them instead of reading 51.
    """

    low: str
    high: str | None

    @classmethod
    def of(cls, text: str) -> Prefix:
        return cls(text, _after_prefix(text))

    def condition(self, column: str) -> tuple[str, list[Any]]:
        if self.high is None:
            return f" AND {column} >= ?", [self.low]
        return f" AND {column} >= ? AND {column} < ?", [self.low, self.high]


def _after_prefix(text: str) -> str | None:
    """The smallest string greater than every string starting with ``text`` (code point
    order, as SQLite's BINARY collation and PostgreSQL's C collations compare)."""
    while text:
        last = ord(text[-1]) + 1
        if 0xD800 <= last <= 0xDFFF:  # surrogates are no characters: skip past them
            last = 0xE000
        if last <= 0x10FFFF:
            return text[:-1] + chr(last)
        text = text[:-1]
    return None


def _newest(alias: str, system_id: int, after: int | None, limit: int) -> tuple[str, list[Any]]:
    """The WHERE condition, ORDER BY and LIMIT of a system's rows newest first, after the id
    ``after``, read backwards on the index of (system_id, id).

    The system is a range of one id: with ``system_id = ?`` PostgreSQL drops the constant
    system_id from the ORDER BY, and then often reads the primary key backwards instead,
    through every newer row of the other systems.
    """
    sql = f"{alias}system_id BETWEEN ? AND ?"
    params: list[Any] = [system_id, system_id]
    if after is not None:
        sql += f" AND {alias}id < ?"
        params.append(after)
    params.append(limit)
    return f"{sql} ORDER BY {alias}system_id DESC, {alias}id DESC LIMIT ?", params


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


# -- accounts -------------------------------------------------------------------------


class AccountRow(NamedTuple):
    id: int
    name: str
    number: str | None
    manager: str | None
    parent_id: int | None
    parent_name: str | None


class AccountTotals(NamedTuple):
    """An account's number of contracts and its revenue in cents."""

    contracts: int
    revenue_cents: int


_ACCOUNT_COLUMNS = (
    "SELECT a.id, a.name, a.number, a.manager, p.id, p.name FROM accounts a"
    " LEFT JOIN accounts p ON p.id = a.parent_id AND p.system_id = a.system_id"
)


def accounts(
    tx: Tx, system_id: int, *, after: int | None, name: Prefix | None, limit: int
) -> list[AccountRow]:
    """Up to ``limit`` accounts: newest first, or those whose name starts with ``name``
    in name order (the cursor is then the id of the account shown last)."""
    rows = _newest_or_matching(
        tx, _ACCOUNT_COLUMNS, ("accounts", "a", "name"), system_id, after, name, limit
    )
    return [AccountRow(*row) for row in rows]


def account_totals(tx: Tx, system_id: int, account_ids: Sequence[int]) -> dict[int, AccountTotals]:
    """Contracts and revenue of the given accounts (the ones on a page) only.

    Revenue is the sum of the accounts' monthly amounts, in cents: the revenue of every month
    (an MRR line counts once for each month of its period). The cents are summed as integers,
    so SQLite, which keeps the amounts as floating point, adds them up exactly too.
    """
    if not account_ids:
        return {}
    ids = list(account_ids)
    contracts = tx.all(
        "SELECT account_id, COUNT(*) FROM contracts"  # noqa: S608
        f" WHERE system_id = ? AND account_id IN ({_marks(ids)}) GROUP BY account_id",
        (system_id, *ids),
    )
    revenue = tx.all(
        "SELECT account_id, SUM(ROUND(amount * 100)) FROM revenue_months"  # noqa: S608
        f" WHERE system_id = ? AND account_id IN ({_marks(ids)}) GROUP BY account_id",
        (system_id, *ids),
    )
    counted = {int(account): int(count) for account, count in contracts}
    summed = {int(account): int(cents) for account, cents in revenue if cents is not None}
    return {
        account: AccountTotals(counted.get(account, 0), summed.get(account, 0)) for account in ids
    }


class AccountDetail(NamedTuple):
    id: int
    name: str
    number: str | None
    manager: str | None
    region: str | None
    parent_id: int | None
    parent_name: str | None
    created_at: Any
    updated_at: Any
    aliases: list[str]


class ContractRow(NamedTuple):
    id: int
    reference: str
    start: Any
    end: Any
    description: str | None


class RevenueLineRow(NamedTuple):
    id: int
    amount: Any
    type: str
    start: Any
    end: Any
    description: str | None
    upload_id: int | None


def account(tx: Tx, system_id: int, account_id: int) -> AccountDetail | None:
    """One account of the system with its parent's name and its aliases; None if there is
    no such account in the system."""
    row = tx.one(
        "SELECT a.id, a.name, a.number, a.manager, a.region, p.id, p.name, a.created_at,"
        " a.updated_at FROM accounts a"
        " LEFT JOIN accounts p ON p.id = a.parent_id AND p.system_id = a.system_id"
        " WHERE a.system_id = ? AND a.id = ?",
        (system_id, account_id),
    )
    if row is None:
        return None
    aliases = tx.all(
        "SELECT alias FROM account_aliases WHERE account_id = ? AND system_id = ? ORDER BY alias",
        (account_id, system_id),
    )
    return AccountDetail._make((*row, [str(alias) for (alias,) in aliases]))


def contracts_of(tx: Tx, system_id: int, account_id: int, limit: int) -> list[ContractRow]:
    """The account's newest ``limit`` contracts."""
    rows = tx.all(
        'SELECT id, reference, start, "end", description FROM contracts'
        " WHERE system_id = ? AND account_id = ? ORDER BY id DESC LIMIT ?",
        (system_id, account_id, limit),
    )
    return [ContractRow(*row) for row in rows]


def revenue_lines_of(tx: Tx, system_id: int, account_id: int, limit: int) -> list[RevenueLineRow]:
    """The account's newest ``limit`` revenue lines."""
    rows = tx.all(
        'SELECT id, amount, type, start, "end", description, upload_id FROM revenue_lines'
        " WHERE system_id = ? AND account_id = ? ORDER BY id DESC LIMIT ?",
        (system_id, account_id, limit),
    )
    return [RevenueLineRow(*row) for row in rows]


# -- contacts -------------------------------------------------------------------------


class ContactRow(NamedTuple):
    id: int
    email: str | None
    phone: str | None
    first_name: str | None
    last_name: str | None
    account_id: int | None
    account_name: str | None


_CONTACT_COLUMNS = (
    "SELECT c.id, c.email, c.phone, c.first_name, c.last_name, a.id, a.name FROM contacts c"
    " LEFT JOIN accounts a ON a.id = c.account_id AND a.system_id = c.system_id"
)


def contacts(
    tx: Tx, system_id: int, *, after: int | None, key: Prefix | None, limit: int
) -> list[ContactRow]:
    """Up to ``limit`` contacts: newest first, or those whose key starts with ``key``, in
    key order (the cursor is then the id of the contact shown last)."""
    rows = _newest_or_matching(
        tx, _CONTACT_COLUMNS, ("contacts", "c", "key"), system_id, after, key, limit
    )
    return [ContactRow(*row) for row in rows]


def _newest_or_matching(
    tx: Tx,
    select: str,
    searched: tuple[str, str, str],
    system_id: int,
    after: int | None,
    prefix: Prefix | None,
    limit: int,
) -> list[Row]:
    """The rows of ``select`` newest first, or those whose unique column (``searched``:
    table, alias, column) starts with ``prefix``, in that column's order; the cursor
    ``after`` is an id either way (looked up to its column's value for a search)."""
    table, alias, column = searched
    if prefix is None:
        newest, params = _newest(f"{alias}.", system_id, after, limit)
        return tx.all(f"{select} WHERE {newest}", params)
    where, params = prefix.condition(f"{alias}.{column}")
    if after is not None:
        last = tx.scalar(
            f"SELECT {column} FROM {table} WHERE system_id = ? AND id = ?",  # noqa: S608
            (system_id, after),
        )
        if last is not None:
            where += f" AND {alias}.{column} > ?"
            params.append(last)
    return tx.all(
        f"{select} WHERE {alias}.system_id = ?{where} ORDER BY {alias}.{column} LIMIT ?",
        (system_id, *params, limit),
    )


# -- survey records -------------------------------------------------------------------


class SurveyRecordRow(NamedTuple):
    id: int
    email: str | None
    phone: str | None
    touchpoint: str | None
    status: str
    nps: int | None
    comment: str | None
    link_code: str | None
    delivery_vector: str
    date_creation: Any


_RECORD_COLUMNS = (
    "SELECT r.id, c.email, c.phone, t.name, r.status, r.nps, r.comment, r.link_code,"
    " r.delivery_vector, r.date_creation"
)
_RECORD_JOINS = (
    " JOIN contacts c ON c.id = r.contact_id LEFT JOIN touchpoints t ON t.id = r.touchpoint_id"
)

#: The newest ids of both halves of a system's records, each on its partial index of
#: (system_id, id) (``ix_survey_records_responses`` / ``_non_responses``, the export's),
#: then the newest of those: no such index over the whole table is needed.
_NEWEST_RECORD_IDS = (
    "SELECT id FROM (SELECT id FROM survey_records WHERE date_response IS NULL AND {newest})"
    " AS open_ids UNION ALL SELECT id FROM (SELECT id FROM survey_records"
    " WHERE date_response IS NOT NULL AND {newest}) AS answered_ids ORDER BY id DESC LIMIT ?"
)


def survey_records(
    tx: Tx, system_id: int, *, after: int | None, email: Prefix | None, limit: int
) -> list[SurveyRecordRow]:
    """Up to ``limit`` survey records: newest first, or those of the contacts whose key
    starts with ``email``, in the contacts' key order and each contact's newest first."""
    if email is not None:
        return _records_of_contacts(tx, system_id, after, email, limit)
    newest, params = _newest("", system_id, after, limit)
    ids = [
        int(found)
        for (found,) in tx.all(_NEWEST_RECORD_IDS.format(newest=newest), (*params, *params, limit))
    ]
    if not ids:
        return []
    # "+": by the ids' primary key, not an index on system_id (SQLite would scan the
    # system's records on one; the ids are the system's already, the test only guards).
    rows = tx.all(
        f"{_RECORD_COLUMNS} FROM survey_records r{_RECORD_JOINS}"
        f" WHERE r.id IN ({_marks(ids)}) AND +r.system_id = ? ORDER BY r.id DESC",
        (*ids, system_id),
    )
    return [SurveyRecordRow(*row) for row in rows]


def _records_of_contacts(
    tx: Tx, system_id: int, after: int | None, email: Prefix, limit: int
) -> list[SurveyRecordRow]:
    found: list[SurveyRecordRow] = []
    where, params = email.condition("c.key")
    cursor = None
    if after is not None:
        # The last record shown, if its contact is one of the search's.
        cursor = tx.one(
            "SELECT r.contact_id, c.key FROM survey_records r JOIN contacts c ON c.id ="  # noqa: S608
            f" r.contact_id WHERE r.system_id = ? AND r.id = ?{where}",
            (system_id, after, *params),
        )
    if cursor is not None:
        contact_id, last_key = cursor
        # The rest of the last contact's records, then the contacts after it.
        rows = tx.all(
            f"{_RECORD_COLUMNS} FROM survey_records r{_RECORD_JOINS}"
            " WHERE r.system_id = ? AND r.contact_id = ? AND r.id < ? ORDER BY r.id DESC LIMIT ?",
            (system_id, contact_id, after, limit),
        )
        found.extend(SurveyRecordRow(*row) for row in rows)
        where += " AND c.key > ?"
        params.append(last_key)
    if len(found) < limit:
        rows = tx.all(
            f"{_RECORD_COLUMNS} FROM contacts c"
            " JOIN survey_records r ON r.system_id = c.system_id AND r.contact_id = c.id"
            " LEFT JOIN touchpoints t ON t.id = r.touchpoint_id"
            f" WHERE c.system_id = ?{where} ORDER BY c.key, r.id DESC LIMIT ?",
            (system_id, *params, limit - len(found)),
        )
        found.extend(SurveyRecordRow(*row) for row in rows)
    return found


# -- outbox ---------------------------------------------------------------------------


class OutboxRow(NamedTuple):
    id: int
    recipient: str
    subject: str
    status: str
    attempts: int
    last_error: str | None
    created_at: Any
    sent_at: Any


def outbox_entries(tx: Tx, system_id: int, *, after: int | None, limit: int) -> list[OutboxRow]:
    """Up to ``limit`` e-mails of the outbox, newest first."""
    newest, params = _newest("", system_id, after, limit)
    rows = tx.all(
        "SELECT id, recipient, subject, status, attempts, last_error, created_at, sent_at"  # noqa: S608
        f" FROM outbox WHERE {newest}",
        params,
    )
    return [OutboxRow(*row) for row in rows]


def retry_failed(tx: Tx, system_id: int, entry_id: int) -> bool:
    """Queue a ``FAILED`` e-mail of the system again; False when there is none.

    Its attempts are kept (the next failure gives up again at once). It is due at once: the
    sender takes entries whose ``next_attempt_at`` has passed, and its creation has.
    """
    changed = tx.write(
        "UPDATE outbox SET status = ?, next_attempt_at = created_at"
        " WHERE id = ? AND system_id = ? AND status = ?",
        (QUEUED, entry_id, system_id, FAILED),
    )
    return changed > 0


# -- revenue uploads ------------------------------------------------------------------


class UploadRow(NamedTuple):
    id: int
    date_upload: Any
    source_filename: str
    status: str
    total_records: int
    successful_records: int
    unsuccessful_records: int


class UploadDetail(NamedTuple):
    upload: UploadRow
    logs: list[str]


_UPLOAD_COLUMNS = (
    "SELECT id, date_upload, source_filename, status, total_records, successful_records,"
    " unsuccessful_records"
)


def revenue_uploads(tx: Tx, system_id: int, *, after: int | None, limit: int) -> list[UploadRow]:
    """Up to ``limit`` revenue uploads, newest first."""
    newest, params = _newest("", system_id, after, limit)
    rows = tx.all(f"{_UPLOAD_COLUMNS} FROM revenue_uploads WHERE {newest}", params)
    return [UploadRow(*row) for row in rows]


def revenue_upload(tx: Tx, system_id: int, upload_id: int) -> UploadDetail | None:
    """One upload of the system with its log lines; None if there is none."""
    row = tx.one(
        f"{_UPLOAD_COLUMNS}, logs FROM revenue_uploads WHERE system_id = ? AND id = ?",
        (system_id, upload_id),
    )
    if row is None:
        return None
    return UploadDetail(UploadRow(*row[:-1]), [str(line) for line in json.loads(row[-1] or "[]")])
