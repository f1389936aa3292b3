"""The survey page in a real browser: Debian's Chromium driven by Playwright.

``tests/browser.py`` starts the system's Chromium; no browser is ever downloaded.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import chromium, serious_violations
from tests.server.survey.support import DriverRow, add_drivers, make_survey
from tests.support import MULTI_MAPPING, RunningServer, create_tenant


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module's tests."""
    with chromium() as launched:
        yield launched


def test_answer_the_survey_in_a_browser(browser: Any, server: RunningServer) -> None:
    survey = make_survey(server, form_token=None)
    # A phone-sized window: the page must work there without scrolling sideways.
    context = browser.new_context(viewport={"width": 375, "height": 740})
    try:
        context.set_default_timeout(5_000)
        page = context.new_page()
        response = page.goto(server.base_url + survey.path)
        assert response is not None
        assert response.status == 200
        question = f"How likely are you to recommend {survey.tenant.name} to a friend or colleague?"
        assert page.locator("legend").inner_text() == question
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

        page.locator("label[for=score-9]").click()
        assert page.get_by_role("radio", name="9", exact=True).is_checked()
        page.get_by_label("Anything you would like to add? (optional)").fill(
            "Quick answers,\nfriendly people."
        )
        page.get_by_role("button", name="Send my answer").click()

        page.get_by_role("heading", name="Thank you!").wait_for()
        assert page.url == server.base_url + survey.path
    finally:
        context.close()
    row = survey.row()
    assert row["nps"] == 9
    assert row["comment"] == "Quick answers,\nfriendly people."
    assert row["status"] == "RESPONDED"
    assert row["date_response"] is not None


def test_personal_link_answered_in_a_browser_shows_up_in_the_export(
    browser: Any, server: RunningServer
) -> None:
    """The whole journey of the issue: create a link, answer it like a person, export it."""
    tenant = create_tenant(
        server, f"journey-{uuid.uuid4().hex[:8]}", campaigns=[{"name": "all", "filters": []}]
    )
    with tenant.client() as http:
        created = http.put(
            "/personal-link/",
            json={
                "configuration": MULTI_MAPPING,
                "record": {"Email": "journey@example.com", "First Name": "Jo"},
            },
        )
        assert created.status_code == 200
        data = created.json()["data"]

        context = browser.new_context()
        try:
            context.set_default_timeout(5_000)
            page = context.new_page()
            # The link exactly as the API handed it out (built from the public URL).
            response = page.goto(data["survey_link"])
            assert response is not None
            assert response.status == 200
            page.locator("label[for=score-9]").click()
            page.get_by_label("Anything you would like to add? (optional)").fill("Great help")
            page.get_by_role("button", name="Send my answer").click()
            page.get_by_role("heading", name="Thank you!").wait_for()
        finally:
            context.close()

        exported = http.get("/v7/rest/sync/responses", params={"per_page": 1000}).json()["data"]
    (record,) = [r for r in exported if r["number_customergauge"] == data["number_customergauge"]]
    assert record["nps"] == 9
    assert record["comment"] == "Great help"
    assert record["email"] == "journey@example.com"
    assert record["delivery_vector"] == "Personal Link"
    assert record["link"] == data["survey_link"]
    assert record["date_survey_response"] is not None


@pytest.mark.parametrize("width", [320, 360, 414])
def test_the_scale_keeps_one_row_on_a_phone(
    browser: Any, server: RunningServer, width: int
) -> None:
    tenant = create_tenant(
        server, f"phone-{uuid.uuid4().hex[:8]}", display_name="Acme Gardens", brand_colour="#ffd500"
    )
    survey = make_survey(server, tenant=tenant, first_name="Joe")
    context = browser.new_context(viewport={"width": width, "height": 740})
    try:
        context.set_default_timeout(5_000)
        page = context.new_page()
        page.goto(server.base_url + survey.path)
        boxes = [label.bounding_box() for label in page.locator(".scale label").all()]
        assert len(boxes) == 11
        tops = {round(box["y"]) for box in boxes}
        assert len(tops) == 1, f"the scale wraps at {width} px: {boxes}"
        lefts = [box["x"] for box in boxes]
        assert lefts == sorted(lefts)  # 0 to 10, left to right
        assert boxes[-1]["x"] + boxes[-1]["width"] <= width
        # Targets of at least 24 x 24 CSS pixels (WCAG 2.2, 2.5.8).
        assert min(box["width"] for box in boxes) >= 24
        assert min(box["height"] for box in boxes) >= 24
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        # The chosen score in the brand colour, with black text on the light yellow.
        page.locator("label[for=score-10]").click()
        chosen = page.locator("label[for=score-10]")
        colour = chosen.evaluate("e => getComputedStyle(e).backgroundColor")
        text = chosen.evaluate("e => getComputedStyle(e).color")
        assert (colour, text) == ("rgb(255, 213, 0)", "rgb(0, 0, 0)")
        assert serious_violations(page) == []
    finally:
        context.close()


def test_the_drivers_step_in_a_browser(browser: Any, server: RunningServer) -> None:
    tenant = create_tenant(server, f"drivers-{uuid.uuid4().hex[:8]}", display_name="Acme")
    add_drivers(
        server,
        tenant,
        [
            DriverRow("1", "pos", "Friendly staff"),
            DriverRow("2", "pos", "Fast delivery"),
            DriverRow("3", "neg", "Price"),
        ],
    )
    survey = make_survey(server, tenant=tenant, language="de", first_name="Jo")
    context = browser.new_context(viewport={"width": 360, "height": 740})
    try:
        context.set_default_timeout(5_000)
        page = context.new_page()
        page.goto(server.base_url + survey.path)
        assert page.locator("html").get_attribute("lang") == "de"
        page.locator("label[for=score-9]").click()
        page.get_by_role("button", name="Antwort senden").click()
        page.get_by_role("heading", name="Ihre Bewertung wurde gespeichert").wait_for()
        group = page.get_by_role("group", name="Was hat Ihre Bewertung beeinflusst?")
        assert group.get_by_role("checkbox").count() == 2  # the promoters' drivers only
        assert serious_violations(page) == []
        group.get_by_label("Fast delivery").check()
        page.get_by_role("button", name="Senden", exact=True).click()
        page.get_by_role("heading", name="Vielen Dank!").wait_for()
        assert page.get_by_role("link", name="Abmelden").count() == 0
        assert serious_violations(page) == []
    finally:
        context.close()
    assert survey.row()["nps"] == 9
    assert survey.chosen_drivers() == ["2"]
