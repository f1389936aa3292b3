"""The Dashboard screen: the hand-computed figures of tests/server/reporting, its filters
in the URL, and every table as CSV."""

from __future__ import annotations

import calendar
import csv
import io
import time
from urllib.parse import urlencode

import pytest

from opengauge.server.clock import Clock
from opengauge.server.console.dashboard import NO_SCORE
from tests.server.console.support import Console, admin_of, signed_in, viewer_of
from tests.server.reporting.support import PERIOD, scored_tenant
from tests.server.survey.support import read_page
from tests.support import RunningServer, Tenant, put_record

HALF_YEAR = urlencode(PERIOD)


@pytest.fixture
def scored(server: RunningServer) -> Tenant:
    return scored_tenant(server)


def _csv(client: Console, table: str, query: str = HALF_YEAR) -> list[list[str]]:
    response = client.get(f"/console/dashboard/{table}.csv?{query}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def _cards(client: Console, query: str = HALF_YEAR) -> dict[str, str]:
    response = client.get(f"/console/dashboard?{query}")
    assert response.status_code == 200, response.text
    page = read_page(response.text)
    terms = [dt.text.strip() for dt in page.all("dt")]
    values = [" ".join(dd.text.split()) for dd in page.all("dd")]
    return dict(zip(terms, values, strict=True))


def test_the_dashboard_is_the_first_screen_after_sign_in(scored: Tenant) -> None:
    client = signed_in(scored)
    response = client.get("/console/")
    assert response.status_code == 303
    assert response.headers["location"] == "/console/dashboard"
    page = read_page(client.get("/console/dashboard").text)
    current = page.one("a", **{"aria-current": "page"})
    assert current.text == "Dashboard"


def test_the_headline_figures(scored: Tenant) -> None:
    cards = _cards(signed_in(scored))
    assert cards["NPS"] == "16.7"
    assert cards["Responses"] == "6"
    assert cards["Promoters"] == "50.0% (3)"
    assert cards["Passives"] == "16.7% (1)"
    assert cards["Detractors"] == "33.3% (2)"
    # External responses are no invitations.
    assert cards["Invitations sent"] == "0"
    assert cards["Response rate"].startswith(NO_SCORE)
    assert cards["Revenue-weighted NPS"] == "-29.2 over 2 accounts with revenue"


def test_a_viewer_sees_the_same_figures(scored: Tenant) -> None:
    assert _cards(signed_in(scored, viewer_of(scored)))["NPS"] == "16.7"


def test_the_trend_by_month_and_by_week(scored: Tenant) -> None:
    client = signed_in(scored)
    rows = _csv(client, "trend")
    assert rows[0] == [
        "Month",
        "From",
        "To",
        "Responses",
        "Promoters",
        "Passives",
        "Detractors",
        "NPS",
    ]
    assert [(r[0], r[3], r[7]) for r in rows[1:]] == [
        ("2026-01", "1", "100.0"),
        ("2026-02", "1", "100.0"),
        ("2026-03", "1", "-100.0"),
        ("2026-04", "1", "-100.0"),
        ("2026-05", "1", "0.0"),
        ("2026-06", "1", "100.0"),
    ]
    weeks = _csv(client, "trend", HALF_YEAR + "&by=week")
    assert weeks[0][0] == "Week"
    # 2026-01-01 is a Thursday: the first week is cut to the period.
    assert weeks[1][:3] == ["2026-W01", "2026-01-01", "2026-01-04"]
    assert weeks[2][:3] == ["2026-W02", "2026-01-05", "2026-01-11"]
    assert sum(int(r[3]) for r in weeks[1:]) == 6
    # A week without answers has no score (an empty cell, not 0).
    assert weeks[3][3:] == ["0", "0", "0", "0", ""]


def test_touchpoints_and_the_division_roll_up(scored: Tenant) -> None:
    client = signed_in(scored)
    assert [(r[0], r[1], r[5]) for r in _csv(client, "touchpoints")[1:]] == [
        ("Support", "3", "33.3"),
        ("Onboarding", "3", "0.0"),
    ]
    divisions = _csv(client, "divisions")
    assert divisions[0] == [
        "Division",
        "Level",
        "Own responses",
        "Responses",
        "Promoters",
        "Passives",
        "Detractors",
        "NPS",
    ]
    assert [(r[0], r[1], r[2], r[3], r[7]) for r in divisions[1:]] == [
        ("Global", "0", "1", "6", "16.7"),
        ("Europe", "1", "1", "3", "33.3"),
        ("Netherlands", "2", "2", "2", "0.0"),
        ("Americas", "1", "2", "2", "-50.0"),
    ]


def test_accounts_with_their_revenue(scored: Tenant) -> None:
    rows = _csv(signed_in(scored), "accounts")
    assert [(r[0], r[1], r[2], r[6]) for r in rows[1:]] == [
        ("Bolt", "18000.00", "2", "-50.0"),
        ("Acme", "6000.00", "3", "33.3"),
        ("Cora", "0.00", "1", "100.0"),
    ]


def test_the_latest_comments_newest_first(scored: Tenant) -> None:
    rows = _csv(signed_in(scored), "comments")
    assert [(r[1], r[2], r[4], r[5]) for r in rows[1:]] == [
        ("6", "Too expensive", "Support", "Bolt"),
        ("3", "Slow start", "Onboarding", "Acme"),
        ("10", "Great support", "Support", "Acme"),
    ]


@pytest.mark.parametrize(
    ("filters", "nps", "responses"),
    [
        ({"touchpoint": "Support"}, "33.3", "3"),
        ({"division": "Europe"}, "33.3", "3"),
        ({"division": "Global"}, "16.7", "6"),
        ({"segment": "Alpha"}, "33.3", "3"),
        ({"touchpoint": "Nowhere"}, NO_SCORE, "0"),
        ({"from": "2025-01-01", "to": "2025-12-31"}, "-100.0", "1"),
    ],
)
def test_filters_live_in_the_url(
    scored: Tenant, filters: dict[str, str], nps: str, responses: str
) -> None:
    query = urlencode({**PERIOD, **filters})
    cards = _cards(signed_in(scored), query)
    assert (cards["NPS"], cards["Responses"]) == (nps, responses)


def test_the_form_shows_the_filters_back_and_the_downloads_keep_them(scored: Tenant) -> None:
    client = signed_in(scored)
    query = urlencode({**PERIOD, "touchpoint": "Support", "by": "week"})
    page = read_page(client.get(f"/console/dashboard?{query}").text)
    assert page.one("input", name="from").attrs["value"] == "2026-01-01"
    selected = [o.text for o in page.all("option") if "selected" in o.attrs]
    assert "Support" in selected
    assert "Week" in selected
    downloads = [a.attrs["href"] for a in page.all("a") if a.attrs.get("href", "").endswith(query)]
    assert "/console/dashboard/trend.csv?" + query in downloads
    assert len(downloads) >= 7


def test_the_default_period_is_the_last_12_months(scored: Tenant, clock: Clock) -> None:
    clock.freeze()
    clock.set_time(calendar.timegm(time.strptime("2026-07-01 12:00:00", "%Y-%m-%d %H:%M:%S")))
    client = signed_in(scored)
    page = read_page(client.get("/console/dashboard").text)
    assert page.one("input", name="from").attrs["value"] == "2025-07-02"
    assert page.one("input", name="to").attrs["value"] == "2026-07-01"
    cards = _cards(client, "")
    # 2025-06-10 is more than 12 months before.
    assert (cards["NPS"], cards["Responses"]) == ("16.7", "6")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-13-01", "The start date must be a date such as 2026-01-31."),
        ("to=yesterday", "The end date must be a date such as 2026-01-31."),
        ("from=2026-05-01&to=2026-04-01", "The end date must not be before the start date."),
        ("by=day", "Group the trend by month or by week."),
        (
            "from=2020-01-01&to=2026-01-01&by=week",
            "A weekly trend covers at most 160 weeks: group by month.",
        ),
        ("from=2000-01-01&to=2026-01-01", "A view covers at most ten years."),
    ],
)
def test_bad_filters_are_explained(scored: Tenant, query: str, message: str) -> None:
    client = signed_in(scored)
    response = client.get(f"/console/dashboard?{query}")
    assert response.status_code == 400
    page = read_page(response.text)
    assert message in [li.text.strip() for li in page.all("li")]
    # The page still shows figures (the default view), never a 500.
    assert "NPS" in [dt.text for dt in page.all("dt")]
    assert client.get(f"/console/dashboard/trend.csv?{query}").status_code == 400


