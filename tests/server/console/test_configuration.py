"""Touchpoints, Segments, Duplication Rule, Campaigns, Unsubscribes and Bounces over HTTP:
each change is what the API then does."""

from __future__ import annotations

from typing import Any

from tests.server.console.support import console_tenant, problems, signed_in, viewer_of
from tests.server.survey.support import read_page
from tests.support import MULTI_MAPPING, RunningServer, Tenant

NO_CAMPAIGN = {"message": "Could not match any campaign filter."}


def _campaign(name: str, filters: list[tuple[str, str, str]], **extra: str) -> dict[str, Any]:
    form: dict[str, Any] = {"name": name, "active": "1", "rows": str(len(filters) + 1), **extra}
    for i, (field, op, values) in enumerate(filters):
        form[f"field_{i}"], form[f"op_{i}"], form[f"values_{i}"] = field, op, values
    return form


def _link(tenant: Tenant, touchpoint: str) -> Any:
    record = {"Email": "linked@example.com", "Touchpoint": touchpoint}
    with tenant.client() as http:
        response = http.put(
            "/personal-link/", json={"configuration": MULTI_MAPPING, "record": record}
        )
    return response


def test_a_touchpoint_and_a_campaign_filtering_on_it_decide_personal_links(
    tenant: Tenant,
) -> None:
    """Journey 4 over HTTP: links for the new touchpoint match, others are refused."""
    client = signed_in(tenant)
    assert client.post("/console/touchpoints", {"name": "Webshop"}).status_code == 303
    names = [td.text for td in client.page("/console/touchpoints").all("td")]
    assert "Webshop" in names
    form = _campaign("Webshop links", [("survey.touchpoint", "is", "Webshop")])
    assert client.post("/console/campaigns/new", form).status_code == 303
    listed = client.get("/console/campaigns").text
    assert "Webshop links" in listed
    assert "<code>survey.touchpoint</code> is Webshop" in listed
    assert _link(tenant, "Webshop").status_code == 200
    refused = _link(tenant, "Support")
    assert refused.status_code == 400
    assert refused.json() == NO_CAMPAIGN


def test_a_campaign_is_edited_turned_off_and_deleted(tenant: Tenant) -> None:
    client = signed_in(tenant)
    client.post("/console/campaigns/new", _campaign("All", [], duplication_days="30"))
    page = client.page("/console/campaigns/All")
    assert page.one("input", name="duplication_days").attrs["value"] == "30"
    assert not page.all("input", name="name")  # the name is the campaign's key
    form = _campaign("All", [("survey.touchpoint", "is_not", "Support, Onboarding")])
    form.pop("active")
    assert client.post("/console/campaigns/All", form).status_code == 303
    stored = tenant.server.rows(
        "SELECT active, filters, duplication_days FROM campaigns WHERE system_id = ?",
        (tenant.system_id,),
    )
    assert stored == [
        (
            stored[0][0],
            '[{"field": "survey.touchpoint", "op": "is_not", "values": ["Support", "Onboarding"]}]',
            None,
        )
    ]
    assert not stored[0][0]
    assert _link(tenant, "Support").json() == NO_CAMPAIGN  # inactive
    assert client.post("/console/campaigns/All/delete").status_code == 303
    assert client.get("/console/campaigns/All").status_code == 404


def test_a_campaign_needs_known_fields_and_a_free_name(tenant: Tenant) -> None:
    client = signed_in(tenant)
    client.post("/console/campaigns/new", _campaign("Taken", []))
    before = tenant.server.snapshot()
    for form, message in (
        (_campaign("Taken", []), "A campaign with this name exists."),
        (_campaign(" ", []), "Enter a name."),
        (_campaign("X", [("survey.nowhere", "is", "a")]), "survey.nowhere"),
        (_campaign("X", [], duplication_days="soon"), "Enter a whole number of days."),
        (_campaign("X", [], duplication_days="99999"), "days"),
    ):
        response = client.post("/console/campaigns/new", form)
        assert response.status_code == 422
        assert any(message in p for p in problems(response)), (message, problems(response))
    assert tenant.server.snapshot() == before


