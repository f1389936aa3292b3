"""The drivers step of a survey page: after the score, "What influenced your score?" with the
drivers that fit it (spec section 11), posted to ``/r/{code}/drivers`` and stored once."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tests.server.survey.support import (
    DriverRow,
    Survey,
    add_drivers,
    make_survey,
    read_page,
    text_of,
)
from tests.support import RunningServer, Tenant, create_tenant

DRIVERS = [
    DriverRow("P1", "pos", "Friendly staff", position=1),
    DriverRow("P2", "pos", "Fast delivery", position=2),
    DriverRow("N1", "neg", "Price", position=1),
    DriverRow("N2", "neg", "Support", position=2),
    DriverRow("N3", "neg", "Slow answers", level=2, category_main="Support", position=1),
]


@pytest.fixture
def with_drivers(server: RunningServer) -> Tenant:
    """A tenant with promoter and detractor drivers (one of them level 2)."""
    tenant = create_tenant(server, f"d-{uuid.uuid4().hex[:10]}")
    add_drivers(server, tenant, DRIVERS)
    return tenant


def _choices(html: str) -> list[tuple[str, str]]:
    """The drivers form's checkboxes as (value, label)."""
    page = read_page(html)
    labels = {label.attrs.get("for"): label.text.strip() for label in page.all("label")}
    return [
        (box.attrs["value"], labels[box.attrs["id"]])
        for box in page.all("input", type="checkbox", name="driver")
    ]


def _post_drivers(
    http: httpx.Client, survey: Survey, codes: list[str], token: str | None = None, **headers: str
) -> httpx.Response:
    form = [("form_token", token if token is not None else survey.row()["form_token"])]
    form += [("driver", code) for code in codes]
    return http.post(
        f"{survey.path}/drivers",
        content=urlencode(form).encode(),
        headers={"content-type": "application/x-www-form-urlencoded", **headers},
    )


@pytest.mark.parametrize(
    ("score", "offered"),
    [
        (10, [("P1", "Friendly staff"), ("P2", "Fast delivery")]),
        (9, [("P1", "Friendly staff"), ("P2", "Fast delivery")]),
        (8, [("N1", "Price"), ("N2", "Support"), ("N3", "Slow answers")]),
        (0, [("N1", "Price"), ("N2", "Support"), ("N3", "Slow answers")]),
    ],
)
def test_the_answer_page_asks_for_the_drivers_that_fit_the_score(
    http: httpx.Client, server: RunningServer, with_drivers: Tenant, score: int, offered: list[Any]
) -> None:
    survey = make_survey(server, tenant=with_drivers)
    answered = survey.answer(http, score)
    assert answered.headers["location"] == survey.path
    response = http.get(survey.path)
    assert response.status_code == 200
    page = read_page(response.text)
    form = page.one("form", method="post")
    assert form.attrs["action"] == f"{survey.path}/drivers"
    assert page.form_token() == survey.row()["form_token"]
    assert " ".join(page.one("legend").text.split()) == "What influenced your score?"
    assert page.one("fieldset")
    assert _choices(response.text) == offered
    assert page.one("button", type="submit").text.strip() == "Send"
    # The score is stored already, before any driver is chosen.
    assert survey.row()["nps"] == score
    assert survey.chosen_drivers() == []


def test_level_2_drivers_follow_their_category(
    http: httpx.Client, server: RunningServer, with_drivers: Tenant
) -> None:
    survey = make_survey(server, tenant=with_drivers)
    survey.answer(http, 3)
    page = read_page(http.get(survey.path).text)
    boxes = {e.attrs["value"]: e for e in page.all("input", type="checkbox")}
    assert list(boxes) == ["N1", "N2", "N3"]
    # The level 2 driver is indented under "Support".
    (sub,) = page.all("div", **{"class": "choice sub"})
    assert "Slow answers" in sub.text


