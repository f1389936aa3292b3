"""The console's screens over HTTP: every change lands in the database and works on the API."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx

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
from tests.support import RunningServer, Tenant, access_token, put_record

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def _mapping_form(name: str, data_type: str, rows: list[tuple[str, str]]) -> dict[str, Any]:
    form: dict[str, Any] = {"name": name, "data_type": data_type, "rows": str(len(rows) + 2)}
    for i, (heading, target) in enumerate(rows):
        form[f"heading_{i}"], form[f"target_{i}"] = heading, target
    return form


def _mappings(client: Any) -> dict[str, tuple[str, str]]:
    """Name -> (data type, reference), as the Inbound Mapping list shows them."""
    page = client.get("/console/mappings").text
    rows = re.findall(
        r'<td><a href="[^"]*">([^<]*)</a></td>\s*<td>([^<]*)</td>\s*<td><code[^>]*>([^<]*)</code>',
        page,
    )
    return {name: (data_type, reference) for name, data_type, reference in rows}


def test_a_new_multi_object_mapping_gets_a_reference_that_imports_work_with(
    tenant: Tenant,
) -> None:
    client = signed_in(tenant)
    page = client.page("/console/mappings/new")
    labels = {label.text for label in page.all("label")}
    assert {"Configuration name", "Data type"} <= labels
    assert "Field Mapping" in [legend.text for legend in page.all("legend")]
    data_types = [o.text.strip() for o in page.all("option") if "value" not in o.attrs]
    assert data_types == [
        "Account",
        "Account Alias",
        "Contact",
        "Survey Data",
        "Multi-Object",
        "External Response",
        "Activity",
        "Revenue",
    ]
    rows = [("Email", "contact.email"), ("Touchpoint", "survey.touchpoint")]
    response = client.post(
        "/console/mappings/new", _mapping_form("Webshop orders", "Multi-Object", rows)
    )
    assert response.status_code == 303
    data_type, reference = _mappings(client)["Webshop orders"]
    assert data_type == "Multi-Object"
    assert UUID.match(reference)
    with tenant.client() as http:
        record = {"Email": "shopper@example.com", "Touchpoint": "Support"}
        assert put_record(http, reference, record).status_code == 200
    stored = tenant.server.rows(
        "SELECT c.email, t.name FROM survey_records r JOIN contacts c ON c.id = r.contact_id"
        " JOIN touchpoints t ON t.id = r.touchpoint_id WHERE r.system_id = ?",
        (tenant.system_id,),
    )
    assert stored == [("shopper@example.com", "Support")]


def test_a_mapping_lacking_what_its_data_type_requires_is_refused(tenant: Tenant) -> None:
    client = signed_in(tenant)
    before = tenant.server.snapshot()
    form = _mapping_form("No name", "Account", [("Number", "account.number")])
    response = client.post("/console/mappings/new", form)
    assert response.status_code == 422
    assert any("account.name" in p for p in problems(response)), problems(response)
    # The form comes back as typed.
    page = read_page(response.text)
    assert page.one("input", name="name").attrs["value"] == "No name"
    assert page.one("input", name="heading_0").attrs["value"] == "Number"
    assert tenant.server.snapshot() == before


def test_the_mapping_form_refuses_what_it_can_tell_alone(tenant: Tenant) -> None:
    client = signed_in(tenant)
    for form, message in (
        (_mapping_form("", "Account", [("N", "account.name")]), "Enter a configuration name."),
        (_mapping_form("X", "Nonsense", [("N", "account.name")]), "Choose a data type."),
        (_mapping_form("X", "Account", []), "Map at least one field heading."),
        (
            _mapping_form("X", "Account", [("N", "account.name"), ("N", "account.number")]),
            "Each field heading can be mapped only once.",
        ),
        (
            _mapping_form("X", "Account", [("N", "")]),
            "Every row needs a field heading and a target field.",
        ),
        (_mapping_form("X", "Account", [("N", "account.nope")]), "account.nope"),
    ):
        response = client.post("/console/mappings/new", form)
        assert response.status_code == 422
        assert any(message in p for p in problems(response)), (message, problems(response))


def test_add_rows_shows_the_form_again_with_more_rows_and_saves_nothing(tenant: Tenant) -> None:
    client = signed_in(tenant)
    before = tenant.server.snapshot()
    form = {**_mapping_form("Draft", "Contact", [("Email", "contact.email")]), "more": "1"}
    response = client.post("/console/mappings/new", form)
    assert response.status_code == 200
    page = read_page(response.text)
    assert page.one("input", name="heading_0").attrs["value"] == "Email"
    assert len(page.all("input", list="targets")) == int(form["rows"]) + 5
    assert tenant.server.snapshot() == before


def test_a_mapping_is_edited_and_deleted(tenant: Tenant) -> None:
    client = signed_in(tenant)
    rows = [("E-mail", "contact.email"), ("Given name", "contact.first_name")]
    response = client.post("/console/mappings/contact", _mapping_form("People", "Contact", rows))
    assert response.status_code == 303
    page = client.page("/console/mappings/contact")
    assert page.one("input", id="reference").attrs["value"] == "contact"
    assert page.one("input", name="heading_1").attrs["value"] == "Given name"
    with tenant.client() as http:
        assert put_record(http, "contact", {"E-mail": "eve@example.com"}).status_code == 200
        assert client.post("/console/mappings/contact/delete").status_code == 303
        assert "People" not in _mappings(client)
        assert put_record(http, "contact", {"E-mail": "eve@example.com"}).status_code == 404
    assert client.get("/console/mappings/contact").status_code == 404


def test_a_connected_app_shows_its_secret_once_and_the_secret_gets_a_token(
    tenant: Tenant,
) -> None:
    client = signed_in(tenant)
    response = client.post("/console/apps", {"name": "Helpdesk", "division": "Netherlands"})
    assert response.status_code == 200
    page = read_page(response.text)
    client_id = page.one("input", id="client_id").attrs["value"]
    secret = page.one("input", id="client_secret").attrs["value"]
    token = access_token(tenant.server.base_url, client_id, secret)
    listing = client.get("/console/apps").text
    assert client_id in listing
    assert secret not in listing
    assert "Netherlands" in listing
    with httpx.Client(base_url=tenant.server.base_url) as http:
        headers = {"Authorization": f"Bearer {token}"}
        ok = http.put(
            "/records/",
            json={"configuration": "contact", "record": {"Email": "a@b.co"}},
            headers=headers,
        )
        assert ok.status_code == 200
        assert client.post(f"/console/apps/{client_id}/deactivate").status_code == 303
        assert "Deactivated" in client.get("/console/apps").text
        revoked = http.put(
            "/records/", json={"configuration": "contact", "record": {}}, headers=headers
        )
        assert revoked.status_code == 401
        assert client.post(f"/console/apps/{client_id}/delete").status_code == 303
        form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
        assert http.post("/oauth2/token", data=form).status_code == 400
    assert client_id not in client.get("/console/apps").text


def test_a_connected_app_needs_a_name_and_a_known_division(tenant: Tenant) -> None:
    client = signed_in(tenant)
    before = tenant.server.snapshot()
    for form in ({"name": " ", "division": "Global"}, {"name": "App", "division": "Mars"}):
        response = client.post("/console/apps", form)
        assert response.status_code == 422
        assert problems(response)
    assert tenant.server.snapshot() == before


def test_rotating_the_api_key_stops_the_old_key_at_once(tenant: Tenant) -> None:
    client = signed_in(tenant)
    old_key = f"{tenant.name}-api-key"
    masked = client.page("/console/api-key").one("code", **{"class": "masked"}).text
    assert masked.endswith(old_key[-4:])
    assert old_key not in client.get("/console/api-key").text
    response = client.post("/console/api-key/rotate")
    new_key = read_page(response.text).one("input", id="api_key").attrs["value"]
    assert new_key != old_key
    with tenant.server.client() as http:
        path = "/v4.1/lists/unsubscribe.json"
        assert http.get(path, params={"api_key": old_key}).status_code == 401
        assert http.get(path, params={"api_key": new_key}).status_code == 200
    masked = client.page("/console/api-key").one("code", **{"class": "masked"}).text
    assert masked.endswith(new_key[-4:])
    assert new_key not in client.get("/console/api-key").text


def test_an_invited_user_sets_a_password_once_and_signs_in(tenant: Tenant) -> None:
    client = signed_in(tenant)
    email = f"new-{uuid.uuid4().hex[:6]}@example.com"
    response = client.post("/console/users", {"email": email, "name": "Nia New", "role": "viewer"})
    assert response.status_code == 200
    link = read_page(response.text).one("input", id="invitation").attrs["value"]
    assert link.startswith(tenant.server.app.settings.base_url + "/console/set-password/")
    path = link.removeprefix(tenant.server.app.settings.base_url)
    assert console(tenant.server).sign_in(email, "").status_code == 200  # no password yet
    invited = console(tenant.server)
    assert invited.get(path).status_code == 200
    short = invited.http.post(path, data={"new": "short", "confirm": "short"})
    assert short.status_code == 422
    assert problems(short) == ["The password must be at least 8 characters."]
    done = invited.http.post(path, data={"new": "a long password", "confirm": "a long password"})
    assert done.status_code == 303
    assert invited.get(path).status_code == 404  # used up
    assert console(tenant.server).sign_in(email, "a long password").status_code == 303
    duplicate = client.post(
        "/console/users", {"email": email.upper(), "name": "X", "role": "viewer"}
    )
    assert duplicate.status_code == 422


def test_changing_the_password_ends_the_other_sessions(tenant: Tenant) -> None:
    client = signed_in(tenant)
    elsewhere = signed_in(tenant)
    wrong = client.post(
        "/console/password", {"current": "nope", "new": "new password!", "confirm": "new password!"}
    )
    assert wrong.status_code == 422
    assert problems(wrong) == ["The current password is incorrect."]
    mismatch = client.post(
        "/console/password", {"current": PASSWORD, "new": "new password!", "confirm": "other"}
    )
    assert problems(mismatch) == ["The two new passwords are not the same."]
    ok = client.post(
        "/console/password",
        {"current": PASSWORD, "new": "new password!", "confirm": "new password!"},
    )
    assert ok.status_code == 200
    assert "Your password has been changed." in ok.text
    assert client.get("/console/mappings").status_code == 200
    assert elsewhere.get("/console/mappings").status_code == 303
    assert console(tenant.server).sign_in(admin_of(tenant)).status_code == 200  # old one: refused
    assert console(tenant.server).sign_in(admin_of(tenant), "new password!").status_code == 303


def test_the_user_manager_api_disabling_a_signed_in_user_ends_their_session(
    tenant: Tenant,
) -> None:
    viewer = signed_in(tenant, viewer_of(tenant))
    assert viewer.get("/console/mappings").status_code == 200
    with tenant.client() as http:
        response = http.patch("/v5/user-manager/users/disable", json={"email": viewer_of(tenant)})
    assert response.status_code == 204
    page = viewer.get("/console/mappings")
    assert page.status_code == 303
    assert page.headers["location"].startswith("/console/login")


def test_a_user_of_one_system_reaches_nothing_of_another(server: RunningServer) -> None:
    mine = console_tenant(server)
    theirs = console_tenant(
        server,
        touchpoints=["Support", "Theirs only"],
        campaigns=[{"name": "Their campaign", "filters": []}],
    )
    client = signed_in(mine)
    their_user = server.rows(
        "SELECT id FROM console_users WHERE system_id = ? AND email = ?",
        (theirs.system_id, viewer_of(theirs)),
    )[0][0]
    reference = "9dd58237-c913-4073-9c76-07da0b49ff50"  # their Accounts mapping, and mine
    client.post("/console/mappings/contact/delete")  # mine only
    before = server.snapshot()
    assert client.get("/console/mappings/contact").status_code == 404
    for path in (
        "/console/mappings/contact/delete",
        f"/console/apps/{theirs.client_id}/deactivate",
        f"/console/apps/{theirs.client_id}/delete",
        f"/console/users/{their_user}/disable",
        "/console/campaigns/Their campaign/delete",
        "/console/campaigns/Their campaign",
    ):
        response = client.post(path)
        assert response.status_code == 404, path
        assert "There is no such page in your system." in response.text
    edit = _mapping_form("X", "Contact", [("E", "contact.email")])
    assert client.post("/console/mappings/contact", edit).status_code == 404
    assert server.snapshot() == before
    theirs_now = server.rows(
        "SELECT name FROM mappings WHERE system_id = ? AND reference = 'contact'",
        (theirs.system_id,),
    )
    assert theirs_now == [("Contacts (Default)",)]
    assert reference in client.get("/console/mappings").text
    assert viewer_of(theirs) not in client.get("/console/users").text
    assert client.get("/console/campaigns/Their campaign").status_code == 404
    assert "Their campaign" not in client.get("/console/campaigns").text
    gone = client.post("/console/touchpoints/delete", {"name": "Theirs only"})
    assert gone.status_code == 404
    assert "Theirs only" not in client.get("/console/touchpoints").text
    assert server.rows(
        "SELECT COUNT(*) FROM touchpoints WHERE system_id = ? AND name = 'Theirs only'",
        (theirs.system_id,),
    ) == [(1,)]
    assert server.rows(
        "SELECT COUNT(*) FROM campaigns WHERE system_id = ?", (theirs.system_id,)
    ) == [(1,)]
    assert theirs.client_id not in client.get("/console/apps").text


def test_every_page_sends_the_security_headers_and_has_no_inline_script(tenant: Tenant) -> None:
    client = signed_in(tenant)
    for path in (
        "/console/login",
        "/console/mappings",
        "/console/mappings/new",
        "/console/mappings/contact",
        "/console/apps",
        "/console/api-key",
        "/console/users",
        "/console/password",
        "/console/mappings/nope",
    ):
        response = client.get(path)
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp
        assert "'unsafe-inline'" not in csp
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-frame-options"] == "DENY"
        assert not re.search(r"<script(?![^>]*\bsrc=)", response.text), path
        assert " style=" not in response.text, path
        assert "<style" not in response.text, path
        assert re.search(r" on[a-z]+=", response.text) is None, path


def test_the_assets_ship_in_the_package(server: RunningServer) -> None:
    with server.client() as http:
        css = http.get("/console/static/console.css")
        assert css.status_code == 200
        assert css.headers["content-type"] == "text/css; charset=utf-8"
        assert (
            http.get("/console/static/console.js")
            .headers["content-type"]
            .startswith("text/javascript")
        )
        for missing in ("nope.css", "..%2fpages.py", "pages.py"):
            assert http.get(f"/console/static/{missing}").status_code == 404
