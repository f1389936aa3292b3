"""Failed logins on POST /oauth2/token: limited per client id and per client address.

Every request here comes from its own loopback address (127.0.0.x) when the test needs to
tell the two keys apart. Each test runs with counts in memory and in Redis (``rate_limits``).
"""

from __future__ import annotations

import functools
import statistics
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx

from opengauge.server.domain.secrets import hash_secret, verify_secret
from tests.support import RateLimits, RunningServer, Tenant, create_tenant

REFUSED = {"error": "too_many_requests"}


def _post(server: RunningServer, address: str, client_id: str, secret: str) -> httpx.Response:
    """A token request sent from ``address`` (any 127.x.y.z is this machine)."""
    transport = httpx.HTTPTransport(local_address=address)
    with httpx.Client(base_url=server.base_url, transport=transport, timeout=30) as http:
        return http.post(
            "/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": secret,
            },
        )


def _assert_refused(response: httpx.Response, window: int) -> None:
    assert response.status_code == 429
    assert response.json() == REFUSED
    assert 1 <= int(response.headers["retry-after"]) <= window


def test_the_eleventh_failure_of_one_client_id_is_refused_from_any_address(
    server: RunningServer, tenant: Tenant, rate_limits: RateLimits
) -> None:
    rate_limits(auth_failure_limit="10/minute")
    for n in range(10):
        wrong = _post(server, f"127.0.1.{n + 1}", tenant.client_id, "wrong")
        assert (wrong.status_code, wrong.json()) == (400, {"error": "invalid_client"})
    _assert_refused(_post(server, "127.0.1.20", tenant.client_id, "wrong"), 60)
    # Checked before the secret is: the right one waits for the window too.
    _assert_refused(_post(server, "127.0.1.21", tenant.client_id, tenant.client_secret), 60)
    other = create_tenant(server, f"t-{uuid.uuid4().hex[:10]}")
    assert _post(server, "127.0.1.22", other.client_id, other.client_secret).status_code == 200


def test_the_eleventh_failure_from_one_address_is_refused_for_any_client_id(
    server: RunningServer, tenant: Tenant, rate_limits: RateLimits
) -> None:
    rate_limits(auth_failure_limit="10/minute")
    for n in range(10):
        unknown = _post(server, "127.0.2.1", f"nobody-{n}", "wrong")
        assert unknown.json() == {"error": "invalid_client"}
    _assert_refused(_post(server, "127.0.2.1", tenant.client_id, tenant.client_secret), 60)
    assert _post(server, "127.0.2.2", tenant.client_id, tenant.client_secret).status_code == 200


def test_successes_neither_count_nor_reset(
    server: RunningServer, tenant: Tenant, rate_limits: RateLimits
) -> None:
    rate_limits(auth_failure_limit="2/minute")
    good = (tenant.client_id, tenant.client_secret)
    assert _post(server, "127.0.3.1", tenant.client_id, "wrong").status_code == 400
    assert [_post(server, "127.0.3.1", *good).status_code for _ in range(3)] == [200] * 3
    assert _post(server, "127.0.3.1", tenant.client_id, "wrong").status_code == 400
    _assert_refused(_post(server, "127.0.3.1", *good), 60)


def test_malformed_requests_are_not_failed_logins(
    server: RunningServer, tenant: Tenant, rate_limits: RateLimits
) -> None:
    rate_limits(auth_failure_limit="1/minute")
    with server.client() as http:
        for _ in range(3):
            assert http.post("/oauth2/token", data={"grant_type": "password"}).status_code == 400
            assert http.post("/oauth2/token", data={}).json() == {"error": "invalid_request"}
    assert _post(server, "127.0.0.1", tenant.client_id, tenant.client_secret).status_code == 200


def test_the_right_secret_works_again_once_the_window_has_passed(
    server: RunningServer, tenant: Tenant, rate_limits: RateLimits
) -> None:
    rate_limits(auth_failure_limit="2 per 2 seconds")
    for _ in range(2):
        assert _post(server, "127.0.4.1", tenant.client_id, "wrong").status_code == 400
    refused = _post(server, "127.0.4.1", tenant.client_id, tenant.client_secret)
    _assert_refused(refused, 2)
    good = (tenant.client_id, tenant.client_secret)
    started = time.monotonic()
    while (answer := _post(server, "127.0.4.1", *good)).status_code == 429:
        assert time.monotonic() - started < 30, "still refused long after the window"
        time.sleep(0.05)
    print(f"accepted again {time.monotonic() - started:.2f} s after the refusal")
    assert answer.status_code == 200


def test_a_refusal_costs_far_less_than_checking_a_secret(
    server: RunningServer, tenant: Tenant, rate_limits: RateLimits
) -> None:
    rate_limits(auth_failure_limit="1/minute")
    assert _post(server, "127.0.5.1", tenant.client_id, "wrong").status_code == 400
    stored = hash_secret("secret")
    one_hash = statistics.median(_timed(lambda: verify_secret("wrong", stored)) for _ in range(3))
    transport = httpx.HTTPTransport(local_address="127.0.5.1")
    form = {"grant_type": "client_credentials", "client_id": tenant.client_id}
    with httpx.Client(base_url=server.base_url, transport=transport, timeout=30) as http:

        def refuse(n: int) -> None:
            refused = http.post("/oauth2/token", data={**form, "client_secret": f"guess-{n}"})
            assert refused.status_code == 429

        refusal = statistics.median(_timed(functools.partial(refuse, n)) for n in range(20))
    print(f"a refusal: {refusal * 1000:.1f} ms (median); a secret check: {one_hash * 1000:.0f} ms")
    # A refused guess is never hashed: its median is a fraction of one check, even on a busy
    # machine (medians, so one slow request under load does not decide).
    assert refusal < one_hash / 2


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def test_simultaneous_guesses_are_refused_like_a_sequence_of_them(
    server: RunningServer, tenant: Tenant, rate_limits: RateLimits
) -> None:
    rate_limits(auth_failure_limit="3/minute")
    start = threading.Barrier(12)

    def guess(n: int) -> int:
        start.wait(timeout=30)
        return _post(server, f"127.0.7.{n + 1}", tenant.client_id, f"guess-{n}").status_code

    with ThreadPoolExecutor(12) as pool:
        answers = sorted(pool.map(guess, range(12)))
    print(f"answers to 12 simultaneous guesses: {answers}")
    # Secrets being checked count as failures until they are done: never more than 3 checks
    # (fewer when one ends while a later one looks: it is counted twice then, never missed).
    assert 1 <= answers.count(400) <= 3
    assert answers.count(429) == 12 - answers.count(400)
