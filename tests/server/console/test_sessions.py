"""Signing in and out of the console: cookies, CSRF, roles, expiry and the rate limit."""

from __future__ import annotations

import hashlib
import uuid

import pytest

from opengauge.server.clock import Clock
from tests.server.console.support import (
    PASSWORD,
    admin_of,
    console,
    console_tenant,
    problems,
    signed_in,
    viewer_of,
)
from tests.server.survey.support import read_page
from tests.support import RateLimits, RunningServer, Tenant, start_server

WRONG = "The email or password is incorrect, or the account is disabled."


def test_a_page_without_a_session_sends_the_browser_to_sign_in(server: RunningServer) -> None:
    response = console(server).get("/console/mappings")
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?next=/console/mappings"
    assert console(server).get("/console").headers["location"] == "/console/"


def test_the_sign_in_page_has_the_documented_fields(server: RunningServer) -> None:
    page = read_page(console(server).get("/console/login").text)
    labels = {label.attrs["for"]: label.text for label in page.all("label")}
    assert labels == {"email": "Email", "password": "Password"}
    assert page.one("input", id="password").attrs["type"] == "password"
    assert [b.text for b in page.all("button")] == ["Sign in"]


def test_signing_in_sets_a_session_cookie_and_goes_where_it_was_asked(tenant: Tenant) -> None:
    client = console(tenant.server)
    response = client.sign_in(admin_of(tenant), next_path="/console/apps")
    assert response.status_code == 303
    assert response.headers["location"] == "/console/apps"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("og_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/console/" in cookie
    assert "Secure" not in cookie  # the server's public URL is http
    assert "Max-Age" not in cookie  # ends with the browser; the server ends it when idle
    page = client.page("/console/apps")
    assert "Ada Admin" in page.one("span", **{"class": "who"}).text


def test_the_session_cookie_is_secure_when_the_public_url_is_https(server: RunningServer) -> None:
    url = server.app.settings.database_url
    with start_server(url, public_url="https://feedback.example.com") as other:
        tenant = console_tenant(other)
        client = console(other)
        page = client.http.get("/console/login")
        assert "Secure" in page.headers["set-cookie"]
        # The client keeps Secure cookies for https only; send the form's one by hand.
        token = read_page(page.text).one("input", name="login_token").attrs["value"]
        data = {
            "login_token": token,
            "email": admin_of(tenant),
            "password": PASSWORD,
            "system": tenant.name,
        }
        response = client.http.post(
            "/console/login", data=data, headers={"cookie": f"og_login={token}"}
        )
        assert response.status_code == 303
        cookies = response.headers.get_list("set-cookie")
        assert any(c.startswith("og_session=") and "Secure" in c for c in cookies)


@pytest.mark.parametrize("wrong", ["password", "email", "both"])
def test_a_failed_sign_in_never_says_whether_the_email_exists(tenant: Tenant, wrong: str) -> None:
    email = "nobody@example.com" if wrong != "password" else admin_of(tenant)
    password = "wrong password" if wrong != "email" else PASSWORD
    client = console(tenant.server)
    response = client.sign_in(email, password)
    assert response.status_code == 200
    assert problems(response) == [WRONG]
    assert not any(c.startswith("og_session=") for c in response.headers.get_list("set-cookie"))
    assert client.get("/console/mappings").status_code == 303


def test_an_email_signs_in_whatever_its_case(tenant: Tenant) -> None:
    assert console(tenant.server).sign_in(admin_of(tenant).upper()).status_code == 303


def test_an_email_with_users_in_several_systems_chooses_one(server: RunningServer) -> None:
    email = f"both-{uuid.uuid4().hex[:8]}@example.com"
    user = {"email": email, "name": "Bo", "role": "viewer", "password": PASSWORD}
    first, second = (console_tenant(server, users=[user]) for _ in range(2))
    other = {**user, "password": "another password"}
    console_tenant(server, users=[other])  # a third system, where the password differs
    client = console(server)
    chooser = client.sign_in(email)
    assert chooser.status_code == 200
    page = read_page(chooser.text)
    offered = [i.attrs["value"] for i in page.all("input", name="system")]
    assert offered == sorted([first.name, second.name])
    hidden = {i.attrs["name"]: i.attrs["value"] for i in page.all("input", type="hidden")}
    data = {**hidden, "system": second.name}
    response = client.http.post("/console/login", data=data)
    assert response.status_code == 303
    assert f"· {second.name} ·" in client.get("/console/mappings").text


def test_sign_in_needs_the_form_token_of_its_own_page(tenant: Tenant) -> None:
    client = console(tenant.server)
    client.http.get("/console/login")  # sets the cookie the form's token must match
    data = {"email": admin_of(tenant), "password": PASSWORD, "login_token": "forged"}
    response = client.http.post("/console/login", data=data)
    assert response.status_code == 403
    assert "This form has expired" in response.text


@pytest.mark.parametrize(
    "next_path", ["https://evil.example/", "//evil.example/", "/elsewhere", "/console\\@evil"]
)
def test_sign_in_goes_to_no_other_site(tenant: Tenant, next_path: str) -> None:
    response = console(tenant.server).sign_in(admin_of(tenant), next_path=next_path)
    assert response.headers["location"] == "/console/"


def test_sign_out_ends_the_session_on_the_server(tenant: Tenant) -> None:
    client = signed_in(tenant)
    stolen = client.http.cookies["og_session"]
    assert client.post("/console/logout").headers["location"] == "/console/login"
    other = console(tenant.server)
    other.http.cookies.set("og_session", stolen)
    assert other.get("/console/mappings").status_code == 303
    assert tenant.server.rows(
        "SELECT COUNT(*) FROM console_sessions c JOIN console_users u"
        " ON u.id = c.user_id WHERE u.system_id = ?",
        (tenant.system_id,),
    ) == [(0,)]


def test_a_form_without_the_session_csrf_token_is_refused(tenant: Tenant) -> None:
    client = signed_in(tenant)
    other = signed_in(tenant)
    before = tenant.server.snapshot()
    for token in ("", other.csrf):
        response = client.http.post(
            "/console/apps", data={"csrf_token": token, "name": "Sneaky", "division": "Global"}
        )
        assert response.status_code == 403
        assert "This form has expired" in response.text
    assert tenant.server.snapshot() == before


def test_a_session_idle_too_long_ends(tenant: Tenant, clock: Clock) -> None:
    client = signed_in(tenant)
    idle = tenant.server.app.settings.console_idle_timeout
    clock.advance(idle - 30)
    assert client.get("/console/mappings").status_code == 200  # and seen again now
    clock.advance(idle - 30)
    assert client.get("/console/mappings").status_code == 200
    clock.advance(idle + 1)
    response = client.get("/console/mappings")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/console/login")
    # The next sign-in deletes the sessions nobody can use any more.
    token_hash = hashlib.sha256(client.http.cookies["og_session"].encode()).hexdigest()
    assert tenant.server.rows(
        "SELECT COUNT(*) FROM console_sessions WHERE token_hash = ?", (token_hash,)
    ) == [(1,)]
    signed_in(tenant)
    assert tenant.server.rows(
        "SELECT COUNT(*) FROM console_sessions WHERE token_hash = ?", (token_hash,)
    ) == [(0,)]


def test_a_viewer_sees_every_screen_and_changes_nothing(tenant: Tenant) -> None:
    client = signed_in(tenant, viewer_of(tenant))
    for path in (
        "/console/mappings",
        "/console/mappings/contact",
        "/console/apps",
        "/console/api-key",
        "/console/password",
    ):
        page = client.page(path)
        assert not page.all("button", type="submit", **{"class": "danger small"})
    before = tenant.server.snapshot()
    for path, data in (
        (
            "/console/mappings/new",
            {
                "name": "X",
                "data_type": "Account",
                "rows": "1",
                "heading_0": "Name",
                "target_0": "account.name",
            },
        ),
        ("/console/mappings/contact", {"name": "X", "data_type": "Contact", "rows": "0"}),
        ("/console/mappings/contact/delete", {}),
        ("/console/apps", {"name": "X", "division": "Global"}),
        (f"/console/apps/{tenant.client_id}/deactivate", {}),
        (f"/console/apps/{tenant.client_id}/delete", {}),
        ("/console/api-key/rotate", {}),
        ("/console/users", {"email": "x@example.com", "name": "X", "role": "viewer"}),
    ):
        response = client.post(path, data)
        assert response.status_code == 403, path
        assert "ask an Administrator" in response.text
    assert tenant.server.snapshot() == before
    assert client.get("/console/users").status_code == 403
    assert client.get("/console/mappings/new").status_code == 403
    nav = [
        a.text
        for a in client.page("/console/mappings").all("a")
        if a.attrs.get("href", "").startswith("/console/")
        and a.text in ("Users", "Inbound Mapping")
    ]
    assert nav == ["Inbound Mapping"]


def test_sign_in_failures_are_rate_limited(tenant: Tenant, rate_limits: RateLimits) -> None:
    rate_limits(auth_failure_limit="3/minute")
    client = console(tenant.server)
    for _ in range(3):
        assert client.sign_in(admin_of(tenant), "wrong password").status_code == 200
    refused = client.sign_in(admin_of(tenant), PASSWORD)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert "Too many attempts" in refused.text
    # Another e-mail from the same address is refused too: the address has used its failures.
    assert client.sign_in(viewer_of(tenant), PASSWORD).status_code == 429


def test_a_disabled_user_cannot_sign_in_and_their_sessions_end(tenant: Tenant) -> None:
    admin = signed_in(tenant)
    viewer = signed_in(tenant, viewer_of(tenant))
    user_id = tenant.server.rows(
        "SELECT id FROM console_users WHERE system_id = ? AND email = ?",
        (tenant.system_id, viewer_of(tenant)),
    )[0][0]
    actions = [f.attrs["action"] for f in admin.page("/console/users").all("form")]
    assert f"/console/users/{user_id}/disable" in actions
    assert admin.post(f"/console/users/{user_id}/disable").status_code == 303
    assert viewer.get("/console/mappings").status_code == 303
    response = console(tenant.server).sign_in(viewer_of(tenant))
    assert response.status_code == 200
    assert problems(response) == [WRONG]
