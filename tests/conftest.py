"""Shared fixtures: a real server per database backend, tenants, HTTP clients.

Every test that uses ``server`` runs once on SQLite and, when ``OPENGAUGE_TEST_POSTGRES_URL``
is set, once more on PostgreSQL (in a throwaway database created for the session). The
server is the real application under uvicorn on a loopback port; tests talk HTTP to it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from opengauge.server.clock import Clock
from tests.support import (
    RateLimits,
    RunningServer,
    ServerProcesses,
    Tenant,
    create_tenant,
    postgres_database,
    start_server,
)

POSTGRES_URL = os.environ.get("OPENGAUGE_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", *(["postgres"] if POSTGRES_URL else [])]
REDIS_URL = os.environ.get("OPENGAUGE_TEST_REDIS_URL", "")
LIMIT_STORAGES = ["memory", *(["redis"] if REDIS_URL else [])]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say which databases and rate-limit storages the run covered, and which it did not."""
    missing = [
        f"{name} NOT tested: set {variable}"
        for name, variable, url in (
            ("PostgreSQL", "OPENGAUGE_TEST_POSTGRES_URL", POSTGRES_URL),
            ("Redis", "OPENGAUGE_TEST_REDIS_URL", REDIS_URL),
        )
        if not url
    ]
    covered = f"storage: {', '.join(BACKENDS)}; rate-limit counts: {', '.join(LIMIT_STORAGES)}"
    terminalreporter.write_sep("-", "; ".join([covered, *missing]), yellow=bool(missing))


@pytest.fixture(scope="session", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'opengauge.db'}"
        with start_server(url) as running:
            yield running
    else:
        with postgres_database(POSTGRES_URL) as url, start_server(url) as running:
            yield running


@pytest.fixture
def tenant(server: RunningServer) -> Tenant:
    """A fresh system (region eu) with one connected app and a set of mappings."""
    return create_tenant(server, f"t-{uuid.uuid4().hex[:10]}")


@pytest.fixture
def clock(server: RunningServer) -> Iterator[Clock]:
    """The server's clock; reset after the test."""
    yield server.app.state.clock
    server.app.state.clock.reset()


@pytest.fixture(params=LIMIT_STORAGES)
def rate_limits(request: pytest.FixtureRequest, server: RunningServer) -> Iterator[RateLimits]:
    """Turn the server's abuse limits on: ``rate_limits(auth_failure_limit="10/minute")``.

    Runs once with counts in memory and, when ``OPENGAUGE_TEST_REDIS_URL`` is set, once
    with counts in Redis; the server's own (disabled) limits come back afterwards.
    """
    limits = RateLimits(server, REDIS_URL if request.param == "redis" else "")
    yield limits
    limits.restore()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[ServerProcesses]:
    """Start ``opengauge serve`` processes: ``serve("--demo")``; all are stopped afterwards."""
    processes = ServerProcesses(tmp_path)
    yield processes
    processes.stop_all()
