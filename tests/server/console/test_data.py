"""The console's data screens over HTTP: what the imports stored, a page at a time, one
system's rows only."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from opengauge.server.storage import Tx
from opengauge.server.storage.repositories import outbox, revenue
from opengauge.server.storage.repositories.listing import Prefix
from tests.server.console.support import Console, console, console_tenant, signed_in, viewer_of
from tests.server.survey.support import read_page
from tests.server.v4_1.revenue.helpers import add_accounts, csv_bytes, post_file
from tests.support import MULTI_MAPPING, RunningServer, Tenant, put_record

PAGE = 50
SLUGS = ("accounts", "contacts", "survey-records", "outbox", "revenue-uploads")
UPLOADED = "2024-03-01 10:00:00"


# -- reading the screens --------------------------------------------------------------


@dataclass
class Cell:
    text: str = ""
    href: str = ""
    title: str = ""


@dataclass
class Table:
    columns: list[str] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)

    def column(self, name: str) -> list[str]:
        index = self.columns.index(name)
        return [row[index].text for row in self.rows]

    def row(self, column: str, value: str) -> dict[str, Cell]:
        """The row whose ``column`` reads ``value``, by column name."""
        (found,) = [row for row in self.rows if row[self.columns.index(column)].text == value]
        return dict(zip(self.columns, found, strict=False))


class _Tables(HTMLParser):
    """Every table of a page: its column headings and its body rows' cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[Table] = []
        self._cell: Cell | None = None
        self._heading: list[str] | None = None
        self._in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "table":
            self.tables.append(Table())
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.tables[-1].rows.append([])
        elif tag == "th" and not self._in_body:
            self._heading = []
        elif tag in ("td", "th") and self._in_body:
            self._cell = Cell()
            self.tables[-1].rows[-1].append(self._cell)
        elif self._cell is not None and tag == "a":
            self._cell.href = found.get("href", "")
        elif self._cell is not None and "title" in found:
            self._cell.title = found["title"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_body = False
        elif tag == "th" and self._heading is not None:
            self.tables[-1].columns.append(" ".join("".join(self._heading).split()))
            self._heading = None
        elif tag in ("td", "th") and self._cell is not None:
            self._cell.text = " ".join(self._cell.text.split())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.text += data
        elif self._heading is not None:
            self._heading.append(data)


def tables(html: str) -> list[Table]:
    reader = _Tables()
    reader.feed(html)
    reader.close()
    return reader.tables


@dataclass
class Shown:
    """One page of a screen."""

    table: Table
    next_href: str
    html: str

    @property
    def searched(self) -> str:
        return read_page(self.html).one("input", name="q").attrs["value"]


def show(client: Console, path: str) -> Shown:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code, response.text)
    (table,) = tables(response.text)
    nexts = read_page(response.text).all("a", rel="next")
    return Shown(table, nexts[0].attrs["href"] if nexts else "", response.text)


def walk(client: Console, path: str) -> Iterator[Shown]:
    """Every page of a screen, following its "Next page" links."""
    while path:
        shown = show(client, path)
        yield shown
        path = shown.next_href


# -- making data ----------------------------------------------------------------------


def person(i: int, **extra: str) -> dict[str, str]:
    """A Multi-Object record: an account, a contact and a survey record with an e-mail."""
    return {
        "Account Name": f"Acme {i:03}",
        "Email": f"p{i:03}@example.com",
        "First Name": f"First{i}",
        "Last Name": f"Last{i}",
        "Touchpoint": "Support",
        **extra,
    }


def import_records(
    tenant: Tenant, records: list[dict[str, str]], mapping: str = MULTI_MAPPING
) -> None:
    with tenant.client() as http:
        for record in records:
            response = put_record(http, mapping, record)
            assert response.status_code == 200, response.text


def add_uploads(tenant: Tenant, names: list[str]) -> list[int]:
    """Failed revenue uploads, one log line each, stored as the 4.1 module stores them."""

    def insert(tx: Tx) -> list[int]:
        return [
            revenue.add_upload(
                tx, tenant.system_id, "failed", name, UPLOADED, (1, 0, 1), [f"Record 1: {name}"]
            )
            for name in names
        ]

    return tenant.server.db.run_sync(insert)


