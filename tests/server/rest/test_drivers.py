"""``with[]=drivers`` on the responses export: the labels each answer chose on the survey page."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.server.rest.helpers import NON_RESPONSES, RESPONSES, Params, get_page
from tests.server.survey.support import read_page
from tests.support import MULTI_MAPPING, RunningServer, Tenant, create_tenant, put_record

DRIVERS = [
    {"label": "Product quality", "good_bad": "pos", "position": 1, "reason_code": "q"},
    {"label": "Ease of use", "good_bad": "pos", "position": 2, "reason_code": "e"},
    {"label": "Support", "good_bad": "pos", "position": 0, "reason_code": "s"},
    {"label": "Price", "good_bad": "neg", "position": 1, "reason_code": "p"},
]
WITH_DRIVERS: Params = [("with[]", "drivers")]


@pytest.fixture
def tenant(server: RunningServer) -> Tenant:
    """A tenant with drivers on both sides and a campaign every personal link matches."""
    return create_tenant(
        server,
        f"t-{uuid.uuid4().hex[:10]}",
        drivers=DRIVERS,
        campaigns=[{"name": "all", "filters": []}],
    )


def _answer(tenant: Tenant, score: int, chosen: list[str] | None) -> int:
    """A personal link answered on the survey page with ``score``, then (unless None) the
    drivers ``chosen`` ticked on its drivers step; the record's id."""
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    with tenant.client() as api:
        made = api.put(
            "/personal-link/", json={"configuration": MULTI_MAPPING, "record": {"Email": email}}
        )
    assert made.status_code == 200, made.text
    data = made.json()["data"]
    path = "/r/" + data["survey_link"].rsplit("/r/", 1)[1]
    with tenant.server.client() as browser:
        token = read_page(browser.get(path).text).form_token()
        answered = browser.post(path, data={"form_token": token, "score": str(score)})
        assert answered.status_code == 303
        step = read_page(browser.get(path).text)
        offered = [box.attrs["value"] for box in step.all("input", type="checkbox")]
        if chosen is not None:
            assert set(chosen) <= set(offered), offered
            # The checkboxes share one name, so the body is built pair by pair.
            form: Params = [("form_token", token), *(("driver", code) for code in chosen)]
            posted = browser.post(
                f"{path}/drivers",
                content=str(httpx.QueryParams(form)),
                headers={"content-type": "application/x-www-form-urlencoded"},
            )
            assert posted.status_code == 200, posted.text
    return int(data["number_customergauge"])


def _drivers(page: dict[str, Any]) -> dict[int, list[dict[str, str]]]:
    return {record["number_customergauge"]: record["drivers"] for record in page["data"]}


def test_each_response_lists_the_labels_its_answer_chose(tenant: Tenant) -> None:
    promoter = _answer(tenant, 10, ["e", "q", "s"])
    with tenant.client() as api:
        put_record(api, "external", {"Email": "outside@example.com", "NPS": "9"})
        detractor = _answer(tenant, 3, ["p"])
        undecided = _answer(tenant, 9, [])
        skipped = _answer(tenant, 6, None)
        put_record(api, "survey", {"Email": "waiting@example.com"})  # a non-response
        records = get_page(api, RESPONSES, WITH_DRIVERS)
        plain = get_page(api, RESPONSES)
        expanded = get_page(api, RESPONSES, [*WITH_DRIVERS, ("with[]", "properties")])
        non_responses = get_page(api, NON_RESPONSES, WITH_DRIVERS)
    chosen = _drivers(records)
    external = next(i for i in chosen if i not in (promoter, detractor, undecided, skipped))
    assert chosen == {
        # The listing's order: by position among the level 1 drivers.
        promoter: [{"label": "Support"}, {"label": "Product quality"}, {"label": "Ease of use"}],
        external: [],
        detractor: [{"label": "Price"}],
        undecided: [],
        skipped: [],
    }
    assert list(chosen) == sorted(chosen)
    # Only when asked for; every other key is the same either way.
    assert [{**r, "drivers": []} for r in records["data"]] == plain["data"]
    assert _drivers(expanded) == chosen
    assert [record["drivers"] for record in non_responses["data"]] == [[]]


def test_drivers_follow_their_records_across_pages_and_systems(
    server: RunningServer, tenant: Tenant
) -> None:
    other = create_tenant(
        server,
        f"t-{uuid.uuid4().hex[:10]}",
        drivers=[{"label": "Theirs", "good_bad": "pos", "reason_code": "q"}],
        campaigns=[{"name": "all", "filters": []}],
    )
    first = _answer(tenant, 10, ["q"])
    theirs = _answer(other, 10, ["q"])  # an id between two of this system's records
    second = _answer(tenant, 9, ["e"])
    third = _answer(tenant, 2, ["p"])
    with tenant.client() as api:
        pages = [
            get_page(api, RESPONSES, [*WITH_DRIVERS, ("per_page", 2)]),
            get_page(api, RESPONSES, [*WITH_DRIVERS, ("per_page", 2), ("cursor", second)]),
        ]
    assert first < theirs < second < third
    assert [_drivers(page) for page in pages] == [
        {first: [{"label": "Product quality"}], second: [{"label": "Ease of use"}]},
        {third: [{"label": "Price"}]},
    ]
    with other.client() as api:
        assert _drivers(get_page(api, RESPONSES, WITH_DRIVERS)) == {theirs: [{"label": "Theirs"}]}
