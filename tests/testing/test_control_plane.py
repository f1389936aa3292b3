"""The control plane through a sandbox: faults, the journal, reset; raw and with helpers."""

from __future__ import annotations

import pytest
import requests

from opengauge.testing import Sandbox, ThreadedServer


def _token(cg: Sandbox | ThreadedServer) -> str:
    answer = requests.post(
        f"{cg.urls.auth}/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(cg.client_id, cg.client_secret),
        timeout=10,
    )
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def _put(cg: Sandbox | ThreadedServer, token: str, record: dict[str, str]) -> requests.Response:
    return requests.put(
        f"{cg.urls.imports}/records/",
        json={"configuration": cg.mappings["Records"], "record": record},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )


def test_a_fault_then_the_journal(customergauge: Sandbox) -> None:
    cg = customergauge
    token = _token(cg)
    rule = cg.add_fault(path="/records*", methods=["PUT"], status=429, retry_after=2, count=1)
    assert rule["id"]

    limited = _put(cg, token, {"Email": "a@example.com"})
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "2")
    assert _put(cg, token, {"Email": "a@example.com", "Colour": "blue"}).status_code == 200

    (put,) = [e for e in cg.journal() if e["method"] == "PUT"]
    assert (put["status"], put["ignored_keys"], put["caller"]) == (200, ["Colour"], cg.client_id)
    # The faulted request was answered before anyone was recognised: it has no system.
    everything = cg.control("GET", "journal")
    assert [(e["status"], e["fault"]) for e in everything if e["method"] == "PUT"] == [
        (429, rule["id"]),
        (200, None),
    ]


def test_the_control_plane_over_http_with_the_admin_token(customergauge: Sandbox) -> None:
    cg = customergauge
    url = f"{cg.urls.api}/_opengauge/systems"
    assert requests.get(url, timeout=10).status_code == 401
    answer = requests.get(url, headers={"Authorization": f"Bearer {cg.admin_token}"}, timeout=10)
    assert [s["name"] for s in answer.json()["data"]] == ["sandbox"]
    with pytest.raises(RuntimeError, match="404"):
        cg.control("GET", "systems/nobody")


def test_reset_goes_back_to_the_seed(customergauge: Sandbox) -> None:
    cg = customergauge
    assert _put(cg, _token(cg), {"Email": "a@example.com"}).status_code == 200
    cg.clock.advance(600)
    cg.reset()
    assert cg.contacts() == []
    assert cg.clock.offset == 0
    # The seed's credentials work again on the re-created system.
    assert _put(cg, _token(cg), {"Email": "b@example.com"}).status_code == 200
    assert [c["email"] for c in cg.contacts()] == ["b@example.com"]


def test_a_threaded_server_has_the_same_helpers() -> None:
    with ThreadedServer() as server:
        server.add_fault(path="/oauth2/token", status=503, count=1)
        assert requests.post(f"{server.url}/oauth2/token", timeout=10).status_code == 503
        assert [e["status"] for e in server.journal()] == []  # nobody recognised: no system
        assert len(server.control("GET", "journal")) == 1
