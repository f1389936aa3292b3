"""The Branding screen: what survey pages show of the system, changed by Administrators,
read by Viewers; and a survey record's chosen drivers on its page."""

from __future__ import annotations

import base64
import re

import httpx
import pytest

from opengauge.server.domain import branding as rules
from tests.server.console.support import (
    Console,
    console_tenant,
    problems,
    signed_in,
    viewer_of,
)
from tests.server.survey.support import DriverRow, add_drivers, make_survey, read_page, text_of
from tests.support import RunningServer, Tenant

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 24
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'


def _stored(tenant: Tenant) -> tuple[object, ...]:
    (row,) = tenant.server.rows(
        "SELECT display_name, brand_colour, privacy_url FROM systems WHERE id = ?",
        (tenant.system_id,),
    )
    return tuple(row)


def _logo_rows(tenant: Tenant) -> list[tuple[object, ...]]:
    return tenant.server.rows(
        "SELECT content_type, digest FROM system_logos WHERE system_id = ?", (tenant.system_id,)
    )


def _upload(
    client: Console, data: bytes, name: str = "logo.png", kind: str = "image/png"
) -> httpx.Response:
    return client.post("/console/branding/logo", files={"logo": (name, data, kind)})


def test_an_administrator_sets_name_colour_and_link_and_the_survey_shows_them(
    tenant: Tenant,
) -> None:
    client = signed_in(tenant)
    page = client.page("/console/branding")
    labels = {label.text.strip() for label in page.all("label")}
    assert {"Display name", "Brand colour", "Privacy policy link", "Logo image"} <= labels
    saved = client.post(
        "/console/branding",
        {
            "display_name": "  Acme Gardens ",
            "brand_colour": "#0F766E",
            "privacy_url": "https://acme.example/privacy",
        },
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/console/branding?done=saved"
    assert _stored(tenant) == ("Acme Gardens", "#0f766e", "https://acme.example/privacy")
    shown = client.page("/console/branding?done=saved")
    assert shown.one("p", role="status").text == "The branding has been saved."
    assert shown.one("input", name="display_name").attrs["value"] == "Acme Gardens"
    # The preview: its colours come from a style sheet of ours (no inline style allowed).
    (sheet,) = [link for link in shown.all("link") if "preview.css" in link.attrs["href"]]
    css = client.get(sheet.attrs["href"])
    assert css.headers["content-type"] == "text/css; charset=utf-8"
    assert "background:#0f766e;color:#ffffff" in css.text

    survey = make_survey(tenant.server, tenant=tenant)
    with tenant.server.client() as http:
        page = read_page(http.get(survey.path).text)
    assert page.one("h1").text == "Acme Gardens would like your feedback"
    assert [a.attrs["href"] for a in page.all("a") if a.text == "Privacy policy"] == [
        "https://acme.example/privacy"
    ]

    # Empty fields go back to the defaults.
    cleared = {"display_name": " ", "brand_colour": "", "privacy_url": ""}
    assert client.post("/console/branding", cleared).status_code == 303
    assert _stored(tenant) == (None, None, None)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("brand_colour", "blue", "The brand colour must be a colour written #rrggbb"),
        ("brand_colour", "#12345", "The brand colour must be a colour written #rrggbb"),
        ("brand_colour", "#1234567", "The brand colour must be a colour written #rrggbb"),
        ("privacy_url", "javascript:alert(1)", "The privacy policy link must be an http://"),
        ("privacy_url", "ftp://acme.example/p", "The privacy policy link must be an http://"),
        ("privacy_url", "https://", "The privacy policy link must be an http://"),
        ("privacy_url", "https://a.example/" + "p" * 600, "must be at most 512 characters"),
        ("display_name", "x" * 129, "The display name must be at most 128 characters."),
        ("display_name", "Acme\nGardens", "The display name must fit on one line"),
    ],
)
def test_impossible_values_are_refused_with_the_form_again(
    tenant: Tenant, field: str, value: str, message: str
) -> None:
    client = signed_in(tenant)
    form = {"display_name": "Acme", "brand_colour": "#000000", "privacy_url": ""}
    form[field] = value
    refused = client.post("/console/branding", form)
    assert refused.status_code == 422
    assert any(message in problem for problem in problems(refused)), problems(refused)
    page = read_page(refused.text)
    typed = page.one("input", name=field)
    assert typed.attrs["aria-invalid"] == "true"
    assert typed.attrs["value"] == value
    assert _stored(tenant) == (None, None, None)


