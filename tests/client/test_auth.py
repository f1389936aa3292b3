"""The client-credentials flow: cached, refreshed before expiry and once on a 401, and one
fetch for many concurrent callers; the 4.1 API key."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import pytest

from opengauge.client import AsyncClient, AuthenticationError, Client, ClientCredentials
from tests.client.mocks import BASE, FakeServer


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def bearer(request: httpx.Request) -> str:
    return request.headers["Authorization"].removeprefix("Bearer ")


def client_with_clock(fake: FakeServer, clock: FakeClock) -> Client:
    client = Client(
        base_url=BASE, client_id="id", client_secret="secret", transport=httpx.MockTransport(fake)
    )
    client._bearer = ClientCredentials("id", "secret", f"{BASE}/oauth2/token", clock=clock)
    return client


def test_the_token_request_is_the_client_credentials_grant() -> None:
    seen: list[httpx.Request] = []
    fake = FakeServer()
    original = fake.token_response

    def token(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth2/token":
            seen.append(request)
            return original()
        return fake(request)

    with Client(
        base_url=BASE, client_id="me", client_secret="s3", transport=httpx.MockTransport(token)
    ) as client:
        client.records.put("accounts", {})
    (request,) = seen
    assert request.method == "POST"
    assert request.content == b"grant_type=client_credentials&client_id=me&client_secret=s3"
    assert bearer(fake.requests[0]) == "t1"


def test_the_token_is_cached() -> None:
    fake = FakeServer()
    with client_with_clock(fake, FakeClock()) as client:
        for _ in range(5):
            client.records.put("accounts", {})
    assert fake.tokens == 1
    assert {bearer(r) for r in fake.requests} == {"t1"}


def test_refreshed_shortly_before_expiry() -> None:
    fake = FakeServer(expires_in=3600)
    clock = FakeClock()
    with client_with_clock(fake, clock) as client:
        client.records.put("accounts", {})
        clock.now += 3600 - 61
        client.records.put("accounts", {})
        assert fake.tokens == 1
        clock.now += 2  # now inside the last minute of the token's life
        client.records.put("accounts", {})
    assert fake.tokens == 2
    assert [bearer(r) for r in fake.requests] == ["t1", "t1", "t2"]


def test_a_short_lived_token_is_used_for_half_its_life() -> None:
    fake = FakeServer(expires_in=10)
    clock = FakeClock()
    with client_with_clock(fake, clock) as client:
        client.records.put("accounts", {})
        clock.now += 4
        client.records.put("accounts", {})
        clock.now += 2
        client.records.put("accounts", {})
    assert fake.tokens == 2


def test_refreshed_once_on_a_401() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if bearer(request) == "t1":
            return httpx.Response(401, json={"message": "Unauthenticated."})
        return httpx.Response(200)

    fake = FakeServer(handler)
    with client_with_clock(fake, FakeClock()) as client:
        client.records.put("accounts", {})
        client.records.put("accounts", {})
    assert fake.tokens == 2
    assert [bearer(r) for r in fake.requests] == ["t1", "t2", "t2"]


def test_a_second_401_is_the_callers() -> None:
    fake = FakeServer(lambda request: httpx.Response(401, json={"message": "Unauthenticated."}))
    with client_with_clock(fake, FakeClock()) as client, pytest.raises(AuthenticationError) as e:
        client.records.put("accounts", {})
    assert e.value.message == "Unauthenticated."
    assert fake.tokens == 2
    assert len(fake.requests) == 2


def test_refused_credentials_raise_authentication_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error": "invalid_client"})

    with (
        Client(
            base_url=BASE,
            client_id="id",
            client_secret="bad",
            transport=httpx.MockTransport(handler),
        ) as client,
        pytest.raises(AuthenticationError) as raised,
    ):
        client.records.put("accounts", {})
    assert raised.value.message == "invalid_client"
    assert raised.value.status == 400


def test_twenty_threads_share_one_fetch() -> None:
    fake = FakeServer()
    original = fake.token_response

    def slow_token() -> httpx.Response:
        time.sleep(0.05)
        return original()

    fake.token_response = slow_token  # type: ignore[method-assign]
    barrier = threading.Barrier(20)
    with Client(
        base_url=BASE, client_id="id", client_secret="s", transport=httpx.MockTransport(fake)
    ) as client:

        def work() -> None:
            barrier.wait()
            client.records.put("accounts", {})

        threads = [threading.Thread(target=work) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert fake.tokens == 1
    assert len(fake.requests) == 20


def test_twenty_tasks_share_one_fetch() -> None:
    tokens = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal tokens
        if request.url.path == "/oauth2/token":
            tokens += 1
            await asyncio.sleep(0.05)
            return httpx.Response(200, json={"access_token": "t", "expires_in": 3600})
        return httpx.Response(200)

    async def main() -> None:
        async with AsyncClient(
            base_url=BASE, client_id="id", client_secret="s", transport=httpx.MockTransport(handler)
        ) as client:
            await asyncio.gather(*(client.records.put("accounts", {}) for _ in range(20)))

    asyncio.run(main())
    assert tokens == 1


def test_twenty_tasks_refresh_once_after_401s() -> None:
    tokens = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal tokens
        if request.url.path == "/oauth2/token":
            tokens += 1
            await asyncio.sleep(0.02)
            return httpx.Response(200, json={"access_token": f"t{tokens}", "expires_in": 3600})
        if bearer(request) == "t1":
            return httpx.Response(401, json={"message": "Unauthenticated."})
        return httpx.Response(200)

    async def main() -> None:
        async with AsyncClient(
            base_url=BASE, client_id="id", client_secret="s", transport=httpx.MockTransport(handler)
        ) as client:
            await client.records.put("accounts", {})  # t1 refused, t2 fetched
            assert tokens == 2
            await asyncio.gather(*(client.records.put("accounts", {}) for _ in range(20)))

    asyncio.run(main())
    assert tokens == 2


def test_the_api_key_goes_to_the_v41_suite_only() -> None:
    fake = FakeServer(lambda request: httpx.Response(200, json={"Data": []}))
    with Client(
        base_url=BASE,
        client_id="id",
        client_secret="s",
        api_key="k",
        transport=httpx.MockTransport(fake),
    ) as client:
        client.bounces.list()
        client.records.put("accounts", {})
    v41, imports = fake.requests
    assert v41.headers["Authorization"] == "api_key k"
    assert imports.headers["Authorization"] == "Bearer t1"


def test_without_an_api_key_the_v41_suite_gets_the_token() -> None:
    fake = FakeServer(lambda request: httpx.Response(200, json={"Data": []}))
    with Client(
        base_url=BASE, client_id="id", client_secret="s", transport=httpx.MockTransport(fake)
    ) as client:
        client.hierarchy.list()
    assert fake.requests[0].headers["Authorization"] == "Bearer t1"


def test_an_api_key_alone_cannot_import() -> None:
    transport = httpx.MockTransport(FakeServer())
    with (
        Client(base_url=BASE, api_key="k", transport=transport) as client,
        pytest.raises(ValueError, match="client_id and client_secret"),
    ):
        client.records.put("accounts", {})


def test_regions_give_the_real_hosts() -> None:
    fake = FakeServer(lambda request: httpx.Response(200, json={"Data": []}))
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url.copy_with(query=None)))
        return fake(request)

    with Client(
        region="us", client_id="id", client_secret="s", transport=httpx.MockTransport(handler)
    ) as client:
        client.records.put("accounts", {})
        client.hierarchy.list()
    assert seen == [
        "https://auth.us.customergauge.com/oauth2/token",
        "https://imports.api.us.customergauge.com/records/",
        "https://api.us.customergauge.com/v4.1/hierarchy.json",
    ]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"client_id": "id", "client_secret": "s"},
        {"region": "eu", "base_url": BASE, "client_id": "id", "client_secret": "s"},
        {"region": "de", "client_id": "id", "client_secret": "s"},
        {"base_url": BASE, "client_id": "id"},
        {"base_url": BASE},
    ],
)
def test_bad_configuration_is_refused(kwargs: dict[str, str]) -> None:
    with pytest.raises(ValueError, match=r"pass|region"):
        Client(**kwargs)  # type: ignore[arg-type]


def test_secrets_stay_out_of_reprs() -> None:
    auth = ClientCredentials("id", "very-secret", f"{BASE}/oauth2/token")
    assert "very-secret" not in repr(auth)
