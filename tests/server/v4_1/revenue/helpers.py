"""Uploading revenue files in tests."""

from __future__ import annotations

from typing import Any

import httpx

from opengauge.server.storage.repositories import accounts
from tests.server.v4_1.support import call
from tests.support import Tenant

UPLOAD = "company/revenue_file_automate"


def add_accounts(tenant: Tenant, *names: str) -> None:
    """Create bare accounts in the tenant's system."""

    def insert(tx: Any) -> None:
        for name in names:
            accounts.upsert(
                tx, tenant.system_id, name, accounts.AccountFields(), "2024-01-01 00:00:00"
            )

    tenant.server.db.run_sync(insert)


def post_file(
    tenant: Tenant, content: bytes, filename: str = "revenue.csv", fmt: str = "json"
) -> httpx.Response:
    """POST one file as multipart ``file`` with the tenant's API key."""
    return call(tenant, "POST", UPLOAD, fmt, files={"file": (filename, content)})


def csv_bytes(*lines: str) -> bytes:
    """CSV text from lines, newline-terminated."""
    return ("\n".join(lines) + "\n").encode()
