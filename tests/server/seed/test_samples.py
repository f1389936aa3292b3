"""``sample_responses``: a demo system's year of answers, added once."""

from __future__ import annotations

import calendar
import time
import uuid
from datetime import date, timedelta
from typing import Any

import pytest

from opengauge.server.clock import Clock
from opengauge.server.seed.schemas import SeedError, validate_seed
from opengauge.server.seed.service import apply_seed
from tests.server.v4_1.support import call
from tests.support import RunningServer, Tenant, tenant_seed

DRIVERS = [
    {"label": "Support", "good_bad": "pos", "reason_code": "1001"},
    {"label": "Price", "good_bad": "neg", "reason_code": "1101"},
]


def _seed(name: str, responses: int) -> dict[str, object]:
    return tenant_seed(name, sample_responses=responses, drivers=DRIVERS)


def _apply(server: RunningServer, name: str, responses: int, clock: Clock | None = None) -> Tenant:
    (applied,) = apply_seed(server.db, validate_seed(_seed(name, responses)), clock)
    return Tenant(server, name, applied.id, f"{name}-client", f"{name}-secret", "eu")


def test_a_system_gets_its_sample_answers_once(server: RunningServer) -> None:
    name = f"s-{uuid.uuid4().hex[:10]}"
    tenant = _apply(server, name, 40)

    def counts() -> tuple[Any, ...]:
        return server.rows(
            "SELECT count(*), count(nps), count(comment), count(DISTINCT account_id),"
            " count(DISTINCT touchpoint_id), min(number_order) FROM survey_records"
            " WHERE system_id = ?",
            (tenant.system_id,),
        )[0]

    first = counts()
    total, answered, comments, accounts, touchpoints, order = first
    assert answered == 40
    assert total == 100  # as many again and half more, still unanswered
    assert 0 < comments < answered
    assert 10 <= accounts <= 24
    assert server.count("accounts", tenant.system_id) == 24
    assert server.count("contacts", tenant.system_id) == 72
    assert touchpoints == 2
    assert order == "SAMPLE-00001"
    assert server.count("record_drivers", tenant.system_id) > 0
    assert server.count("revenue_lines", tenant.system_id) == 24
    _apply(server, name, 40)
    assert counts() == first


def test_the_answers_fill_the_report(server: RunningServer) -> None:
    tenant = _apply(server, f"s-{uuid.uuid4().hex[:10]}", 60)
    data = call(tenant, "GET", "report/nps").json()["Data"]
    assert data["responses"] == "60"
    assert int(data["promoters"]) > 0
    assert int(data["detractors"]) > 0
    assert data["nps"] is not None


def test_the_same_system_name_gives_the_same_scores(server: RunningServer) -> None:
    name = f"s-{uuid.uuid4().hex[:10]}"
    first = _apply(server, name, 30)
    scores = server.rows(
        "SELECT nps FROM survey_records WHERE system_id = ? ORDER BY number_order",
        (first.system_id,),
    )
    assert len(scores) == 75
    server.db.run_sync(lambda tx: tx.write("DELETE FROM systems WHERE id = ?", (first.system_id,)))
    again = _apply(server, name, 30)
    assert (
        server.rows(
            "SELECT nps FROM survey_records WHERE system_id = ? ORDER BY number_order",
            (again.system_id,),
        )
        == scores
    )


@pytest.mark.parametrize("count", [-1, 5001])
def test_a_count_out_of_range_is_refused(count: int) -> None:
    with pytest.raises(SeedError) as refused:
        validate_seed(_seed("samples", count))
    assert "systems[0].sample_responses: must be between 0 and 5000" in str(refused.value)


@pytest.mark.parametrize("today", ["2026-03-01", "2026-12-31", "2028-02-29"])
def test_every_sample_answer_is_made_and_ends_before_the_day_it_is_applied(
    server: RunningServer, today: str
) -> None:
    clock = Clock()
    clock.freeze()
    clock.set_time(calendar.timegm(time.strptime(f"{today} 00:30:00", "%Y-%m-%d %H:%M:%S")))
    tenant = _apply(server, f"s-{uuid.uuid4().hex[:10]}", 200, clock)
    answered, last_answer, last_sent, first_sent = server.rows(
        "SELECT count(nps), max(date_response), max(date_sent), min(date_sent)"
        " FROM survey_records WHERE system_id = ?",
        (tenant.system_id,),
    )[0]
    assert answered == 200
    assert last_answer < today
    assert last_sent < today
    assert first_sent >= str(date.fromisoformat(today) - timedelta(days=365))
