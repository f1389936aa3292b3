"""The lean bound writes what OpenGauge writes for a Contact record, on OpenGauge's schema."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import yaml
from databases import fresh
from lean import Lean
from workloads import CONTACT, SEED

from opengauge.server.bootstrap import prepare_database
from opengauge.server.seed.service import apply_seed
from opengauge.server.storage import Database
from opengauge.testing._seed import read_seed

_CONTACTS = (
    "SELECT c.email, a.name FROM contacts c JOIN accounts a ON a.id = c.account_id ORDER BY c.email"
)


def test_the_lean_app_creates_then_updates_contacts_in_their_accounts(tmp_path: Path) -> None:
    with fresh("sqlite", tmp_path) as database:
        prepare_database(db := Database(database.url))
        apply_seed(db, read_seed(yaml.safe_load(SEED)))
        app = Lean(database.url.removeprefix("sqlite:///"))

        async def put(numbers: list[int]) -> list[int]:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://lean") as http:
                answers = await asyncio.gather(
                    *(http.put("/records/", content=CONTACT.body("Bench", n, 1)) for n in numbers)
                )
            return [answer.status_code for answer in answers]

        # Three in one transaction, then one of them again with the one after.
        assert asyncio.run(put([1, 2, 1001])) == [200, 200, 200]
        assert asyncio.run(put([2, 3])) == [200, 200]
        with database.connect() as conn:
            stored = conn.execute(_CONTACTS).fetchall()
        assert stored == [
            ("bench-00001@example.com", "Bench account 0001"),
            ("bench-00002@example.com", "Bench account 0002"),
            ("bench-00003@example.com", "Bench account 0003"),
            ("bench-01001@example.com", "Bench account 0001"),
        ]
        assert database.count("accounts") == 3
