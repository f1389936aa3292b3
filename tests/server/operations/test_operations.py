"""``/healthz``, ``/readyz`` and ``/metrics``: outside auth and the journal, on both databases."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import make_url

from opengauge.server import metrics
from opengauge.server.app import OpenGaugeApp
from opengauge.server.settings import Settings
from opengauge.server.storage import migrate
from tests.conftest import BACKENDS, POSTGRES_URL
from tests.support import (
    ACCOUNT_MAPPING,
    RateLimits,
    RunningServer,
    Tenant,
    postgres_database,
    put_record,
    start_server,
)


@contextlib.contextmanager
def _own_server(backend: str, tmp_path: Path) -> Iterator[RunningServer]:
    """A server on a database of its own, for tests that break the database."""
    if backend == "sqlite":
        with start_server(f"sqlite:///{tmp_path / 'own.db'}") as running:
            yield running
        return
    with postgres_database(POSTGRES_URL) as url, start_server(url) as running:
        yield running


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape, keyed by name and sorted labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _scrape(server: RunningServer) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with server.client() as http:
        response = http.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return _samples(response.text)


def test_healthz_answers_without_credentials_and_is_never_faulted(server: RunningServer) -> None:
    server.app.state.faults.add("*", status=500)
    try:
        with server.client() as http:
            response = http.get("/healthz")
            refused = http.post("/healthz")
    finally:
        server.app.state.faults.clear()
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert refused.status_code == 405
    assert refused.json() == {"message": "Method not allowed."}


def test_readyz_is_ready_on_a_migrated_database(server: RunningServer) -> None:
    with server.client() as http:
        response = http.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


@contextlib.contextmanager
def _writes_blocked(server: RunningServer) -> Iterator[None]:
    """Another connection holds the lock the group-commit writer needs."""
    if server.backend == "sqlite":
        conn = sqlite3.connect(make_url(server.db.url).database or "", isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.rollback()
            conn.close()
        return
    url = make_url(server.db.url).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False)) as pg:
        pg.execute("LOCK TABLE accounts IN EXCLUSIVE MODE")  # reads go on, writes wait
        try:
            yield
        finally:
            pg.rollback()


def test_readyz_does_not_queue_behind_a_blocked_writer(tenant: Tenant) -> None:
    server = tenant.server
    answers: list[int] = []
    with tenant.client() as http:
        writer = threading.Thread(
            target=lambda: answers.append(
                put_record(http, ACCOUNT_MAPPING, {"Account Name": f"B-{uuid.uuid4()}"}).status_code
            )
        )
        with _writes_blocked(server):
            writer.start()
            started = time.perf_counter()
            with server.client() as probe:
                ready = probe.get("/readyz")
            elapsed = time.perf_counter() - started
            print(f"readyz answered in {elapsed * 1000:.0f} ms while the writer waited for a lock")
            assert writer.is_alive()  # the import is still waiting for its commit
        writer.join(timeout=30)
    assert ready.status_code == 200
    assert elapsed < 2
    assert answers == [200]


@pytest.mark.parametrize("backend", BACKENDS)
def test_readyz_is_503_when_the_schema_is_behind_head(backend: str, tmp_path: Path) -> None:
    with _own_server(backend, tmp_path) as server:
        head = migrate.head_revision()
        migrate.downgrade(server.db, "-1")
        behind = migrate.current_revision(server.db)
        with server.client() as http:
            response = http.get("/readyz")
        assert response.status_code == 503
        assert response.json() == {
            "status": "unavailable",
            "reason": f"database schema at revision {behind}, expected {head}"
            " (run `opengauge db upgrade`)",
        }
        migrate.upgrade(server.db)
        with server.client() as http:
            assert http.get("/readyz").status_code == 200


@pytest.mark.parametrize("backend", BACKENDS)
def test_readyz_is_503_when_the_database_is_gone(backend: str, tmp_path: Path) -> None:
    with _own_server(backend, tmp_path) as server:
        if backend == "sqlite":
            (tmp_path / "own.db").rename(tmp_path / "moved.db")
        else:
            admin = make_url(POSTGRES_URL).set(drivername="postgresql")
            with psycopg.connect(
                admin.render_as_string(hide_password=False), autocommit=True
            ) as conn:
                name = make_url(server.db.url).database
                conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        with server.client() as http:
            response = http.get("/readyz")
            health = http.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["reason"].startswith("database unreachable: ")
    assert health.status_code == 200  # the process itself is fine


class _Relay:
    """A TCP relay to PostgreSQL that can go silent, like a database behind a dead network."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.silent = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = [self.listener]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.sockets.append(client)
            if self.silent.is_set():
                continue  # accepted, never answered
            upstream = socket.create_connection(self.target)
            self.sockets.append(upstream)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                if not self.silent.is_set():
                    sink.sendall(data)

    def close(self) -> None:
        for sock in self.sockets:
            sock.close()


@pytest.mark.skipif(not POSTGRES_URL, reason="needs OPENGAUGE_TEST_POSTGRES_URL")
def test_readyz_keeps_the_options_of_the_database_url() -> None:
    """A schema chosen with ``?options=-csearch_path=...`` is where readyz must look too."""
    with postgres_database(POSTGRES_URL) as url:
        plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute("CREATE SCHEMA og")
        in_schema = make_url(url).update_query_dict({"options": "-csearch_path=og"})
        with start_server(in_schema.render_as_string(hide_password=False)) as server:
            with server.client() as http:
                response = http.get("/readyz")
            assert (response.status_code, response.json()) == (200, {"status": "ready"})
            assert _scrape(server)  # the outbox gauge reads the same schema


