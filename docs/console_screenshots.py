"""Make the screenshots of docs/console.md and docs/reporting.md from the demo:
``make screenshots``.

Starts ``opengauge serve --demo`` on a free port in a temporary folder, signs in with
Debian's Chromium (Playwright drives it; nothing is downloaded) and saves one PNG per screen
to docs/images/.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

IMAGES = Path(__file__).resolve().parent / "images"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def _demo_server() -> Iterator[str]:
    port = _free_port()
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "opengauge", "serve", "--demo", "--port", str(port)]
        process = subprocess.Popen(
            command, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                with contextlib.suppress(OSError):
                    urllib.request.urlopen(base + "/healthz", timeout=1)  # noqa: S310
                    break
                time.sleep(0.1)
            yield base
        finally:
            process.terminate()
            process.wait(10)


def _shoot(page: Page, name: str, prefix: str = "console") -> None:
    page.screenshot(path=str(IMAGES / f"{prefix}-{name}.png"), full_page=True)
    print(f"docs/images/{prefix}-{name}.png")


def _personal_link(base: str, email: str = "joe@example.com", first_name: str = "Joe") -> str:
    """A survey record made the way an integration would; its survey link."""
    import httpx

    form = {"grant_type": "client_credentials", "client_id": "demo-client"}
    token = httpx.post(
        base + "/oauth2/token", data={**form, "client_secret": "demo-secret"}
    ).json()["access_token"]
    record = {"Email": email, "First Name": first_name, "Touchpoint": "Support"}
    created = httpx.put(
        base + "/personal-link/",
        json={"configuration": "survey", "record": record},
        headers={"Authorization": f"Bearer {token}"},
    )
    created.raise_for_status()
    return str(created.json()["data"]["survey_link"])


def _reporting(browser: Any, page: Page, base: str) -> None:
    """The dashboard, a detractor's follow-up, and the branded survey in Dutch on a phone."""
    page.get_by_role("link", name="Dashboard").click()
    _shoot(page, "dashboard", "reporting")
    page.get_by_role("link", name="Follow-up").click()
    _shoot(page, "follow-up", "reporting")
    page.get_by_role("row").nth(1).get_by_role("link").first.click()
    page.get_by_role("heading", name="History").wait_for()
    page.get_by_label("User").select_option("demo@example.com")
    page.get_by_role("button", name="Assign", exact=True).click()
    page.get_by_label("Comment", exact=True).fill("Called them: the invoice confused them.")
    page.get_by_role("button", name="Add comment").click()
    page.get_by_role("heading", name="History").wait_for()
    _shoot(page, "follow-up-record", "reporting")
    link = _personal_link(base, "ilse@example.com", "Ilse")
    phone = browser.new_context(viewport={"width": 360, "height": 740}, locale="nl-NL")
    survey = phone.new_page()
    survey.goto(link)
    _shoot(survey, "survey", "reporting")
    survey.locator("label[for=score-4]").click()
    survey.get_by_role("button").click()
    survey.get_by_role("group").wait_for()
    _shoot(survey, "survey-drivers", "reporting")
    phone.close()


def main() -> None:
    IMAGES.mkdir(exist_ok=True)
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with _demo_server() as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1100, "height": 640})
        page.goto(base + "/console/login")
        _shoot(page, "sign-in")
        page.get_by_label("Email").fill("demo@example.com")
        page.get_by_label("Password").fill("demo-password")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Dashboard").wait_for()
        _reporting(browser, page, base)
        page.get_by_role("link", name="Inbound Mapping").click()
        _shoot(page, "inbound-mapping")
        page.get_by_role("link", name="+New Mapping").click()
        page.get_by_label("Configuration name").fill("Webshop orders")
        page.get_by_label("Field Heading 1", exact=True).fill("Email")
        page.get_by_label("Target field 1", exact=True).fill("contact.email")
        page.get_by_label("Field Heading 2", exact=True).fill("Touchpoint")
        page.get_by_label("Target field 2", exact=True).fill("survey.touchpoint")
        _shoot(page, "new-mapping")
        page.get_by_role("link", name="Connected Apps").click()
        page.get_by_label("Name").fill("Webshop")
        page.get_by_role("button", name="Create app").click()
        _shoot(page, "connected-apps")
        page.get_by_role("link", name="API Key").click()
        _shoot(page, "api-key")
        page.get_by_role("link", name="Users").click()
        _shoot(page, "users")
        page.get_by_role("link", name="Hierarchy").click()
        _shoot(page, "hierarchy")
        page.get_by_role("link", name="Campaigns").click()
        page.get_by_role("link", name="Support links").click()
        _shoot(page, "campaign")
        _personal_link(base)
        page.get_by_role("link", name="Survey Records").click()
        _shoot(page, "survey-records")
        phone = browser.new_page(viewport={"width": 360, "height": 740})
        phone.context.add_cookies(page.context.cookies())
        phone.goto(base + "/console/mappings")
        _shoot(phone, "phone")
        browser.close()


if __name__ == "__main__":
    main()
