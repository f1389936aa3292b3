"""Defects the wire fuzz (test_fuzz.py) found, each as a small request over real HTTP."""

from __future__ import annotations

import pytest

from tests.support import Tenant

#: A NUL in a control-plane path parameter: 404 on SQLite, but PostgreSQL text cannot hold
#: NUL and the lookup was a 500 there. (method, path with the tenant's name as {s}, message).
NUL_PATHS = [
    ("GET", "/_opengauge/systems/{s}%00", "System [{s}\x00] not found."),
    ("DELETE", "/_opengauge/systems/{s}%00", "System [{s}\x00] not found."),
    ("GET", "/_opengauge/systems/{s}%00/apps", "System [{s}\x00] not found."),
    ("GET", "/_opengauge/systems/{s}%00/journal", "System [{s}\x00] not found."),
    ("GET", "/_opengauge/systems/{s}%00/outbox", "System [{s}\x00] not found."),
    ("DELETE", "/_opengauge/systems/{s}/apps/x%00", "Connected app [x\x00] not found."),
    (
        "DELETE",
        "/_opengauge/systems/{s}/mappings/x%00",
        "The inbound mapping [x\x00] was not found.",
    ),
    ("DELETE", "/_opengauge/systems/{s}/touchpoints/x%00", "Touchpoint [x\x00] not found."),
    ("DELETE", "/_opengauge/systems/{s}/campaigns/x%00", "Campaign [x\x00] not found."),
    (
        "DELETE",
        "/_opengauge/systems/{s}/bounces/x%00@example.com",
        "Bounce [x\x00@example.com] not found.",
    ),
]


@pytest.mark.parametrize(("method", "path", "message"), NUL_PATHS)
def test_a_nul_in_a_control_plane_name_is_not_found(
    tenant: Tenant, request: pytest.FixtureRequest, method: str, path: str, message: str
) -> None:
    if tenant.server.backend == "postgres":
        # The fix belongs in control/ (another branch's files): remove this mark with it.
        request.applymarker(pytest.mark.xfail(reason="500 on PostgreSQL until fixed at merge"))
    admin = {"Authorization": f"Bearer {tenant.server.app.admin_token}"}
    with tenant.server.client(headers=admin) as http:
        response = http.request(method, path.format(s=tenant.name))
    assert (response.status_code, response.json()) == (
        404,
        {"message": message.format(s=tenant.name)},
    )
