"""The survey page ``/r/{code}``: showing, answering, refusing (spec section 7)."""

from __future__ import annotations

import httpx
import pytest

from opengauge.server.clock import Clock
from tests.server.survey.support import Survey, make_survey, read_page, text_of
from tests.support import RunningServer, create_tenant

QUESTION = "How likely are you to recommend {} to a friend or colleague?"
HEADERS = {
    "content-security-policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self';"
        " frame-ancestors 'none'"
    ),
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


def _answer(http: httpx.Client, survey: Survey, **fields: str | None) -> httpx.Response:
    form = {"form_token": survey.row()["form_token"], "score": "9", "comment": "Great"}
    form.update(fields)
    return http.post(survey.path, data={k: v for k, v in form.items() if v is not None})


def _assert_page_headers(response: httpx.Response) -> None:
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    for name, value in HEADERS.items():
        assert response.headers[name] == value


def test_page_is_an_accessible_form(http: httpx.Client, survey: Survey) -> None:
    response = http.get(survey.path)
    assert response.status_code == 200
    _assert_page_headers(response)
    page = read_page(response.text)
    assert page.one("html").attrs["lang"] == "en"
    assert page.one("title").text.strip()
    assert page.one("meta", name="viewport")
    form = page.one("form", method="post")
    assert form.attrs["action"] == survey.path
    legend = page.one("legend").text
    assert " ".join(legend.split()) == QUESTION.format(survey.tenant.name)
    radios = page.all("input", type="radio")
    assert [r.attrs["value"] for r in radios] == [str(n) for n in range(11)]
    labels = {label.attrs.get("for"): label.text.strip() for label in page.all("label")}
    for radio in radios:
        assert radio.attrs["name"] == "score"
        assert labels[radio.attrs["id"]] == radio.attrs["value"]
    textarea = page.one("textarea")
    assert textarea.attrs["name"] == "comment"
    assert labels[textarea.attrs["id"]]
    assert page.one("button", type="submit")
    assert page.form_token() == survey.row()["form_token"]
    text = text_of(response.text)
    assert "Not at all likely" in text
    assert "Extremely likely" in text
    (link,) = [a for a in page.all("a") if a.text.strip() == "Unsubscribe"]
    assert link.attrs["href"] == f"{survey.path}/unsubscribe"


def test_unknown_code_is_a_404_page(http: httpx.Client) -> None:
    for path in ("/r/no-such-code", "/r/" + "x" * 200, "/r/%3Cb%3E"):
        response = http.get(path)
        assert response.status_code == 404
        _assert_page_headers(response)
        assert "Survey not found" in text_of(response.text)
        assert "<b>" not in response.text


def test_answer_is_stored_then_thank_you(http: httpx.Client, survey: Survey, clock: Clock) -> None:
    clock.frozen = 1_717_245_000.0  # 2024-06-01 12:30:00 UTC
    response = _answer(http, survey, score="9", comment="  Quick and friendly.\r\nThanks  ")
    assert response.status_code == 303
    assert response.headers["location"] == survey.path
    assert response.headers["cache-control"] == "no-store"
    row = survey.row()
    assert row["nps"] == 9
    assert row["comment"] == "Quick and friendly.\nThanks"
    assert str(row["date_response"]) == "2024-06-01 12:30:00"
    assert row["status"] == "RESPONDED"
    page = http.get(survey.path)
    assert page.status_code == 200
    assert "Thank you" in text_of(page.text)
    assert not read_page(page.text).all("form")


def test_second_post_does_not_overwrite(http: httpx.Client, survey: Survey) -> None:
    assert _answer(http, survey, score="3", comment="first").status_code == 303
    stored = survey.row()
    second = _answer(http, survey, score="10", comment="second")
    assert second.status_code == 303
    assert survey.row() == stored
    # Even an invalid second post just leads to the thank-you page.
    assert _answer(http, survey, score="").status_code == 303
    assert survey.row() == stored


def test_comment_is_optional(http: httpx.Client, survey: Survey) -> None:
    assert _answer(http, survey, score="0", comment="   ").status_code == 303
    row = survey.row()
    assert (row["nps"], row["comment"]) == (0, None)


@pytest.mark.parametrize("score", [None, "", "11", "-1", "abc", "9.5"])
def test_invalid_score_shows_the_form_again(
    http: httpx.Client, survey: Survey, score: str | None
) -> None:
    response = _answer(http, survey, score=score, comment="<keep me>")
    assert response.status_code == 422
    _assert_page_headers(response)
    page = read_page(response.text)
    alert = page.one("p", role="alert")
    assert alert.text == "Please choose a score from 0 to 10."
    assert page.form_token() == survey.row()["form_token"]
    assert page.one("textarea").text.strip() == "<keep me>"
    assert "&lt;keep me&gt;" in response.text
    assert survey.row()["date_response"] is None


