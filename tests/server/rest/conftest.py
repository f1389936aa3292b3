"""Fixtures of the export tests: tenants shared by the read-only tests of a module."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.support import RunningServer, Tenant, create_tenant


@pytest.fixture(scope="module")
def reader(server: RunningServer) -> Iterator[tuple[Tenant, httpx.Client]]:
    """A tenant and an authenticated client, shared by the tests of a module that only read."""
    tenant = create_tenant(server, f"t-{uuid.uuid4().hex[:10]}")
    with tenant.client() as http:
        yield tenant, http
