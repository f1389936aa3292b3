"""mock_customergauge: context manager, decorator, start/stop; what it intercepts and undoes."""

from __future__ import annotations

import asyncio
import http.server
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests

from opengauge.testing import (
    DEFAULT_CREDENTIALS,
    Sandbox,
    default_seed,
    mock_customergauge,
)
from opengauge.testing._interception import is_intercepted

TOKEN_URL = "https://auth.eu.customergauge.com/oauth2/token"


def _token_form(client_id: str = DEFAULT_CREDENTIALS.client_id) -> dict[str, str]:
    secret = client_id.replace("-client", "-secret")
    return {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}


def _token(url: str = TOKEN_URL, client_id: str = DEFAULT_CREDENTIALS.client_id) -> str:
    response = requests.post(url, data=_token_form(client_id), timeout=10)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def _put_account(name: str, region: str = "eu", token: str | None = None) -> requests.Response:
    sandbox_token = token or _token()
    return requests.put(
        f"https://imports.api.{region}.customergauge.com/accounts",
        json={"reference": name},
        headers={"Authorization": f"Bearer {sandbox_token}"},
        timeout=10,
    )


def test_the_context_manager_gives_a_sandbox_and_undoes_everything() -> None:
    send, handle = requests.adapters.HTTPAdapter.send, httpx.HTTPTransport.handle_request
    ahandle = httpx.AsyncHTTPTransport.handle_async_request
    with mock_customergauge() as cg:
        assert requests.adapters.HTTPAdapter.send is not send
        assert _put_account("ACME").status_code == 201
        assert [a["name"] for a in cg.accounts()] == ["ACME"]
    assert requests.adapters.HTTPAdapter.send is send
    assert httpx.HTTPTransport.handle_request is handle
    assert httpx.AsyncHTTPTransport.handle_async_request is ahandle


@pytest.mark.usefixtures("no_network")
def test_after_the_block_requests_go_to_the_network_again() -> None:
    with mock_customergauge():
        _token()
    with pytest.raises(requests.ConnectionError):
        _token()
    with pytest.raises(httpx.ConnectError):
        httpx.post(TOKEN_URL, data=_token_form())


def test_each_block_starts_from_the_seed() -> None:
    with mock_customergauge() as first:
        _put_account("ACME")
        assert len(first.accounts()) == 1
    with mock_customergauge() as second:
        assert second.accounts() == []


@mock_customergauge()
def test_the_decorator_on_a_test_function() -> None:
    assert _put_account("Decorated").status_code == 201


def test_the_decorator_on_an_async_function() -> None:
    mock = mock_customergauge()

    @mock
    async def scenario() -> list[str]:
        async with httpx.AsyncClient() as http:
            answer = await http.post(TOKEN_URL, data=_token_form())
        assert answer.status_code == 200
        return [a["name"] for a in mock.sandbox.accounts()]

    assert asyncio.run(scenario()) == []
    with pytest.raises(RuntimeError, match="not active"):
        _ = mock.sandbox


@mock_customergauge()
class TestTheDecoratorOnAClass:
    def test_one(self) -> None:
        assert _put_account("Same name").status_code == 201

    def test_two_starts_fresh(self) -> None:
        assert _put_account("Same name").status_code == 201  # created again: a new database


def test_start_and_stop() -> None:
    mock = mock_customergauge()
    cg = mock.start()
    try:
        assert _put_account("ACME").status_code == 201
        assert mock.sandbox is cg
    finally:
        mock.stop()
    assert requests.adapters.HTTPAdapter.send.__module__ == "requests.adapters"


def test_clients_made_before_the_mock_are_covered() -> None:
    session = requests.Session()
    client = httpx.Client()
    try:
        with mock_customergauge():
            assert session.post(TOKEN_URL, data=_token_form(), timeout=10).status_code == 200
            assert client.post(TOKEN_URL, data=_token_form()).status_code == 200
    finally:
        session.close()
        client.close()


