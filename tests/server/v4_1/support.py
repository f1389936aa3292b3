"""Calling the 4.1 suite in tests."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support import Tenant


def api_key_headers(tenant: Tenant) -> dict[str, str]:
    """``Authorization: api_key <key>`` for the tenant (its seed key is ``<name>-api-key``)."""
    return {"Authorization": f"api_key {tenant.name}-api-key"}


def call(
    tenant: Tenant, method: str, module: str, fmt: str = "json", **kwargs: Any
) -> httpx.Response:
    """One 4.1 request with the tenant's API key, e.g. ``call(t, "GET", "hierarchy")``."""
    with tenant.server.client(headers=api_key_headers(tenant)) as http:
        return http.request(method, f"/v4.1/{module}.{fmt}", **kwargs)
