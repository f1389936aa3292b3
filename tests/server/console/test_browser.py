"""The console's journeys in a real browser (Debian's Chromium under Playwright), and axe-core
on every screen: no serious or critical accessibility violation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.browser import chromium, serious_violations
from tests.server.console.support import PASSWORD, admin_of, console_tenant, viewer_of
from tests.support import MULTI_MAPPING, RunningServer, Tenant, access_token, start_server

SCREENS = (
    "/console/dashboard",
    "/console/mappings",
    "/console/mappings/new",
    "/console/mappings/contact",
    "/console/apps",
    "/console/api-key",
    "/console/users",
    "/console/password",
    "/console/touchpoints",
    "/console/branding",
    "/console/segments",
    "/console/hierarchy",
    "/console/duplication-rule",
    "/console/campaigns",
    "/console/campaigns/new",
    "/console/campaigns/All links",
    "/console/drivers",
    "/console/drivers/1001",
    "/console/unsubscribes",
    "/console/bounces",
    "/console/accounts",
    "/console/contacts",
    "/console/survey-records",
    "/console/outbox",
    "/console/revenue-uploads",
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """One server on SQLite: these tests check what a browser shows and does; the storage
    under the same requests is tested on both databases by the HTTP tests beside them."""
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'opengauge.db'}"
    with start_server(url) as running:
        yield running


@pytest.fixture
def tenant(server: RunningServer) -> Tenant:
    """A console tenant whose personal links match a campaign, with a driver."""
    return console_tenant(
        server,
        campaigns=[{"name": "All links", "filters": []}],
        drivers=[{"label": "Price", "good_bad": "neg", "reason_code": "1001"}],
    )


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    context.set_default_timeout(5_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def _sign_in(page: Any, base_url: str, email: str, password: str = PASSWORD) -> None:
    page.goto(base_url + "/console/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Dashboard").wait_for()


def test_a_mapping_made_in_the_console_takes_a_personal_link_from_a_new_app(
    page: Any, tenant: Tenant
) -> None:
    """Journeys 1 and 2: the mapping "Webshop orders", then a Connected App's secret."""
    base = tenant.server.base_url
    _sign_in(page, base, admin_of(tenant))
    page.get_by_role("link", name="Inbound Mapping").click()
    page.get_by_role("link", name="+New Mapping").click()
    page.get_by_label("Configuration name").fill("Webshop orders")
    page.get_by_label("Data type").select_option("Multi-Object")
    page.get_by_label("Field Heading 1", exact=True).fill("Email")
    page.get_by_label("Target field 1", exact=True).fill("contact.email")
    page.get_by_label("Field Heading 2", exact=True).fill("Touchpoint")
    page.get_by_label("Target field 2", exact=True).fill("survey.touchpoint")
    page.get_by_role("button", name="Save mapping", exact=True).last.click()
    row = page.get_by_role("row").filter(has_text="Webshop orders")
    reference = row.locator("code.reference").inner_text()
    assert re.fullmatch(r"[0-9a-f-]{36}", reference)

    page.get_by_role("link", name="Connected Apps").click()
    page.get_by_label("Name").fill("Webshop")
    page.get_by_role("button", name="Create app").click()
    page.get_by_text("Copy the Client Secret now").wait_for()
    client_id = page.get_by_label("Client ID").input_value()
    secret = page.get_by_label("Client Secret").input_value()

    token = access_token(base, client_id, secret)
    body = {
        "configuration": reference,
        "record": {"Email": "buyer@example.com", "Touchpoint": "Support"},
    }
    created = httpx.put(
        f"{base}/personal-link/", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert created.status_code == 200, created.text
    link = created.json()["data"]["survey_link"]
    stored = tenant.server.rows(
        "SELECT c.email, r.link_code, r.delivery_vector FROM survey_records r"
        " JOIN contacts c ON c.id = r.contact_id WHERE r.system_id = ?",
        (tenant.system_id,),
    )
    assert [(email, link.endswith(str(code)), vector) for email, code, vector in stored] == [
        ("buyer@example.com", True, "Personal Link")
    ]
    page.reload()
    assert secret not in page.content()
    page.get_by_role("link", name="Survey Records").click()
    record = page.get_by_role("row").filter(has_text="buyer@example.com")
    assert record.get_by_role("link").filter(has_text="/r/").get_attribute("href") == link


def test_rotating_the_api_key_in_the_console(page: Any, tenant: Tenant) -> None:
    """Journey 3: the old key gets 401 on the 4.1 unsubscribe list, the new one 200."""
    base = tenant.server.base_url
    _sign_in(page, base, admin_of(tenant))
    page.get_by_role("link", name="API Key").click()
    page.get_by_role("button", name="Rotate").click()
    new_key = page.get_by_role("textbox", name="API Key").input_value()
    path = f"{base}/v4.1/lists/unsubscribe.json"
    assert httpx.get(path, params={"api_key": f"{tenant.name}-api-key"}).status_code == 401
    assert httpx.get(path, params={"api_key": new_key}).status_code == 200


def test_a_campaign_on_a_new_touchpoint_decides_personal_links(page: Any, tenant: Tenant) -> None:
    """Journey 4: another touchpoint's link gets `Could not match any campaign filter.`"""
    base = tenant.server.base_url
    _sign_in(page, base, admin_of(tenant))
    page.get_by_role("link", name="Campaigns").click()
    page.get_by_role("button", name="Delete All links").click()  # the tenant's catch-all
    page.get_by_role("link", name="Touchpoints").click()
    page.get_by_label("Name").fill("Webshop")
    page.get_by_role("button", name="Add").click()
    page.get_by_role("cell", name="Webshop", exact=True).wait_for()
    page.get_by_role("link", name="Campaigns").click()
    page.get_by_role("link", name="+New Campaign").click()
    page.get_by_label("Name").fill("Webshop links")
    page.get_by_label("Target field 1", exact=True).fill("survey.touchpoint")
    page.get_by_label("Condition 1").select_option("is")
    page.get_by_label("Values 1").fill("Webshop")
    page.get_by_role("button", name="Save campaign").click()
    page.get_by_role("link", name="Webshop links").wait_for()

    def link(touchpoint: str) -> httpx.Response:
        record = {"Email": "shop@example.com", "Touchpoint": touchpoint}
        with tenant.client() as http:
            return http.put(
                "/personal-link/", json={"configuration": MULTI_MAPPING, "record": record}
            )

    assert link("Webshop").status_code == 200
    refused = link("Support")
    assert refused.status_code == 400
    assert refused.json() == {"message": "Could not match any campaign filter."}


def test_a_viewer_sees_every_screen_and_no_change_button(page: Any, tenant: Tenant) -> None:
    """Journey 5."""
    base = tenant.server.base_url
    _sign_in(page, base, viewer_of(tenant))
    nav = page.get_by_role("navigation", name="Console").get_by_role("link").all_inner_texts()
    assert "Users" not in nav
    assert nav[:3] == ["Dashboard", "Inbound Mapping", "Connected Apps"]
    for path in SCREENS:
        response = page.goto(base + path)
        if path in ("/console/users", "/console/mappings/new", "/console/campaigns/new"):
            assert response.status == 403
            continue
        assert response.status == 200
        for name in (
            "Delete",
            "Deactivate",
            "Rotate",
            "Create app",
            "Save mapping",
            "+New Mapping",
        ):
            assert page.get_by_role("button", name=name).count() == 0, (path, name)
    assert page.get_by_role("link", name="+New Mapping").count() == 0
    assert page.get_by_role("link", name="+New Campaign").count() == 0


def test_the_user_manager_api_signs_a_user_out_of_the_console(page: Any, tenant: Tenant) -> None:
    """Journey 6: after the PATCH, the user's next page is the sign-in page."""
    base = tenant.server.base_url
    _sign_in(page, base, viewer_of(tenant))
    with tenant.client() as http:
        response = http.patch("/v5/user-manager/users/disable", json={"email": viewer_of(tenant)})
    assert response.status_code == 204
    page.get_by_role("link", name="Connected Apps").click()
    page.get_by_role("heading", name="Sign in").wait_for()
    assert page.url.startswith(base + "/console/login")


@pytest.mark.parametrize("width", [1100, 360])
def test_every_screen_passes_axe_and_fits_a_phone(browser: Any, tenant: Tenant, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 740})
    context.set_default_timeout(5_000)
    try:
        page = context.new_page()
        base = tenant.server.base_url
        page.goto(base + "/console/login")
        assert serious_violations(page) == [], "/console/login"
        _sign_in(page, base, admin_of(tenant))
        for path in SCREENS:
            page.goto(base + path)
            assert serious_violations(page) == [], path
            wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
            assert not wide, f"{path} scrolls sideways at {width} px"
        # The pages with a one-time secret and with refused input.
        page.goto(base + "/console/apps")
        page.get_by_label("Name").fill("Phone app")
        page.get_by_role("button", name="Create app").click()
        assert serious_violations(page) == [], "app created"
        page.goto(base + "/console/mappings/new")
        page.get_by_label("Configuration name").fill("Broken")
        page.get_by_label("Field Heading 1", exact=True).fill("Name")
        page.get_by_label("Target field 1", exact=True).fill("nothing.here")
        page.get_by_role("button", name="Save mapping", exact=True).last.click()
        page.get_by_role("heading", name="There is a problem").wait_for()
        assert serious_violations(page) == [], "refused mapping"
    finally:
        context.close()


def test_signing_in_and_moving_around_by_keyboard(page: Any, tenant: Tenant) -> None:
    base = tenant.server.base_url
    page.goto(base + "/console/login")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "email"
    page.keyboard.type(admin_of(tenant))
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Dashboard").wait_for()
    page.wait_for_load_state("load")  # the new page has the focus, not the form just posted
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/dashboard#content")
    # A mapping saved with Enter from a field: the form's first submit button is Save.
    page.goto(base + "/console/mappings/new")
    page.get_by_label("Configuration name").fill("Keyboard")
    page.get_by_label("Field Heading 1", exact=True).fill("Email")
    page.get_by_label("Target field 1", exact=True).fill("contact.email")
    page.get_by_label("Target field 1", exact=True).press("Enter")
    page.get_by_role("heading", name="Inbound Mapping").wait_for()
    assert page.get_by_role("row").filter(has_text="Keyboard").count() == 1
