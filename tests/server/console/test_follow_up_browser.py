"""The Follow-up screen in Chromium: a viewer works a follow-up with the page's own forms,
and the pages pass axe-core and fit a phone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import chromium, serious_violations
from tests.server.console.support import PASSWORD, admin_of, viewer_of
from tests.server.workflow.support import answer, follow_up_tenant, history_of
from tests.support import RunningServer, Tenant, start_server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """One server on SQLite: the storage under the same requests is tested on both
    databases by the HTTP tests (test_follow_up.py)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'opengauge.db'}"
    with start_server(url) as running:
        yield running


@pytest.fixture
def tenant(server: RunningServer) -> Tenant:
    return follow_up_tenant(server)


def _context(browser: Any, width: int) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 800})
    context.set_default_timeout(5_000)
    return context


def _sign_in(page: Any, base_url: str, email: str) -> None:
    page.goto(base_url + "/console/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()


def test_a_viewer_assigns_comments_and_closes_a_follow_up(browser: Any, tenant: Tenant) -> None:
    record = answer(tenant, 2, Comment="Nobody called back")
    context = _context(browser, 1100)
    try:
        page = context.new_page()
        _sign_in(page, tenant.server.base_url, viewer_of(tenant))
        page.goto(tenant.server.base_url + "/console/follow-up")
        page.get_by_role("link", name=str(record), exact=True).click()
        page.get_by_role("heading", name=f"Follow-up of survey record {record}").wait_for()
        page.get_by_label("User").select_option(admin_of(tenant))
        page.get_by_role("button", name="Assign").click()
        page.get_by_text("The follow-up is assigned.").wait_for()
        page.get_by_label("Comment", exact=True).fill("Called,\nleft a message")
        page.get_by_role("button", name="Add comment").click()
        page.get_by_text("Your comment is added.").wait_for()
        page.get_by_label("How was it resolved? (optional)").fill("Refunded")
        page.get_by_role("button", name="Close follow-up").click()
        page.get_by_text("The follow-up is closed.").wait_for()
        history = page.get_by_role("region", name="History")
        assert history.get_by_role("row").count() == 4  # the heading's row and three changes
        page.goto(tenant.server.base_url + "/console/follow-up")
        assert page.get_by_role("link", name=str(record), exact=True).count() == 0
        page.get_by_label("Show").select_option("closed")
        page.get_by_role("button", name="Filter").click()
        page.get_by_role("link", name=str(record), exact=True).wait_for()
    finally:
        context.close()
    assert history_of(tenant, record) == [
        (viewer_of(tenant), None, admin_of(tenant), None),
        (viewer_of(tenant), None, None, "Called,\nleft a message"),
        (viewer_of(tenant), "CLOSED", None, "Refunded"),
    ]


@pytest.mark.parametrize("width", [1100, 360])
def test_the_follow_up_pages_pass_axe_and_fit_a_phone(
    browser: Any, tenant: Tenant, width: int
) -> None:
    record = answer(tenant, 6, Comment="A long comment about what went wrong " * 3)
    context = _context(browser, width)
    try:
        page = context.new_page()
        base = tenant.server.base_url
        _sign_in(page, base, admin_of(tenant))
        for path in ("/console/follow-up", f"/console/follow-up/{record}"):
            page.goto(base + path)
            assert serious_violations(page) == [], path
            wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
            assert not wide, f"{path} scrolls sideways at {width} px"
        # A refused form: the problem, and the field marked.
        page.get_by_label("Comment", exact=True).fill("x" * 4000)
        page.evaluate("document.getElementById('comment').value += 'x'")
        page.get_by_role("button", name="Add comment").click()
        page.get_by_role("heading", name="There is a problem").wait_for()
        assert serious_violations(page) == [], "refused comment"
    finally:
        context.close()