def fail_invitation(tenant: Tenant, email: str) -> int:
    """Make the outbox entry to ``email`` FAILED, as the sender does after its last attempt."""
    ((entry_id,),) = tenant.server.rows(
        "SELECT id FROM outbox WHERE system_id = ? AND recipient = ?", (tenant.system_id, email)
    )

    def give_up(tx: Tx) -> None:
        outbox.mark_attempt_failed(tx, int(entry_id), "SMTPRecipientsRefused: no such user", None)

    tenant.server.db.run_sync(give_up)
    return int(entry_id)


def outbox_state(tenant: Tenant, entry_id: int) -> tuple[Any, ...]:
    ((row),) = tenant.server.rows(
        "SELECT status, attempts, next_attempt_at FROM outbox WHERE id = ?", (entry_id,)
    )
    return tuple(row)


@pytest.fixture(scope="module")
def crowd(server: RunningServer) -> Tenant:
    """A system with 120 of everything: Multi-Object records (so accounts, contacts, survey
    records and invitations) and revenue uploads."""
    tenant = console_tenant(server)
    import_records(tenant, [person(i) for i in range(120)])
    add_uploads(tenant, [f"file{i:03}.csv" for i in range(120)])
    return tenant


#: Per screen: the column that tells rows apart, and its values newest first in ``crowd``.
NEWEST_FIRST = {
    "accounts": ("Name", [f"Acme {i:03}" for i in reversed(range(120))]),
    "contacts": ("Email", [f"p{i:03}@example.com" for i in reversed(range(120))]),
    "survey-records": ("Email", [f"p{i:03}@example.com" for i in reversed(range(120))]),
    "outbox": ("To", [f"p{i:03}@example.com" for i in reversed(range(120))]),
    "revenue-uploads": ("File", [f"file{i:03}.csv" for i in reversed(range(120))]),
}


# -- paging ---------------------------------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
def test_a_screen_pages_through_every_row_newest_first_fifty_at_a_time(
    crowd: Tenant, slug: str
) -> None:
    client = signed_in(crowd)
    column, expected = NEWEST_FIRST[slug]
    pages = list(walk(client, f"/console/{slug}"))
    assert [len(page.table.rows) for page in pages] == [PAGE, PAGE, 20]
    # Every row once, none missing, in order: the pages follow on from each other.
    assert [value for page in pages for value in page.table.column(column)] == expected
    assert all("after=" in page.next_href for page in pages[:-1])
    assert pages[-1].next_href == ""
    assert "First page" in pages[1].html
    assert "First page" not in pages[0].html


def test_survey_records_page_by_cg_id(crowd: Tenant) -> None:
    client = signed_in(crowd)
    ids = [
        int(v)
        for page in walk(client, "/console/survey-records")
        for v in page.table.column("CG-ID")
    ]
    stored = crowd.server.rows(
        "SELECT id FROM survey_records WHERE system_id = ? ORDER BY id DESC", (crowd.system_id,)
    )
    assert ids == [int(row[0]) for row in stored]


@pytest.mark.parametrize(
    ("slug", "query", "column", "expected"),
    [
        ("accounts", "Acme 0", "Name", [f"Acme {i:03}" for i in range(100)]),
        ("contacts", "P0", "Email", [f"p{i:03}@example.com" for i in range(100)]),
        ("survey-records", "p0", "Email", [f"p{i:03}@example.com" for i in range(100)]),
    ],
)
def test_a_search_lists_its_matches_in_name_order_and_keeps_the_search_on_every_page(
    crowd: Tenant, slug: str, query: str, column: str, expected: list[str]
) -> None:
    client = signed_in(crowd)
    pages = list(walk(client, f"/console/{slug}?q={query.replace(' ', '+')}"))
    assert [len(page.table.rows) for page in pages] == [PAGE, PAGE]
    assert [value for page in pages for value in page.table.column(column)] == expected
    assert parse_qs(urlsplit(pages[0].next_href).query)["q"] == [query]
    assert [page.searched for page in pages] == [query, query]
    narrow = show(client, f"/console/{slug}?q={query.replace(' ', '+')}1")
    assert narrow.table.column(column) == expected[10:20]
    assert narrow.next_href == ""