@pytest.mark.parametrize(
    ("data", "kind"),
    [(PNG, "image/png"), (GIF, "image/gif"), (JPEG, "image/jpeg"), (WEBP, "image/webp")],
)
def test_a_logo_is_uploaded_shown_and_removed(tenant: Tenant, data: bytes, kind: str) -> None:
    client = signed_in(tenant)
    # The declared type and name don't count: the first bytes do.
    uploaded = _upload(client, data, name="logo.bin", kind="application/octet-stream")
    assert uploaded.status_code == 303
    assert uploaded.headers["location"] == "/console/branding?done=logo"
    digest = rules.digest(data)
    assert _logo_rows(tenant) == [(kind, digest)]
    page = client.page("/console/branding")
    (image,) = page.all("img")
    assert image.attrs["src"] == f"/console/branding/logo/{digest}"
    served = client.get(image.attrs["src"])
    assert served.status_code == 200
    assert served.content == data
    assert served.headers["content-type"] == kind
    assert served.headers["x-content-type-options"] == "nosniff"
    # The survey pages serve it too, at a URL with its digest.
    survey = make_survey(tenant.server, tenant=tenant)
    with tenant.server.client() as http:
        shown = read_page(http.get(survey.path).text).one("img")
        assert http.get(shown.attrs["src"]).content == data
        assert shown.attrs["src"].endswith(digest)

    removed = client.post("/console/branding/logo/delete")
    assert removed.status_code == 303
    assert _logo_rows(tenant) == []
    assert client.get(f"/console/branding/logo/{digest}").status_code == 404
    assert not client.page("/console/branding").all("img")


def test_a_new_logo_replaces_the_old_one_at_a_new_url(tenant: Tenant) -> None:
    client = signed_in(tenant)
    assert _upload(client, PNG).status_code == 303
    assert _upload(client, GIF, "logo.gif", "image/gif").status_code == 303
    assert _logo_rows(tenant) == [("image/gif", rules.digest(GIF))]
    assert client.get(f"/console/branding/logo/{rules.digest(PNG)}").status_code == 404


@pytest.mark.parametrize(
    ("data", "name", "kind", "message"),
    [
        (SVG, "logo.svg", "image/svg+xml", "The logo must be a PNG, JPEG, GIF or WebP image."),
        (b"<html>not an image", "logo.png", "image/png", "must be a PNG, JPEG, GIF or WebP"),
        (b"\x89PNG", "logo.png", "image/png", "must be a PNG, JPEG, GIF or WebP"),
        (b"RIFF\x00\x00\x00\x00WAVE", "a.webp", "image/webp", "must be a PNG, JPEG, GIF or WebP"),
        (PNG + b"\x00" * (256 * 1024), "big.png", "image/png", "The logo must be at most 256 KiB."),
        (b"", "", "application/octet-stream", "Choose an image file to upload."),
    ],
)
def test_logos_that_are_not_small_images_are_refused(
    tenant: Tenant, data: bytes, name: str, kind: str, message: str
) -> None:
    client = signed_in(tenant)
    refused = _upload(client, data, name, kind)
    assert refused.status_code == 422
    assert message in " ".join(problems(refused))
    assert _logo_rows(tenant) == []


def test_exactly_the_size_limit_is_taken(tenant: Tenant) -> None:
    client = signed_in(tenant)
    data = PNG + b"\x00" * (256 * 1024 - len(PNG))
    assert _upload(client, data).status_code == 303
    assert _logo_rows(tenant) == [("image/png", rules.digest(data))]


def test_a_body_past_the_server_limit_is_a_413_page(tenant: Tenant) -> None:
    client = signed_in(tenant)
    refused = _upload(client, PNG + b"\x00" * (2 * 1024 * 1024))
    assert refused.status_code == 413
    assert refused.headers["content-type"] == "text/html; charset=utf-8"
    assert _logo_rows(tenant) == []


def test_forms_need_the_csrf_token(tenant: Tenant) -> None:
    client = signed_in(tenant)
    form = {"csrf_token": "wrong", "display_name": "Evil"}
    assert client.post("/console/branding", form).status_code == 403
    files = {"logo": ("logo.png", PNG, "image/png")}
    assert (
        client.post("/console/branding/logo", {"csrf_token": "wrong"}, files=files).status_code
        == 403
    )
    # Without a multipart body there is no token either.
    bare = client.http.post(
        "/console/branding/logo", content=PNG, headers={"content-type": "image/png"}
    )
    assert bare.status_code == 403
    assert (
        client.post(
            "/console/branding/question", {"csrf_token": "", "touchpoint": "Support"}
        ).status_code
        == 403
    )
    assert _stored(tenant) == (None, None, None)
    assert _logo_rows(tenant) == []


def test_viewers_read_and_cannot_change(tenant: Tenant) -> None:
    admin = signed_in(tenant)
    assert admin.post("/console/branding", {"display_name": "Acme"}).status_code == 303
    assert _upload(admin, PNG).status_code == 303
    viewer = signed_in(tenant, viewer_of(tenant))
    page = viewer.page("/console/branding")
    assert page.one("input", name="display_name").attrs["value"] == "Acme"
    assert page.one("fieldset").attrs.get("disabled") is not None
    assert not page.all("input", type="file")
    assert not page.all("input", name="question")
    assert not [b for b in page.all("button") if b.text.strip() in ("Save", "Remove logo")]
    assert viewer.get(page.one("img").attrs["src"]).status_code == 200
    assert viewer.post("/console/branding", {"display_name": "Viewer"}).status_code == 403
    assert _upload(viewer, GIF, "a.gif", "image/gif").status_code == 403
    assert viewer.post("/console/branding/logo/delete").status_code == 403
    question = {"touchpoint": "Support", "question": "Why?"}
    assert viewer.post("/console/branding/question", question).status_code == 403
    assert _stored(tenant) == ("Acme", None, None)
    assert _logo_rows(tenant) == [("image/png", rules.digest(PNG))]


