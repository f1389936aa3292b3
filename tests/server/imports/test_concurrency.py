"""Concurrent upserts: group commit must neither lose nor duplicate writes."""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import BACKENDS
from tests.support import (
    ACCOUNT_MAPPING,
    OPENGAUGE,
    ServerProcesses,
    Tenant,
    access_token,
    clean_env,
    database_url,
    tenant_seed,
)


async def _blast(base_url: str, token: str, bodies: list[dict[str, Any]]) -> list[int]:
    limits = httpx.Limits(max_connections=len(bodies))
    async with httpx.AsyncClient(
        base_url=base_url, headers={"Authorization": f"Bearer {token}"}, limits=limits, timeout=60
    ) as http:
        responses = await asyncio.gather(*(http.put("/records/", json=b) for b in bodies))
    return [r.status_code for r in responses]


def test_200_concurrent_upserts_of_20_accounts(tenant: Tenant) -> None:
    names = [f"Account {i:02d}" for i in range(20)]
    bodies: list[dict[str, Any]] = [
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
        name: {b["record"]["Account Number"] for b in bodies if b["record"]["Account Name"] == name}
        for name in names
    }
    assert all(number in sent[name] for name, number in rows)

    # A final concurrent round: afterwards every account holds exactly its last value.
    last: list[dict[str, Any]] = [
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
    bodies: list[dict[str, Any]] = []
    for i in range(60):
        name = f"Mixed {i}" if i % 3 else "x" * 300
        bodies.append({"configuration": ACCOUNT_MAPPING, "record": {"Account Name": name}})
    statuses = asyncio.run(_blast(tenant.server.base_url, tenant.token(), bodies))
    assert statuses.count(422) == 20
    assert statuses.count(200) == 40
    assert tenant.count("accounts") == 40


async def _both_at_once(
    bases: list[str], token: str, path: str, bodies: list[dict[str, Any]]
) -> list[httpx.Response]:
    """Each body sent to every server at the same moment, one body after the other."""
    clients = [
        httpx.AsyncClient(base_url=b, headers={"Authorization": f"Bearer {token}"}, timeout=60)
        for b in bases
    ]
    answers: list[httpx.Response] = []
    try:
        for body in bodies:
            answers += await asyncio.gather(*(c.put(path, json=body) for c in clients))
    finally:
        for client in clients:
            await client.aclose()
    return answers


#: The fixed-schema endpoints that create or update by reference, and a body for each.
BY_REFERENCE: list[tuple[str, str, dict[str, str]]] = [
    ("/contracts", "contracts", {"account": "ACME", "start": "2024-01-01"}),
    (
        "/activities/",
        "activities",
        {"account": "ACME", "type": "t", "source": "s", "happened_at": "2024-01-01 00:00:00"},
    ),
]


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_server_processes_create_one_new_reference_once(
    serve: ServerProcesses, tmp_path: Path, backend: str
) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps(tenant_seed("race")))
    with database_url(backend, tmp_path) as url:
        bases = [serve("--seed", str(seed), "--database", url).base_url]
        bases.append(serve("--database", url).base_url)
        token = access_token(bases[0], "race-client", "race-secret")
        with httpx.Client(base_url=bases[0], headers={"Authorization": f"Bearer {token}"}) as http:
            assert http.put("/accounts", json={"reference": "ACME"}).status_code == 201
        for path, table, extra in BY_REFERENCE:
            bodies: list[dict[str, Any]] = [{"reference": f"r-{i}", **extra} for i in range(40)]
            answers = asyncio.run(_both_at_once(bases, token, path, bodies))
            statuses = [r.status_code for r in answers]
            # Per reference: one process created it (201), the other updated it (200).
            pairs = [sorted(statuses[i : i + 2]) for i in range(0, len(statuses), 2)]
            assert pairs == [[200, 201]] * len(bodies), (path, statuses)
            shown = subprocess.run(
                [*OPENGAUGE, "db", "show", table, "--database", url],
                capture_output=True,
                text=True,
                env=clean_env(),
                timeout=60,
                check=True,
            )
            assert shown.stdout.strip().endswith(f"({len(bodies)} rows)"), shown.stdout
