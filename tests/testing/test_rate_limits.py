"""The sandbox has no abuse limits unless a test asks for them."""

from __future__ import annotations

import pytest
import requests

from opengauge.testing import DEFAULT_CREDENTIALS, Sandbox, ThreadedServer, mock_customergauge

TOKEN_URL = "https://auth.eu.customergauge.com/oauth2/token"


def _token(url: str = TOKEN_URL, secret: str = DEFAULT_CREDENTIALS.client_secret) -> int:
    form = {
        "grant_type": "client_credentials",
        "client_id": DEFAULT_CREDENTIALS.client_id,
        "client_secret": secret,
    }
    return requests.post(url, data=form, timeout=10).status_code


def test_a_sandbox_never_refuses_failed_logins_by_default() -> None:
    with mock_customergauge():
        assert [_token(secret="wrong") for _ in range(12)] == [400] * 12
        assert _token() == 200


def test_rate_limits_true_refuses_the_eleventh_failure_until_a_reset() -> None:
    with mock_customergauge(rate_limits=True) as cg:
        assert [_token(secret="wrong") for _ in range(10)] == [400] * 10
        for status in (_token(secret="wrong"), _token()):
            assert status == 429
        cg.reset()
        assert _token() == 200


@pytest.mark.customergauge(rate_limits=True)
def test_the_marker_turns_them_on(customergauge: Sandbox) -> None:
    assert [_token(secret="wrong") for _ in range(11)] == [400] * 10 + [429]


def test_the_fixture_leaves_them_off(customergauge: Sandbox) -> None:
    assert [_token(secret="wrong") for _ in range(11)] == [400] * 11


def test_a_threaded_server_takes_the_option_too() -> None:
    with ThreadedServer(rate_limits=True) as server:
        url = f"{server.url}/oauth2/token"
        assert [_token(url, secret="wrong") for _ in range(11)] == [400] * 10 + [429]
