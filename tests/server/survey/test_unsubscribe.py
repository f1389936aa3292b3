"""The unsubscribe link of a survey page: ``/r/{code}/unsubscribe``."""

from __future__ import annotations

import httpx

from tests.server.survey.support import Survey, make_survey, read_page, text_of
from tests.support import RunningServer


def test_get_shows_a_confirmation_and_changes_nothing(http: httpx.Client, survey: Survey) -> None:
    response = http.get(f"{survey.path}/unsubscribe")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    page = read_page(response.text)
    form = page.one("form", method="post")
    assert form.attrs["action"] == f"{survey.path}/unsubscribe"
    assert page.form_token() == survey.row()["form_token"]
    assert survey.unsubscribes() == []


def test_post_unsubscribes_once(http: httpx.Client, survey: Survey) -> None:
    form = {"form_token": survey.row()["form_token"]}
    for _ in range(2):
        response = http.post(f"{survey.path}/unsubscribe", data=form)
        assert response.status_code == 200
        assert "You have been unsubscribed" in text_of(response.text)
    assert survey.unsubscribes() == [("ann.smith@example.com", "survey")]
    # Unsubscribing doesn't answer the survey, and the survey can still be answered.
    assert survey.row()["date_response"] is None


def test_post_needs_the_form_token_and_the_same_site(http: httpx.Client, survey: Survey) -> None:
    url = f"{survey.path}/unsubscribe"
    token = survey.row()["form_token"]
    assert http.post(url, data={"form_token": "wrong"}).status_code == 403
    assert http.post(url, data={}).status_code == 403
    evil = {"Origin": "https://evil.example"}
    assert http.post(url, data={"form_token": token}, headers=evil).status_code == 403
    cross = {"Sec-Fetch-Site": "cross-site"}
    assert http.post(url, data={"form_token": token}, headers=cross).status_code == 403
    assert survey.unsubscribes() == []


def test_contact_without_email_has_no_unsubscribe(
    http: httpx.Client, server: RunningServer
) -> None:
    survey = make_survey(server, email=None, phone="+31201234567")
    page = http.get(survey.path)
    assert page.status_code == 200
    assert not [a for a in read_page(page.text).all("a") if "nsubscribe" in a.text]
    assert http.get(f"{survey.path}/unsubscribe").status_code == 404
    token = survey.row()["form_token"]
    response = http.post(f"{survey.path}/unsubscribe", data={"form_token": token})
    assert response.status_code == 404
    assert "Survey not found" in text_of(response.text)
    assert survey.unsubscribes() == []


def test_unknown_code_has_no_unsubscribe(http: httpx.Client) -> None:
    assert http.get("/r/nope/unsubscribe").status_code == 404
    assert http.post("/r/nope/unsubscribe", data={"form_token": "x"}).status_code == 404
