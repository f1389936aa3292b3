"""Helpers for the hierarchy tests: a richer tenant, the tree as listed, the stored state."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx

from tests.server.v4_1.support import call
from tests.support import MULTI_MAPPING, RunningServer, Tenant, create_tenant, put_record

#: Global -> Netherlands -> Amsterdam, Rotterdam; Global -> Belgium.
DIVISIONS = [
    {"division": "Netherlands", "parent": "Global"},
    {"division": "Amsterdam", "parent": "Netherlands"},
    {"division": "Rotterdam", "parent": "Netherlands"},
    {"division": "Belgium", "parent": "Global"},
]


def tree_tenant(server: RunningServer, records: tuple[str, ...] = ()) -> Tenant:
    """A tenant with :data:`DIVISIONS`, an app in Amsterdam and campaigns naming divisions.

    ``records`` are division names; one survey record is imported into each.
    """
    name = f"h-{uuid.uuid4().hex[:10]}"
    tenant = create_tenant(
        server,
        name,
        divisions=DIVISIONS,
        connected_apps=[
            {
                "name": "crm",
                "client_id": f"{name}-client",
                "client_secret": f"{name}-secret",
                "division": "Amsterdam",
            }
        ],
        campaigns=[
            {
                "name": "Dutch cities",
                "filters": [
                    {"field": "survey.division", "op": "is", "values": ["Amsterdam", "Rotterdam"]},
                    {"field": "survey.touchpoint", "op": "is", "values": ["Amsterdam"]},
                ],
            },
            {
                "name": "Not Amsterdam",
                "filters": [{"field": "survey.division", "op": "is_not", "values": ["Amsterdam"]}],
            },
        ],
    )
    if records:
        with tenant.client() as http:
            for number, division in enumerate(records):
                response = import_record(http, division, number)
                assert response.status_code == 200, response.text
    return tenant


def import_record(http: httpx.Client, division: str, number: int) -> httpx.Response:
    """One survey record in ``division`` through ``PUT /records/``."""
    record = {"Account Name": "ACME", "Email": f"c{number}@example.com", "Division": division}
    return put_record(http, MULTI_MAPPING, record)


def listed(tenant: Tenant) -> list[tuple[str, str]]:
    """(division, parent) pairs in the order GET lists them."""
    response = call(tenant, "GET", "hierarchy")
    assert response.status_code == 200, response.text
    return [(item["division"], item["parent"]) for item in response.json()["Data"]]


def stored(tenant: Tenant) -> dict[str, Any]:
    """Everything the hierarchy module may change, for this tenant's system."""
    rows = tenant.server.rows
    system = (tenant.system_id,)
    return {
        "divisions": rows(
            "SELECT id, name, parent_id FROM divisions WHERE system_id = ? ORDER BY id", system
        ),
        "records": rows(
            "SELECT id, division_id FROM survey_records WHERE system_id = ? ORDER BY id", system
        ),
        "apps": rows(
            "SELECT id, division_id FROM connected_apps WHERE system_id = ? ORDER BY id", system
        ),
        "campaigns": [
            (cid, json.loads(filters))
            for cid, filters in rows(
                "SELECT id, filters FROM campaigns WHERE system_id = ? ORDER BY id", system
            )
        ],
    }


def division_names_of(tenant: Tenant, table: str) -> list[str]:
    """The division name of every row of ``table`` (survey_records or connected_apps)."""
    rows = tenant.server.rows(
        f"SELECT d.name FROM {table} t JOIN divisions d ON d.id = t.division_id"  # noqa: S608
        " WHERE t.system_id = ? ORDER BY t.id",
        (tenant.system_id,),
    )
    return [str(row[0]) for row in rows]


def division_filters(tenant: Tenant) -> dict[str, list[list[str]]]:
    """Campaign name -> the values of its ``survey.division`` filters."""
    rows = tenant.server.rows(
        "SELECT name, filters FROM campaigns WHERE system_id = ? ORDER BY id", (tenant.system_id,)
    )
    return {
        str(name): [f["values"] for f in json.loads(raw) if f["field"] == "survey.division"]
        for name, raw in rows
    }


def error(code: int, message: str) -> dict[str, Any]:
    return {"Error": {"Message": message, "Code": code}}