def test_a_search_without_matches_says_so(crowd: Tenant) -> None:
    client = signed_in(crowd)
    for slug, text in (
        ("accounts", "No account name starts with “Zeta”."),
        ("contacts", "No contact's e-mail address starts with “Zeta”."),
        ("survey-records", "survey record's contact has an e-mail address starting with “Zeta”"),
    ):
        page = show(client, f"/console/{slug}?q=Zeta")
        assert len(page.table.rows) == 1
        assert text in page.table.rows[0][0].text
        assert page.searched == "Zeta"


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize(
    "after", ["abc", "-5", "0", "1e3", " 7", "٣", "2147483648", "9" * 40, "%00", ""]
)
def test_a_bad_cursor_gives_the_first_page(crowd: Tenant, slug: str, after: str) -> None:
    client = signed_in(crowd)
    first = show(client, f"/console/{slug}")
    odd = show(client, f"/console/{slug}?after={after}&q=%00")
    assert odd.table.rows == first.table.rows
    assert odd.next_href == first.next_href


@pytest.mark.parametrize(
    "query", ["%25", "_", "'", "%5C", "%F4%8F%BF%BF", "%F0%9F%98%80", "%FF", "a" * 300]
)
def test_any_search_text_is_a_clean_page(crowd: Tenant, query: str) -> None:
    client = signed_in(crowd)
    for slug in ("accounts", "contacts", "survey-records"):
        shown = show(client, f"/console/{slug}?q={query}")
        assert len(shown.table.rows) == 1, (slug, query)  # the "no match" row
        assert shown.next_href == ""


def test_a_prefix_range_ends_after_every_string_that_starts_with_it() -> None:
    assert Prefix.of("ab") == Prefix("ab", "ac")
    assert Prefix.of("a\ud7ff").high == "a\ue000"  # past the surrogates
    assert Prefix.of("a\U0010ffff").high == "b"
    assert Prefix.of("\U0010ffff").high is None


def test_a_cursor_of_another_system_pages_nothing_of_it(
    crowd: Tenant, server: RunningServer
) -> None:
    mine = console_tenant(server)
    import_records(mine, [person(i) for i in range(3)])
    client = signed_in(mine)
    their_last = crowd.server.rows(
        "SELECT MAX(id) FROM accounts WHERE system_id = ?", (crowd.system_id,)
    )[0][0]
    shown = show(client, f"/console/accounts?q=Acme&after={their_last}")
    assert shown.table.column("Name") == ["Acme 000", "Acme 001", "Acme 002"]


# -- what each screen shows -----------------------------------------------------------


def test_accounts_show_their_parent_contracts_and_revenue_and_open_on_their_own_page(
    tenant: Tenant,
) -> None:
    with tenant.client() as http:
        assert http.put(
            "/accounts",
            json={"reference": "Globex", "number": "G-1", "manager": "Mona", "region": "EMEA"},
        ).status_code in (200, 201)
        assert http.put(
            "/accounts",
            json={"reference": "Globex NL", "number": "G-2", "manager": "Nico", "parent": "Globex"},
        ).status_code in (200, 201)
        for reference, start in (("C-1", "2023-01-01"), ("C-2", "2024-01-01")):
            contract = {
                "reference": reference,
                "account": "Globex NL",
                "start": start,
                "end": "2024-12-31",
                "description": f"Support {reference}",
            }
            assert http.put("/contracts", json=contract).status_code == 201
        mrr = {
            "Account Name": "Globex NL",
            "Amount": "100",
            "Start": "2024-01-01",
            "End": "2024-12-31",
            "Type": "MRR",
        }
        assert put_record(http, "revenue", mrr).status_code == 200
    file = csv_bytes("Globex NL,1000,2024-01-01,2024-12-31,ARR,Licences")
    assert post_file(tenant, file).status_code == 200
    ids = dict(
        tenant.server.rows("SELECT name, id FROM accounts WHERE system_id = ?", (tenant.system_id,))
    )
    ((upload_id,),) = tenant.server.rows(
        "SELECT id FROM revenue_uploads WHERE system_id = ?", (tenant.system_id,)
    )

    client = signed_in(tenant)
    listed = show(client, "/console/accounts").table
    assert listed.columns == ["Name", "Number", "Manager", "Parent", "Contracts", "Revenue"]
    assert [[cell.text for cell in row] for row in listed.rows] == [
        # MRR 100 for twelve months, and ARR 1000 over them.
        ["Globex NL", "G-2", "Nico", "Globex", "2", "2,200.00"],
        ["Globex", "G-1", "Mona", "", "0", "0.00"],
    ]
    child = listed.row("Name", "Globex NL")
    assert child["Name"].href == f"/console/accounts/{ids['Globex NL']}"
    assert child["Parent"].href == f"/console/accounts/{ids['Globex']}"

    fields, contracts, lines = tables(client.get(child["Name"].href).text)
    shown = {row[0].text: row[1].text for row in fields.rows}
    assert shown.pop("Created (UTC)")
    assert shown.pop("Updated (UTC)")
    assert shown == {
        "Name": "Globex NL",
        "Number": "G-2",
        "Manager": "Nico",
        "Region": "",
        "Parent": "Globex",
        "Aliases": "",
        "Contracts": "2",
        "Revenue": "2,200.00",
    }
    assert contracts.columns == ["Reference", "Start", "End", "Description"]
    assert [[cell.text for cell in row] for row in contracts.rows] == [
        ["C-2", "2024-01-01", "2024-12-31", "Support C-2"],
        ["C-1", "2023-01-01", "2024-12-31", "Support C-1"],
    ]
    assert lines.columns == ["Amount", "Type", "Start", "End", "Description", "Upload"]
    assert [[cell.text for cell in row] for row in lines.rows] == [
        ["1,000.00", "ARR", "2024-01-01", "2024-12-31", "Licences", f"Upload {upload_id}"],
        ["100.00", "MRR", "2024-01-01", "2024-12-31", "", "Imported record"],
    ]
    assert lines.rows[0][5].href == f"/console/revenue-uploads/{upload_id}"
    parent = tables(client.get(f"/console/accounts/{ids['Globex']}").text)
    assert [len(table.rows) for table in parent] == [
        10,
        1,
        1,
    ]  # "No contracts.", "No revenue lines."
    assert parent[1].rows[0][0].text == "No contracts."


