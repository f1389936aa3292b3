"""Helpers for the export tests: calling the endpoints, following cursors, bulk records."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

from tests.support import RunningServer, Tenant

RESPONSES = "/v7/rest/sync/responses"
NON_RESPONSES = "/v7/rest/sync/non-responses"

Params = list[tuple[str, str | int | float | bool | None]]


def get_page(http: httpx.Client, path: str, params: Params | None = None) -> dict[str, Any]:
    """One page; fails the test unless the answer is a 200 with the documented envelope."""
    response = http.get(path, params=params or [])
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert list(body) == ["data", "cursor"]
    assert list(body["cursor"]) == ["next"]
    assert isinstance(body["cursor"]["next"], int)
    return body


#: What viadot sends with every call.
VIADOT_WITH: Params = [("with[]", "drivers"), ("with[]", "properties")]


def follow(
    http: httpx.Client,
    path: str,
    cursor: int | None = None,
    per_page: int | None = None,
    params: Params = VIADOT_WITH,
) -> tuple[list[list[int]], int]:
    """Call with the stored cursor until ``data`` is empty, as viadot does.

    Returns the ids of every page (the last one empty) and the final cursor.
    """
    pages: list[list[int]] = []
    while True:
        query = [*params]
        if cursor is not None:
            query.append(("cursor", cursor))
        if per_page is not None:
            query.append(("per_page", per_page))
        body = get_page(http, path, query)
        ids = [record["number_customergauge"] for record in body["data"]]
        pages.append(ids)
        assert body["cursor"]["next"] == (ids[-1] if ids else (cursor or 0))
        cursor = body["cursor"]["next"]
        if not ids:
            return pages, cursor


def flat(pages: list[list[int]]) -> list[int]:
    return [i for page in pages for i in page]


def system_record_ids(server: RunningServer, system_id: int, *, responded: bool) -> list[int]:
    """Every survey record id of a system with (or without) a response, straight from SQL."""
    condition = "IS NOT NULL" if responded else "IS NULL"
    rows = server.rows(
        f"SELECT id FROM survey_records WHERE system_id = ? AND date_response {condition}"  # noqa: S608
        " ORDER BY id",
        (system_id,),
    )
    return [int(row[0]) for row in rows]


def insert_records(tenant: Tenant, count: int, *, responded: bool) -> list[int]:
    """Bulk survey records through SQL (one transaction), for setups too big for PUTs."""
    now = "2024-06-01 12:00:00"
    email = f"bulk-{uuid.uuid4().hex[:8]}@example.com"

    def insert(tx: Any) -> list[int]:
        contact = tx.write_returning(
            "INSERT INTO contacts (system_id, key, email, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?) RETURNING id",
            (tenant.system_id, f"email:{email}", email, now, now),
        )
        ids = []
        for i in range(count):
            row = tx.write_returning(
                "INSERT INTO survey_records (system_id, contact_id, delivery_vector, status,"
                " number_order, nps, date_response, segments, date_creation)"
                " VALUES (?, ?, 'Email', ?, ?, ?, ?, '{}', ?) RETURNING id",
                (
                    tenant.system_id,
                    contact[0],
                    "RESPONDED" if responded else "QUEUED",
                    f"bulk-{i}",
                    7 if responded else None,
                    now if responded else None,
                    now,
                ),
            )
            ids.append(int(row[0]))
        return ids

    return tenant.server.db.run_sync(insert)


def put_concurrently(tenant: Tenant, records: list[dict[str, Any]], mapping: str) -> None:
    """``PUT /records/`` for every record at once (8 connections); all must answer 200."""

    async def blast(token: str) -> list[int]:
        async with httpx.AsyncClient(
            base_url=tenant.server.base_url,
            headers={"Authorization": f"Bearer {token}"},
            limits=httpx.Limits(max_connections=8),
            timeout=60,
        ) as http:
            responses = await asyncio.gather(
                *(
                    http.put("/records/", json={"configuration": mapping, "record": record})
                    for record in records
                )
            )
        return [response.status_code for response in responses]

    assert asyncio.run(blast(tenant.token())) == [200] * len(records)
