"""The Drivers screen over HTTP: what it adds and changes is what the 4.1 reasons module lists,
refused by the same rules; Viewers only read."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.server.console.support import console_tenant, problems, signed_in, viewer_of
from tests.server.survey.support import read_page
from tests.server.v4_1.support import call
from tests.support import RunningServer, Tenant


def _driver(label: str, good_bad: str = "neg", **extra: str) -> dict[str, str]:
    return {"label": label, "good_bad": good_bad, "level": "1", "position": "0", **extra}


def _table(response: httpx.Response) -> list[list[str]]:
    """The rows of the drivers table, each cell's text."""
    body = response.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [" ".join(read_page(cell).one("body").text.split()) for cell in _cells(row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def _cells(row: str) -> list[str]:
    return [f"<body>{cell}</body>" for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]


def _api(tenant: Tenant) -> list[dict[str, str]]:
    response = call(tenant, "GET", "reasons")
    assert response.status_code == 200
    listed: list[dict[str, str]] = response.json()["Data"]
    return listed


def _stored(tenant: Tenant) -> list[tuple[Any, ...]]:
    return tenant.server.rows(
        "SELECT reason_code, position, good_bad, category_main, level, label FROM drivers"
        " WHERE system_id = ? ORDER BY id",
        (tenant.system_id,),
    )


def test_drivers_added_on_the_screen_are_the_apis(tenant: Tenant) -> None:
    client = signed_in(tenant)
    empty = client.get("/console/drivers")
    assert empty.status_code == 200
    assert "No drivers yet" in empty.text
    page = read_page(empty.text)
    labels = {label.text.strip() for label in page.all("label")}
    assert {"Label", "Shown for", "Level", "Category (level 2 only)", "Position"} <= labels
    assert client.post("/console/drivers", _driver("Support", position="1")).status_code == 303
    level_2 = _driver("Slow answers", level="2", category_main="Support", position="6")
    assert client.post("/console/drivers", level_2).status_code == 303
    own_code = _driver("Ease of use", "pos", reason_code="cs-ease", position="2")
    assert client.post("/console/drivers", own_code).status_code == 303
    listed = client.get("/console/drivers")
    head = re.findall(r'<th scope="col">([^<]*)</th>', listed.text)
    assert head == ["Reason code", "Numeration", "Label", "Shown for", "Level", "Category"]
    assert _table(listed) == [
        ["cs-ease", "2", "Ease of use", "Promoter", "1", ""],
        ["1001", "1", "Support", "Detractor&Neutral", "1", ""],
        ["1002", "1.6", "Slow answers", "Detractor&Neutral", "2", "Support"],
    ]
    assert [
        [d["reason_code"], d["numeration"], d["label"], d["show_for"], d["level"]]
        for d in _api(tenant)
    ] == [row[:5] for row in _table(listed)]
    # The category menu offers the level 1 labels, by who they are shown for.
    options = [o.attrs.get("value") for o in read_page(listed.text).all("option")]
    assert {"", "Support", "Ease of use"} <= set(options)


def test_a_driver_is_edited_and_its_level_2_drivers_follow_a_new_label(tenant: Tenant) -> None:
    client = signed_in(tenant)
    client.post("/console/drivers", _driver("Support", position="1"))
    client.post("/console/drivers", _driver("Slow", level="2", category_main="Support"))
    page = client.page("/console/drivers/1001")
    assert page.one("input", name="label").attrs["value"] == "Support"
    assert page.one("input", name="position").attrs["value"] == "1"
    assert not page.all("input", name="reason_code")  # a code never changes
    assert [o.text for o in page.all("option") if "selected" in o.attrs][:2] == [
        "Detractor&Neutral (scores 0-8)",
        "1: a category",
    ]
    changed = _driver("Service", position="3")
    assert client.post("/console/drivers/1001", changed).status_code == 303
    assert _stored(tenant) == [
        ("1001", 3, "neg", "", 1, "Service"),
        ("1002", 0, "neg", "Service", 2, "Slow"),
    ]
    assert [d["numeration"] for d in _api(tenant)] == ["3", "3.0"]
    edit = client.page("/console/drivers/1002")
    selected = [o.attrs["value"] for o in edit.all("option") if "selected" in o.attrs]
    assert selected == ["neg", "2", "Service"]


def test_refusals_are_shown_on_the_page_with_the_apis_rules(tenant: Tenant) -> None:
    client = signed_in(tenant)
    client.post("/console/drivers", _driver("Support"))
    client.post("/console/drivers", _driver("Quality", "pos"))
    before = _stored(tenant)
    for path, form, message in (
        ("/console/drivers", _driver(""), "Enter a label."),
        ("/console/drivers", _driver("Support"), "already a level 1 driver"),
        ("/console/drivers", _driver("X", level="2"), "A level 2 driver needs a category"),
        ("/console/drivers", _driver("X", "pos", level="2", category_main="Support"), "none"),
        ("/console/drivers", _driver("X", level="3"), "The level must be 1 or 2."),
        ("/console/drivers", _driver("X", position="soon"), "whole number"),
        ("/console/drivers", _driver("X", good_bad="both"), "Shown for must be"),
        ("/console/drivers", _driver("X", reason_code="1001"), "is used by another driver"),
        ("/console/drivers", _driver("X", reason_code="a b"), "A reason code is 1 to 32"),
        ("/console/drivers/1001", _driver("Quality", "pos"), "already a level 1 driver"),
        ("/console/drivers/1001", _driver("Support", level="2"), "needs a category"),
    ):
        refused = client.post(path, form)
        assert refused.status_code == 422, (path, form)
        assert any(message in p for p in problems(refused)), (message, problems(refused))
        # The form comes back as typed.
        assert read_page(refused.text).one("input", name="label").attrs["value"] == form["label"]
    assert _stored(tenant) == before
    client.post("/console/drivers", _driver("Slow", level="2", category_main="Support"))
    refused = client.post("/console/drivers/1001", _driver("Support", "pos"))
    assert refused.status_code == 422
    assert any("has level 2 drivers" in p for p in problems(refused))


def test_unknown_codes_and_other_systems_drivers_are_not_found(server: RunningServer) -> None:
    mine, theirs = console_tenant(server), console_tenant(server)
    signed_in(theirs).post("/console/drivers", _driver("Theirs", reason_code="their-code"))
    client = signed_in(mine)
    for path in ("/console/drivers/their-code", "/console/drivers/nope"):
        assert client.get(path).status_code == 404
        assert client.post(path, _driver("Mine")).status_code == 404
    assert "Theirs" not in client.get("/console/drivers").text
    assert _stored(mine) == []


def test_a_viewer_reads_drivers_and_changes_none(tenant: Tenant) -> None:
    signed_in(tenant).post("/console/drivers", _driver("Support"))
    viewer = signed_in(tenant, viewer_of(tenant))
    listed = viewer.get("/console/drivers")
    assert _table(listed)[0][:3] == ["1001", "0", "Support"]
    assert not read_page(listed.text).all("form", action="/console/drivers")
    edit = viewer.page("/console/drivers/1001")
    assert edit.one("fieldset").attrs.get("disabled") is not None
    assert not [b for b in edit.all("button") if b.text == "Save driver"]
    before = _stored(tenant)
    assert viewer.post("/console/drivers", _driver("Mine")).status_code == 403
    assert viewer.post("/console/drivers/1001", _driver("Renamed")).status_code == 403
    assert _stored(tenant) == before


def test_a_change_without_the_sessions_form_token_is_refused(tenant: Tenant) -> None:
    client = signed_in(tenant)
    response = client.post("/console/drivers", {**_driver("Support"), "csrf_token": "forged"})
    assert response.status_code == 403
    assert "This form has expired" in response.text
    assert _stored(tenant) == []
    signed_out = signed_in(tenant)
    signed_out.post("/console/logout")
    assert signed_out.get("/console/drivers").status_code == 303


def test_the_drivers_pages_keep_the_consoles_security_rules(tenant: Tenant) -> None:
    client = signed_in(tenant)
    client.post("/console/drivers", _driver("<b>Bold</b> & co"))
    for path in ("/console/drivers", "/console/drivers/1001"):
        response = client.get(path)
        assert response.headers["content-security-policy"].startswith("default-src 'none'")
        assert response.headers["cache-control"] == "no-store"
        assert "<b>Bold</b>" not in response.text
        assert "&lt;b&gt;Bold&lt;/b&gt; &amp; co" in response.text
        assert not re.search(r"<script(?![^>]*\bsrc=)", response.text), path
        assert " style=" not in response.text, path