def test_chosen_drivers_are_stored_once_and_the_thank_you_page_follows(
    http: httpx.Client, server: RunningServer, with_drivers: Tenant
) -> None:
    survey = make_survey(server, tenant=with_drivers)
    survey.answer(http, 6)
    response = _post_drivers(http, survey, ["N1", "N3"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    assert read_page(response.text).one("h1").text == "Thank you!"
    assert not read_page(response.text).all("form")
    assert survey.chosen_drivers() == ["N1", "N3"]
    # What the export and reporting read: the score and answer time copied beside the choice.
    rows = server.rows(
        "SELECT nps, date_response FROM record_drivers WHERE survey_record_id = ?",
        (survey.record_id,),
    )
    assert rows == [(6, survey.row()["date_response"])] * 2

    # A second post changes nothing (a reload, the back button) and thanks again.
    again = _post_drivers(http, survey, ["N2"])
    assert again.status_code == 200
    assert "Thank you!" in text_of(again.text)
    assert survey.chosen_drivers() == ["N1", "N3"]
    # The survey's page now thanks, without the drivers form.
    page = http.get(survey.path)
    assert "Thank you!" in text_of(page.text)
    assert not read_page(page.text).all("form")


def test_unknown_and_unfitting_codes_are_ignored(
    http: httpx.Client, server: RunningServer, with_drivers: Tenant
) -> None:
    survey = make_survey(server, tenant=with_drivers)
    survey.answer(http, 10)
    other = create_tenant(server, f"o-{uuid.uuid4().hex[:10]}")
    add_drivers(server, other, [DriverRow("X1", "pos", "Elsewhere")])
    # A detractor driver for a promoter, another system's code, nonsense, the same twice.
    codes = ["N1", "X1", "no-such", "", "<b>", "P2", "P2", "x" * 300]
    response = _post_drivers(http, survey, codes)
    assert response.status_code == 200
    assert survey.chosen_drivers() == ["P2"]


def test_only_unknown_codes_store_nothing_and_the_question_stays_open(
    http: httpx.Client, server: RunningServer, with_drivers: Tenant
) -> None:
    survey = make_survey(server, tenant=with_drivers)
    survey.answer(http, 9)
    response = _post_drivers(http, survey, ["nope"])
    assert response.status_code == 200
    assert "Thank you!" in text_of(response.text)
    assert survey.chosen_drivers() == []
    # Nothing was chosen: the survey's page may still ask.
    assert _choices(http.get(survey.path).text)


def test_drivers_need_the_form_token_and_the_same_site(
    http: httpx.Client, server: RunningServer, with_drivers: Tenant
) -> None:
    survey = make_survey(server, tenant=with_drivers)
    survey.answer(http, 2)
    for token in ("", "wrong", "tökén"):
        refused = _post_drivers(http, survey, ["N1"], token=token)
        assert refused.status_code == 403
        assert "could not be accepted" in text_of(refused.text)
    for headers in (
        {"Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": server.base_url, "Sec-Fetch-Site": "cross-site"},
    ):
        refused = _post_drivers(http, survey, ["N1"], **headers)
        assert refused.status_code == 403, headers
    assert survey.chosen_drivers() == []
    # The page's own post (Origin: null under no-referrer) is taken.
    taken = _post_drivers(http, survey, ["N1"], Origin="null", **{"Sec-Fetch-Site": "same-origin"})
    assert taken.status_code == 200
    assert survey.chosen_drivers() == ["N1"]


def test_a_system_without_fitting_drivers_thanks_at_once(
    http: httpx.Client, server: RunningServer
) -> None:
    plain = make_survey(server)  # a tenant without drivers
    plain.answer(http, 9)
    page = http.get(plain.path)
    assert "Thank you!" in text_of(page.text)
    assert not read_page(page.text).all("form")
    # Only detractor drivers: a promoter is not asked either.
    tenant = create_tenant(server, f"n-{uuid.uuid4().hex[:10]}")
    add_drivers(server, tenant, [DriverRow("N1", "neg", "Price")])
    promoter = make_survey(server, tenant=tenant)
    promoter.answer(http, 10)
    assert not read_page(http.get(promoter.path).text).all("form")
    detractor = make_survey(server, tenant=tenant, email="dee@example.com")
    detractor.answer(http, 4)
    assert _choices(http.get(detractor.path).text) == [("N1", "Price")]


def test_drivers_before_the_score_change_nothing(
    http: httpx.Client, server: RunningServer, with_drivers: Tenant
) -> None:
    survey = make_survey(server, tenant=with_drivers)
    response = _post_drivers(http, survey, ["P1"])
    assert response.status_code == 303
    assert response.headers["location"] == survey.path
    assert survey.chosen_drivers() == []
    assert survey.row()["date_response"] is None
    # A GET of the drivers address goes to the survey's page too.
    got = http.get(f"{survey.path}/drivers")
    assert got.status_code == 303
    assert got.headers["location"] == survey.path


def test_unknown_code_is_a_404_page(http: httpx.Client) -> None:
    response = http.post("/r/no-such-code/drivers", data={"form_token": "x", "driver": "1"})
    assert response.status_code == 404
    assert "Survey not found" in text_of(response.text)


def test_driver_labels_are_escaped(http: httpx.Client, server: RunningServer) -> None:
    tenant = create_tenant(server, f"e-{uuid.uuid4().hex[:10]}")
    add_drivers(server, tenant, [DriverRow('"><b>1', "pos", "<img src=x onerror=alert(1)>")])
    survey = make_survey(server, tenant=tenant)
    survey.answer(http, 9)
    response = http.get(survey.path)
    assert "<img src=x" not in response.text
    assert _choices(response.text) == [('"><b>1', "<img src=x onerror=alert(1)>")]
    assert _post_drivers(http, survey, ['"><b>1']).status_code == 200
    assert survey.chosen_drivers() == ['"><b>1']


def test_a_multipart_post_counts_its_driver(
    http: httpx.Client, server: RunningServer, with_drivers: Tenant
) -> None:
    survey = make_survey(server, tenant=with_drivers)
    survey.answer(http, 10)
    response = http.post(
        f"{survey.path}/drivers",
        files={"form_token": (None, survey.row()["form_token"]), "driver": (None, "P1")},
    )
    assert response.status_code == 200
    assert survey.chosen_drivers() == ["P1"]


def test_thank_you_page_has_no_unsubscribe_link(http: httpx.Client, survey: Survey) -> None:
    form = read_page(http.get(survey.path).text)
    assert [a for a in form.all("a") if a.text.strip() == "Unsubscribe"]
    survey.answer(http, 7)
    thanks = http.get(survey.path)
    assert "Thank you!" in text_of(thanks.text)
    assert not [a for a in read_page(thanks.text).all("a") if "unsubscribe" in a.attrs["href"]]
    assert "nsubscribe" not in thanks.text
