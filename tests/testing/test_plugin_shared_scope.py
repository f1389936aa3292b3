"""``@pytest.mark.customergauge(scope="module")``: the tests of this module share one sandbox.

The tests run in file order; each sees what the previous ones stored.
"""

from __future__ import annotations

import pytest
import requests

from opengauge.testing import Sandbox

pytestmark = pytest.mark.customergauge(scope="module")

SEEN: list[Sandbox] = []


def _add_account(cg: Sandbox, name: str) -> None:
    token = requests.post(
        f"{cg.urls.auth}/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(cg.client_id, cg.client_secret),
        timeout=10,
    ).json()["access_token"]
    answer = requests.put(
        f"{cg.urls.imports}/accounts",
        json={"reference": name},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert answer.status_code == 201


def test_first_stores_an_account(customergauge: Sandbox) -> None:
    SEEN.append(customergauge)
    _add_account(customergauge, "First")


def test_second_sees_it(customergauge: Sandbox) -> None:
    SEEN.append(customergauge)
    assert [a["name"] for a in customergauge.accounts()] == ["First"]
    _add_account(customergauge, "Second")


class TestInAClass:
    def test_third_sees_both(self, customergauge: Sandbox) -> None:
        SEEN.append(customergauge)
        assert [a["name"] for a in customergauge.accounts()] == ["First", "Second"]


@pytest.mark.customergauge(scope="function")
def test_a_closer_marker_wins(customergauge: Sandbox) -> None:
    assert customergauge.accounts() == []
    assert customergauge not in SEEN


@pytest.mark.customergauge(scope="class")
class TestClassScope:
    def test_one(self, customergauge: Sandbox) -> None:
        assert customergauge.accounts() == []
        _add_account(customergauge, "Class")

    def test_two(self, customergauge: Sandbox) -> None:
        assert [a["name"] for a in customergauge.accounts()] == ["Class"]


def test_last_still_the_same_sandbox(customergauge: Sandbox) -> None:
    assert all(cg is customergauge for cg in SEEN)
    assert len(customergauge.accounts()) == 2


def test_not_patched_between_tests_without_the_fixture() -> None:
    assert requests.adapters.HTTPAdapter.send.__module__ == "requests.adapters"
