"""Failed API keys on the 4.1 suite: limited per client address, refused in the 4.1 envelope."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.server.v4_1.support import api_key_headers
from tests.support import RateLimits, RunningServer, Tenant

REFUSED_JSON = b'{"Error":{"Message":"Too Many Attempts.","Code":429}}'
REFUSED_XML = (
    b'<?xml version="1.0" encoding="utf-8"?>\n'
    b"<Error><Message>Too Many Attempts.</Message><Code>429</Code></Error>"
)


def _client(server: RunningServer, address: str, headers: dict[str, str]) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=server.base_url, transport=transport, headers=headers, timeout=30)


def test_bad_api_keys_on_json_and_xml_count_together_and_are_refused_in_both(
    server: RunningServer, tenant: Tenant, rate_limits: RateLimits
) -> None:
    rate_limits(auth_failure_limit="3/minute")
    with _client(server, "127.0.6.1", {"Authorization": "api_key wrong"}) as http:
        failures = [
            http.get("/v4.1/lists/bounce.json"),
            http.get("/v4.1/lists/bounce.xml"),
            http.get("/v4.1/lists/unsubscribe.json", params={"api_key": "also-wrong"}),
        ]
        assert [f.status_code for f in failures] == [401] * 3
        as_json = http.get("/v4.1/lists/bounce.json")
        as_xml = http.get("/v4.1/hierarchy.xml")
    assert (as_json.status_code, as_xml.status_code) == (429, 429)
    assert as_json.content == REFUSED_JSON
    assert as_xml.content == REFUSED_XML
    assert as_xml.headers["content-type"].startswith("application/xml")
    assert 1 <= int(as_json.headers["retry-after"]) <= 60
    assert 1 <= int(as_xml.headers["retry-after"]) <= 60
    # The right key from that address waits too; from another address it works.
    with _client(server, "127.0.6.1", api_key_headers(tenant)) as http:
        assert http.get("/v4.1/lists/bounce.json").status_code == 429
    with _client(server, "127.0.6.2", api_key_headers(tenant)) as http:
        assert http.get("/v4.1/lists/bounce.json").content == b'{"Data":[]}'


def test_good_keys_and_other_refusals_are_not_counted(
    server: RunningServer, tenant: Tenant, rate_limits: RateLimits
) -> None:
    rate_limits(auth_failure_limit="1/minute")
    with _client(server, "127.0.6.3", api_key_headers(tenant)) as http:
        answers = [
            http.get("/v4.1/lists/bounce.json"),
            http.get("/v4.1/nothing.json"),
            http.delete("/v4.1/lists/bounce.json"),
            http.get("/v4.1/lists/bounce.json", params={"start": "x"}),
        ]
        assert [a.status_code for a in answers] == [200, 404, 405, 400]
        assert http.get("/v4.1/lists/bounce.json").status_code == 200


def test_simultaneous_bad_keys_are_refused_like_a_sequence_of_them(
    server: RunningServer, rate_limits: RateLimits
) -> None:
    rate_limits(auth_failure_limit="5/minute")
    start = threading.Barrier(30)

    def guess(n: int) -> int:
        with _client(server, "127.6.9.1", {"Authorization": f"api_key guess-{n}"}) as http:
            start.wait(timeout=30)
            return http.get("/v4.1/lists/bounce.json").status_code

    with ThreadPoolExecutor(30) as pool:
        answers = sorted(pool.map(guess, range(30)))
    print(f"answers to 30 simultaneous bad keys: {answers}")
    # Keys being checked count as failures until they are done: never more than 5 checks.
    assert 1 <= answers.count(401) <= 5
    assert answers.count(429) == 30 - answers.count(401)
