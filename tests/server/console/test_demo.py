"""``serve --demo`` gives the console a ready Administrator, and sessions live in the database:
a session made on one server process is honoured, and ended, on another."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.server.console.support import Console
from tests.support import ServerProcesses


def test_the_demo_user_signs_in_and_two_processes_share_the_session(
    serve: ServerProcesses, tmp_path: Path
) -> None:
    database = f"sqlite:///{tmp_path / 'shared.db'}"
    first = serve("--demo", "--database", database)
    second = serve("--database", database)
    with (
        httpx.Client(base_url=first.base_url) as one,
        httpx.Client(base_url=second.base_url) as two,
    ):
        client = Console(one)
        assert client.sign_in("demo@example.com", "demo-password").status_code == 303
        assert "Demo Administrator" in one.get("/console/mappings").text
        two.cookies.update(one.cookies)
        other = Console(two)
        page = other.get("/console/apps")
        assert page.status_code == 200
        assert "demo-client" in page.text
        assert other.post("/console/logout").status_code == 303
        assert one.get("/console/mappings").status_code == 303
