"""GET/POST/PUT/DELETE hierarchy (spec section 6, reference 2.18)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.server.v4_1.hierarchy.support import (
    division_filters,
    division_names_of,
    error,
    listed,
    stored,
    tree_tenant,
)
from tests.server.v4_1.support import call
from tests.support import RunningServer, Tenant

XML = b'<?xml version="1.0" encoding="utf-8"?>\n'
INVALID = error(300001, "Invalid arguments supplied")
TOO_MANY = error(300000, "Too many params supplied")
NO_PARENT = error(400900, "Parent doesn\u2019t exist")
NO_DIVISION = error(400901, "Division doesn\u2019t exist")
UPDATED = {"Data": {"message": "Division has been updated successfully"}}
DELETED = {"Data": {"message": "Division has been deleted successfully."}}


@pytest.fixture
def tree(server: RunningServer) -> Tenant:
    """Global > Netherlands > Amsterdam, Rotterdam; Global > Belgium; app in Amsterdam."""
    return tree_tenant(server)


def _refused(
    tenant: Tenant, method: str, cases: list[tuple[dict[str, str], dict[str, Any]]]
) -> None:
    """Each case is refused with 400 and the given body, and changes nothing."""
    before = stored(tenant)
    for data, body in cases:
        response = call(tenant, method, "hierarchy", data=data)
        assert (response.status_code, response.json()) == (400, body), data
    assert stored(tenant) == before


# -- GET ------------------------------------------------------------------------------------


def test_get_lists_global_first_then_breadth_first(tree: Tenant) -> None:
    call(tree, "POST", "hierarchy", data={"division": "Antwerp", "parent": "Belgium"})
    call(tree, "POST", "hierarchy", data={"division": "Zaandam", "parent": "Amsterdam"})
    call(tree, "POST", "hierarchy", data={"division": "Utrecht", "parent": "Netherlands"})
    response = call(tree, "GET", "hierarchy")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    data = response.json()["Data"]
    ids = {item["division"]: item["id"] for item in data}
    assert all(isinstance(value, str) and value.isdigit() for value in ids.values())
    assert [(item["division"], item["parent"]) for item in data] == [
        ("Global", ""),
        ("Netherlands", "Global"),
        ("Belgium", "Global"),
        ("Amsterdam", "Netherlands"),
        ("Rotterdam", "Netherlands"),
        ("Utrecht", "Netherlands"),
        ("Antwerp", "Belgium"),
        ("Zaandam", "Amsterdam"),
    ]
    assert list(data[0]) == ["id", "division", "parent"]


def test_siblings_are_listed_by_id_not_by_when_they_arrived(tree: Tenant) -> None:
    call(tree, "PUT", "hierarchy", data={"division": "Amsterdam", "parent": "Belgium"})
    call(tree, "PUT", "hierarchy", data={"division": "Amsterdam", "parent": "Netherlands"})
    assert listed(tree)[3:5] == [("Amsterdam", "Netherlands"), ("Rotterdam", "Netherlands")]


def test_get_xml(server: RunningServer, tenant: Tenant) -> None:
    global_id, netherlands_id = (
        item["id"] for item in call(tenant, "GET", "hierarchy").json()["Data"]
    )
    response = call(tenant, "GET", "hierarchy", fmt="xml")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/xml; charset=utf-8"
    assert (
        response.content
        == XML
        + (
            f"<Data><item><id>{global_id}</id><division>Global</division><parent></parent></item>"
            f"<item><id>{netherlands_id}</id><division>Netherlands</division>"
            "<parent>Global</parent></item></Data>"
        ).encode()
    )


def test_get_with_a_form_body_reads_it(tenant: Tenant) -> None:
    """The docs send bodies on GET: the API key may even travel there."""
    with tenant.server.client() as http:
        response = http.request(
            "GET", "/v4.1/hierarchy.json", data={"api_key": f"{tenant.name}-api-key", "x": "y"}
        )
    assert response.status_code == 200
    assert [item["division"] for item in response.json()["Data"]] == ["Global", "Netherlands"]


def test_bearer_callers_and_unknown_callers(tenant: Tenant) -> None:
    with tenant.client() as http:
        assert http.get("/v4.1/hierarchy.json").status_code == 200
    with tenant.server.client(headers={"Authorization": "api_key wrong"}) as http:
        refused = http.get("/v4.1/hierarchy.xml")
    assert refused.status_code == 401
    assert refused.content == XML + (
        b"<Error><Message>Invalid API Key</Message><Code>200000</Code></Error>"
    )
    patch = call(tenant, "PATCH", "hierarchy")
    assert (patch.status_code, patch.json()) == (405, error(300003, "Method does not exist"))


# -- POST -----------------------------------------------------------------------------------


def test_post_adds_under_global_by_default(tenant: Tenant) -> None:
    response = call(tenant, "POST", "hierarchy", data={"division": "  Belgium "})
    assert response.status_code == 200
    new_id = response.json()["Data"]["id"]
    assert isinstance(new_id, str)
    assert response.json() == {"Data": {"id": new_id}}
    assert tenant.server.rows("SELECT name FROM divisions WHERE id = ?", (int(new_id),)) == [
        ("Belgium",)
    ]
    assert listed(tenant)[-1] == ("Belgium", "Global")


def test_post_under_a_parent_json_and_xml(tenant: Tenant) -> None:
    """The documented call: ``-d division=Amsterdam -d parent=Netherlands``."""
    response = call(
        tenant,
        "POST",
        "hierarchy",
        fmt="xml",
        data={"division": "Amsterdam", "parent": "Netherlands"},
    )
    new_id = listed_ids(tenant)["Amsterdam"]
    assert response.content == XML + f"<Data><id>{new_id}</id></Data>".encode()
    in_query = call(
        tenant, "POST", "hierarchy", params={"division": "Zaandam", "parent": "Amsterdam"}
    )
    assert in_query.json() == {"Data": {"id": listed_ids(tenant)["Zaandam"]}}
    assert listed(tenant)[2:] == [("Amsterdam", "Netherlands"), ("Zaandam", "Amsterdam")]


def listed_ids(tenant: Tenant) -> dict[str, str]:
    return {
        item["division"]: item["id"] for item in call(tenant, "GET", "hierarchy").json()["Data"]
    }


def test_post_refusals(tree: Tenant) -> None:
    required = error(300004, "Required field 'division' not supplied")
    _refused(
        tree,
        "POST",
        [
            ({}, required),
            ({"division": "   "}, required),
            ({"parent": "Global"}, required),
            ({"division": "Utrecht", "parent": "Nowhere"}, NO_PARENT),
            ({"division": "Amsterdam", "parent": "Nowhere"}, NO_PARENT),
            ({"division": "Amsterdam"}, INVALID),
            ({"division": "Global", "parent": "Belgium"}, INVALID),
            ({"division": "x" * 129}, INVALID),
        ],
    )
    assert call(tree, "POST", "hierarchy", data={"division": "x" * 128}).status_code == 200


def test_post_xml_error(tenant: Tenant) -> None:
    response = call(tenant, "POST", "hierarchy", fmt="xml", data={"parent": "Global"})
    assert response.status_code == 400
    assert response.content == XML + (
        b"<Error><Message>Required field 'division' not supplied</Message>"
        b"<Code>300004</Code></Error>"
    )


# -- PUT ------------------------------------------------------------------------------------


def test_put_renames_and_rewrites_campaign_filters(server: RunningServer) -> None:
    tenant = tree_tenant(server, records=("Amsterdam", "Rotterdam"))
    other = tree_tenant(server)
    before_other = stored(other)
    response = call(
        tenant,
        "PUT",
        "hierarchy",
        data={"division": "Amsterdam", "division_to_update": "North Holland"},
    )
    assert (response.status_code, response.json()) == (200, UPDATED)
    assert listed(tenant)[3] == ("North Holland", "Netherlands")
    assert division_names_of(tenant, "survey_records") == ["North Holland", "Rotterdam"]
    assert division_names_of(tenant, "connected_apps") == ["North Holland"]
    assert division_filters(tenant) == {
        "Dutch cities": [["North Holland", "Rotterdam"]],
        "Not Amsterdam": [["North Holland"]],
    }
    # A touchpoint called Amsterdam is not a division.
    touchpoint = stored(tenant)["campaigns"][0][1][1]
    assert touchpoint == {"field": "survey.touchpoint", "op": "is", "values": ["Amsterdam"]}
    assert stored(other) == before_other


def test_put_rename_xml_and_to_its_own_name(tree: Tenant) -> None:
    before = stored(tree)
    same = call(
        tree, "PUT", "hierarchy", data={"division": "Belgium", "division_to_update": "Belgium"}
    )
    assert (same.status_code, same.json()) == (200, UPDATED)
    assert stored(tree) == before
    response = call(
        tree,
        "PUT",
        "hierarchy",
        fmt="xml",
        data={"division": "Belgium", "division_to_update": "BE"},
    )
    assert response.content == XML + (
        b"<Data><message>Division has been updated successfully</message></Data>"
    )
    assert ("BE", "Global") in listed(tree)


def test_put_moves_a_division_with_its_children(tree: Tenant) -> None:
    call(tree, "POST", "hierarchy", data={"division": "Zaandam", "parent": "Amsterdam"})
    response = call(tree, "PUT", "hierarchy", data={"division": "Amsterdam", "parent": "Belgium"})
    assert (response.status_code, response.json()) == (200, UPDATED)
    assert listed(tree) == [
        ("Global", ""),
        ("Netherlands", "Global"),
        ("Belgium", "Global"),
        ("Rotterdam", "Netherlands"),
        ("Amsterdam", "Belgium"),
        ("Zaandam", "Amsterdam"),
    ]
    again = call(tree, "PUT", "hierarchy", params={"division": "Netherlands", "parent": "Zaandam"})
    assert (again.status_code, again.json()) == (200, UPDATED)
    assert listed(tree)[-1] == ("Rotterdam", "Netherlands")
    assert ("Netherlands", "Zaandam") in listed(tree)
    unchanged = call(tree, "PUT", "hierarchy", data={"division": "Belgium", "parent": "Global"})
    assert unchanged.json() == UPDATED


def test_put_refusals(tree: Tenant) -> None:
    call(tree, "POST", "hierarchy", data={"division": "Zaandam", "parent": "Amsterdam"})
    required = error(300004, "Required field 'division' not supplied")
    _refused(
        tree,
        "PUT",
        [
            ({}, required),
            ({"division_to_update": "X"}, required),
            ({"parent": "Global"}, required),
            ({"division": "Amsterdam"}, INVALID),
            ({"division": "Amsterdam", "division_to_update": "X", "parent": "Global"}, TOO_MANY),
            ({"division": "Nowhere", "division_to_update": "X"}, NO_DIVISION),
            ({"division": "Nowhere", "parent": "Global"}, NO_DIVISION),
            (
                {"division": "Global", "division_to_update": "World"},
                error(400902, "Global division can not be updated"),
            ),
            (
                {"division": "Global", "parent": "Belgium"},
                error(400902, "Global division can not be updated"),
            ),
            ({"division": "Amsterdam", "parent": "Nowhere"}, NO_PARENT),
            ({"division": "Amsterdam", "parent": "Amsterdam"}, INVALID),
            ({"division": "Netherlands", "parent": "Amsterdam"}, INVALID),
            ({"division": "Netherlands", "parent": "Zaandam"}, INVALID),
            ({"division": "Amsterdam", "division_to_update": "Rotterdam"}, INVALID),
            ({"division": "Amsterdam", "division_to_update": "Global"}, INVALID),
            ({"division": "Amsterdam", "division_to_update": "y" * 129}, INVALID),
        ],
    )


# -- DELETE ---------------------------------------------------------------------------------


def test_delete_with_a_form_body_repoints_records_apps_and_campaigns(server: RunningServer) -> None:
    """The documented call sends ``-X DELETE -d division=...``: a form body on DELETE."""
    tenant = tree_tenant(server, records=("Amsterdam", "Rotterdam", "Amsterdam"))
    other = tree_tenant(server, records=("Amsterdam",))
    before_other = stored(other)
    response = call(
        tenant,
        "DELETE",
        "hierarchy",
        data={"division": "Amsterdam", "replacement-division": "Rotterdam"},
    )
    assert (response.status_code, response.json()) == (200, DELETED)
    assert "Amsterdam" not in dict(listed(tenant))
    assert division_names_of(tenant, "survey_records") == ["Rotterdam"] * 3
    assert division_names_of(tenant, "connected_apps") == ["Rotterdam"]
    assert division_filters(tenant) == {
        "Dutch cities": [["Rotterdam"]],
        "Not Amsterdam": [["Rotterdam"]],
    }
    assert stored(other) == before_other
    # The app, now in Rotterdam, still works.
    with tenant.client() as http:
        assert http.get("/v4.1/hierarchy.json").status_code == 200


def test_delete_in_the_query_string_and_xml(tree: Tenant) -> None:
    response = call(
        tree,
        "DELETE",
        "hierarchy",
        fmt="xml",
        params={"division": "Belgium", "replacement-division": "Global"},
    )
    assert response.status_code == 200
    assert response.content == XML + (
        b"<Data><message>Division has been deleted successfully.</message></Data>"
    )
    assert [name for name, _ in listed(tree)] == ["Global", "Netherlands", "Amsterdam", "Rotterdam"]


def test_delete_refusals(tree: Tenant) -> None:
    _refused(
        tree,
        "DELETE",
        [
            ({}, error(300004, "Required field 'division' not supplied")),
            (
                {"replacement-division": "Global"},
                error(300004, "Required field 'division' not supplied"),
            ),
            (
                {"division": "Amsterdam"},
                error(300004, "Required field 'replacement-division' not supplied"),
            ),
            (
                {"division": "Amsterdam", "replacement_division": "Global"},
                error(300004, "Required field 'replacement-division' not supplied"),
            ),
            (
                {"division": "Global", "replacement-division": "Belgium"},
                error(400903, "Global division can not be deleted"),
            ),
            ({"division": "Nowhere", "replacement-division": "Belgium"}, NO_DIVISION),
            ({"division": "Amsterdam", "replacement-division": "Nowhere"}, NO_DIVISION),
            (
                {"division": "Netherlands", "replacement-division": "Belgium"},
                error(400904, "Parent division can not be deleted"),
            ),
            ({"division": "Amsterdam", "replacement-division": "Amsterdam"}, INVALID),
        ],
    )


def test_the_documented_delete_without_a_replacement_is_refused(tree: Tenant) -> None:
    response = call(tree, "DELETE", "hierarchy", fmt="xml", data={"division": "Amsterdam"})
    assert response.status_code == 400
    assert response.content == XML + (
        b"<Error><Message>Required field 'replacement-division' not supplied</Message>"
        b"<Code>300004</Code></Error>"
    )


# -- isolation ------------------------------------------------------------------------------


def test_only_the_callers_system_is_seen_and_changed(server: RunningServer, tenant: Tenant) -> None:
    other = tree_tenant(server)
    before_other = stored(other)
    assert listed(tenant) == [("Global", ""), ("Netherlands", "Global")]
    refusals = [
        ("POST", {"division": "Ghent", "parent": "Belgium"}, NO_PARENT),
        ("PUT", {"division": "Belgium", "division_to_update": "BE"}, NO_DIVISION),
        ("PUT", {"division": "Netherlands", "parent": "Belgium"}, NO_PARENT),
        ("DELETE", {"division": "Belgium", "replacement-division": "Global"}, NO_DIVISION),
        ("DELETE", {"division": "Netherlands", "replacement-division": "Belgium"}, NO_DIVISION),
    ]
    for method, data, body in refusals:
        response = call(tenant, method, "hierarchy", data=data)
        assert (response.status_code, response.json()) == (400, body), (method, data)
    # Names are unique per system only: the same name may live in both.
    assert call(tenant, "POST", "hierarchy", data={"division": "Belgium"}).status_code == 200
    assert (
        call(
            tenant,
            "PUT",
            "hierarchy",
            data={"division": "Belgium", "division_to_update": "Amsterdam"},
        ).json()
        == UPDATED
    )
    deleted = call(
        tenant,
        "DELETE",
        "hierarchy",
        data={"division": "Amsterdam", "replacement-division": "Global"},
    )
    assert deleted.json() == DELETED
    assert stored(other) == before_other