def test_a_touchpoint_in_use_is_not_deleted(tenant: Tenant) -> None:
    client = signed_in(tenant)
    client.post("/console/campaigns/new", _campaign("All", []))
    assert _link(tenant, "Support").status_code == 200
    response = client.post("/console/touchpoints/delete", {"name": "Support"})
    assert response.status_code == 409
    assert problems(response) == ["Touchpoint [Support] is used by survey records."]
    assert client.post("/console/touchpoints/delete", {"name": "Onboarding"}).status_code == 303
    names = [td.text for td in client.page("/console/touchpoints").all("td")]
    assert "Support" in names
    assert "Onboarding" not in names


def test_a_segment_becomes_a_target_field(tenant: Tenant) -> None:
    client = signed_in(tenant)
    assert client.post("/console/segments", {"name": "Region"}).status_code == 303
    assert client.post("/console/segments", {"name": "bad\nname"}).status_code == 422
    options = [o.text for o in client.page("/console/duplication-rule").all("option")]
    assert "survey.segment.Region" in options
    form = {
        "name": "Regions",
        "data_type": "Multi-Object",
        "rows": "2",
        "heading_0": "Email",
        "target_0": "contact.email",
        "heading_1": "Region",
        "target_1": "survey.segment.Region",
    }
    assert client.post("/console/mappings/new", form).status_code == 303


def test_the_duplication_rule_is_saved_and_refused_when_out_of_range(tenant: Tenant) -> None:
    client = signed_in(tenant)
    form = {"enabled": "1", "days": "14", "field_0": "survey.touchpoint", "field_1": ""}
    response = client.post("/console/duplication-rule", form)
    assert response.status_code == 200
    assert "The duplication rule has been saved." in response.text
    stored = tenant.server.rows(
        "SELECT duplication_enabled, duplication_days, duplication_fields FROM systems"
        " WHERE id = ?",
        (tenant.system_id,),
    )
    assert [(bool(e), d, f) for e, d, f in stored] == [(True, 14, '["survey.touchpoint"]')]
    page = read_page(client.get("/console/duplication-rule").text)
    assert page.one("input", id="enabled").attrs.get("checked") is not None
    for days in ("-1", "forever", "36501"):
        refused = client.post("/console/duplication-rule", {"enabled": "1", "days": days})
        assert refused.status_code == 422, days
        assert problems(refused)
    assert tenant.server.rows(
        "SELECT duplication_days FROM systems WHERE id = ?", (tenant.system_id,)
    ) == [(14,)]


def test_unsubscribes_are_added_searched_and_paged(tenant: Tenant) -> None:
    client = signed_in(tenant)
    for i in range(55):
        assert (
            client.post("/console/unsubscribes", {"email": f"u{i:02}@example.com"}).status_code
            == 200
        )
    again = client.post("/console/unsubscribes", {"email": "U00@example.com"})
    assert "u00@example.com was already unsubscribed." in again.text
    bad = client.post("/console/unsubscribes", {"email": "not an address"})
    assert bad.status_code == 422
    first = read_page(client.get("/console/unsubscribes").text)
    rows = [tr for tr in first.all("td") if "@" in tr.text]
    assert len(rows) == 50
    assert rows[0].text == "u54@example.com"
    (next_link,) = [a for a in first.all("a") if a.text == "Next page"]
    second = read_page(client.get(next_link.attrs["href"]).text)
    emails = [td.text for td in second.all("td") if "@" in td.text]
    assert emails == [f"u{i:02}@example.com" for i in range(4, -1, -1)]
    assert not [a for a in second.all("a") if a.text == "Next page"]
    found = client.get("/console/unsubscribes?q=U1").text
    assert [td.text for td in read_page(found).all("td") if "@" in td.text] == [
        f"u{i}@example.com" for i in range(19, 9, -1)
    ]
    assert "console" in found  # added by
    with tenant.client() as http:
        listed = http.get("/v4.1/lists/unsubscribe.json").json()
    assert "u00@example.com" in str(listed)
    assert client.get("/console/unsubscribes?before=x%25").status_code == 200
    assert client.get("/console/unsubscribes?q=%25_").status_code == 200


