"""The limiter itself: counts shared through Redis, a Redis that is down, refusal listeners."""

from __future__ import annotations

import logging
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from tests.conftest import REDIS_URL
from tests.server.survey.support import make_survey
from tests.support import RateLimits, RunningServer, ServerProcesses, Tenant, free_port

needs_redis = pytest.mark.skipif(not REDIS_URL, reason="OPENGAUGE_TEST_REDIS_URL is not set")


def _token(base_url: str, client_id: str, secret: str) -> httpx.Response:
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    return httpx.post(f"{base_url}/oauth2/token", data=form, timeout=30)


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    prefix = f"test-{uuid.uuid4().hex}"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(f"{prefix}*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@needs_redis
def test_two_server_processes_count_failures_together_in_redis(
    serve: ServerProcesses, tmp_path: Path, redis_prefix: str
) -> None:
    env = {
        "OPENGAUGE_RATE_LIMIT_URL": REDIS_URL,
        "OPENGAUGE_RATE_LIMIT_PREFIX": redis_prefix,
        "OPENGAUGE_AUTH_FAILURE_LIMIT": "4/minute",
    }
    database = ("--database", f"sqlite:///{tmp_path / 'shared.db'}")
    first = serve(*database, "--demo", env=env)
    second = serve(*database, "--demo", env=env)
    failures = [_token(p.base_url, "demo-client", "wrong") for p in (first, second) * 2]
    assert [f.json() for f in failures] == [{"error": "invalid_client"}] * 4
    for process in (first, second):
        refused = _token(process.base_url, "demo-client", "demo-secret")
        assert refused.status_code == 429
        assert refused.json() == {"error": "too_many_requests"}


@pytest.fixture
def silent_redis() -> Iterator[str]:
    """A Redis URL whose server accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"


def test_an_unreachable_redis_lets_requests_through_with_a_warning(
    server: RunningServer, tenant: Tenant, caplog: pytest.LogCaptureFixture
) -> None:
    limits = RateLimits(server, f"redis://127.0.0.1:{free_port()}/0")
    limits(auth_failure_limit="1/minute")
    try:
        with caplog.at_level(logging.WARNING, logger="opengauge.ratelimit"):
            answers = [_token(server.base_url, tenant.client_id, "wrong") for _ in range(3)]
            good = _token(server.base_url, tenant.client_id, tenant.client_secret)
    finally:
        limits.restore()
    assert [a.status_code for a in answers] == [400] * 3
    assert good.status_code == 200
    warnings = [r.getMessage() for r in caplog.records if r.name == "opengauge.ratelimit"]
    assert len(warnings) == 1
    assert warnings[0].startswith("rate limits are off for now: their storage failed")


def test_a_redis_that_never_answers_delays_a_login_by_at_most_its_timeout(
    server: RunningServer, tenant: Tenant, silent_redis: str
) -> None:
    limits = RateLimits(server, silent_redis)
    limits(auth_failure_limit="1/minute")
    try:
        started = time.perf_counter()
        first = _token(server.base_url, tenant.client_id, tenant.client_secret)
        first_seconds = time.perf_counter() - started
        started = time.perf_counter()
        then = [_token(server.base_url, tenant.client_id, tenant.client_secret) for _ in range(5)]
        then_seconds = time.perf_counter() - started
    finally:
        limits.restore()
    print(f"first login {first_seconds:.2f} s, five more {then_seconds:.2f} s")
    assert first.status_code == 200
    assert [t.status_code for t in then] == [200] * 5
    # One 0.5 s timeout, then Redis is left alone for a while; a hang would be 30 s.
    assert first_seconds < 5
    assert then_seconds < 5


def test_refusals_reach_the_listeners_with_their_family(
    server: RunningServer, tenant: Tenant, rate_limits: RateLimits
) -> None:
    limiter = rate_limits(auth_failure_limit="1/minute", survey_submit_limit="1/minute")
    refused: list[str] = []
    limiter.refusal_listeners.append(refused.append)
    survey = make_survey(server, tenant=tenant)
    with server.client() as http:
        for _ in range(2):
            http.post("/oauth2/token", data={**tenant.credentials(), "client_secret": "wrong"})
            http.get("/v4.1/hierarchy.json", params={"api_key": "wrong"})
            http.post(survey.path, data={"score": "9"})
    assert sorted(refused) == ["oauth", "survey", "v4_1"]
