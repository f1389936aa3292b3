"""Every resource against the real server on a loopback port (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest

from opengauge.client import (
    AsyncClient,
    AuthenticationError,
    CampaignError,
    Client,
    ConnectionError,
    DuplicateError,
    NotFoundError,
    Period,
    V41Error,
    ValidationError,
)
from tests.support import (
    ACCOUNT_MAPPING,
    MULTI_MAPPING,
    RunningServer,
    Tenant,
    create_tenant,
    free_port,
)


@pytest.fixture
def linked(server: RunningServer) -> Tenant:
    """A tenant with one personal-link campaign that takes every record."""
    name = f"c-{uuid.uuid4().hex[:10]}"
    return create_tenant(server, name, campaigns=[{"name": "all", "filters": []}])


@pytest.fixture
def client(linked: Tenant) -> Iterator[Client]:
    with Client(
        base_url=linked.server.base_url,
        client_id=linked.client_id,
        client_secret=linked.client_secret,
        api_key=f"{linked.name}-api-key",
    ) as client:
        yield client


def test_records(client: Client, linked: Tenant) -> None:
    client.records.put(ACCOUNT_MAPPING, {"Account Name": "ACME", "Account Number": "A-1"})
    assert linked.count("accounts") == 1
    with pytest.raises(NotFoundError) as missing:
        client.records.put("nope", {"Email": "a@example.com"})
    assert missing.value.message == "The inbound mapping [nope] was not found."
    with pytest.raises(ValidationError) as invalid:
        client.records.put("contact", {"Email": "not-an-address"})
    assert invalid.value.errors == {"Email": ["The Email must be a valid email address."]}


def test_accounts_contracts_activities(client: Client, linked: Tenant) -> None:
    assert client.accounts.put("ACME", number="A-1") is True
    assert client.accounts.put("ACME", manager="Ann") is False
    reference = client.contracts.put("ACME", "2024-01-01", end="2024-12-31")
    assert len(reference) == 12
    assert client.contracts.put("ACME", "2024-02-01", reference=reference) == reference
    client.records.put(MULTI_MAPPING, {"Email": "joe@example.com", "Account Name": "ACME"})
    activity = client.activities.put(
        "ACME",
        "call",
        "crm",
        "2024-05-01 10:00:00",
        contact="joe@example.com",
        details={"topic": "renewal"},
    )
    assert activity
    assert linked.count("activities") == 1
    with pytest.raises(ValidationError) as invalid:
        client.contracts.put("Nobody", "2024-01-01")
    assert invalid.value.errors == {"account": ["The selected account is invalid."]}


def test_personal_links_and_their_refusals(server: RunningServer) -> None:
    tenant = create_tenant(
        server,
        f"p-{uuid.uuid4().hex[:10]}",
        campaigns=[
            {
                "name": "support",
                "filters": [{"field": "survey.touchpoint", "op": "is", "values": ["Support"]}],
                "duplication_days": 30,
            }
        ],
    )
    with Client(
        base_url=server.base_url, client_id=tenant.client_id, client_secret=tenant.client_secret
    ) as client:
        record = {"Email": "joe@example.com", "Touchpoint": "Support"}
        link = client.personal_links.create(MULTI_MAPPING, record)
        assert link.survey_link.startswith(server.base_url.replace("127.0.0.1", "localhost"))
        assert link.survey_link_short.endswith(link.survey_link.rsplit("/", 1)[1])
        with pytest.raises(DuplicateError):
            client.personal_links.create(MULTI_MAPPING, record)
        with pytest.raises(CampaignError):
            client.personal_links.create(MULTI_MAPPING, {"Email": "ann@example.com"})
        with pytest.raises(ValidationError) as invalid:
            client.personal_links.create(MULTI_MAPPING, {})
        assert invalid.value.message.endswith("(and 1 more error)")


def test_export_iterates_by_cursor_keeping_filters(client: Client) -> None:
    for n in range(5):
        client.records.put(
            "external",
            {"Email": f"r{n}@example.com", "NPS": n, "Responded": f"2024-06-0{n + 1} 10:00:00"},
        )
    client.personal_links.create(MULTI_MAPPING, {"Email": "open@example.com"})

    everything = client.responses.iter(per_page=2)
    ids = [record["number_customergauge"] for record in everything]
    assert len(ids) == 5
    assert ids == sorted(ids)
    assert everything.cursor == ids[-1]

    period = Period("date_survey_response", start="2024-06-02", end="2024-06-04")
    filtered = [r["nps"] for r in client.responses.iter(per_page=1, period=period)]
    assert filtered == [1, 2, 3]

    first = client.responses.iter(per_page=2)
    taken = [next(first)["number_customergauge"] for _ in range(3)]
    rest = [r["number_customergauge"] for r in client.responses.iter(cursor=first.cursor)]
    assert taken + rest == ids

    (open_record,) = client.non_responses.iter(with_=["properties"])
    assert open_record["email"] == "open@example.com"
    assert client.responses.page(cursor=ids[-1]).data == []


def test_unsubscribes_and_bounces(client: Client) -> None:
    for n in range(3):
        client.unsubscribes.add(f"u{n}@example.com")
    with pytest.raises(V41Error) as twice:
        client.unsubscribes.add("u0@example.com")
    assert twice.value.code == 400403
    assert [u.email for u in client.unsubscribes.list(start=1, limit=1)] == ["u1@example.com"]
    assert [u.email for u in client.unsubscribes.iter_all(limit=2)] == [
        "u0@example.com",
        "u1@example.com",
        "u2@example.com",
    ]
    assert client.unsubscribes.list()[0].user == "api_key"
    assert client.bounces.list() == []
    assert list(client.bounces.iter_all()) == []


def test_anonymize(client: Client) -> None:
    client.records.put(MULTI_MAPPING, {"Email": "gone@example.com", "First Name": "Gone"})
    (candidate,) = client.anonymize.preview(email="gone@example.com")
    assert candidate.first_name == "Gone"
    assert client.anonymize.run(id=candidate.number_customergauge) == 1
    assert client.anonymize.run(email="gone@example.com") == 0
    client.records.put(MULTI_MAPPING, {"Email": "v6@example.com"})
    assert client.anonymize.contacts(email="v6@example.com") == 1
    with pytest.raises(ValueError, match="name the person"):
        client.anonymize.run()


def test_hierarchy(client: Client) -> None:
    amsterdam = client.hierarchy.add("Amsterdam", parent="Netherlands")
    client.hierarchy.add("Belgium")
    client.hierarchy.rename("Amsterdam", "North Holland")
    client.hierarchy.move("North Holland", "Belgium")
    divisions = {d.name: d for d in client.hierarchy.list()}
    assert divisions["Global"].parent is None
    assert divisions["North Holland"].parent == "Belgium"
    assert divisions["North Holland"].id == amsterdam
    client.hierarchy.delete("North Holland", "Belgium")
    assert "North Holland" not in {d.name for d in client.hierarchy.list()}
    with pytest.raises(V41Error) as refused:
        client.hierarchy.delete("Global", "Belgium")
    assert refused.value.code == 400903


def test_revenue(client: Client) -> None:
    client.accounts.put("ACME")
    assert client.revenue.upload(b"ACME,1200,2024-01-01,2024-12-31,ARR\n", "good.csv") is True
    assert client.revenue.upload(b"Nobody,1,2024-01-01,2024-12-31,ARR\n", "bad.csv") is False
    good, bad = client.revenue.list_uploads()
    assert (good.status, good.total_records, good.logs) == ("Processed", 1, [])
    assert bad.status == "Failed"
    assert bad.logs == ["Record 1: Account 'Nobody' does not exist."]
    assert [u.id for u in client.revenue.list_uploads(id=bad.id)] == [bad.id]
    assert [u.id for u in client.revenue.iter_uploads(limit=1)] == [good.id, bad.id]
    with pytest.raises(V41Error) as wrong_type:
        client.revenue.upload(b"x", "revenue.pdf")
    assert wrong_type.value.code == 400106


def test_wrong_credentials(server: RunningServer, linked: Tenant) -> None:
    with (
        Client(base_url=server.base_url, client_id=linked.client_id, client_secret="no") as bad,
        pytest.raises(AuthenticationError, match="invalid_client"),
    ):
        bad.records.put(ACCOUNT_MAPPING, {"Account Name": "x"})
    with (
        Client(base_url=server.base_url, api_key="nope") as bad_key,
        pytest.raises(AuthenticationError) as refused,
    ):
        bad_key.bounces.list()
    assert refused.value.code == 200000


@pytest.mark.parametrize("bulk_connections", [None, 4], ids=["httpx", "lean-pool"])
def test_async_client_end_to_end(linked: Tenant, bulk_connections: int | None) -> None:
    async def main() -> None:
        async with AsyncClient(
            base_url=linked.server.base_url,
            client_id=linked.client_id,
            client_secret=linked.client_secret,
            api_key=f"{linked.name}-api-key",
            bulk_connections=bulk_connections,
        ) as client:
            await asyncio.gather(
                *(
                    client.records.put(
                        "external", {"Email": f"a{n}@example.com", "NPS": 9, "Comment": "ok"}
                    )
                    for n in range(20)
                )
            )
            iterator = client.responses.iter(per_page=7)
            ids = [record["number_customergauge"] async for record in iterator]
            assert len(ids) == 20
            assert iterator.cursor == ids[-1]
            assert await client.accounts.put("ACME") is True
            link = await client.personal_links.create(MULTI_MAPPING, {"Email": "z@example.com"})
            assert link.number_customergauge > ids[-1]
            await client.unsubscribes.add("z@example.com")
            assert [u.email async for u in client.unsubscribes.iter_all()] == ["z@example.com"]
            assert (await client.hierarchy.list())[0].name == "Global"
            assert await client.anonymize.run(email="z@example.com") == 1
            assert await client.revenue.list_uploads() == []
            with pytest.raises(ValidationError) as refused:
                await client.records.put(MULTI_MAPPING, {"Email": "not-an-address"})
            assert refused.value.errors == {"Email": ["The Email must be a valid email address."]}
            assert refused.value.request is not None
            assert refused.value.request.url.path == "/records/"
            with pytest.raises(NotFoundError):
                await client.records.put("no-such-mapping", {"Email": "a@example.com"})

    asyncio.run(main())


def test_connection_refused_is_a_connection_error() -> None:
    with (
        Client(
            base_url=f"http://127.0.0.1:{free_port()}", client_id="id", client_secret="s"
        ) as client,
        pytest.raises(ConnectionError),
    ):
        client.records.put("accounts", {})
