"""Control-plane fixtures: an admin HTTP client, and a clean sandbox after every test."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support import RunningServer


@pytest.fixture
def admin(server: RunningServer) -> Iterator[httpx.Client]:
    """An HTTP client carrying the control plane's admin token."""
    with server.client(headers={"Authorization": f"Bearer {server.app.admin_token}"}) as http:
        yield http
    state = server.app.state
    state.faults.clear()
    state.clock.reset()