def test_contacts_show_their_fields_and_account(tenant: Tenant) -> None:
    import_records(
        tenant,
        [
            {
                "Email": "Ann@Example.com",
                "First Name": "Ann",
                "Last Name": "Lee",
                "Account Name": "Acme",
            },
            {"Phone": "+31 6 1234 5678", "First Name": "Pia"},
        ],
    )
    ((acme,),) = tenant.server.rows(
        "SELECT id FROM accounts WHERE system_id = ? AND name = 'Acme'", (tenant.system_id,)
    )
    client = signed_in(tenant)
    listed = show(client, "/console/contacts").table
    assert listed.columns == ["Email", "Phone", "First name", "Last name", "Account"]
    assert [[cell.text for cell in row] for row in listed.rows] == [
        ["", "+31 6 1234 5678", "Pia", "", ""],
        ["Ann@Example.com", "", "Ann", "Lee", "Acme"],
    ]
    assert listed.rows[1][4].href == f"/console/accounts/{acme}"
    # The search is by address, in any case; a phone-only contact has none.
    assert show(client, "/console/contacts?q=ann%40EXAMPLE").table.column("Email") == [
        "Ann@Example.com"
    ]


def test_survey_records_show_their_link_status_and_answer(tenant: Tenant) -> None:
    comment = "Very helpful support, " * 5
    import_records(tenant, [person(1), person(2, **{"Touchpoint": "Onboarding"})])
    import_records(
        tenant,
        [{"Email": "p001@example.com", "NPS": "9", "Comment": comment.strip()}],
        mapping="external",
    )
    stored = tenant.server.rows(
        "SELECT id, link_code, date_creation FROM survey_records WHERE system_id = ? ORDER BY id",
        (tenant.system_id,),
    )
    client = signed_in(tenant)
    listed = show(client, "/console/survey-records").table
    assert listed.columns == [
        "CG-ID",
        "Email",
        "Touchpoint",
        "Status",
        "NPS",
        "Comment",
        "Link",
        "Delivery vector",
        "Date",
    ]
    answered, second, first = listed.rows
    assert [cell.text for cell in answered][:5] == [
        str(stored[2][0]),
        "p001@example.com",
        "",
        "Responded",
        "9",
    ]
    assert answered[5].text.endswith("…")
    assert len(answered[5].text) <= 60
    assert answered[5].title == comment.strip()
    assert answered[6].text == ""
    base_url = tenant.server.app.settings.base_url
    for row, (record_id, code, created) in ((first, stored[0]), (second, stored[1])):
        assert row[0].text == str(record_id)
        assert row[3].text == "Queued"
        assert row[6].text == f"/r/{code}"
        assert row[6].href in (f"/r/{code}", f"{base_url}/r/{code}")
        assert row[7].text == "Email"
        assert row[8].text == str(created)
    assert [first[2].text, second[2].text] == ["Support", "Onboarding"]
    # One contact's records, newest first, by its address.
    found = show(client, "/console/survey-records?q=P001%40example.com").table
    assert found.column("CG-ID") == [str(stored[2][0]), str(stored[0][0])]


