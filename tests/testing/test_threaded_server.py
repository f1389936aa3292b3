"""ThreadedServer: the real server on a loopback port, reached over a real socket."""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request

import pytest

from opengauge.testing import ThreadedServer, default_seed


def _call(method: str, url: str, body: bytes | None = None, **headers: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read()


def test_a_client_over_a_real_socket() -> None:
    with ThreadedServer() as server:
        assert server.url.startswith("http://127.0.0.1:")
        assert server.urls.auth == server.urls.imports == server.url
        form = urllib.parse.urlencode(
            {
                "grant_type": "client_credentials",
                "client_id": server.client_id,
                "client_secret": server.client_secret,
            }
        ).encode()
        status, body = _call("POST", f"{server.url}/oauth2/token", form)
        assert status == 200
        token = json.loads(body)["access_token"]
        record = {"configuration": server.mappings["Personal links"], "record": {"Email": "a@b.co"}}
        status, body = _call(
            "PUT",
            f"{server.url}/personal-link/",
            json.dumps(record).encode(),
            Authorization=f"Bearer {token}",
            **{"Content-Type": "application/json"},
        )
        assert status == 200
        link = json.loads(body)["data"]["survey_link"]
        assert link.startswith(f"{server.url}/r/")  # links point back at this server
        status, page = _call("GET", link)
        assert status == 200
        assert b"How likely are you to recommend" in page
        assert [r["email"] for r in server.survey_records()] == ["a@b.co"]
    with pytest.raises(urllib.error.URLError, match="refused"):  # closed: nothing listens
        _call("GET", f"{server.url}/.well-known/jwks.json")


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.customergauge(seed=default_seed("us", "curl"))
def test_the_fixture_with_curl(customergauge_server: ThreadedServer) -> None:
    server = customergauge_server
    assert server.region == "us"
    listing = subprocess.run(
        [
            "curl",
            "-sS",
            "-H",
            f"Authorization: api_key {server.api_key}",
            f"{server.url}/v4.1/lists/unsubscribe.json",
        ],
        capture_output=True,
        check=True,
        text=True,
        timeout=30,
    )
    assert json.loads(listing.stdout) == {"Data": []}
