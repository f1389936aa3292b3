"""Wire-level fuzz of every endpoint family: no 5xx, no dropped connection, healthy after.

Each family gets a fixed number of generated requests (``derandomize``: the same ones on every
run, no example database) against its own server per backend, with valid credentials most of
the time so the requests get past authentication. A request fails the test when the answer is
a 5xx or the connection breaks (closed, reset or no answer within ``TIMEOUT``); after each
family a few ordinary requests must still work.
"""

from __future__ import annotations

import base64
import collections
import contextlib
import json
import os
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from hypothesis import HealthCheck, Phase, example, given, reject, settings

from opengauge.server.seed.schemas import validate_seed
from opengauge.server.seed.service import apply_seed
from tests.conftest import BACKENDS, POSTGRES_URL
from tests.probes.families import FAMILIES
from tests.probes.wire import ADMIN, API_KEY, BEARER, Probe
from tests.support import (
    ACCOUNT_MAPPING,
    MULTI_MAPPING,
    RunningServer,
    postgres_database,
    start_server,
    tenant_seed,
)

NAME = "fuzz"
SUPPORT = {"field": "survey.touchpoint", "op": "is", "values": ["Support"]}
#: Generated requests per family and backend; with seven families this keeps the whole fuzz
#: around a minute for both databases on a loaded 2-core CI machine. Set
#: OPENGAUGE_TEST_FUZZ_EXAMPLES for a deeper run by hand.
EXAMPLES = int(os.environ.get("OPENGAUGE_TEST_FUZZ_EXAMPLES", "75"))
#: A request without an answer after this long counts as a dropped connection (a stall).
TIMEOUT = 15.0


def _probe(method: str, path: str, body: bytes, *headers: tuple[str, bytes]) -> Probe:
    return Probe(method, path, "", headers, body)


_JSON = ("Content-Type", b"application/json")
_MULTIPART = ("Content-Type", b"multipart/form-data; boundary=b")
_REVENUE_CSV = b"Account Name,Amount,Start,End,Type\nACME,100,2024-01-01,2024-12-31,ARR\n"
#: Requests that once broke the server, tried first on every run (Hypothesis' explicit
#: phase) whatever the strategies generate: one for each defect the probe of issue 10 found.
EXPLICIT: dict[str, list[Probe]] = {
    "imports": [
        _probe(
            "PUT",
            "/records/",
            json.dumps(
                {"configuration": ACCOUNT_MAPPING, "record": {"Account Name": "X", "a\x7fb": "1"}}
            ).encode(),
            ("Authorization", BEARER.encode()),
            _JSON,
        ),
        _probe(
            "PUT",
            "/records/",
            b'--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n' * 20_000 + b"--b--\r\n",
            ("Authorization", BEARER.encode()),
            _MULTIPART,
        ),
    ],
    "v4.1": [
        _probe(
            "POST",
            "/v4.1/company/revenue_file_automate.json",
            b'--b\r\nContent-Disposition: form-data; name="file"; filename="a\x00.csv"\r\n\r\n'
            + _REVENUE_CSV
            + b"\r\n--b--\r\n",
            ("Authorization", API_KEY.encode()),
            _MULTIPART,
        ),
    ],
    "control": [
        _probe(
            "POST",
            "/_opengauge/systems/__SYSTEM__/bounces",
            json.dumps({"email": "x@example.com", "type": "h" * 100}).encode(),
            ("Authorization", ADMIN.encode()),
            _JSON,
        ),
        _probe(
            "POST",
            "/_opengauge/systems/__SYSTEM__/bounces",
            json.dumps({"email": "y@example.com", "reason": "r" * 300}).encode(),
            ("Authorization", ADMIN.encode()),
            _JSON,
        ),
        _probe(
            "DELETE",
            "/_opengauge/systems/__SYSTEM__/apps/x%00",
            b"",
            ("Authorization", ADMIN.encode()),
        ),
        _probe(
            "POST",
            "/_opengauge/seed",
            b'{"systems": [{"name": "\\ud800"}]}',
            ("Authorization", ADMIN.encode()),
            _JSON,
        ),
    ],
}


# -- the server under fuzz ---------------------------------------------------------------


