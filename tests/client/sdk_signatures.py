"""The SDK's public signatures, pinned for type checkers.

Not collected by pytest: ``make typecheck`` (mypy --strict) checks this file, so a change to a
return type or a parameter of a public method fails the build here before it reaches a user's
type checker. Nothing in it is ever called.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import assert_type

import httpx

from opengauge.client import (
    AnonymizeCandidate,
    AsyncClient,
    AsyncExportIterator,
    Bounce,
    Client,
    Division,
    ExportIterator,
    ExportPage,
    ExportRecord,
    OpenGaugeError,
    Period,
    PersonalLink,
    RateLimitError,
    RevenueUpload,
    Unsubscribe,
    ValidationError,
    error_from_response,
)


def sync_client(cg: Client) -> None:
    assert_type(cg.records.put("ref", {"Email": "a@example.com"}), None)
    assert_type(cg.personal_links.create("ref", {"Email": "a@example.com"}), PersonalLink)
    assert_type(cg.accounts.put("ACME", number="1", parent="Holding"), bool)
    assert_type(cg.contracts.put("ACME", date(2024, 1, 1), end="2024-12-31"), str)
    assert_type(cg.activities.put("ACME", "call", "crm", "2024-01-01 10:00:00"), str)
    assert_type(cg.responses.iter(per_page=100, period=Period("date_sent")), ExportIterator)
    assert_type(cg.non_responses.page(cursor=10), ExportPage)
    for record in cg.responses.iter():
        assert_type(record, ExportRecord)
    assert_type(cg.unsubscribes.list(start=0, limit=10), list[Unsubscribe])
    assert_type(cg.unsubscribes.iter_all(), Iterator[Unsubscribe])
    assert_type(cg.unsubscribes.add("a@example.com"), None)
    assert_type(cg.bounces.list(), list[Bounce])
    assert_type(cg.anonymize.preview(email="a@example.com"), list[AnonymizeCandidate])
    assert_type(cg.anonymize.run(telephone="+31"), int)
    assert_type(cg.anonymize.contacts(phone="+31"), int)
    assert_type(cg.hierarchy.list(), list[Division])
    assert_type(cg.hierarchy.add("Europe", parent="Global"), int)
    assert_type(cg.hierarchy.rename("Europe", "EMEA"), None)
    assert_type(cg.revenue.upload(b"1,2", filename="r.csv"), bool)
    assert_type(cg.revenue.list_uploads(), list[RevenueUpload])
    assert_type(cg.revenue.iter_uploads(), Iterator[RevenueUpload])


async def async_client(cg: AsyncClient) -> None:
    assert_type(await cg.records.put("ref", {}), None)
    assert_type(await cg.personal_links.create("ref", {}), PersonalLink)
    assert_type(await cg.accounts.put("ACME"), bool)
    assert_type(await cg.contracts.put("ACME", "2024-01-01"), str)
    assert_type(cg.responses.iter(with_=["properties"]), AsyncExportIterator)
    async for record in cg.non_responses.iter():
        assert_type(record, ExportRecord)
    assert_type(cg.unsubscribes.iter_all(), AsyncIterator[Unsubscribe])
    assert_type(await cg.hierarchy.list(), list[Division])
    assert_type(await cg.anonymize.run(email="a@example.com"), int)
    assert_type(cg.revenue.iter_uploads(), AsyncIterator[RevenueUpload])


def construction() -> None:
    assert_type(Client(region="eu", client_id="i", client_secret="s"), Client)
    assert_type(AsyncClient(base_url="http://localhost:8080", api_key="k"), AsyncClient)
    assert_type(
        AsyncClient(base_url="http://x", client_id="i", client_secret="s", bulk_connections=16),
        AsyncClient,
    )


def errors(error: OpenGaugeError) -> None:
    assert_type(error.status, int | None)
    assert_type(error.code, int | None)
    if isinstance(error, ValidationError):
        assert_type(error.errors, dict[str, list[str]])
    if isinstance(error, RateLimitError):
        assert_type(error.retry_after, float | None)


def mapping(response: httpx.Response) -> None:
    assert_type(error_from_response(response), OpenGaugeError)