def test_signed_out_the_screen_asks_to_sign_in(server: RunningServer) -> None:
    with server.client(follow_redirects=False) as http:
        response = http.get("/console/branding")
        assert response.status_code == 303
        assert response.headers["location"].startswith("/console/login")
        assert http.get(f"/console/branding/logo/{'0' * 64}").status_code == 303


def test_each_touchpoint_asks_its_own_question(tenant: Tenant) -> None:
    client = signed_in(tenant)
    page = client.page("/console/branding")
    rows = [row.text.split()[0] for row in page.all("tr")[1:]]
    assert rows == ["Support", "Onboarding"]
    asked = "How likely are you to recommend our support team?"
    saved = client.post("/console/branding/question", {"touchpoint": "Support", "question": asked})
    assert saved.status_code == 303
    survey = make_survey(tenant.server, tenant=tenant, touchpoint="Support")
    with tenant.server.client() as http:
        legend = read_page(http.get(survey.path).text).one("legend").text
    assert " ".join(legend.split()) == asked
    inputs = client.page("/console/branding").all("input", name="question")
    assert [i.attrs["value"] for i in inputs] == [asked, ""]
    # Blank: the standard question again.
    assert client.post("/console/branding/question", {"touchpoint": "Support"}).status_code == 303
    assert tenant.server.rows(
        "SELECT question FROM touchpoints WHERE system_id = ? AND name = 'Support'",
        (tenant.system_id,),
    ) == [(None,)]


def test_a_question_too_long_or_of_no_touchpoint_is_refused(tenant: Tenant) -> None:
    client = signed_in(tenant)
    long = {"touchpoint": "Support", "question": "Why " * 200}
    refused = client.post("/console/branding/question", long)
    assert refused.status_code == 422
    assert "The question must be at most 500 characters." in problems(refused)
    typed = read_page(refused.text).all("input", name="question")[0]
    assert typed.attrs["value"] == "Why " * 200
    missing = client.post("/console/branding/question", {"touchpoint": "Nope", "question": "Hm?"})
    assert missing.status_code == 404


def test_branding_values_are_escaped_on_the_screen(tenant: Tenant) -> None:
    client = signed_in(tenant)
    assert client.post("/console/branding", {"display_name": "<b>Acme</b>"}).status_code == 303
    page = client.get("/console/branding").text
    assert "<b>Acme</b>" not in page
    assert "&lt;b&gt;Acme&lt;/b&gt;" in page


def test_the_preview_style_sheet_takes_only_colours() -> None:
    from opengauge.server.console.branding import preview_css

    assert "#abcdef" in preview_css("#ABCDEF")
    hostile = preview_css("red}body{display:none")
    assert "display:none" not in hostile
    assert rules.DEFAULT_COLOUR in hostile


# -- a survey record's page -----------------------------------------------------------


def test_a_survey_record_page_shows_its_chosen_drivers(server: RunningServer) -> None:
    tenant = console_tenant(server)
    add_drivers(
        server,
        tenant,
        [
            DriverRow("101", "neg", "Support"),
            DriverRow("102", "neg", "Slow answers", level=2, category_main="Support"),
            DriverRow("103", "neg", "Price"),
        ],
    )
    survey = make_survey(server, tenant=tenant, first_name="Ann", language="nl")
    with server.client(follow_redirects=False) as http:
        survey.answer(http, 4)
        form = {"form_token": survey.row()["form_token"], "driver": "102"}
        assert http.post(f"{survey.path}/drivers", data=form).status_code == 200
    client = signed_in(tenant)
    listing = client.page("/console/survey-records")
    links = [a.attrs["href"] for a in listing.all("a") if a.text.strip() == str(survey.record_id)]
    assert links == [f"/console/survey-records/{survey.record_id}"]
    page = client.get(links[0])
    assert page.status_code == 200
    text = text_of(page.text)
    assert f"Survey record {survey.record_id}" in text
    assert "Ann" in text
    assert "Ann.Smith@Example.com" in text
    assert re.search(r"NPS\s*4", text)
    shown = read_page(page.text)
    heads = [th.text.strip() for th in shown.all("th", scope="col")]
    assert heads[-4:] == ["Driver", "Category", "Reason code", "Shown for"]
    cells = [td.text.strip() for td in shown.all("td")]
    assert cells[-4:] == ["Slow answers", "Support", "102", "Detractors and passives (0-8)"]
    assert "Price" not in cells
    # Another system's record, or no record at all, is not found.
    other = make_survey(server)
    assert client.get(f"/console/survey-records/{other.record_id}").status_code == 404
    assert client.get("/console/survey-records/abc").status_code == 404


def test_an_unanswered_record_has_no_drivers_yet(server: RunningServer) -> None:
    tenant = console_tenant(server)
    survey = make_survey(server, tenant=tenant)
    page = signed_in(tenant).get(f"/console/survey-records/{survey.record_id}")
    assert "Not answered yet." in text_of(page.text)