@dataclass
class Target:
    """A server with one tenant, and the live values that replace the markers."""

    server: RunningServer
    http: httpx.Client
    values: dict[str, str] = field(default_factory=dict)
    statuses: collections.Counter[int] = field(default_factory=collections.Counter)

    def setup(self) -> None:
        """(Re)create the tenant, its token and two personal links; clear faults and clock."""
        admin = {"Authorization": f"Bearer {self.server.app.admin_token}"}
        for path in ("/_opengauge/faults", "/_opengauge/clock"):
            assert self.http.delete(path, headers=admin).status_code < 300
        seed = tenant_seed(NAME, campaigns=[{"name": "s", "filters": [SUPPORT]}])
        apply_seed(self.server.db, validate_seed(seed))
        credentials = f"{NAME}-client:{NAME}-secret".encode()
        self.values = {
            "__SYSTEM__": NAME,
            "__CLIENT_ID__": f"{NAME}-client",
            "__CLIENT_SECRET__": f"{NAME}-secret",
            "__API_KEY__": f"{NAME}-api-key",
            "__BASIC__": base64.b64encode(credentials).decode(),
            "__ADMIN__": self.server.app.admin_token,
            "__JUNK__": "not-a-credential",
        }
        token = self.http.post(
            "/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": self.values["__CLIENT_ID__"],
                "client_secret": self.values["__CLIENT_SECRET__"],
            },
        )
        self.values["__TOKEN__"] = token.json()["access_token"]
        for marker in ("__CODE__", "__CODE2__"):
            record = {"Email": f"{uuid.uuid4().hex}@example.com", "Touchpoint": "Support"}
            link = self.http.put(
                "/personal-link/",
                json={"configuration": MULTI_MAPPING, "record": record},
                headers={"Authorization": f"Bearer {self.values['__TOKEN__']}"},
            )
            self.values[marker] = link.json()["data"]["survey_link"].rsplit("/", 1)[1]
        page = self.http.get(f"/r/{self.values['__CODE__']}").text
        token_field = re.search(r'name="form_token" value="([^"]+)"', page)
        self.values["__FORM_TOKEN__"] = token_field[1] if token_field else ""

    def fill(self, raw: str) -> str:
        for marker, value in self.values.items():
            raw = raw.replace(marker, value)
        return raw

    def send(self, probe: Probe) -> httpx.Response:
        """Send the probe; a 5xx or a broken connection fails the test."""
        url = self.fill(probe.path) + ("?" + self.fill(probe.query) if probe.query else "")
        headers = [(k, self.fill(v.decode("latin-1")).encode("latin-1")) for k, v in probe.headers]
        body = self.fill(probe.body.decode("utf-8", "surrogateescape")).encode(
            "utf-8", "surrogateescape"
        )
        try:
            # httpx takes str names with bytes values; its hints want one kind for both.
            request = self.http.build_request(
                probe.method,
                url,
                headers=headers,  # type: ignore[arg-type]
                content=body,
            )
        except (httpx.InvalidURL, UnicodeError, ValueError):
            reject()  # not a request httpx can put on the wire; nothing to learn
        try:
            response = self.http.send(request)
        except httpx.LocalProtocolError:
            reject()
        except httpx.TransportError as exc:
            raise AssertionError(f"dropped connection: {exc!r}") from exc
        self.statuses[response.status_code] += 1
        assert response.status_code < 500, response.text[:500]
        if probe.path.startswith("/_opengauge") and probe.method != "GET" and response.is_success:
            self.restore()
        return response

    def restore(self) -> None:
        """Undo what a control-plane request may have done: faults and clock are cleared;
        the tenant is made again if it was reset, deleted or lost its app or links."""
        admin = {"Authorization": f"Bearer {self.values['__ADMIN__']}"}
        for path in ("/_opengauge/faults", "/_opengauge/clock"):
            assert self.http.delete(path, headers=admin).status_code < 300
        bearer = {"Authorization": f"Bearer {self.values['__TOKEN__']}"}
        api_key = {"Authorization": f"api_key {self.values['__API_KEY__']}"}
        checks = [
            self.http.get("/v7/rest/sync/responses?per_page=1", headers=bearer),
            self.http.get("/v4.1/lists/bounce.json?limit=1", headers=api_key),
            self.http.get(f"/r/{self.values['__CODE__']}"),
            self.http.get(f"/r/{self.values['__CODE2__']}/unsubscribe"),
        ]
        if any(check.status_code != 200 for check in checks):
            self.setup()

    def assert_healthy(self) -> None:
        """Ordinary requests of every family still work."""
        self.restore()
        bearer = {"Authorization": f"Bearer {self.values['__TOKEN__']}"}
        api_key = {"Authorization": f"api_key {self.values['__API_KEY__']}"}
        record = {"configuration": ACCOUNT_MAPPING, "record": {"Account Name": "Healthy"}}
        assert self.http.put("/records/", json=record, headers=bearer).status_code == 200
        assert self.http.get("/v7/rest/sync/responses", headers=bearer).status_code == 200
        assert self.http.get("/v4.1/hierarchy.json", headers=api_key).status_code == 200
        assert self.http.get(f"/r/{self.values['__CODE__']}").status_code == 200
        admin = {"Authorization": f"Bearer {self.values['__ADMIN__']}"}
        assert self.http.get("/_opengauge/systems", headers=admin).status_code == 200


@pytest.fixture(scope="module", params=BACKENDS)
def target(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Target]:
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'opengauge.db'}"
        else:
            url = stack.enter_context(postgres_database(POSTGRES_URL))
        server = stack.enter_context(start_server(url))
        # No keep-alive: every request on a new connection, so a closed connection can only
        # mean the server dropped that request (never an idle connection timing out).
        http = stack.enter_context(
            httpx.Client(
                base_url=server.base_url,
                timeout=TIMEOUT,
                limits=httpx.Limits(max_keepalive_connections=0),
            )
        )
        running = Target(server, http)
        running.setup()
        yield running


# A passing family takes seconds; the generous timeout lets Hypothesis finish shrinking a
# failure (each shrink step is a request) instead of the run stopping at pytest's 120 s.
@pytest.mark.timeout(600)
@pytest.mark.parametrize("family", list(FAMILIES))
def test_fuzz_family(target: Target, family: str) -> None:
    started = time.perf_counter()
    target.statuses.clear()

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )
    @given(probe=FAMILIES[family])
    def fuzz(probe: Probe) -> None:
        target.send(probe)

    for probe in EXPLICIT.get(family, []):
        fuzz = example(probe=probe)(fuzz)
    fuzz()
    target.assert_healthy()
    print(
        f"{family} on {target.server.backend}: {sum(target.statuses.values())} requests in "
        f"{time.perf_counter() - started:.1f} s, statuses {dict(sorted(target.statuses.items()))}"
    )