def test_the_outbox_shows_each_invitation(tenant: Tenant) -> None:
    import_records(tenant, [person(7)])
    ((subject, created),) = tenant.server.rows(
        "SELECT subject, created_at FROM outbox WHERE system_id = ?", (tenant.system_id,)
    )
    client = signed_in(tenant)
    listed = show(client, "/console/outbox").table
    assert listed.columns[:7] == [
        "To",
        "Subject",
        "Status",
        "Attempts",
        "Last error",
        "Created",
        "Sent",
    ]
    assert [cell.text for cell in listed.rows[0]][:7] == [
        "p007@example.com",
        subject,
        "Queued",
        "0",
        "",
        str(created),
        "",
    ]
    assert "Retry" not in client.get("/console/outbox").text


def test_revenue_uploads_show_their_counts_and_open_on_their_log(tenant: Tenant) -> None:
    add_accounts(tenant, "Acme")
    assert (
        post_file(tenant, csv_bytes("Acme,1000,2024-01-01,2024-12-31,ARR"), "good.csv").status_code
        == 200
    )
    bad = csv_bytes("Acme,1000,2024-01-01,2024-12-31,ARR", "Nope,5,2024-01-01,2024-12-31,MRR")
    assert post_file(tenant, bad, "bad.csv").status_code == 400
    client = signed_in(tenant)
    listed = show(client, "/console/revenue-uploads").table
    assert listed.columns == ["Date", "File", "Status", "Total", "Successful", "Unsuccessful"]
    assert [[cell.text for cell in row][1:] for row in listed.rows] == [
        ["bad.csv", "Failed", "2", "0", "2"],
        ["good.csv", "Processed", "1", "1", "0"],
    ]
    bad_page = client.get(listed.row("File", "bad.csv")["Date"].href)
    fields, log = tables(bad_page.text)
    assert {row[0].text: row[1].text for row in fields.rows}["Status"] == "Failed"
    assert log.column("Message") == ["Record 2: Account 'Nope' does not exist."]
    good_page = client.get(listed.row("File", "good.csv")["Date"].href)
    assert tables(good_page.text)[1].column("Message") == [
        "Nothing to report: every row was stored."
    ]


# -- who sees what --------------------------------------------------------------------


