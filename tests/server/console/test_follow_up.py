"""The Follow-up screen over HTTP: the answers waiting for a follow-up, its filters and pages,
and a record's page with its history and forms, for every signed-in user."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.server.console.support import (
    Console,
    admin_of,
    problems,
    signed_in,
    viewer_of,
)
from tests.server.survey.support import read_page
from tests.server.v4_1.support import call
from tests.server.workflow.support import (
    answer,
    follow_up_mails,
    follow_up_state,
    follow_up_tenant,
    history_of,
    workflow_of,
)
from tests.support import RunningServer, Tenant

COLUMNS = [
    "CG-ID",
    "Score",
    "Comment",
    "Contact",
    "Account",
    "Touchpoint",
    "Status",
    "Assigned to",
    "Answered",
]


@pytest.fixture
def tenant(server: RunningServer) -> Tenant:
    return follow_up_tenant(server)


class _Table(HTMLParser):
    """The first table of a page: its headings, and its body rows as (text, link) cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.columns: list[str] = []
        self.rows: list[list[tuple[str, str]]] = []
        self._tables = 0
        self._head = False
        self._cell: list[str] | None = None
        self._href = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._tables += 1
        if self._tables != 1:
            return
        if tag == "thead":
            self._head = True
        elif tag == "tr" and not self._head:
            self.rows.append([])
        elif tag in ("th", "td"):
            self._cell, self._href = [], ""
        elif tag == "a" and self._cell is not None:
            self._href = dict(attrs).get("href") or ""

    def handle_endtag(self, tag: str) -> None:
        if self._tables != 1:
            return
        if tag == "thead":
            self._head = False
        elif tag in ("th", "td") and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            if self._head:
                self.columns.append(text)
            else:
                self.rows[-1].append((text, self._href))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def table_of(html: str) -> _Table:
    table = _Table()
    table.feed(html)
    table.close()
    return table


def listed(client: Console, path: str = "/console/follow-up") -> tuple[list[dict[str, str]], str]:
    """The list's rows (column -> text; ``link`` the CG-ID's) and its next page's address."""
    response = client.get(path)
    assert response.status_code == 200, response.text
    table = table_of(response.text)
    assert table.columns == COLUMNS
    rows = []
    for cells in table.rows:
        if len(cells) == len(COLUMNS):
            row = {column: text for column, (text, _) in zip(COLUMNS, cells, strict=True)}
            rows.append({**row, "link": cells[0][1], "account_link": cells[4][1]})
    nexts = read_page(response.text).all("a", rel="next")
    return rows, nexts[0].attrs["href"] if nexts else ""


def cg_ids(client: Console, path: str = "/console/follow-up") -> list[int]:
    return [int(row["CG-ID"]) for row in listed(client, path)[0]]


def history_shown(client: Console, record: int) -> list[list[str]]:
    """The rows of the History table of the record's page."""
    html = client.get(f"/console/follow-up/{record}").text
    table = table_of(html[html.index('id="history-heading"') :])
    assert table.columns == ["When (UTC)", "By", "Status", "Assigned to", "Comment"]
    return [[text for text, _ in row] for row in table.rows]


def offered(html: str) -> list[tuple[str, bool]]:
    """The options of the Assign form's select: (value, selected)."""
    start = html.index('<select id="assigned_to"')
    fragment = read_page(html[start : html.index("</select>", start)])
    return [(o.attrs["value"], "selected" in o.attrs) for o in fragment.all("option")]


# -- the list -------------------------------------------------------------------------


