"""GET/POST/PUT reasons: the drivers over 4.1 (spec section 11, reference 2.24)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import httpx
import pytest

from tests.server.v4_1.support import api_key_headers, call
from tests.support import RunningServer, Tenant, create_tenant

XML = b'<?xml version="1.0" encoding="utf-8"?>\n'
FORMATS = ["json", "xml"]
KEYS = [
    "reason_code",
    "numeration",
    "position",
    "show_for",
    "good_bad",
    "category_main",
    "level",
    "label",
]

CODE_REQUIRED = (400601, "Required field \u2018reason_code\u2019 not supplied")
CODE_TAKEN = (400602, "Reason code already exist")
CODE_UNKNOWN = (400603, "Reason code does not exist")
NOT_INSERTED = (400604, "Record not inserted. Something went wrong. Please check your data.")
NOT_UPDATED = (400605, "Record not updated. Something went wrong. Please check your data.")
NO_LEVEL_1 = (400606, "Level 2 can\u2019t save without having Level 1")
GOOD_BAD_REQUIRED = (400607, "Required field \u2018good_bad\u2019 not supplied")
GOOD_BAD_WRONG = (400608, "Wrong data provided on \u2018good_bad\u2019 field")
INVALID = (300001, "Invalid arguments supplied")


def _reasons(tenant: Tenant, method: str, fmt: str = "json", **data: str) -> httpx.Response:
    return call(tenant, method, "reasons", fmt, data=data)


def _add(tenant: Tenant, **data: str) -> str:
    response = _reasons(tenant, "POST", **data)
    assert response.status_code == 200, response.text
    code: str = response.json()["Data"]["reason_code"]
    return code


def _listed(tenant: Tenant, fmt: str = "json", **params: str) -> list[dict[str, str]]:
    with tenant.server.client(headers=api_key_headers(tenant)) as http:
        response = http.get(f"/v4.1/reasons.{fmt}", params=params)
    assert response.status_code == 200, response.text
    if fmt == "xml":
        root = ET.fromstring(response.content)  # noqa: S314 - our own answer
        assert root.tag == "Data"
        return [{child.tag: child.text or "" for child in item} for item in root]
    data: list[dict[str, str]] = response.json()["Data"]
    return data


def _stored(tenant: Tenant) -> list[tuple[Any, ...]]:
    return tenant.server.rows(
        "SELECT reason_code, position, good_bad, category_main, level, label FROM drivers"
        " WHERE system_id = ? ORDER BY id",
        (tenant.system_id,),
    )


def _error(response: httpx.Response, fmt: str) -> tuple[int, tuple[int, str]]:
    """(HTTP status, (Code, Message)) of a 4.1 error in either format."""
    if fmt == "xml":
        assert response.headers["content-type"] == "application/xml; charset=utf-8"
        assert response.content.startswith(XML)
        root = ET.fromstring(response.content)  # noqa: S314 - our own answer
        assert root.tag == "Error"
        assert [child.tag for child in root] == ["Message", "Code"]
        return response.status_code, (int(root.findtext("Code", "")), root.findtext("Message", ""))
    body = response.json()
    assert list(body) == ["Error"]
    return response.status_code, (body["Error"]["Code"], body["Error"]["Message"])


def _refused(
    tenant: Tenant, method: str, fmt: str, data: dict[str, str], expected: tuple[int, str]
) -> None:
    """The request is refused with 400 and ``expected``, and no driver changes."""
    before = _stored(tenant)
    response = _reasons(tenant, method, fmt, **data)
    assert _error(response, fmt) == (400, expected), data
    assert _stored(tenant) == before


@pytest.fixture
def support(tenant: Tenant) -> Tenant:
    """A tenant with drivers: neg Customer Support (position 1) with level 2 "Slow answers",
    and pos Product quality."""
    _add(tenant, good_bad="neg", level="1", position="1", label="Customer Support")
    _add(
        tenant,
        good_bad="neg",
        level="2",
        position="6",
        category_main="Customer Support",
        label="Slow answers",
    )
    _add(tenant, good_bad="pos", level="1", position="2", label="Product quality")
    return tenant


# -- GET ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_system_without_drivers_lists_none(tenant: Tenant, fmt: str) -> None:
    response = _reasons(tenant, "GET", fmt)
    assert response.status_code == 200
    if fmt == "json":
        assert response.headers["content-type"] == "application/json"
        assert response.json() == {"Data": []}
    else:
        assert response.content == XML + b"<Data></Data>"


def test_get_lists_every_field_as_text_level_1_followed_by_its_level_2(support: Tenant) -> None:
    _add(support, good_bad="neg", level="1", position="0", label="Price")
    _add(
        support,
        good_bad="neg",
        level="2",
        position="2",
        category_main="Customer Support",
        label="Rude staff",
    )
    listed = _listed(support)
    assert all(list(item) == KEYS for item in listed)
    assert all(isinstance(value, str) for item in listed for value in item.values())
    assert [(i["label"], i["numeration"], i["level"], i["show_for"]) for i in listed] == [
        ("Product quality", "2", "1", "Promoter"),
        ("Price", "0", "1", "Detractor&Neutral"),
        ("Customer Support", "1", "1", "Detractor&Neutral"),
        ("Rude staff", "1.2", "2", "Detractor&Neutral"),
        ("Slow answers", "1.6", "2", "Detractor&Neutral"),
    ]
    assert listed[4] == {
        "reason_code": "1002",
        "numeration": "1.6",
        "position": "6",
        "show_for": "Detractor&Neutral",
        "good_bad": "neg",
        "category_main": "Customer Support",
        "level": "2",
        "label": "Slow answers",
    }
    assert listed[0]["category_main"] == ""


def test_get_xml_mirrors_the_json(support: Tenant) -> None:
    with support.server.client(headers=api_key_headers(support)) as http:
        response = http.get("/v4.1/reasons.xml", params={"show_for": "Promoter"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/xml; charset=utf-8"
    assert response.content == XML + (
        b"<Data><item><reason_code>1003</reason_code><numeration>2</numeration>"
        b"<position>2</position><show_for>Promoter</show_for><good_bad>pos</good_bad>"
        b"<category_main></category_main><level>1</level><label>Product quality</label>"
        b"</item></Data>"
    )
    assert _listed(support, "xml") == _listed(support)
    neg = _listed(support, "xml", show_for="Detractor&Neutral")
    assert {item["show_for"] for item in neg} == {"Detractor&Neutral"}  # & escaped and read back


@pytest.mark.parametrize("fmt", FORMATS)
def test_show_for_keeps_one_side(support: Tenant, fmt: str) -> None:
    promoters = _listed(support, fmt, show_for="Promoter")
    assert [item["label"] for item in promoters] == ["Product quality"]
    others = _listed(support, fmt, show_for="Detractor&Neutral")
    assert [item["label"] for item in others] == ["Customer Support", "Slow answers"]
    assert _listed(support, fmt, show_for="promoter") == promoters
    with support.server.client(headers=api_key_headers(support)) as http:
        # The value unencoded (its & splits it), and the docs' URL without its "?".
        unencoded = http.get(f"/v4.1/reasons.{fmt}?show_for=Detractor&Neutral")
        typo = http.get(f"/v4.1/reasons.{fmt}&show_for=Promoter")
        unknown = http.get(f"/v4.1/reasons.{fmt}", params={"show_for": "Passive"})
    assert unencoded.status_code == typo.status_code == 200
    assert _error(unknown, fmt) == (400, INVALID)
    if fmt == "json":
        assert unencoded.json()["Data"] == others
        assert typo.json()["Data"] == promoters


def test_bearer_tokens_work_and_other_systems_see_nothing(
    server: RunningServer, support: Tenant
) -> None:
    with support.client() as http:
        response = http.get("/v4.1/reasons.json")
    assert [item["label"] for item in response.json()["Data"]] == [
        "Product quality",
        "Customer Support",
        "Slow answers",
    ]
    other = create_tenant(server, f"{support.name}-b")
    assert _listed(other) == []
    _refused(other, "PUT", "json", {"reason_code": "1001", "label": "Mine"}, CODE_UNKNOWN)
    assert _add(other, good_bad="pos", label="Product quality") == "1001"  # codes per system
    with support.server.client(headers={"Authorization": "api_key wrong"}) as http:
        refused = http.get("/v4.1/reasons.xml")
    assert refused.status_code == 401
    assert refused.content == XML + (
        b"<Error><Message>Invalid API Key</Message><Code>200000</Code></Error>"
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_delete_is_not_a_method_of_reasons(support: Tenant, fmt: str) -> None:
    response = _reasons(support, "DELETE", fmt, reason_code="1001")
    assert _error(response, fmt) == (405, (300003, "Method does not exist"))
    assert len(_stored(support)) == 3


# -- POST -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_answers_the_new_reason_code(tenant: Tenant, fmt: str) -> None:
    response = _reasons(tenant, "POST", fmt, good_bad="pos", label="Ease of use")
    assert response.status_code == 200
    if fmt == "json":
        assert response.json() == {"Data": {"reason_code": "1001"}}
    else:
        assert response.content == XML + b"<Data><reason_code>1001</reason_code></Data>"
    assert _stored(tenant) == [("1001", 0, "pos", "", 1, "Ease of use")]


def test_codes_count_up_from_the_highest_number_and_a_chosen_code_is_kept(
    tenant: Tenant,
) -> None:
    assert _add(tenant, good_bad="pos", label="A") == "1001"
    assert _add(tenant, good_bad="pos", label="B", reason_code="11060") == "11060"
    assert _add(tenant, good_bad="pos", label="C", reason_code="cs-other") == "cs-other"
    assert _add(tenant, good_bad="pos", label="D") == "11061"
    assert [row[0] for row in _stored(tenant)] == ["1001", "11060", "cs-other", "11061"]


def test_post_defaults_trims_and_ignores_a_level_1_category(tenant: Tenant) -> None:
    _add(tenant, good_bad=" NEG ", label="  Price  ", category_main="Money")
    _add(tenant, good_bad="neg", level="2", category_main=" Price ", label="Too high", position="3")
    assert _stored(tenant) == [
        ("1001", 0, "neg", "", 1, "Price"),
        ("1002", 3, "neg", "Price", 2, "Too high"),
    ]


def test_the_same_label_may_sit_under_two_categories_and_on_both_sides(tenant: Tenant) -> None:
    for good_bad in ("pos", "neg"):
        for category in ("Support", "Product"):
            _add(tenant, good_bad=good_bad, label=category)
            _add(tenant, good_bad=good_bad, level="2", category_main=category, label="Other")
    assert len(_stored(tenant)) == 8


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"label": "No side"}, GOOD_BAD_REQUIRED),
        ({"good_bad": " ", "label": "Blank side"}, GOOD_BAD_REQUIRED),
        ({"good_bad": "good", "label": "Wrong side"}, GOOD_BAD_WRONG),
        ({"good_bad": "pos"}, NOT_INSERTED),
        ({"good_bad": "pos", "label": "Level 3", "level": "3"}, NOT_INSERTED),
        ({"good_bad": "pos", "label": "Level 0", "level": "0"}, NOT_INSERTED),
        ({"good_bad": "pos", "label": "Minus", "position": "-1"}, NOT_INSERTED),
        ({"good_bad": "pos", "label": "Huge", "position": "1000000"}, NOT_INSERTED),
        ({"good_bad": "pos", "label": "Word", "position": "first"}, NOT_INSERTED),
        ({"good_bad": "pos", "label": "x" * 129}, NOT_INSERTED),
        ({"good_bad": "pos", "label": "line\nbreak"}, NOT_INSERTED),
        ({"good_bad": "pos", "label": "Code", "reason_code": "has space"}, NOT_INSERTED),
        ({"good_bad": "pos", "label": "Code", "reason_code": "x" * 33}, NOT_INSERTED),
        ({"good_bad": "neg", "label": "Customer Support"}, NOT_INSERTED),
        (
            {
                "good_bad": "neg",
                "label": "Slow answers",
                "level": "2",
                "category_main": "Customer Support",
            },
            NOT_INSERTED,
        ),
        ({"good_bad": "pos", "label": "Taken", "reason_code": "1001"}, CODE_TAKEN),
        ({"good_bad": "neg", "label": "Orphan", "level": "2"}, NO_LEVEL_1),
        (
            {"good_bad": "neg", "label": "Orphan", "level": "2", "category_main": "Nowhere"},
            NO_LEVEL_1,
        ),
        # A level 2 sits under a level 1 of its own side, and not under another level 2.
        (
            {
                "good_bad": "pos",
                "label": "Orphan",
                "level": "2",
                "category_main": "Customer Support",
            },
            NO_LEVEL_1,
        ),
        (
            {"good_bad": "neg", "label": "Orphan", "level": "2", "category_main": "Slow answers"},
            NO_LEVEL_1,
        ),
    ],
)
def test_post_refusals(
    support: Tenant, fmt: str, data: dict[str, str], expected: tuple[int, str]
) -> None:
    _refused(support, "POST", fmt, data, expected)


def test_post_refusals_come_in_order(tenant: Tenant) -> None:
    _add(tenant, good_bad="pos", label="Taken")
    # good_bad before the fields, the fields before the code, the code before level 1.
    _refused(tenant, "POST", "json", {"good_bad": "x", "level": "9"}, GOOD_BAD_WRONG)
    _refused(tenant, "POST", "json", {"good_bad": "pos", "reason_code": "1001"}, NOT_INSERTED)
    orphan = {"good_bad": "pos", "label": "O", "level": "2", "reason_code": "1001"}
    _refused(tenant, "POST", "json", orphan, CODE_TAKEN)


# -- PUT ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_put_changes_the_fields_given_and_keeps_the_others(support: Tenant, fmt: str) -> None:
    response = _reasons(support, "PUT", fmt, reason_code="1002", label="Slow replies", position="4")
    assert response.status_code == 200
    if fmt == "json":
        assert response.json() == {"Data": {"reason_code": "1002"}}
    else:
        assert response.content == XML + b"<Data><reason_code>1002</reason_code></Data>"
    assert _stored(support)[1] == ("1002", 4, "neg", "Customer Support", 2, "Slow replies")
    assert _reasons(support, "PUT", fmt, reason_code="1002").status_code == 200  # nothing to do
    assert _stored(support)[1] == ("1002", 4, "neg", "Customer Support", 2, "Slow replies")


def test_renaming_a_level_1_driver_takes_its_level_2_drivers_along(support: Tenant) -> None:
    _add(support, good_bad="pos", label="Customer Support")  # the other side's stays alone
    _add(support, good_bad="pos", level="2", category_main="Customer Support", label="Kind")
    response = _reasons(support, "PUT", reason_code="1001", label="Service", position="5")
    assert response.status_code == 200
    neg = _listed(support, show_for="Detractor&Neutral")
    assert [(i["label"], i["category_main"], i["numeration"]) for i in neg] == [
        ("Service", "", "5"),
        ("Slow answers", "Service", "5.6"),
    ]
    pos = _listed(support, show_for="Promoter")
    assert ("Kind", "Customer Support") in [(i["label"], i["category_main"]) for i in pos]


def test_a_level_2_driver_moves_to_another_level_1_or_becomes_one(support: Tenant) -> None:
    _add(support, good_bad="neg", label="Price")
    moved = _reasons(support, "PUT", reason_code="1002", category_main="Price")
    assert moved.status_code == 200
    assert _stored(support)[1] == ("1002", 6, "neg", "Price", 2, "Slow answers")
    promoted = _reasons(support, "PUT", reason_code="1002", level="1")
    assert promoted.status_code == 200
    assert _stored(support)[1] == ("1002", 6, "neg", "", 1, "Slow answers")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"label": "No code"}, CODE_REQUIRED),
        ({"reason_code": " ", "label": "Blank code"}, CODE_REQUIRED),
        ({"reason_code": "9999", "label": "Unknown"}, CODE_UNKNOWN),
        ({"reason_code": "1001", "good_bad": "good"}, GOOD_BAD_WRONG),
        ({"reason_code": "1003", "level": "3"}, NOT_UPDATED),
        ({"reason_code": "1003", "position": "x"}, NOT_UPDATED),
        ({"reason_code": "1003", "label": "y" * 129}, NOT_UPDATED),
        ({"reason_code": "1003", "label": "tab\there"}, NOT_UPDATED),
        # The label of another driver on the same side and level.
        ({"reason_code": "1003", "good_bad": "neg", "label": "Customer Support"}, NOT_UPDATED),
        # A level 1 driver with level 2 drivers keeps its level and side.
        ({"reason_code": "1001", "good_bad": "pos"}, NOT_UPDATED),
        ({"reason_code": "1001", "level": "2", "category_main": "Customer Support"}, NO_LEVEL_1),
        ({"reason_code": "1003", "level": "2"}, NO_LEVEL_1),
        ({"reason_code": "1002", "category_main": "Nowhere"}, NO_LEVEL_1),
        ({"reason_code": "1002", "good_bad": "pos"}, NO_LEVEL_1),
    ],
)
def test_put_refusals(
    support: Tenant, fmt: str, data: dict[str, str], expected: tuple[int, str]
) -> None:
    _refused(support, "PUT", fmt, data, expected)


def test_a_level_1_driver_with_level_2_drivers_keeps_its_level(support: Tenant) -> None:
    _add(support, good_bad="neg", label="Price")
    data = {"reason_code": "1001", "level": "2", "category_main": "Price"}
    _refused(support, "PUT", "json", data, NOT_UPDATED)
    # Once its level 2 driver has moved away, it may move under Price itself.
    assert _reasons(support, "PUT", reason_code="1002", category_main="Price").status_code == 200
    assert _reasons(support, "PUT", **data).status_code == 200
    assert [row[3:5] for row in _stored(support)[:2]] == [("Price", 2), ("Price", 2)]