def test_bounces_are_listed_and_a_viewer_changes_none_of_these(server: RunningServer) -> None:
    tenant = console_tenant(server, bounces=[{"email": "gone@example.com", "reason": "550"}])
    viewer = signed_in(tenant, viewer_of(tenant))
    assert "gone@example.com" in viewer.get("/console/bounces").text
    before = tenant.server.snapshot()
    for path, data in (
        ("/console/touchpoints", {"name": "X"}),
        ("/console/touchpoints/delete", {"name": "Support"}),
        ("/console/segments", {"name": "X"}),
        ("/console/duplication-rule", {"enabled": "1", "days": "1"}),
        ("/console/campaigns/new", _campaign("X", [])),
        ("/console/unsubscribes", {"email": "x@example.com"}),
    ):
        assert viewer.post(path, data).status_code == 403, path
    assert tenant.server.snapshot() == before
    for path in (
        "/console/touchpoints",
        "/console/segments",
        "/console/duplication-rule",
        "/console/campaigns",
        "/console/unsubscribes",
        "/console/bounces",
    ):
        page = viewer.page(path)
        assert not [
            b
            for b in page.all("button")
            if b.attrs.get("type") == "submit"
            and b.text in ("Add", "Delete", "Save", "Unsubscribe")
        ], path
    assert viewer.get("/console/campaigns/new").status_code == 403


def _divisions(tenant: Tenant) -> dict[str, str | None]:
    rows = tenant.server.rows(
        "SELECT d.name, p.name FROM divisions d LEFT JOIN divisions p ON p.id = d.parent_id"
        " WHERE d.system_id = ?",
        (tenant.system_id,),
    )
    return {name: parent for name, parent in rows}


def test_the_hierarchy_is_edited_with_the_4_1_rules(tenant: Tenant) -> None:
    client = signed_in(tenant)
    ok = client.post("/console/hierarchy/add", {"division": "Europe", "parent": "Global"})
    assert "The division has been added." in ok.text
    client.post("/console/hierarchy/move", {"division": "Netherlands", "parent": "Europe"})
    client.post(
        "/console/hierarchy/rename", {"division": "Netherlands", "division_to_update": "NL"}
    )
    assert _divisions(tenant) == {"Global": None, "Europe": "Global", "NL": "Europe"}
    page = read_page(client.get("/console/hierarchy").text)
    tree = [
        (li.attrs["class"], li.text.strip())
        for li in page.all("li")
        if "depth" in li.attrs.get("class", "")
    ]
    assert tree == [("depth-0", "Global"), ("depth-1", "Europe"), ("depth-2", "NL")]

    before, tree_before = tenant.server.snapshot(), _divisions(tenant)
    for path, form, message in (
        ("move", {"division": "Europe", "parent": "NL"}, "the new parent is inside"),
        ("add", {"division": "Europe", "parent": "Global"}, "the name is taken"),
        (
            "delete",
            {"division": "Europe", "replacement-division": "Global"},
            "Parent division can not be deleted",
        ),
        ("delete", {"division": "Global", "replacement-division": "NL"}, "Global"),
        ("rename", {"division": "Mars", "division_to_update": "X"}, "exist"),
        ("add", {"division": "", "parent": "Global"}, "Required field 'division' not supplied"),
    ):
        refused = client.post(f"/console/hierarchy/{path}", form)
        assert refused.status_code == 422, (path, form)
        assert any(message in p for p in problems(refused)), (message, problems(refused))
    assert tenant.server.snapshot() == before
    assert _divisions(tenant) == tree_before

    created = client.post("/console/apps", {"name": "Dutch app", "division": "NL"})
    assert created.status_code == 200
    gone = client.post(
        "/console/hierarchy/delete", {"division": "NL", "replacement-division": "Europe"}
    )
    assert "The division has been deleted." in gone.text
    assert _divisions(tenant) == {"Global": None, "Europe": "Global"}
    apps = tenant.server.rows(
        "SELECT d.name FROM connected_apps a JOIN divisions d ON d.id = a.division_id"
        " WHERE a.system_id = ? AND a.name = 'Dutch app'",
        (tenant.system_id,),
    )
    assert apps == [("Europe",)]


def test_a_viewer_sees_the_hierarchy_and_cannot_change_it(tenant: Tenant) -> None:
    viewer = signed_in(tenant, viewer_of(tenant))
    page = viewer.page("/console/hierarchy")
    assert not page.all("form", action="/console/hierarchy/add")
    before = _divisions(tenant)
    for action in ("add", "rename", "move", "delete"):
        response = viewer.post(
            f"/console/hierarchy/{action}", {"division": "X", "parent": "Global"}
        )
        assert response.status_code == 403
    assert _divisions(tenant) == before
