"""``period[field]`` with ``period[start]`` / ``period[end]`` on each of the four fields."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from tests.server.rest.helpers import NON_RESPONSES, RESPONSES, Params, flat, follow, get_page
from tests.support import RunningServer, Tenant, create_tenant, put_record

Dated = tuple[list[int], int, httpx.Client]


@pytest.fixture(scope="module")
def dated(server: RunningServer) -> Iterator[Dated]:
    """Three responses, each field a day apart per record, and one non-response.

    Record i (0-2) was created on 2024-03-0{i+1} 10:00:00, answered 2024-04-0{i+1} 10:00:00,
    sent 2024-05-0{i+1} 10:00:00, and ordered 2024-06-0{i+1}.
    """
    tenant = create_tenant(server, f"t-{uuid.uuid4().hex[:10]}")
    clock = server.app.state.clock
    ids: list[int] = []
    try:
        for i in range(4):
            day = f"0{min(i, 2) + 1}"
            clock.frozen = datetime(2024, 3, int(day), 10, tzinfo=UTC).timestamp()
            with tenant.client() as http:
                if i < 3:
                    record = {
                        "Email": f"p{i}@example.com",
                        "NPS": "7",
                        "Responded": f"2024-04-{day} 10:00:00",
                    }
                    assert put_record(http, "external", record).status_code == 200
                else:
                    assert put_record(http, "survey", {"Email": "n@example.com"}).status_code == 200
            (row,) = server.rows(
                "SELECT MAX(id) FROM survey_records WHERE system_id = ?", (tenant.system_id,)
            )
            ids.append(int(row[0]))
            _set_dates(server, ids[-1], day)
    finally:
        clock.reset()
    with tenant.client() as http:
        yield ids[:3], ids[3], http


def _set_dates(server: RunningServer, record_id: int, day: str) -> None:
    server.db.run_sync(
        lambda tx: tx.write(
            "UPDATE survey_records SET date_sent = ?, date_order = ? WHERE id = ?",
            (f"2024-05-{day} 10:00:00", f"2024-06-{day}", record_id),
        )
    )


def _period(field: str, start: str | None, end: str | None) -> Params:
    params: Params = [("period[field]", field)]
    if start is not None:
        params.append(("period[start]", start))
    if end is not None:
        params.append(("period[end]", end))
    return params


def _ids(http: httpx.Client, path: str, params: Params) -> list[int]:
    return [r["number_customergauge"] for r in get_page(http, path, params)["data"]]


DATE_TIME_FIELDS = [
    ("date_creation", "2024-03"),
    ("date_survey_response", "2024-04"),
    ("date_sent", "2024-05"),
]


@pytest.mark.parametrize(("field", "month"), DATE_TIME_FIELDS)
@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("{m}-02", "{m}-02", [1]),  # a bare date covers its whole day
        ("{m}-02 10:00:00", "{m}-03 10:00:00", [1, 2]),  # both ends inclusive
        ("{m}-02 10:00:01", None, [2]),
        (None, "{m}-02", [0, 1]),
        ("{m}-01 09:59:59", "{m}-01 10:00:00", [0]),
        ("{m}-02 11:00:00+01:00", None, [1, 2]),  # an offset is converted to UTC
        ("{m}-04", None, []),
    ],
)
def test_date_time_fields(
    dated: Dated,
    field: str,
    month: str,
    start: str | None,
    end: str | None,
    expected: list[int],
) -> None:
    ids, _, http = dated
    params = _period(
        field,
        None if start is None else start.format(m=month),
        None if end is None else end.format(m=month),
    )
    assert _ids(http, RESPONSES, params) == [ids[i] for i in expected]


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2024-06-02", "2024-06-02", [1]),
        ("2024-06-02 00:00:00", "2024-06-03 00:00:00", [1, 2]),
        # An order date counts as that day at midnight.
        ("2024-06-02 00:00:01", None, [2]),
        (None, "2024-06-02 00:00:00", [0, 1]),
        (None, "2024-06-01 23:59:59", [0]),
    ],
)
def test_order_date(dated: Dated, start: str | None, end: str | None, expected: list[int]) -> None:
    ids, _, http = dated
    assert _ids(http, RESPONSES, _period("date_order", start, end)) == [ids[i] for i in expected]


def test_period_with_cursor_and_paging(dated: Dated) -> None:
    ids, _, http = dated
    since_day_1 = _period("date_creation", "2024-03-01", None)
    assert _ids(http, RESPONSES, [*since_day_1, ("cursor", ids[0])]) == ids[1:]
    pages, _ = follow(http, RESPONSES, per_page=2, params=since_day_1)
    assert pages == [ids[:2], ids[2:], []]


def test_period_on_non_responses(dated: Dated) -> None:
    _, unanswered, http = dated
    assert _ids(http, NON_RESPONSES, _period("date_creation", "2024-03-03", None)) == [unanswered]
    assert _ids(http, NON_RESPONSES, _period("date_creation", None, "2024-03-02")) == []
    assert _ids(http, NON_RESPONSES, _period("date_survey_response", "2000-01-01", None)) == []


def test_field_without_bounds_filters_nothing(dated: Dated) -> None:
    ids, _, http = dated
    assert flat(follow(http, RESPONSES)[0]) == ids
    assert _ids(http, RESPONSES, _period("date_order", None, None)) == ids


def test_a_period_at_the_end_of_the_calendar_is_empty_not_an_error(tenant: Tenant) -> None:
    with tenant.client() as http:
        response = http.get(
            "/v7/rest/sync/responses",
            params={"period[field]": "date_order", "period[start]": "9999-12-31 10:00:00"},
        )
    assert response.status_code == 200
    assert response.json()["data"] == []
