"""The sample integrations (requests; httpx.AsyncClient) against the plugin, network blocked."""

from __future__ import annotations

import httpx
import pytest
import requests

from opengauge.testing import Sandbox
from tests.testing.sample_async_integration import AsyncIntegration
from tests.testing.sample_integration import Integration


@pytest.mark.usefixtures("no_network")
def test_the_requests_integration_runs_without_a_network(customergauge: Sandbox) -> None:
    cg = customergauge
    integration = Integration(cg.client_id, cg.client_secret, cg.api_key)

    integration.push_record(
        cg.mappings["Records"],
        {"Email": "ann@example.com", "First Name": "Ann", "Touchpoint": "Support"},
    )
    link = integration.personal_link(cg.mappings["Personal links"], {"Email": "bob@example.com"})
    integration.unsubscribe("carl@example.com")

    assert link.startswith("https://survey.eu.customergauge.com/r/")
    records = cg.survey_records()
    assert [(r["email"], r["delivery_vector"]) for r in records] == [
        ("ann@example.com", "Email"),
        ("bob@example.com", "Personal Link"),
    ]
    assert [e["recipient"] for e in cg.outbox()] == ["ann@example.com"]
    assert [u["email"] for u in cg.unsubscribes()] == ["carl@example.com"]
    # The link is served by the sandbox as well: the survey page opens.
    page = integration.session.get(link, timeout=10)
    assert page.status_code == 200
    assert "How likely are you to recommend" in page.text
    # And the network really was off.
    with pytest.raises(requests.ConnectionError):
        requests.get("https://example.com/", timeout=1)


@pytest.mark.anyio
@pytest.mark.usefixtures("no_network")
async def test_the_httpx_async_integration_runs_without_a_network(customergauge: Sandbox) -> None:
    cg = customergauge
    integration = AsyncIntegration(cg.client_id, cg.client_secret, cg.api_key)
    try:
        await integration.push_record(cg.mappings["Records"], {"Email": "ann@example.com"})
        link = await integration.personal_link(
            cg.mappings["Personal links"], {"Email": "bob@example.com"}
        )
        await integration.unsubscribe("carl@example.com")
        with pytest.raises(httpx.HTTPStatusError) as refused:  # already on the list: 400403
            await integration.unsubscribe("carl@example.com")
    finally:
        await integration.aclose()

    assert refused.value.response.json()["Error"]["Code"] == 400403
    assert link.startswith("https://survey.eu.customergauge.com/r/")
    assert [r["email"] for r in cg.survey_records()] == ["ann@example.com", "bob@example.com"]
    assert [u["email"] for u in cg.unsubscribes()] == ["carl@example.com"]
    async with httpx.AsyncClient() as other:
        with pytest.raises(httpx.ConnectError):
            await other.get("https://example.com/")