def test_an_unknown_table_is_404(scored: Tenant) -> None:
    client = signed_in(scored)
    assert client.get("/console/dashboard/secrets.csv").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(server: RunningServer) -> None:
    with server.client(follow_redirects=False) as http:
        for path in ("/console/dashboard", "/console/dashboard/trend.csv"):
            response = http.get(path)
            assert response.status_code == 303
            assert response.headers["location"].startswith("/console/login")


def test_a_csv_cell_is_never_a_spreadsheet_formula(scored: Tenant) -> None:
    with scored.client() as http:
        record = {
            "Email": "formula@example.com",
            "Account Name": "Acme",
            "NPS": 8,
            "Responded": "2026-06-20 10:00:00",
            "Comment": '=HYPERLINK("http://evil.example")',
        }
        assert put_record(http, "scores", record).status_code == 200
    rows = _csv(signed_in(scored), "comments")
    assert rows[1][2] == '\'=HYPERLINK("http://evil.example")'
    # Negative scores stay numbers.
    assert "-100.0" in [r[7] for r in _csv(signed_in(scored), "trend")[1:]]


def test_systems_see_only_their_own_answers(scored: Tenant, server: RunningServer) -> None:
    other = scored_tenant(server)
    client = signed_in(other)
    assert _cards(client)["Responses"] == "6"
    assert admin_of(other) != admin_of(scored)


