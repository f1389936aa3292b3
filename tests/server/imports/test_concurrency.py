"""Concurrent upserts: group commit must neither lose nor duplicate writes."""

from __future__ import annotations

import asyncio
import random

import httpx

from tests.support import ACCOUNT_MAPPING, Tenant


async def _blast(base_url: str, token: str, bodies: list[dict[str, object]]) -> list[int]:
    limits = httpx.Limits(max_connections=len(bodies))
    async with httpx.AsyncClient(
        base_url=base_url, headers={"Authorization": f"Bearer {token}"}, limits=limits, timeout=60
    ) as http:
        responses = await asyncio.gather(*(http.put("/records/", json=b) for b in bodies))
    return [r.status_code for r in responses]


def test_200_concurrent_upserts_of_20_accounts(tenant: Tenant) -> None:
    names = [f"Account {i:02d}" for i in range(20)]
    bodies: list[dict[str, object]] = [
        {
            "configuration": ACCOUNT_MAPPING,
            "record": {"Account Name": names[i % 20], "Account Number": f"n-{i}"},
        }
        for i in range(200)
    ]
    random.Random(7).shuffle(bodies)
    token = tenant.token()
    statuses = asyncio.run(_blast(tenant.server.base_url, token, bodies))
    assert statuses == [200] * 200
    rows = tenant.server.rows(
        "SELECT name, number FROM accounts WHERE system_id = ? ORDER BY name", (tenant.system_id,)
    )
    assert [r[0] for r in rows] == names
    sent = {
        name: {
            b["record"]["Account Number"]
            for b in bodies  # type: ignore[index]
            if b["record"]["Account Name"] == name
        }  # type: ignore[index]
        for name in names
    }
    assert all(number in sent[name] for name, number in rows)

    # A final concurrent round: afterwards every account holds exactly its last value.
    last: list[dict[str, object]] = [
        {
            "configuration": ACCOUNT_MAPPING,
            "record": {"Account Name": name, "Account Number": f"final-{name}"},
        }
        for name in names
    ]
    assert asyncio.run(_blast(tenant.server.base_url, token, last)) == [200] * 20
    rows = tenant.server.rows(
        "SELECT name, number FROM accounts WHERE system_id = ? ORDER BY name", (tenant.system_id,)
    )
    assert rows == [(name, f"final-{name}") for name in names]


def test_concurrent_valid_and_invalid_requests_are_isolated(tenant: Tenant) -> None:
    # Refusals share the writer's transaction with good writes; neither may affect the other.
    bodies: list[dict[str, object]] = []
    for i in range(60):
        name = f"Mixed {i}" if i % 3 else "x" * 300
        bodies.append({"configuration": ACCOUNT_MAPPING, "record": {"Account Name": name}})
    statuses = asyncio.run(_blast(tenant.server.base_url, tenant.token(), bodies))
    assert statuses.count(422) == 20
    assert statuses.count(200) == 40
    assert tenant.count("accounts") == 40
