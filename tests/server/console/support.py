"""Console test helpers: a tenant with console users, and a signed-in HTTP client."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from tests.server.survey.support import Page, read_page
from tests.support import RunningServer, Tenant, create_tenant

PASSWORD = "correct horse battery"


def admin_of(tenant: Tenant) -> str:
    """The e-mail of the tenant's Administrator (each tenant has its own users)."""
    return f"admin@{tenant.name}.example.com"


def viewer_of(tenant: Tenant) -> str:
    return f"viewer@{tenant.name}.example.com"


def console_tenant(
    server: RunningServer, users: list[dict[str, Any]] | None = None, **extra: Any
) -> Tenant:
    """A fresh system with an Administrator and a Viewer (both with :data:`PASSWORD`)."""
    name = f"c-{uuid.uuid4().hex[:10]}"
    return create_tenant(server, name, users=users or console_users(name), **extra)


def console_users(name: str) -> list[dict[str, Any]]:
    """The seed entries of system ``name``'s Administrator and Viewer (:func:`admin_of`,
    :func:`viewer_of`), both with :data:`PASSWORD`."""
    return [
        {
            "email": f"admin@{name}.example.com",
            "name": "Ada Admin",
            "role": "administrator",
            "password": PASSWORD,
        },
        {
            "email": f"viewer@{name}.example.com",
            "name": "Vic Viewer",
            "role": "viewer",
            "password": PASSWORD,
        },
    ]


@dataclass
class Console:
    """An HTTP client of the console, cookies kept, redirects not followed."""

    http: httpx.Client
    #: The CSRF token of the last page that had one.
    csrf: str = ""

    def get(self, path: str) -> httpx.Response:
        response = self.http.get(path)
        self._remember(response)
        return response

    def page(self, path: str) -> Page:
        response = self.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text)
        return read_page(response.text)

    def post(self, path: str, data: dict[str, Any] | None = None, **kw: Any) -> httpx.Response:
        """POST a form with the session's CSRF token (unless ``data`` gives one)."""
        response = self.http.post(path, data={"csrf_token": self.csrf, **(data or {})}, **kw)
        self._remember(response)
        return response

    def _remember(self, response: httpx.Response) -> None:
        if "text/html" in response.headers.get("content-type", "") and response.text:
            found = read_page(response.text).all("input", name="csrf_token")
            if found:
                self.csrf = found[0].attrs["value"]

    def sign_in(
        self, email: str, password: str = PASSWORD, next_path: str = "", system: str = ""
    ) -> httpx.Response:
        """Open the sign-in page and post it (``system``: what the user picks when the
        e-mail has users in several systems, as the test tenants' do); the answer."""
        form = read_page(self.http.get("/console/login").text)
        token = form.one("input", name="login_token").attrs["value"]
        data = {"login_token": token, "email": email, "password": password, "next": next_path}
        if system:
            data["system"] = system
        response = self.http.post("/console/login", data=data)
        if response.status_code == 303:
            self.get("/console/mappings")
        return response


#: Every client made by :func:`console` in the running test (closed after it by the fixture).
OPEN: list[Console] = []


def console(server: RunningServer) -> Console:
    client = Console(server.client(follow_redirects=False))
    OPEN.append(client)
    return client


def close_all() -> None:
    while OPEN:
        OPEN.pop().http.close()


def signed_in(tenant: Tenant, email: str = "") -> Console:
    """A client signed in to ``tenant``'s system as ``email`` (its Administrator)."""
    client = console(tenant.server)
    response = client.sign_in(email or admin_of(tenant))
    assert response.status_code == 303, response.text
    return client


def problems(response: httpx.Response) -> list[str]:
    """The messages of the page's problem summary."""
    page = read_page(response.text)
    return [item.text.strip() for item in page.all("li") if _in_problems(page, item)]


def _in_problems(page: Page, item: Any) -> bool:
    summary = page.all("div", id="problems")
    return bool(summary) and item.text.strip() in summary[0].text
