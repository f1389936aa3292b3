"""The bench's own SQL against the real schema: counting rows, bulk survey records."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
import pytest
import yaml
from databases import POSTGRES_ENV, fresh
from workloads import SEED

from opengauge.server.bootstrap import prepare_database
from opengauge.server.seed.service import apply_seed
from opengauge.server.storage import Database
from opengauge.testing._seed import read_seed

POSTGRES_URL = os.environ.get("OPENGAUGE_TEST_POSTGRES_URL", "")
KINDS = ["sqlite", *(["postgres"] if POSTGRES_URL else [])]


@pytest.mark.parametrize("kind", KINDS)
def test_a_fresh_database_takes_the_seed_and_bulk_responses(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(POSTGRES_ENV, POSTGRES_URL)
    with fresh(kind, tmp_path) as database:
        db = Database(database.url)
        prepare_database(db)
        apply_seed(db, read_seed(yaml.safe_load(SEED)))
        database.insert_responses(25)
        assert database.count("survey_records") == 25
        responded = "SELECT COUNT(*) FROM survey_records WHERE date_response IS NOT NULL"
        assert database.scalar(responded) == 25
        url = database.url
    if kind == "postgres":
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(url).close()