def test_too_long_comment_is_refused(http: httpx.Client, survey: Survey) -> None:
    response = _answer(http, survey, comment="x" * 4001)
    assert response.status_code == 422
    assert "at most 4000 characters" in read_page(response.text).one("p", role="alert").text
    assert survey.row()["date_response"] is None
    assert _answer(http, survey, comment="x" * 4000).status_code == 303


@pytest.mark.parametrize("token", [None, "", "wrong", "tökén"])
def test_wrong_form_token_is_refused(http: httpx.Client, survey: Survey, token: str | None) -> None:
    response = _answer(http, survey, form_token=token)
    assert response.status_code == 403
    _assert_page_headers(response)
    assert "could not be accepted" in text_of(response.text)
    assert survey.row()["date_response"] is None


def test_cross_site_posts_are_refused(
    http: httpx.Client, survey: Survey, server: RunningServer
) -> None:
    form = {"form_token": survey.row()["form_token"], "score": "9"}
    for headers in (
        {"Origin": "https://evil.example"},
        {"Origin": server.base_url.rsplit(":", 1)[0] + ":1"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": server.base_url, "Sec-Fetch-Site": "cross-site"},
    ):
        response = http.post(survey.path, data=form, headers=headers)
        assert response.status_code == 403, headers
        assert survey.row()["date_response"] is None
    # A post from the page itself is fine (the browser sends Origin: null under no-referrer).
    response = http.post(
        survey.path, data=form, headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"}
    )
    assert response.status_code == 303


def test_same_origin_post_is_accepted(
    http: httpx.Client, survey: Survey, server: RunningServer
) -> None:
    form = {"form_token": survey.row()["form_token"], "score": "7"}
    headers = {"Origin": server.base_url, "Sec-Fetch-Site": "same-origin"}
    assert http.post(survey.path, data=form, headers=headers).status_code == 303
    assert survey.row()["nps"] == 7


def test_missing_form_token_is_made_on_first_visit(
    http: httpx.Client, server: RunningServer
) -> None:
    survey = make_survey(server, form_token=None)
    token = read_page(http.get(survey.path).text).form_token()
    assert len(token) >= 32
    assert survey.row()["form_token"] == token
    assert read_page(http.get(survey.path).text).form_token() == token
    assert _answer(http, survey, form_token=token).status_code == 303


def test_answered_record_shows_thank_you(http: httpx.Client, survey: Survey) -> None:
    server = survey.server
    server.db.run_sync(
        lambda tx: tx.write(
            "UPDATE survey_records SET nps = 8, date_response = '2024-01-01 00:00:00' WHERE id = ?",
            (survey.record_id,),
        )
    )
    response = http.get(survey.path)
    assert response.status_code == 200
    assert "Thank you" in text_of(response.text)


def test_system_name_is_escaped(http: httpx.Client, server: RunningServer) -> None:
    # (No "/" in the name: system names cannot contain one, they are path segments.)
    tenant = create_tenant(server, "<img src=x onerror=alert('x')> & Co")
    survey = make_survey(server, tenant=tenant)
    response = http.get(survey.path)
    assert response.status_code == 200
    assert "<img src=x" not in response.text
    assert "&lt;img src=x onerror=alert(&#x27;x&#x27;)&gt; &amp; Co" in response.text
    legend = " ".join(read_page(response.text).one("legend").text.split())
    assert legend == QUESTION.format(tenant.name)


def test_short_link_redirects(http: httpx.Client, survey: Survey) -> None:
    response = http.get(f"/s/{survey.code}")
    assert response.status_code == 302
    assert response.headers["location"] == survey.path


def test_other_methods_are_not_allowed(http: httpx.Client, survey: Survey) -> None:
    response = http.put(survey.path)
    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) >= {"GET", "POST"}


@pytest.mark.parametrize("path", ["/r/abc%00", "/r/%00abc", "/r/a.b", "/r/" + "a" * 65])
def test_codes_we_could_not_have_made_are_404_pages(server: RunningServer, path: str) -> None:
    with server.client() as http:
        page = http.get(path)
        posted = http.post(path, data={"score": "9", "form_token": "x"})
    assert page.status_code == posted.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
