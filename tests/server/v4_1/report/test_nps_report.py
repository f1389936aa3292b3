"""GET /v4.1/report/nps.json|.xml: the hand-computed figures of tests/server/reporting."""

from __future__ import annotations

from typing import Any

import pytest

from tests.server.reporting.support import scored_tenant
from tests.server.v4_1.support import call
from tests.support import RunningServer, Tenant, put_record

#: The message as documented, with its typographic apostrophe.
FILTER_KEY = "Filter key doesn\u2019t exist"
HALF_YEAR = {"date_range_from": "2026-01-01", "date_range_to": "2026-06-30"}


@pytest.fixture(scope="module")
def scored(server: RunningServer) -> Tenant:
    return scored_tenant(server)


def _report(tenant: Tenant, **params: Any) -> dict[str, Any]:
    response = call(tenant, "GET", "report/nps", params=params)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["Data"]
    return data


def test_the_period_s_figures(scored: Tenant) -> None:
    assert _report(scored, **HALF_YEAR) == {
        "nps": "16.7",
        "responses": "6",
        "promoters": "3",
        "passives": "1",
        "detractors": "2",
    }


def test_without_a_period_every_answer_counts(scored: Tenant) -> None:
    # The 2025 detractor joins: 3 promoters, 1 passive, 3 detractors of 7.
    assert _report(scored) == {
        "nps": "0.0",
        "responses": "7",
        "promoters": "3",
        "passives": "1",
        "detractors": "3",
    }


@pytest.mark.parametrize(
    ("filters", "nps", "responses"),
    [
        ({"filter_touchpoint": "Support"}, "33.3", "3"),
        ({"filter_touchpoint": "Onboarding"}, "0.0", "3"),
        # A division counts every division below it.
        ({"filter_division": "Europe"}, "33.3", "3"),
        ({"filter_division": "Netherlands"}, "0.0", "2"),
        ({"filter_division": "Americas"}, "-50.0", "2"),
        ({"filter_division": "Global"}, "16.7", "6"),
        ({"filter_segment": "Alpha"}, "33.3", "3"),
        # filter_<segment name>, as the known client sends it.
        ({"filter_Product": "Beta"}, "0.0", "3"),
        ({"filter_product": "Alpha"}, "33.3", "3"),
        ({"filter_touchpoint": "Support", "filter_division": "Europe"}, "100.0", "2"),
    ],
)
def test_filters(scored: Tenant, filters: dict[str, str], nps: str, responses: str) -> None:
    data = _report(scored, **HALF_YEAR, **filters)
    assert (data["nps"], data["responses"]) == (nps, responses)


@pytest.mark.parametrize(
    "filters",
    [
        {"filter_touchpoint": "Nowhere"},
        {"filter_division": "Atlantis"},
        {"filter_segment": "Gamma"},
    ],
)
def test_a_filter_matching_nothing_has_no_score(scored: Tenant, filters: dict[str, str]) -> None:
    assert _report(scored, **HALF_YEAR, **filters) == {
        "nps": None,
        "responses": "0",
        "promoters": "0",
        "passives": "0",
        "detractors": "0",
    }


def test_an_unknown_filter_key_is_400000(scored: Tenant) -> None:
    response = call(scored, "GET", "report/nps", params={"filter_colour": "red"})
    assert response.status_code == 400
    assert response.json() == {"Error": {"Message": FILTER_KEY, "Code": 400000}}


def test_an_unknown_filter_key_in_xml(scored: Tenant) -> None:
    response = call(scored, "GET", "report/nps", "xml", params={"filter_colour": "red"})
    assert response.status_code == 400
    assert response.text == (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f"<Error><Message>{FILTER_KEY}</Message><Code>400000</Code></Error>"
    )


def test_the_figures_in_xml(scored: Tenant) -> None:
    response = call(scored, "GET", "report/nps", "xml", params=HALF_YEAR)
    assert response.status_code == 200
    assert response.text == (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        "<Data><nps>16.7</nps><responses>6</responses><promoters>3</promoters>"
        "<passives>1</passives><detractors>2</detractors></Data>"
    )


def test_one_date_alone_is_300004(scored: Tenant) -> None:
    response = call(scored, "GET", "report/nps", params={"date_range_from": "2026-01-01"})
    assert response.status_code == 400
    assert response.json() == {
        "Error": {"Message": "Required field 'date_range_to' not supplied", "Code": 300004}
    }


def test_a_bad_date_is_300001(scored: Tenant) -> None:
    params = {"date_range_from": "2026-02-30", "date_range_to": "2026-03-01"}
    response = call(scored, "GET", "report/nps", params=params)
    assert response.status_code == 400
    assert response.json()["Error"]["Code"] == 300001


def test_a_bearer_token_works_too_and_only_for_its_system(
    scored: Tenant, server: RunningServer
) -> None:
    other = scored_tenant(server)
    with other.client() as http:
        response = http.get("/v4.1/report/nps.json", params=HALF_YEAR)
    assert response.status_code == 200
    assert response.json()["Data"]["responses"] == "6"
    with server.client(headers={"Authorization": "api_key wrong"}) as http:
        response = http.get("/v4.1/report/nps.json")
    assert response.status_code == 401
    assert response.json()["Error"]["Code"] == 200000


def test_a_post_is_300003(scored: Tenant) -> None:
    response = call(scored, "POST", "report/nps")
    assert response.status_code == 405
    assert response.json()["Error"]["Code"] == 300003


@pytest.mark.parametrize("value", ['Zürich "Nord"', "Alp", "a\\b"])
def test_a_segment_value_is_matched_whole_whatever_its_characters(
    server: RunningServer, value: str
) -> None:
    tenant = scored_tenant(server)
    with tenant.client() as http:
        record = {
            "Email": "odd@example.com",
            "Account Name": "Odd",
            "NPS": 9,
            "Responded": "2026-03-03 10:00:00",
            "Product": 'Zürich "Nord"' if value != "a\\b" else value,
        }
        assert put_record(http, "scores", record).status_code == 200
    data = _report(tenant, **HALF_YEAR, filter_segment=value)
    # "Alp" is inside "Alpha" but is no segment's value.
    assert data["responses"] == ("0" if value == "Alp" else "1")