@pytest.mark.skipif(not POSTGRES_URL, reason="needs OPENGAUGE_TEST_POSTGRES_URL")
def test_readyz_gives_up_quickly_when_postgres_stops_answering() -> None:
    with postgres_database(POSTGRES_URL) as url:
        parsed = make_url(url)
        relay = _Relay((parsed.host or "127.0.0.1", parsed.port or 5432))
        through = parsed.set(host="127.0.0.1", port=relay.port).render_as_string(
            hide_password=False
        )
        try:
            with start_server(through) as server:
                relay.silent.set()
                started = time.perf_counter()
                with server.client() as http:
                    response = http.get("/readyz")
                elapsed = time.perf_counter() - started
                print(f"readyz against a silent database answered in {elapsed:.2f} s")
                relay.silent.clear()
        finally:
            relay.close()
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    # The limit is 2 s; without one, this request would wait for ever.
    assert elapsed < 10


def test_metrics_count_requests_batches_and_outbox_entries(tenant: Tenant) -> None:
    server = tenant.server
    before = _scrape(server)
    with tenant.client() as http:
        assert put_record(http, ACCOUNT_MAPPING, {"Account Name": f"M-{uuid.uuid4()}"}).is_success
        assert put_record(http, "survey", {"Email": f"{uuid.uuid4().hex}@example.com"}).is_success
        assert put_record(http, ACCOUNT_MAPPING, {}).status_code == 422
    after = _scrape(server)

    def moved(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert moved("opengauge_requests_total", family="imports", method="PUT", status="200") == 2
    assert moved("opengauge_requests_total", family="imports", method="PUT", status="422") == 1
    assert moved("opengauge_requests_total", family="auth", method="POST", status="200") == 1
    assert moved("opengauge_request_duration_seconds_count", family="imports") == 3
    # The 422 was refused before writing, so at least the two writes were committed.
    assert moved("opengauge_group_commit_batch_size_sum") >= 2
    assert moved("opengauge_group_commit_seconds_count") >= 1
    assert after[("opengauge_outbox_entries", (("status", "QUEUED"),))] >= 1
    # The first scrape was not counted: scrapes and health checks are not API requests.
    assert moved("opengauge_requests_total", family="other", method="GET", status="200") == 0


@pytest.mark.parametrize(
    ("peer", "status"),
    [("127.0.0.1", 200), ("::1", 200), ("::ffff:127.0.0.1", 200), ("192.0.2.7", 403)],
)
def test_metrics_answer_loopback_peers_on_a_dual_stack_socket_too(
    tmp_path: Path, peer: str, status: int
) -> None:
    """Served on ``::``, a connection to 127.0.0.1 arrives as ``::ffff:127.0.0.1``."""
    app = OpenGaugeApp(Settings(database_url=f"sqlite:///{tmp_path / 'm.db'}"), tune_gc=False)

    async def scrape() -> int:
        app.start()
        try:
            transport = httpx.ASGITransport(app=app, client=(peer, 40000))
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                return (await http.get("/metrics")).status_code
        finally:
            app.stop()

    assert asyncio.run(scrape()) == status


def test_metrics_need_the_admin_token_through_a_proxy(server: RunningServer) -> None:
    admin = {"Authorization": f"Bearer {server.app.admin_token}"}
    with server.client() as http:
        proxied = http.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
        forwarded = http.get("/metrics", headers={"Forwarded": "for=203.0.113.9"})
        wrong = http.get(
            "/metrics", headers={"X-Real-IP": "203.0.113.9", "Authorization": "Bearer nope"}
        )
        allowed = http.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9", **admin})
    for refused in (proxied, forwarded, wrong):
        assert refused.status_code == 403
        assert refused.json() == {"message": "Forbidden."}
    assert allowed.status_code == 200
    assert "opengauge_requests_total" in allowed.text


def test_without_the_control_plane_its_paths_are_ordinary_404s(tmp_path: Path) -> None:
    with (
        start_server(
            f"sqlite:///{tmp_path / 'cp.db'}", control_plane=False, admin_token="t"
        ) as server,
        server.client(headers={"Authorization": "Bearer t"}) as http,
    ):
        systems = http.get("/_opengauge/systems")
        reset = http.post("/_opengauge/reset")
        metrics = http.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    for response in (systems, reset):
        assert response.status_code == 404
        assert response.json() == {"message": "Not found."}
    assert metrics.status_code == 200  # the admin token still opens /metrics


def test_rate_limit_refusals_are_counted_by_family(server: RunningServer) -> None:
    key = ("opengauge_rate_limit_refusals_total", (("family", "imports"),))
    before = _scrape(server).get(key, 0)
    metrics.note_rate_limit_refusal("imports")
    metrics.note_rate_limit_refusal("imports")
    assert _scrape(server)[key] - before == 2


def test_a_refused_login_reaches_the_refusals_metric(
    server: RunningServer, tenant: Tenant, rate_limits: RateLimits
) -> None:
    rate_limits(auth_failure_limit="2/minute")
    key = ("opengauge_rate_limit_refusals_total", (("family", "auth"),))
    before = _scrape(server).get(key, 0)
    form = {"grant_type": "client_credentials", "client_id": tenant.client_id}
    with server.client() as http:
        statuses = [
            http.post("/oauth2/token", data={**form, "client_secret": "wrong"}).status_code
            for _ in range(3)
        ]
    assert statuses == [400, 400, 429]
    assert _scrape(server)[key] - before == 1


@pytest.mark.parametrize(("value", "expected"), [("off", False), ("0", False), ("on", True)])
def test_the_control_plane_setting_reads_the_environment(value: str, expected: bool) -> None:
    settings = Settings.from_env({"OPENGAUGE_CONTROL_PLANE": value})
    assert settings.control_plane is expected
