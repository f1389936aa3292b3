"""Retry decisions: which failures, how often, how long; sleeping off in testing mode."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from opengauge.client import (
    AsyncClient,
    Client,
    ConnectionError,
    OpenGaugeError,
    RateLimitError,
    RetryPolicy,
    ServerError,
    ValidationError,
    _retry,
    set_testing,
)
from tests.client.mocks import BASE, FakeServer


def client_for(fake: FakeServer, max_retries: int = 2) -> Client:
    return Client(
        base_url=BASE,
        client_id="id",
        client_secret="secret",
        api_key="key",
        max_retries=max_retries,
        transport=httpx.MockTransport(fake),
    )


def answers(*responses: httpx.Response | Exception) -> FakeServer:
    """A server answering each request with the next of ``responses`` (the last one repeats)."""
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(item, Exception):
            raise item
        return item

    return FakeServer(handler)


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_retries_429_and_5xx_then_succeeds(status: int) -> None:
    fake = answers(httpx.Response(status), httpx.Response(200))
    with client_for(fake) as client:
        client.records.put("accounts", {"Account Name": "ACME"})
    assert len(fake.requests) == 2


@pytest.mark.parametrize("status", [400, 401, 404, 405, 413, 422])
def test_never_retries_answers_about_the_request(status: int) -> None:
    fake = answers(httpx.Response(status, json={"message": "no", "errors": {}}))
    with client_for(fake) as client, pytest.raises(OpenGaugeError) as raised:
        client.records.put("accounts", {"Account Name": "ACME"})
    assert raised.value.status == status
    # A 401 gets one new token and one more try (the auth flow), nothing else.
    assert len(fake.requests) == (2 if status == 401 else 1)


def test_attempts_are_bounded() -> None:
    fake = answers(httpx.Response(503, json={"message": "Service Unavailable"}))
    with client_for(fake, max_retries=3) as client, pytest.raises(ServerError):
        client.responses.page()
    assert len(fake.requests) == 4


def test_max_retries_zero_sends_once() -> None:
    fake = answers(httpx.Response(500))
    with client_for(fake, max_retries=0) as client, pytest.raises(ServerError):
        client.records.put("accounts", {})
    assert len(fake.requests) == 1


def test_connection_errors_are_retried_then_raised() -> None:
    fake = answers(httpx.ConnectError("refused"))
    with client_for(fake) as client, pytest.raises(ConnectionError) as raised:
        client.records.put("accounts", {})
    assert len(fake.requests) == 3
    assert isinstance(raised.value.__cause__, httpx.ConnectError)
    assert raised.value.status is None


def test_read_timeouts_are_retried_for_upserts_only() -> None:
    fake = answers(httpx.ReadTimeout("slow"), httpx.Response(200))
    with client_for(fake) as client:
        client.records.put("accounts", {})
    assert len(fake.requests) == 2

    link = {"data": {"number_customergauge": 1, "survey_link": "a", "survey_link_short": "b"}}
    fake = answers(httpx.ReadTimeout("slow"), httpx.Response(200, json=link))
    with client_for(fake) as client, pytest.raises(ConnectionError):
        client.personal_links.create("survey", {"Email": "a@example.com"})
    assert len(fake.requests) == 1


def test_a_failed_connect_is_retried_even_when_not_idempotent() -> None:
    link = {"data": {"number_customergauge": 1, "survey_link": "a", "survey_link_short": "b"}}
    fake = answers(httpx.ConnectError("refused"), httpx.Response(200, json=link))
    with client_for(fake) as client:
        assert client.personal_links.create("survey", {}).number_customergauge == 1


def test_5xx_is_not_retried_for_a_personal_link_but_429_is() -> None:
    fake = answers(httpx.Response(500))
    with client_for(fake) as client, pytest.raises(ServerError):
        client.personal_links.create("survey", {})
    assert len(fake.requests) == 1

    fake = answers(httpx.Response(429), httpx.Response(400, json={"message": "x"}))
    with client_for(fake) as client, pytest.raises(OpenGaugeError, match="x"):
        client.personal_links.create("survey", {})
    assert len(fake.requests) == 2


def test_a_validation_error_after_a_retry_is_still_a_validation_error() -> None:
    body = {"message": "The given data was invalid.", "errors": {"Email": ["bad"]}}
    fake = answers(httpx.Response(503), httpx.Response(422, json=body))
    with client_for(fake) as client, pytest.raises(ValidationError) as raised:
        client.records.put("contact", {"Email": "x"})
    assert raised.value.errors == {"Email": ["bad"]}


def test_retry_after_decides_the_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    set_testing(False)
    waits: list[float] = []
    monkeypatch.setattr("opengauge.client._retry.time.sleep", waits.append)
    fake = answers(
        httpx.Response(429, headers={"Retry-After": "3"}),
        httpx.Response(503, headers={"Retry-After": "1"}),
        httpx.Response(200),
    )
    with client_for(fake) as client:
        client.records.put("accounts", {})
    assert waits == [3.0, 1.0]


def test_a_retry_after_beyond_the_limit_goes_to_the_caller() -> None:
    fake = answers(httpx.Response(429, headers={"Retry-After": "3600"}))
    with client_for(fake) as client, pytest.raises(RateLimitError) as raised:
        client.records.put("accounts", {})
    assert raised.value.retry_after == 3600.0
    assert len(fake.requests) == 1


def test_testing_mode_never_sleeps(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(seconds: float) -> None:
        raise AssertionError(f"slept {seconds}")

    monkeypatch.setattr("opengauge.client._retry.time.sleep", fail)
    fake = answers(httpx.Response(429, headers={"Retry-After": "30"}), httpx.Response(200))
    with client_for(fake) as client:
        client.records.put("accounts", {})
    assert _retry.is_testing()


def test_backoff_is_jittered_and_capped() -> None:
    policy = RetryPolicy(base=0.5, cap=4.0)
    for attempt, ceiling in [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (10, 4.0)]:
        waits = {policy.delay(attempt) for _ in range(50)}
        assert all(ceiling / 2 <= wait <= ceiling for wait in waits)
        assert len(waits) > 1


def test_retry_after_as_an_http_date() -> None:
    response = httpx.Response(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    assert RetryPolicy().delay(0, response) == 0.0


def test_async_client_retries_the_same_way() -> None:
    fake = answers(httpx.Response(503), httpx.ConnectError("refused"), httpx.Response(200))

    async def main() -> None:
        async with AsyncClient(
            base_url=BASE,
            client_id="id",
            client_secret="secret",
            transport=httpx.MockTransport(fake),
        ) as client:
            await client.records.put("accounts", {})

    asyncio.run(main())
    assert len(fake.requests) == 3