def test_the_list_shows_waiting_detractors_and_passives_newest_answer_first(
    tenant: Tenant,
) -> None:
    late = answer(
        tenant,
        3,
        email="late@example.com",
        responded="2024-06-02 09:00:00",
        Comment="The courier never came",
        **{"First Name": "Lee", "Account Name": "Acme", "Touchpoint": "Support"},
    )
    passive = answer(tenant, 8, email="passive@example.com", responded="2024-06-01 09:00:00")
    answer(tenant, 9, email="promoter@example.com", responded="2024-06-03 09:00:00")
    early = answer(tenant, 0, email="early@example.com", responded="2024-05-01 09:00:00")
    # Answered later but imported first: the answer's time orders the list, not the CG-ID.
    newest = answer(tenant, 6, email="newest@example.com", responded="2024-07-01 09:00:00")
    with tenant.client() as http:  # an invitation nobody answered
        http.put("/records/", json={"configuration": "survey", "record": {"Email": "q@x.com"}})
    client = signed_in(tenant, viewer_of(tenant))
    rows, next_href = listed(client)
    assert [int(row["CG-ID"]) for row in rows] == [newest, late, passive, early]
    assert next_href == ""
    row = rows[1]
    assert row == {
        "CG-ID": str(late),
        "Score": "3",
        "Comment": "The courier never came",
        "Contact": "late@example.com",
        "Account": "Acme",
        "Touchpoint": "Support",
        "Status": "Open",
        "Assigned to": "",
        "Answered": "2024-06-02 09:00:00",
        "link": f"/console/follow-up/{late}",
        "account_link": row["account_link"],
    }
    assert row["account_link"].startswith("/console/accounts/")
    # Closed follow-ups leave the list; the other filters find them.
    call(tenant, "POST", "workflow", data={"number_customergauge": str(late), "status": "CLOSE"})
    call(tenant, "POST", "workflow", data={"number_customergauge": str(passive), "status": "7"})
    assert cg_ids(client) == [newest, passive, early]
    assert cg_ids(client, "/console/follow-up?show=closed") == [late]
    assert cg_ids(client, "/console/follow-up?show=all") == [newest, late, passive, early]
    assert cg_ids(client, "/console/follow-up?show=all&detractors=1") == [newest, late, early]
    assert cg_ids(client, "/console/follow-up?detractors=1") == [newest, early]
    everything = listed(client, "/console/follow-up?show=all")[0]
    assert {row["CG-ID"]: row["Status"] for row in everything} == {
        str(newest): "Open",
        str(late): "Closed",
        str(passive): "Status 7",
        str(early): "Open",
    }


def test_the_filters_are_kept_in_the_form_and_unknown_ones_are_the_default(
    tenant: Tenant,
) -> None:
    record = answer(tenant, 5)
    client = signed_in(tenant)
    page = read_page(client.get("/console/follow-up?show=closed&detractors=1").text)
    selected = [o.attrs["value"] for o in page.all("option") if "selected" in o.attrs]
    assert selected == ["closed"]
    assert "checked" in page.one("input", name="detractors").attrs
    for odd in ("show=everything", "show=", "detractors=yes", "after=abc", "after=99999999999"):
        assert cg_ids(client, f"/console/follow-up?{odd}") == [record], odd


def test_pages_follow_the_answers_with_the_filters(tenant: Tenant) -> None:
    # 53 detractors answered a minute apart, 2 at the same second (ties go by CG-ID),
    # and promoters in between that no page shows.
    records = []
    for i in range(53):
        minute = min(i, 51)
        responded = f"2024-05-01 {10 + minute // 60:02}:{minute % 60:02}:00"
        records.append(answer(tenant, i % 7, email=f"d{i}@example.com", responded=responded))
        if i % 10 == 0:
            answer(tenant, 10, email=f"p{i}@example.com", responded=responded)
    expected = [*reversed(records)]  # the last two: the same second, the higher CG-ID first
    client = signed_in(tenant)
    first, next_href = listed(client, "/console/follow-up?show=all&detractors=1")
    assert len(first) == 50
    query = parse_qs(urlsplit(next_href).query)
    assert query == {"show": ["all"], "detractors": ["1"], "after": [first[-1]["CG-ID"]]}
    second, last_next = listed(client, next_href)
    assert last_next == ""
    shown = [int(row["CG-ID"]) for row in first + second]
    assert shown == expected
    assert len(set(shown)) == 53
    page = read_page(client.get(next_href).text)
    assert page.one("a", href="/console/follow-up?show=all&detractors=1").text == "First page"


# -- a record's page -------------------------------------------------------------------


