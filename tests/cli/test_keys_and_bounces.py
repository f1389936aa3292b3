"""API key rotation and recording bounces from the command line and the seed file."""

from __future__ import annotations

import subprocess
import uuid

from opengauge.server.seed.schemas import validate_seed
from opengauge.server.seed.service import apply_seed
from tests.support import OPENGAUGE, RunningServer, clean_env, create_tenant


def _opengauge(server: RunningServer, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*OPENGAUGE, *args, "--database", server.db.url],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=120,
    )


def _bounces(server: RunningServer, key: str) -> tuple[int, object]:
    with server.client() as http:
        response = http.get("/v4.1/lists/bounce.json", headers={"Authorization": f"api_key {key}"})
    return response.status_code, response.json()


def test_rotating_the_api_key_retires_the_old_one(server: RunningServer) -> None:
    tenant = create_tenant(server, f"rot-{uuid.uuid4().hex[:8]}")
    old = f"{tenant.name}-api-key"
    assert _bounces(server, old)[0] == 200
    rotated = _opengauge(server, "api-key", "rotate", "--system", tenant.name)
    assert rotated.returncode == 0, rotated.stderr
    new = rotated.stdout.strip()
    assert len(new) == 40
    assert _bounces(server, old)[0] == 401
    assert _bounces(server, new) == (200, {"Data": []})
    unknown = _opengauge(server, "api-key", "rotate", "--system", "nobody-here")
    assert unknown.returncode == 2
    assert "no system called 'nobody-here'" in unknown.stderr


def test_bounces_from_the_cli_and_the_seed(server: RunningServer) -> None:
    tenant = create_tenant(server, f"bnc-{uuid.uuid4().hex[:8]}")
    added = _opengauge(
        server,
        "bounces",
        "add",
        "Bad@Example.com",
        "--system",
        tenant.name,
        "--reason",
        "550 no such user",
    )
    again = _opengauge(server, "bounces", "add", "bad@example.com", "--system", tenant.name)
    assert added.stdout.strip() == "Bad@Example.com: recorded"
    assert again.stdout.strip() == "bad@example.com: already listed"
    seed = {
        "systems": [
            {
                "name": tenant.name,
                "bounces": [
                    {"email": "soft@example.com", "type": "soft", "reason": "mailbox full"}
                ],
            }
        ]
    }
    apply_seed(server.db, validate_seed(seed))
    apply_seed(server.db, validate_seed(seed))  # idempotent
    status, body = _bounces(server, f"{tenant.name}-api-key")
    assert status == 200
    assert [(b["Email"], b["Type"], b["Reason"]) for b in body["Data"]] == [  # type: ignore[index]
        ("bad@example.com", "hard", "550 no such user"),
        ("soft@example.com", "soft", "mailbox full"),
    ]
    # A bounced address gets no invitation.
    with tenant.client() as http:
        http.put(
            "/records/", json={"configuration": "survey", "record": {"Email": "bad@example.com"}}
        )
    assert server.rows(
        "SELECT status FROM survey_records WHERE system_id = ?", (tenant.system_id,)
    ) == [("BOUNCED",)]