def test_a_user_sees_only_their_own_system(server: RunningServer) -> None:
    mine, theirs = console_tenant(server), console_tenant(server)
    import_records(mine, [person(1)])
    import_records(theirs, [{**person(2), "Account Name": "Their account"}])
    add_uploads(theirs, ["their-file.csv"])
    failed = fail_invitation(theirs, "p002@example.com")
    ((account,),) = server.rows("SELECT id FROM accounts WHERE system_id = ?", (theirs.system_id,))
    ((upload,),) = server.rows(
        "SELECT id FROM revenue_uploads WHERE system_id = ?", (theirs.system_id,)
    )
    client = signed_in(mine)
    for slug in SLUGS:
        for path in (f"/console/{slug}", f"/console/{slug}?q=p002", f"/console/{slug}?q=Their"):
            text = client.get(path).text
            for secret in ("p002@example.com", "Their account", "their-file.csv"):
                assert secret not in text, (path, secret)
    for path in (f"/console/accounts/{account}", f"/console/revenue-uploads/{upload}"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "There is no such page in your system." in response.text
    assert client.post(f"/console/outbox/{failed}/retry").status_code == 404
    assert outbox_state(theirs, failed)[0] == "FAILED"
    assert client.get(f"/console/revenue-uploads/{upload}").status_code == 404
    # Their own user sees them.
    assert show(signed_in(theirs), "/console/accounts").table.column("Name") == ["Their account"]


@pytest.mark.parametrize("item", ["abc", "-1", "0", "2147483648", "9" * 40, "٣", "1.0"])
def test_an_item_id_that_names_nothing_is_a_404_page(tenant: Tenant, item: str) -> None:
    client = signed_in(tenant)
    for slug in ("accounts", "revenue-uploads"):
        response = client.get(f"/console/{slug}/{item}")
        assert response.status_code == 404, (slug, item)
        assert "There is no such page in your system." in response.text
    assert client.post(f"/console/outbox/{item}/retry").status_code == 404


def test_the_screens_need_a_session(server: RunningServer) -> None:
    anonymous = console(server)
    for slug in SLUGS:
        response = anonymous.get(f"/console/{slug}")
        assert response.status_code == 303
        assert response.headers["location"] == f"/console/login?next=/console/{slug}"


# -- retrying a failed invitation -----------------------------------------------------


def test_an_administrator_queues_a_failed_invitation_again(tenant: Tenant) -> None:
    import_records(tenant, [person(1), person(2)])
    failed = fail_invitation(tenant, "p001@example.com")
    ((queued,),) = tenant.server.rows(
        "SELECT id FROM outbox WHERE recipient = 'p002@example.com' AND system_id = ?",
        (tenant.system_id,),
    )
    client = signed_in(tenant)
    page = client.get("/console/outbox").text
    listed = tables(page)[0]
    assert listed.row("To", "p001@example.com")["Status"].text == "Failed"
    assert listed.row("To", "p001@example.com")["Last error"].text == (
        "SMTPRecipientsRefused: no such user"
    )
    buttons = read_page(page).all("button", type="submit", **{"class": "secondary small"})
    assert [button.text for button in buttons] == ["Retry"]  # the failed one only
    assert f'action="/console/outbox/{failed}/retry"' in page

    response = client.post(f"/console/outbox/{failed}/retry")
    assert response.status_code == 303
    assert response.headers["location"] == "/console/outbox"
    status, attempts, due = outbox_state(tenant, failed)
    assert (status, attempts) == ("QUEUED", 1)  # the attempts are kept
    # Due at once: the sender takes entries whose next attempt is not later than now.
    assert due is not None
    assert str(due) <= tenant.server.app.state.clock.timestamp()
    assert show(client, "/console/outbox").table.row("To", "p001@example.com")["Status"].text == (
        "Queued"
    )
    assert "Retry" not in client.get("/console/outbox").text
    # Only a failed entry goes back: not twice, not a queued one.
    assert client.post(f"/console/outbox/{failed}/retry").status_code == 404
    assert client.post(f"/console/outbox/{queued}/retry").status_code == 404
    assert outbox_state(tenant, queued)[:2] == ("QUEUED", 0)


def test_a_viewer_sees_the_screens_but_cannot_retry(tenant: Tenant) -> None:
    import_records(tenant, [person(1)])
    failed = fail_invitation(tenant, "p001@example.com")
    viewer = signed_in(tenant, viewer_of(tenant))
    for slug in SLUGS:
        assert viewer.get(f"/console/{slug}").status_code == 200, slug
    page = viewer.get("/console/outbox").text
    assert tables(page)[0].row("To", "p001@example.com")["Status"].text == "Failed"
    assert "Retry" not in page
    response = viewer.post(f"/console/outbox/{failed}/retry")
    assert response.status_code == 403
    assert outbox_state(tenant, failed)[0] == "FAILED"
    expired = signed_in(tenant).post(f"/console/outbox/{failed}/retry", {"csrf_token": "nope"})
    assert expired.status_code == 403
    assert outbox_state(tenant, failed)[0] == "FAILED"


# -- the pages themselves -------------------------------------------------------------


def test_the_data_pages_have_no_inline_script_or_style_and_label_their_search(
    crowd: Tenant,
) -> None:
    client = signed_in(crowd)
    ((account,),) = crowd.server.rows(
        "SELECT MIN(id) FROM accounts WHERE system_id = ?", (crowd.system_id,)
    )
    ((upload,),) = crowd.server.rows(
        "SELECT MIN(id) FROM revenue_uploads WHERE system_id = ?", (crowd.system_id,)
    )
    paths = [f"/console/{slug}" for slug in SLUGS]
    paths += [f"/console/accounts/{account}", f"/console/revenue-uploads/{upload}"]
    for path in paths:
        response: httpx.Response = client.get(path)
        assert response.status_code == 200, path
        assert "'unsafe-inline'" not in response.headers["content-security-policy"]
        assert response.headers["cache-control"] == "no-store"
        assert not re.search(r"<script(?![^>]*\bsrc=)", response.text), path
        assert " style=" not in response.text, path
        assert "<style" not in response.text, path
        assert re.search(r" on[a-z]+=", response.text) is None, path
        page = read_page(response.text)
        for found in page.all("input"):
            if found.attrs.get("type") != "hidden":
                assert page.all("label", **{"for": found.attrs["id"]}), (path, found)
    for slug in ("accounts", "contacts", "survey-records"):
        form = read_page(client.get(f"/console/{slug}").text).one("form", role="search")
        assert form.attrs["method"] == "get"
        assert form.attrs["action"] == f"/console/{slug}"