def test_a_follow_up_is_worked_on_its_page_and_every_change_is_in_its_history(
    tenant: Tenant,
) -> None:
    record = answer(tenant, 2, Comment="Nobody called back", **{"First Name": "Ann"})
    admin = signed_in(tenant)
    html = admin.get(f"/console/follow-up/{record}").text
    assert read_page(html).one("h1").text == f"Follow-up of survey record {record}"
    fields = {row[0][0]: row[1][0] for row in table_of(html).rows}
    assert fields["Score"] == "2"
    assert fields["Comment"] == "Nobody called back"
    assert fields["Name"] == "Ann"
    assert fields["Status"] == "Open"
    assert fields["Assigned to"] == "Nobody"
    assert offered(html) == [("", False), (admin_of(tenant), False), (viewer_of(tenant), False)]
    assert history_shown(admin, record) == [
        ["No changes yet: the follow-up is open and assigned to nobody."]
    ]
    path = f"/console/follow-up/{record}"
    for action, data in (
        ("assign", {"assigned_to": viewer_of(tenant)}),
        ("status", {"status": "IN-PROGRESS"}),
        ("comment", {"comment": "Called,\r\nleft a message"}),
        ("close", {"comment": "Refunded"}),
    ):
        done = admin.post(f"{path}/{action}", data)
        assert done.status_code == 303, (action, done.text)
        assert done.headers["location"] == f"{path}?done={action}"
    shown = read_page(admin.get(f"{path}?done=close").text)
    assert shown.one("p", role="status").text == "The follow-up is closed."
    assert history_of(tenant, record) == [
        (admin_of(tenant), None, viewer_of(tenant), None),
        (admin_of(tenant), "IN-PROGRESS", None, None),
        (admin_of(tenant), None, None, "Called,\nleft a message"),
        (admin_of(tenant), "CLOSED", None, "Refunded"),
    ]
    rows = history_shown(admin, record)
    assert [row[1:] for row in rows] == [
        [admin_of(tenant), "", viewer_of(tenant), ""],
        [admin_of(tenant), "In progress", "", ""],
        [admin_of(tenant), "", "", "Called, left a message"],
        [admin_of(tenant), "Closed", "", "Refunded"],
    ]
    assert all(len(row[0]) == 19 for row in rows)  # when, to the second
    assert workflow_of(tenant, record) == ("CLOSED", viewer_of(tenant))
    # Changes made through the API are in the same history.
    call(tenant, "POST", "workflow", data={"number_customergauge": str(record), "status": "OPEN"})
    assert history_shown(admin, record)[-1][1:] == ["api_key", "Open", "", ""]


def test_a_viewer_works_follow_ups_too(tenant: Tenant) -> None:
    record = answer(tenant, 4)
    viewer = signed_in(tenant, viewer_of(tenant))
    path = f"/console/follow-up/{record}"
    assert viewer.post(f"{path}/assign", {"assigned_to": viewer_of(tenant)}).status_code == 303
    assert viewer.post(f"{path}/comment", {"comment": "On it"}).status_code == 303
    assert viewer.post(f"{path}/close", {}).status_code == 303
    assert history_of(tenant, record) == [
        (viewer_of(tenant), None, viewer_of(tenant), None),
        (viewer_of(tenant), None, None, "On it"),
        (viewer_of(tenant), "CLOSED", None, None),
    ]
    # Assigning yourself mails nobody.
    assert follow_up_mails(tenant) == []


def test_assigning_someone_else_mails_them_once(tenant: Tenant) -> None:
    record = answer(tenant, 1)
    admin = signed_in(tenant)
    path = f"/console/follow-up/{record}"
    admin.post(f"{path}/assign", {"assigned_to": viewer_of(tenant)})
    again = admin.post(f"{path}/assign", {"assigned_to": viewer_of(tenant)})
    assert again.headers["location"] == f"{path}?done=unchanged"
    (mail,) = follow_up_mails(tenant)
    base_url = tenant.server.app.settings.base_url
    assert mail == (
        viewer_of(tenant),
        record,
        f"The follow-up of survey record {record} in {tenant.name} is assigned to you",
        f"{base_url}/console/follow-up/{record}",
    )
    assert len(history_of(tenant, record)) == 1
    outbox = admin.get("/console/outbox").text
    assert f"The follow-up of survey record {record} in {tenant.name}" in outbox


