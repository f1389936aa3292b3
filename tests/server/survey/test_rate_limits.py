"""Survey page submissions: limited per survey link code, refused with an HTML page."""

from __future__ import annotations

import httpx

from tests.server.survey.support import Survey, make_survey, read_page
from tests.support import RateLimits, RunningServer


def _answer(http: httpx.Client, survey: Survey, score: str) -> httpx.Response:
    return http.post(survey.path, data={"form_token": survey.row()["form_token"], "score": score})


def test_submissions_of_one_code_are_limited_and_refused_with_a_page(
    http: httpx.Client, server: RunningServer, survey: Survey, rate_limits: RateLimits
) -> None:
    rate_limits(survey_submit_limit="3/minute")
    assert [_answer(http, survey, "eleven").status_code for _ in range(3)] == [422] * 3
    refused = _answer(http, survey, "9")
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "text/html; charset=utf-8"
    assert refused.headers["cache-control"] == "no-store"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert read_page(refused.text).one("h1").text == "Too many attempts"
    assert survey.row()["date_response"] is None
    # Showing the page is not limited, and every other code has counts of its own.
    assert http.get(survey.path).status_code == 200
    other = make_survey(server, tenant=survey.tenant, email="bob@example.com")
    assert _answer(http, other, "9").status_code == 303


def test_unsubscribing_counts_as_a_submission_of_the_code(
    http: httpx.Client, survey: Survey, rate_limits: RateLimits
) -> None:
    rate_limits(survey_submit_limit="1/minute")
    form = {"form_token": survey.row()["form_token"]}
    assert http.post(f"{survey.path}/unsubscribe", data=form).status_code == 200
    assert http.post(f"{survey.path}/unsubscribe", data=form).status_code == 429
    assert _answer(http, survey, "9").status_code == 429
