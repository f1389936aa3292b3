"""The loop closed in Chromium: a customer answers a survey in Dutch and picks two drivers,
the dashboard's figures change, the detractor is assigned in Follow-up and closed through
``POST /v4.1/workflow.json``, and the history shows every step. axe-core finds no serious or
critical violation on the pages on the way."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from opengauge.server.seed.schemas import validate_seed
from opengauge.server.seed.service import apply_seed
from tests.browser import chromium, serious_violations
from tests.server.console.support import PASSWORD, admin_of, console_users, viewer_of
from tests.support import RunningServer, Tenant, start_server, tenant_seed

LINKS_MAPPING = {
    "reference": "links",
    "name": "Links",
    "data_type": "Multi-Object",
    "fields": {
        "Email": "contact.email",
        "First Name": "contact.first_name",
        "Account Name": "account.name",
        "Touchpoint": "survey.touchpoint",
        "Language": "survey.language",
    },
}
DRIVERS = [
    {"label": "Vriendelijk personeel", "good_bad": "pos", "reason_code": "2001"},
    {"label": "Prijs", "good_bad": "neg", "reason_code": "2101"},
    {"label": "Trage support", "good_bad": "neg", "reason_code": "2102"},
    {"label": "Storingen", "good_bad": "neg", "reason_code": "2103"},
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """One server on SQLite: the same requests are tested on both databases by the HTTP
    tests of each screen."""
    url = f"sqlite:///{tmp_path_factory.mktemp('journey') / 'opengauge.db'}"
    with start_server(url) as running:
        yield running


@pytest.fixture
def tenant(server: RunningServer) -> Tenant:
    name = f"j-{uuid.uuid4().hex[:10]}"
    seed = tenant_seed(
        name,
        display_name="Fietsen Jansen",
        brand_colour="#1d4ed8",
        campaigns=[{"name": "All links", "filters": []}],
        drivers=DRIVERS,
        users=console_users(name),
    )
    seed["systems"][0]["mappings"].append(LINKS_MAPPING)
    (applied,) = apply_seed(server.db, validate_seed(seed))
    return Tenant(server, name, applied.id, f"{name}-client", f"{name}-secret", "eu")


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    context.set_default_timeout(5_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def _card(page: Any, term: str) -> str:
    value = page.locator(".card", has=page.get_by_text(term, exact=True)).locator("dd")
    return " ".join(value.inner_text().split())


def _no_violations(page: Any, where: str) -> None:
    assert serious_violations(page) == [], where


def test_an_answer_in_dutch_reaches_the_dashboard_and_its_follow_up_is_closed(
    page: Any, tenant: Tenant
) -> None:
    base = tenant.server.base_url
    admin, viewer = admin_of(tenant), viewer_of(tenant)
    with tenant.client() as http:
        record = {
            "Email": "joost@example.com",
            "First Name": "Joost",
            "Account Name": "Jansen Fietsen BV",
            "Touchpoint": "Support",
            "Language": "nl",
        }
        created = http.put("/personal-link/", json={"configuration": "links", "record": record})
    assert created.status_code == 200, created.text
    link = created.json()["data"]["survey_link"]
    cg_id = created.json()["data"]["number_customergauge"]

    page.goto(base + "/console/login")
    page.get_by_label("Email").fill(admin)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Dashboard", exact=True).wait_for()
    assert _card(page, "Responses") == "0"
    assert _card(page, "Invitations sent") == "1"
    _no_violations(page, "the dashboard without answers")

    # The customer's side: the survey in Dutch, branded, with their first name.
    survey = page.context.new_page()
    survey.goto(link)
    assert survey.locator("html").get_attribute("lang") == "nl"
    survey.get_by_role("heading", name="Fietsen Jansen hoort graag uw mening").wait_for()
    assert survey.get_by_text("Beste Joost,").count() == 1
    _no_violations(survey, "the survey page")
    survey.locator("label[for=score-3]").click()  # the radio button sits under its label
    survey.get_by_label("Wilt u nog iets toevoegen? (optioneel)").fill("Te duur en traag.")
    survey.get_by_role("button", name="Antwoord versturen").click()
    survey.get_by_role("group", name="Wat heeft uw score beïnvloed?").wait_for()
    # A detractor is asked about the neg drivers only.
    assert survey.get_by_label("Vriendelijk personeel").count() == 0
    _no_violations(survey, "the drivers question")
    survey.get_by_label("Prijs").check()
    survey.get_by_label("Trage support").check()
    survey.get_by_role("button", name="Versturen", exact=True).click()
    survey.get_by_role("heading", name="Bedankt!").wait_for()
    assert survey.get_by_role("link", name="Afmelden").count() == 0
    _no_violations(survey, "the thank-you page")
    survey.close()

    page.reload()
    assert _card(page, "NPS") == "-100.0"
    assert _card(page, "Responses") == "1"
    assert _card(page, "Detractors") == "100.0% (1)"
    assert _card(page, "Response rate") == "100.0% of the invitations sent in the period"
    drivers = page.get_by_role("region", name="Drivers among detractors")
    for label in ("Prijs", "Trage support"):
        row = drivers.get_by_role("row").filter(has_text=label)
        assert row.get_by_role("cell").all_inner_texts() == ["1", "100.0%"]
    assert drivers.get_by_role("row").filter(has_text="Storingen").get_by_role(
        "cell"
    ).all_inner_texts() == ["0", "0.0%"]
    page.get_by_text("Te duur en traag.").wait_for()
    _no_violations(page, "the dashboard with the answer")

    # Follow-up: the detractor is waiting; assign it to the Viewer.
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Follow-up").click()
    page.get_by_role("heading", name="Follow-up", exact=True).wait_for()
    row = page.get_by_role("row").filter(has_text="Te duur en traag.")
    assert row.count() == 1
    _no_violations(page, "the follow-up list")
    row.get_by_role("link", name=str(cg_id), exact=True).click()
    page.get_by_role("heading", name=f"Follow-up of survey record {cg_id}").wait_for()
    page.get_by_label("User").select_option(viewer)
    page.get_by_role("button", name="Assign", exact=True).click()
    page.get_by_role("heading", name="History").wait_for()
    _no_violations(page, "the follow-up of the record")
    mails = tenant.server.rows(
        "SELECT recipient, kind FROM outbox WHERE system_id = ? AND kind = 'follow_up'",
        (tenant.system_id,),
    )
    assert mails == [(viewer, "follow_up")]

    # Closed through the 4.1 API, as a CRM would.
    closed = httpx.post(
        f"{base}/v4.1/workflow.json",
        headers={"Authorization": f"api_key {tenant.name}-api-key"},
        data={"number_customergauge": cg_id, "status": "CLOSE", "comment": "Called back"},
    )
    assert closed.status_code == 200, closed.text
    assert closed.json() == {"Data": {"number_customergauge": cg_id}}

    page.reload()
    history = page.get_by_role("region", name="History").get_by_role("row").all_inner_texts()
    assert len(history) == 3, history  # the header, the assignment, the close
    assert admin in history[1]
    assert viewer in history[1]
    assert "api_key" in history[2]
    assert "Closed" in history[2]
    assert "Called back" in history[2]
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Follow-up").click()
    assert page.get_by_role("row").filter(has_text="Te duur en traag.").count() == 0