@pytest.mark.parametrize(
    ("action", "data", "field", "message"),
    [
        ("comment", {"comment": "  "}, "comment", "Write a comment."),
        ("comment", {"comment": "x" * 4001}, "comment", "A comment has at most 4000 characters."),
        (
            "close",
            {"comment": "x" * 4001},
            "close-comment",
            "A comment has at most 4000 characters.",
        ),
        ("assign", {"assigned_to": ""}, "assigned_to", "Choose an active user of your system."),
        (
            "assign",
            {"assigned_to": "stranger@example.com"},
            "assigned_to",
            "Choose an active user of your system.",
        ),
        ("status", {"status": "LATER"}, "status", "Choose a status: Open, In progress or Closed."),
        ("status", {}, "status", "Choose a status: Open, In progress or Closed."),
    ],
)
def test_a_refused_change_shows_the_page_again_with_the_problem(
    tenant: Tenant, action: str, data: dict[str, str], field: str, message: str
) -> None:
    record = answer(tenant, 3)
    admin = signed_in(tenant)
    before = follow_up_state(tenant)
    refused = admin.post(f"/console/follow-up/{record}/{action}", data)
    assert refused.status_code == 422
    assert problems(refused) == [message]
    page = read_page(refused.text)
    invalid = [e for e in page.elements if e.attrs.get("aria-invalid") == "true"]
    assert [e.attrs["id"] for e in invalid] == [field]
    if "comment" in data and data["comment"].strip():
        assert invalid[0].text == data["comment"]  # the comment as typed
    assert follow_up_state(tenant) == before


def test_forms_without_the_session_token_are_refused(tenant: Tenant) -> None:
    record = answer(tenant, 3)
    client = signed_in(tenant)
    other = signed_in(tenant, viewer_of(tenant))
    before = follow_up_state(tenant)
    for token in ("", other.csrf):
        refused = client.http.post(
            f"/console/follow-up/{record}/close", data={"csrf_token": token, "comment": "x"}
        )
        assert refused.status_code == 403
        assert "This form has expired" in refused.text
    assert follow_up_state(tenant) == before


def test_signed_out_users_are_sent_to_sign_in(tenant: Tenant) -> None:
    record = answer(tenant, 3)
    with tenant.server.client(follow_redirects=False) as http:
        for response in (
            http.get("/console/follow-up"),
            http.get(f"/console/follow-up/{record}"),
            http.post(f"/console/follow-up/{record}/close", data={"comment": "x"}),
        ):
            assert response.status_code == 303
            assert response.headers["location"].startswith("/console/login")
    assert workflow_of(tenant, record) is None


def test_another_systems_record_is_not_found(server: RunningServer, tenant: Tenant) -> None:
    other = follow_up_tenant(server)
    theirs = answer(other, 2)
    client = signed_in(tenant)
    for path in (f"/console/follow-up/{theirs}", "/console/follow-up/abc", "/console/follow-up/0"):
        assert client.get(path).status_code == 404, path
        assert client.post(f"{path}/close", {}).status_code == 404, path
    assert client.get(f"/console/follow-up/{2**40}").status_code == 404
    assert workflow_of(other, theirs) is None
    assert cg_ids(client, "/console/follow-up?show=all") == []
    # The other system's users are no assignees here either.
    mine = answer(tenant, 2)
    refused = client.post(f"/console/follow-up/{mine}/assign", {"assigned_to": admin_of(other)})
    assert refused.status_code == 422


def test_a_disabled_user_is_not_offered(tenant: Tenant) -> None:
    record = answer(tenant, 3)
    with tenant.client() as http:
        http.patch("/v5/user-manager/users/disable", json={"email": viewer_of(tenant)})
    admin = signed_in(tenant)
    assert offered(admin.get(f"/console/follow-up/{record}").text) == [
        ("", False),
        (admin_of(tenant), False),
    ]
    call(
        tenant,
        "POST",
        "workflow",
        data={"number_customergauge": str(record), "assigned_to": admin_of(tenant)},
    )
    # The current assignee is chosen, and no empty choice is offered any more.
    assert offered(admin.get(f"/console/follow-up/{record}").text) == [(admin_of(tenant), True)]
