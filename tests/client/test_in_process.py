"""The SDK against the application in-process: ``httpx.ASGITransport``, no socket at all.

The app's start-up (migrations, signing keys, the database writer) runs inside the test's own
event loop, which is also where the SQLite writer lives, exactly as under a server.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from opengauge.client import AsyncClient, DuplicateError, ValidationError
from opengauge.server.app import OpenGaugeApp
from opengauge.server.seed.schemas import validate_seed
from opengauge.server.seed.service import apply_seed
from opengauge.server.settings import Settings
from tests.conftest import BACKENDS, POSTGRES_URL
from tests.support import ACCOUNT_MAPPING, MULTI_MAPPING, postgres_database, tenant_seed


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'in-process.db'}"
    else:
        with postgres_database(POSTGRES_URL) as url:
            yield url


@contextlib.asynccontextmanager
async def in_process(url: str) -> AsyncIterator[AsyncClient]:
    app = OpenGaugeApp(Settings(database_url=url, sqlite_synchronous="NORMAL"))
    app.start()
    try:
        seed = tenant_seed(
            "inproc",
            campaigns=[{"name": "all", "filters": []}],
            duplication_rule={"enabled": True, "days": 30, "fields": []},
        )
        apply_seed(app.state.db, validate_seed(seed))
        async with AsyncClient(
            base_url="http://testserver",
            client_id="inproc-client",
            client_secret="inproc-secret",
            api_key="inproc-api-key",
            transport=httpx.ASGITransport(app=app),
        ) as client:
            yield client
    finally:
        app.stop()


def test_every_family_in_process(database_url: str) -> None:
    async def scenario() -> None:
        async with in_process(database_url) as cg:
            await cg.records.put(ACCOUNT_MAPPING, {"Account Name": "ACME"})
            with pytest.raises(ValidationError) as invalid:
                await cg.records.put(MULTI_MAPPING, {"Email": "nope"})
            assert invalid.value.errors == {"Email": ["The Email must be a valid email address."]}

            link = await cg.personal_links.create(MULTI_MAPPING, {"Email": "in@example.com"})
            assert link.survey_link.startswith("http://localhost:8080/r/")
            with pytest.raises(DuplicateError):
                await cg.personal_links.create(MULTI_MAPPING, {"Email": "in@example.com"})

            await cg.unsubscribes.add("gone@example.com")
            assert [u.email for u in await cg.unsubscribes.list()] == ["gone@example.com"]
            assert [d.name for d in await cg.hierarchy.list()] == ["Global", "Netherlands"]

            records = [r async for r in cg.non_responses.iter(per_page=10)]
            assert [r["number_customergauge"] for r in records] == [link.number_customergauge]

    asyncio.run(scenario())
