"""The console's read-only data screens: Accounts, Contacts, Survey Records, Outbox and
Revenue Uploads, and the pages of one account and one revenue upload.

A screen shows :data:`PAGE_ROWS` rows at a time, keyset-paged on an index
(``storage/repositories/listing.py``): the "Next page" link carries the id of the last row
shown as ``after``, and the search as ``q``. A list is newest first; a search lists its
matches in the order of the searched index (names, e-mail addresses). What a page shows is
built here as plain values (:class:`Listing`, :class:`Detail`), on the reader's thread, so
the templates ``data.html`` and ``data_detail.html`` only lay them out.

The contract with ``endpoints.py``: :data:`SCREENS` (slug -> :class:`Screen`), :func:`load`
(the ``page`` of ``data.html``), :func:`load_detail` (the ``page`` of ``data_detail.html``;
None when the item is not in the system) and :func:`retry_outbox`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from opengauge.server.storage import Database, Tx
from opengauge.server.storage.repositories import listing, surveys
from opengauge.server.storage.repositories.listing import ID_MAX, Prefix
from opengauge.server.storage.repositories.outbox import FAILED

PREFIX = "/console"
PAGE_ROWS = 50
#: Contracts and revenue lines shown on an account's page, newest first.
DETAIL_ROWS = 500
#: Characters of a comment or an error shown in a list; the whole text is the cell's title.
SHORT_TEXT = 60
#: Characters of a search that count (the longest searched value has 255).
SEARCH_MAX = 255


@dataclass(frozen=True)
class Screen:
    title: str
    has_detail: bool = False


#: The screens, by the slug of their path, named as in the CustomerGauge documents.
SCREENS: dict[str, Screen] = {
    "accounts": Screen("Accounts", has_detail=True),
    "contacts": Screen("Contacts"),
    "survey-records": Screen("Survey Records", has_detail=True),
    "outbox": Screen("Outbox"),
    "revenue-uploads": Screen("Revenue Uploads", has_detail=True),
}


@dataclass(frozen=True)
class Cell:
    text: str = ""
    #: A link to follow from the cell, if any.
    href: str = ""
    #: The whole text when ``text`` is shortened.
    title: str = ""
    #: How the cell lays out in a table too wide for the screen, as its class:
    #: :data:`NOWRAP` (a date, a number, a code: on one line) or :data:`LONG` (free text,
    #: kept wide enough to read).
    kind: str = ""


NOWRAP, LONG = "nowrap", "long"


@dataclass(frozen=True)
class Row:
    cells: tuple[Cell, ...]
    #: The outbox entry a Retry button puts back in the queue (failed invitations only).
    retry_id: int | None = None


@dataclass(frozen=True)
class Search:
    label: str
    hint: str
    #: What was searched for ("" for none).
    value: str


@dataclass(frozen=True)
class Listing:
    """One page of a screen, as ``data.html`` shows it."""

    slug: str
    title: str
    intro: str
    columns: tuple[str, ...]
    rows: list[Row]
    #: What the table says when there are no rows.
    empty: str
    search: Search | None = None
    #: The next page's address ("" on the last page), and the first page's (on later ones).
    next_href: str = ""
    first_href: str = ""
    #: Whether rows may carry a Retry button (shown to Administrators).
    retries: bool = False


@dataclass(frozen=True)
class Table:
    heading: str
    columns: tuple[str, ...]
    rows: list[Row]
    empty: str
    note: str = ""


@dataclass(frozen=True)
class Detail:
    """One account or upload, as ``data_detail.html`` shows it."""

    slug: str
    #: The screen's title, for the way back.
    screen: str
    heading: str
    fields: tuple[tuple[str, Cell], ...]
    tables: tuple[Table, ...]


@dataclass(frozen=True)
class _Asked:
    """What a page is asked for: whose, after which row, searching what."""

    system_id: int
    after: int | None
    query: str
    base_url: str


async def load(
    slug: str, system_id: int, params: Mapping[str, str], db: Database, *, base_url: str = ""
) -> Listing:
    """One page of the screen ``slug`` for the query parameters ``after`` and ``q``.

    A cursor that names no row of the system (text, negative, too large, another system's)
    gives the first page. ``base_url`` is the server's public address, which survey links
    start with (without it they are paths on this host).
    """
    asked = _Asked(system_id, _id(params.get("after", "")), _query(params.get("q", "")), base_url)
    build = _LISTINGS[slug]
    return await db.read(lambda tx: build(tx, asked))


async def load_detail(slug: str, system_id: int, item_id: str, db: Database) -> Detail | None:
    """The page of one account or revenue upload; None if the system has no such item."""
    found = _id(item_id)
    build = _DETAILS.get(slug)
    if found is None or build is None:
        return None
    return await db.read(lambda tx: build(tx, system_id, found))


def retry_outbox(system_id: int, entry_id: int) -> Callable[[Tx], bool]:
    """Queue a failed e-mail of the system's outbox again (its attempts kept): the sender
    takes it with its next round. The operation answers False when the system has no such
    failed e-mail."""

    def operation(tx: Tx) -> bool:
        if not 0 < entry_id <= ID_MAX:
            return False
        return listing.retry_failed(tx, system_id, entry_id)

    return operation


# -- the screens ----------------------------------------------------------------------


def _accounts(tx: Tx, asked: _Asked) -> Listing:
    name = Prefix.of(asked.query) if asked.query else None
    rows = listing.accounts(tx, asked.system_id, after=asked.after, name=name, limit=PAGE_ROWS + 1)
    shown = rows[:PAGE_ROWS]
    totals = listing.account_totals(tx, asked.system_id, [row.id for row in shown])
    return _listing(
        "accounts",
        asked,
        rows,
        intro=(
            "Accounts come from PUT /accounts and from records of mappings with account"
            " fields. Revenue is the total of the account's monthly revenue: an MRR line"
            " counts once for every month of its period."
        ),
        columns=("Name", "Number", "Manager", "Parent", "Contracts", "Revenue"),
        cells=lambda row: (
            Cell(row.name, _detail_href("accounts", row.id)),
            _fixed(row.number or ""),
            Cell(row.manager or ""),
            _account_cell(row.parent_id, row.parent_name),
            _fixed(str(totals[row.id].contracts)),
            _fixed(_cents(totals[row.id].revenue_cents)),
        ),
        search=Search(
            "Account name starts with",
            "Capitals count: “Acme” finds “Acme Corp”, not “acme”. Matches are listed by name.",
            asked.query,
        ),
        nothing="accounts",
        no_match=f"No account name starts with “{asked.query}”.",
    )


def _contacts(tx: Tx, asked: _Asked) -> Listing:
    key = Prefix.of(listing.EMAIL_KEY + asked.query.lower()) if asked.query else None
    rows = listing.contacts(tx, asked.system_id, after=asked.after, key=key, limit=PAGE_ROWS + 1)
    return _listing(
        "contacts",
        asked,
        rows,
        intro="A contact is one e-mail address, or a phone number when there is no address.",
        columns=("Email", "Phone", "First name", "Last name", "Account"),
        cells=lambda row: (
            Cell(row.email or ""),
            _fixed(row.phone or ""),
            Cell(row.first_name or ""),
            Cell(row.last_name or ""),
            _account_cell(row.account_id, row.account_name),
        ),
        search=Search(
            "Email starts with",
            "Capitals don't count. Matches are listed by e-mail address.",
            asked.query,
        ),
        nothing="contacts",
        no_match=f"No contact's e-mail address starts with “{asked.query}”.",
    )


def _survey_records(tx: Tx, asked: _Asked) -> Listing:
    key = Prefix.of(listing.EMAIL_KEY + asked.query.lower()) if asked.query else None
    rows = listing.survey_records(
        tx, asked.system_id, after=asked.after, email=key, limit=PAGE_ROWS + 1
    )
    return _listing(
        "survey-records",
        asked,
        rows,
        intro=(
            "CG-ID is the record's number_customergauge. Date is when the record was"
            " imported (UTC)."
        ),
        columns=(
            "CG-ID",
            "Email",
            "Touchpoint",
            "Status",
            "NPS",
            "Comment",
            "Link",
            "Delivery vector",
            "Date",
        ),
        cells=lambda row: (
            _fixed(str(row.id), _detail_href("survey-records", row.id)),
            Cell(row.email or ""),
            Cell(row.touchpoint or ""),
            _fixed(_status(row.status)),
            _fixed("" if row.nps is None else str(row.nps)),
            _short(row.comment),
            _link_cell(asked.base_url, row.link_code),
            _fixed(row.delivery_vector),
            _fixed(_when(row.date_creation)),
        ),
        search=Search(
            "Contact email starts with",
            "Capitals don't count. Matches are listed by e-mail address, each contact's"
            " newest record first.",
            asked.query,
        ),
        nothing="survey records",
        no_match=f"No survey record's contact has an e-mail address starting with “{asked.query}”.",
    )


def _outbox(tx: Tx, asked: _Asked) -> Listing:
    rows = listing.outbox_entries(tx, asked.system_id, after=asked.after, limit=PAGE_ROWS + 1)
    return _listing(
        "outbox",
        asked,
        rows,
        intro=(
            "The e-mails to send: survey invitations of Survey Data and Multi-Object"
            " records, and console users' set-password links. A failed e-mail can be"
            " retried: it is queued again, keeping its attempts. Times are UTC."
        ),
        columns=("To", "Subject", "Status", "Attempts", "Last error", "Created", "Sent"),
        cells=lambda row: (
            Cell(row.recipient),
            Cell(row.subject, kind=LONG),
            _fixed(_status(row.status)),
            _fixed(str(row.attempts)),
            _short(row.last_error),
            _fixed(_when(row.created_at)),
            _fixed(_when(row.sent_at)),
        ),
        retry=lambda row: row.id if row.status == FAILED else None,
        nothing="e-mails",
    )


def _revenue_uploads(tx: Tx, asked: _Asked) -> Listing:
    rows = listing.revenue_uploads(tx, asked.system_id, after=asked.after, limit=PAGE_ROWS + 1)
    return _listing(
        "revenue-uploads",
        asked,
        rows,
        intro=(
            "Revenue files sent to the 4.1 API (company/revenue_file_automate). A file is"
            " stored whole or not at all; open an upload to read its log. Times are UTC."
        ),
        columns=("Date", "File", "Status", "Total", "Successful", "Unsuccessful"),
        cells=lambda row: (
            _fixed(_when(row.date_upload), _detail_href("revenue-uploads", row.id)),
            Cell(row.source_filename),
            _fixed(_upload_status(row.status)),
            _fixed(str(row.total_records)),
            _fixed(str(row.successful_records)),
            _fixed(str(row.unsuccessful_records)),
        ),
        nothing="revenue uploads",
    )


_LISTINGS: dict[str, Callable[[Tx, _Asked], Listing]] = {
    "accounts": _accounts,
    "contacts": _contacts,
    "survey-records": _survey_records,
    "outbox": _outbox,
    "revenue-uploads": _revenue_uploads,
}


def _listing(
    slug: str,
    asked: _Asked,
    rows: Sequence[Any],
    *,
    intro: str,
    columns: tuple[str, ...],
    cells: Callable[[Any], tuple[Cell, ...]],
    nothing: str,
    search: Search | None = None,
    no_match: str = "",
    retry: Callable[[Any], int | None] | None = None,
) -> Listing:
    """The page of ``rows``, read one more than a page: that one only tells there is more."""
    shown = rows[:PAGE_ROWS]
    query = {"q": asked.query} if search is not None and asked.query else {}
    next_href = ""
    if len(rows) > PAGE_ROWS:
        next_href = _href(slug, {**query, "after": str(shown[-1].id)})
    if asked.query and search is not None:
        empty = no_match
    elif asked.after is not None:
        empty = "No more rows."
    else:
        empty = f"No {nothing} yet."
    return Listing(
        slug=slug,
        title=SCREENS[slug].title,
        intro=intro,
        columns=columns,
        rows=[Row(cells(row), None if retry is None else retry(row)) for row in shown],
        empty=empty,
        search=search,
        next_href=next_href,
        first_href=_href(slug, query) if asked.after is not None else "",
        retries=retry is not None,
    )


# -- one account, one upload ----------------------------------------------------------


def _account(tx: Tx, system_id: int, account_id: int) -> Detail | None:
    found = listing.account(tx, system_id, account_id)
    if found is None:
        return None
    totals = listing.account_totals(tx, system_id, [account_id])[account_id]
    contracts = listing.contracts_of(tx, system_id, account_id, DETAIL_ROWS + 1)
    lines = listing.revenue_lines_of(tx, system_id, account_id, DETAIL_ROWS + 1)
    return Detail(
        slug="accounts",
        screen=SCREENS["accounts"].title,
        heading=found.name,
        fields=(
            ("Name", Cell(found.name)),
            ("Number", Cell(found.number or "")),
            ("Manager", Cell(found.manager or "")),
            ("Region", Cell(found.region or "")),
            ("Parent", _account_cell(found.parent_id, found.parent_name)),
            ("Aliases", Cell(", ".join(found.aliases))),
            ("Contracts", Cell(str(totals.contracts))),
            ("Revenue", Cell(_cents(totals.revenue_cents))),
            ("Created (UTC)", Cell(_when(found.created_at))),
            ("Updated (UTC)", Cell(_when(found.updated_at))),
        ),
        tables=(
            Table(
                "Contracts",
                ("Reference", "Start", "End", "Description"),
                [
                    Row(
                        (
                            Cell(contract.reference),
                            _fixed(_when(contract.start)),
                            _fixed(_when(contract.end)),
                            Cell(contract.description or ""),
                        )
                    )
                    for contract in contracts[:DETAIL_ROWS]
                ],
                "No contracts.",
                _more_note(contracts),
            ),
            Table(
                "Revenue lines",
                ("Amount", "Type", "Start", "End", "Description", "Upload"),
                [
                    Row(
                        (
                            _fixed(_amount(line.amount)),
                            _fixed(line.type),
                            _fixed(_when(line.start)),
                            _fixed(_when(line.end)),
                            Cell(line.description or ""),
                            _upload_cell(line.upload_id),
                        )
                    )
                    for line in lines[:DETAIL_ROWS]
                ],
                "No revenue lines.",
                _more_note(lines),
            ),
        ),
    )


def _revenue_upload(tx: Tx, system_id: int, upload_id: int) -> Detail | None:
    found = listing.revenue_upload(tx, system_id, upload_id)
    if found is None:
        return None
    upload = found.upload
    return Detail(
        slug="revenue-uploads",
        screen=SCREENS["revenue-uploads"].title,
        heading=upload.source_filename or f"Upload {upload.id}",
        fields=(
            ("Date (UTC)", Cell(_when(upload.date_upload))),
            ("File", Cell(upload.source_filename)),
            ("Status", Cell(_upload_status(upload.status))),
            ("Total", Cell(str(upload.total_records))),
            ("Successful", Cell(str(upload.successful_records))),
            ("Unsuccessful", Cell(str(upload.unsuccessful_records))),
        ),
        tables=(
            Table(
                "Log",
                ("Message",),
                [Row((Cell(line),)) for line in found.logs],
                "Nothing to report: every row was stored.",
            ),
        ),
    )


def _survey_record(tx: Tx, system_id: int, record_id: int) -> Detail | None:
    found = surveys.record_detail(tx, system_id, record_id)
    if found is None:
        return None
    chosen = surveys.chosen_drivers(tx, system_id, record_id)
    name = " ".join(part for part in (found.first_name, found.last_name) if part)
    return Detail(
        slug="survey-records",
        screen=SCREENS["survey-records"].title,
        heading=f"Survey record {found.id}",
        fields=(
            ("CG-ID", _fixed(str(found.id))),
            ("Email", Cell(found.email or "")),
            ("Phone", _fixed(found.phone or "")),
            ("Name", Cell(name)),
            ("Account", Cell(found.account or "")),
            ("Touchpoint", Cell(found.touchpoint or "")),
            ("Status", Cell(_status(found.status))),
            ("NPS", Cell("" if found.nps is None else str(found.nps))),
            ("Comment", Cell(found.comment or "", kind=LONG)),
            ("Language", Cell(found.language or "")),
            ("Link", _link_cell("", found.link_code)),
            ("Delivery vector", Cell(found.delivery_vector)),
            ("Created (UTC)", Cell(_when(found.date_creation))),
            ("Sent (UTC)", Cell(_when(found.date_sent))),
            ("Answered (UTC)", Cell(_when(found.date_response))),
        ),
        tables=(
            Table(
                "Drivers",
                ("Driver", "Category", "Reason code", "Shown for"),
                [
                    Row(
                        (
                            Cell(driver.label),
                            Cell(driver.category_main if driver.level == 2 else ""),
                            _fixed(driver.reason_code),
                            Cell(_SHOWN_FOR.get(driver.good_bad, driver.good_bad)),
                        )
                    )
                    for driver in chosen
                ],
                "No drivers chosen." if found.nps is not None else "Not answered yet.",
            ),
        ),
    )


#: Who a driver is shown to, as the Drivers screen says it.
_SHOWN_FOR = {"pos": "Promoters (9-10)", "neg": "Detractors and passives (0-8)"}


_DETAILS: dict[str, Callable[[Tx, int, int], Detail | None]] = {
    "survey-records": _survey_record,
    "accounts": _account,
    "revenue-uploads": _revenue_upload,
}


# -- values as shown ------------------------------------------------------------------


def _id(text: str) -> int | None:
    """A row id from a URL: digits only, within the ids' range; None otherwise."""
    if not (text.isascii() and text.isdigit() and len(text) <= len(str(ID_MAX))):
        return None
    value = int(text)
    return value if 0 < value <= ID_MAX else None


def _query(text: str) -> str:
    # PostgreSQL refuses NUL in text; nothing stored holds one.
    return text.replace("\x00", "").strip()[:SEARCH_MAX]


def _href(slug: str, params: Mapping[str, str]) -> str:
    query = urlencode(params)
    return f"{PREFIX}/{slug}" + (f"?{query}" if query else "")


def _detail_href(slug: str, item_id: int) -> str:
    return f"{PREFIX}/{slug}/{item_id}"


def _fixed(text: str, href: str = "") -> Cell:
    """A cell that stays on one line."""
    return Cell(text, href, kind=NOWRAP)


def _account_cell(account_id: int | None, name: str | None) -> Cell:
    if account_id is None:
        return Cell()
    return Cell(name or "", _detail_href("accounts", account_id))


def _upload_cell(upload_id: int | None) -> Cell:
    if upload_id is None:
        return Cell("Imported record")
    return _fixed(f"Upload {upload_id}", _detail_href("revenue-uploads", upload_id))


def _link_cell(base_url: str, code: str | None) -> Cell:
    """The survey link, shown as its path: the whole address would widen the table."""
    if not code:
        return Cell()
    path = f"/r/{code}"
    return Cell(path, base_url.rstrip("/") + path, kind=NOWRAP)


def _short(text: str | None) -> Cell:
    if not text:
        return Cell()
    if len(text) <= SHORT_TEXT:
        return Cell(text, kind=LONG)
    cut = text[: SHORT_TEXT - 1]
    if " " in cut[SHORT_TEXT // 2 :]:  # at a word's end, unless that loses too much
        cut = cut.rsplit(" ", 1)[0]
    return Cell(cut.rstrip() + "…", title=text, kind=LONG)


def _status(code: str) -> str:
    """QUEUED, NO_EMAIL, ... as words: Queued, No email."""
    return code.replace("_", " ").capitalize()


def _upload_status(status: str) -> str:
    return status.capitalize()


def _when(value: Any) -> str:
    """A stored date or time as text; PostgreSQL may hand back date and datetime objects."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _cents(cents: int) -> str:
    return f"{Decimal(cents) / 100:,.2f}"


def _amount(value: Any) -> str:
    """A stored amount (PostgreSQL: a Decimal; SQLite: an int or a float) with two decimals."""
    try:
        return f"{Decimal(str(value)):,.2f}"
    except InvalidOperation:
        return str(value)


def _more_note(rows: Sequence[Any]) -> str:
    return f"Only the newest {DETAIL_ROWS} are shown." if len(rows) > DETAIL_ROWS else ""