def test_text_from_data_is_escaped(scored: Tenant) -> None:
    with scored.client() as http:
        record = {
            "Email": "xss@example.com",
            "Account Name": "<script>alert(1)</script>",
            "NPS": 2,
            "Responded": "2026-06-21 10:00:00",
            "Comment": "<img src=x onerror=alert(1)>",
        }
        assert put_record(http, "scores", record).status_code == 200
    text = signed_in(scored).get(f"/console/dashboard?{HALF_YEAR}").text
    assert "<script>alert(1)" not in text
    assert "<img src=x" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text


def test_a_segment_view_counts_every_breakdown_from_the_segment_s_answers(
    scored: Tenant,
) -> None:
    client = signed_in(scored)
    query = HALF_YEAR + "&segment=Alpha"
    assert [(r[0], r[3], r[7]) for r in _csv(client, "trend", query)[1:]] == [
        ("2026-01", "1", "100.0"),
        ("2026-02", "1", "100.0"),
        ("2026-03", "1", "-100.0"),
        ("2026-04", "0", ""),
        ("2026-05", "0", ""),
        ("2026-06", "0", ""),
    ]
    assert [(r[0], r[1], r[5]) for r in _csv(client, "touchpoints", query)[1:]] == [
        ("Support", "2", "100.0"),
        ("Onboarding", "1", "-100.0"),
    ]
    assert [(r[0], r[2], r[3], r[7]) for r in _csv(client, "divisions", query)[1:]] == [
        ("Global", "0", "3", "33.3"),
        ("Europe", "1", "3", "33.3"),
        ("Netherlands", "2", "2", "0.0"),
        ("Americas", "0", "0", ""),
    ]
    assert [(r[0], r[2]) for r in _csv(client, "accounts", query)[1:]] == [("Acme", "3")]
