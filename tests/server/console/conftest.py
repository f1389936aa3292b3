"""Fixtures of the console tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.server.console.support import close_all, console_tenant
from tests.support import RunningServer, Tenant


@pytest.fixture
def tenant(server: RunningServer) -> Tenant:
    """A fresh system with an Administrator and a Viewer of the console."""
    return console_tenant(server)


@pytest.fixture(autouse=True)
def _close_consoles() -> Iterator[None]:
    yield
    close_all()