def test_hosts_in_any_letter_case_and_every_family() -> None:
    with mock_customergauge() as cg:
        token = _token("https://AUTH.Eu.CustomerGauge.COM/oauth2/token")
        answer = requests.put(
            "https://Imports.API.EU.customergauge.com/records/",
            json={"configuration": cg.mappings["Accounts"], "record": {"Account Name": "ACME"}},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        listed = httpx.get(
            "https://API.eu.CUSTOMERGAUGE.com/v4.1/lists/unsubscribe.json",
            params={"api_key": cg.api_key},
        )
        assert listed.status_code == 200
        assert listed.json() == {"Data": []}
        assert [a["name"] for a in cg.accounts()] == ["ACME"]


def test_all_three_regions() -> None:
    seed = {"systems": [default_seed(r, f"tenant-{r}")["systems"][0] for r in ("eu", "us", "au")]}
    with mock_customergauge(seed) as cg:
        assert cg.region == "eu"
        for region in ("eu", "us", "au"):
            system = cg.system(f"tenant-{region}")
            auth = f"https://auth.{region}.customergauge.com/oauth2/token"
            token = _token(auth, system.client_id)
            assert _put_account(f"ACME {region}", region, token).status_code == 201
            assert [a["name"] for a in system.accounts()] == [f"ACME {region}"]
        # A region's token is no good in another region, as on the real service.
        eu_token = _token(TOKEN_URL, "tenant-eu-client")
        assert _put_account("Elsewhere", "us", eu_token).status_code == 401
        refused = requests.post(
            "https://auth.au.customergauge.com/oauth2/token",
            data=_token_form("tenant-eu-client"),
            timeout=10,
        )
        assert refused.json() == {"error": "invalid_client"}


@pytest.mark.parametrize(
    ("host", "intercepted"),
    [
        ("auth.eu.customergauge.com", True),
        ("imports.api.us.customergauge.com", True),
        ("API.AU.CUSTOMERGAUGE.COM", True),
        ("survey.eu.customergauge.com.", True),
        ("customergauge.com", False),
        ("notcustomergauge.com", False),
        ("auth.eu.customergauge.com.example.org", False),
        ("localhost", False),
        (None, False),
    ],
)
def test_which_hosts_are_intercepted(host: str | None, intercepted: bool) -> None:
    assert is_intercepted(host) is intercepted


class _Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"hello from elsewhere"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def other_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_other_hosts_are_untouched(other_server: str) -> None:
    async def async_get() -> str:
        async with httpx.AsyncClient() as http:
            return (await http.get(other_server)).text

    with mock_customergauge():
        assert requests.get(other_server, timeout=10).text == "hello from elsewhere"
        assert httpx.get(other_server).text == "hello from elsewhere"
        assert asyncio.run(async_get()) == "hello from elsewhere"


def test_nested_blocks_use_the_innermost_sandbox() -> None:
    with mock_customergauge() as outer:
        with mock_customergauge() as inner:
            _put_account("Inner")
            assert [a["name"] for a in inner.accounts()] == ["Inner"]
        _put_account("Outer")
        assert [a["name"] for a in outer.accounts()] == ["Outer"]


def test_threads_and_event_loops_share_one_sandbox() -> None:
    async def many(token: str, names: list[str]) -> list[int]:
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http:
            url = "https://imports.api.eu.customergauge.com/accounts"
            puts = [http.put(url, json={"reference": name}) for name in names]
            return [answer.status_code for answer in await asyncio.gather(*puts)]

    with mock_customergauge() as cg:
        token = _token()
        in_threads = [f"Thread {n}" for n in range(20)]
        threads = [threading.Thread(target=_put_account, args=(n, "eu", token)) for n in in_threads]
        for thread in threads:
            thread.start()
        in_loop = [f"Task {n}" for n in range(20)]
        assert asyncio.run(many(token, in_loop)) == [201] * 20
        for thread in threads:
            thread.join()
        assert sorted(a["name"] for a in cg.accounts()) == sorted(in_threads + in_loop)


def test_a_bad_seed_is_refused_with_its_problems() -> None:
    from opengauge.testing import SeedError

    with pytest.raises(SeedError, match=r"systems\[0\]\.region"):
        mock_customergauge({"systems": [{"name": "x", "region": "mars"}]}).start()


def test_a_sandbox_can_be_used_directly() -> None:
    with Sandbox() as cg:
        cg.activate()
        try:
            assert _put_account("Direct").status_code == 201
        finally:
            cg.deactivate()
        assert [a["name"] for a in cg.accounts()] == ["Direct"]


def test_redirects_and_streamed_bodies() -> None:
    with mock_customergauge() as cg:
        token = _token()
        link = requests.put(
            f"{cg.urls.imports}/personal-link/",
            json={"configuration": cg.mappings["Personal links"], "record": {"Email": "a@b.co"}},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        ).json()["data"]
        short = requests.get(link["survey_link_short"], timeout=10)  # 302 to /r/<code>
        assert [r.status_code for r in short.history] == [302]
        assert short.url == link["survey_link"]
        with requests.get(link["survey_link"], stream=True, timeout=10) as streamed:
            assert b"".join(streamed.iter_content(64)).startswith(b"<!DOCTYPE html>")
        assert httpx.get(link["survey_link_short"], follow_redirects=True).status_code == 200


class _Slow:
    """A target that never answers in time."""

    def call(self, request: Any, read_timeout: float | None) -> Any:
        assert read_timeout == 1.5
        raise TimeoutError("no response within 1.5 s")

    async def acall(self, request: Any, read_timeout: float | None) -> Any:
        return self.call(request, read_timeout)


def test_timeouts_raise_the_clients_own_errors() -> None:
    from opengauge.testing import _interception

    slow = _Slow()
    _interception.activate(slow)
    try:
        with pytest.raises(requests.exceptions.ReadTimeout):
            requests.get("https://api.eu.customergauge.com/", timeout=(5, 1.5))
        with pytest.raises(httpx.ReadTimeout):
            httpx.get("https://api.eu.customergauge.com/", timeout=httpx.Timeout(5, read=1.5))

        async def async_get() -> None:
            async with httpx.AsyncClient(timeout=1.5) as http:
                await http.get("https://api.eu.customergauge.com/")

        with pytest.raises(httpx.ReadTimeout):
            asyncio.run(async_get())
    finally:
        _interception.deactivate(slow)


def test_the_sdks_lean_pool_is_served_by_the_sandbox_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``AsyncClient(bulk_connections=N)`` (what ``opengauge import`` uses) sends without
    httpx's transports; inside the mock it must not reach the network either."""
    from opengauge.client import AsyncClient

    def no_network(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"network used: {args!r}")

    async def main(sandbox: Sandbox) -> None:
        async with AsyncClient(
            region="eu",
            client_id=sandbox.client_id,
            client_secret=sandbox.client_secret,
            bulk_connections=4,
        ) as client:
            await asyncio.gather(*(client.accounts.put(f"Bulk {n}") for n in range(5)))

    with mock_customergauge() as sandbox:
        monkeypatch.setattr(asyncio, "open_connection", no_network)
        asyncio.run(main(sandbox))
        assert sorted(a["name"] for a in sandbox.accounts()) == [f"Bulk {n}" for n in range(5)]


def test_head_answers_have_no_body_as_on_a_real_server() -> None:
    url = "https://api.eu.customergauge.com/v4.1/lists/bounce.json"
    with mock_customergauge():
        assert requests.head(url, timeout=10).content == b""
        assert httpx.head(url).content == b""
