"""What a survey page shows of its system: display name, colours, logo, privacy link, the
touchpoint's question and a greeting by first name."""

from __future__ import annotations

import base64
import re
import uuid
from typing import Any

import httpx
import pytest

from opengauge.server.domain import branding as rules
from opengauge.server.storage import Tx
from tests.server.survey.support import Survey, make_survey, read_page, set_branding, text_of
from tests.support import RunningServer, Tenant, create_tenant

QUESTION = "How likely are you to recommend {} to a friend or colleague?"
#: A 1x1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def _tenant(server: RunningServer, **extra: Any) -> Tenant:
    return create_tenant(server, f"b-{uuid.uuid4().hex[:10]}", **extra)


def _legend(html: str) -> str:
    return " ".join(read_page(html).one("legend").text.split())


def _colours(html: str) -> dict[str, str]:
    """The page's brand custom properties (``--brand`` and the others)."""
    found = re.search(r":root\{([^}]*)\}", html)
    assert found is not None
    return dict(item.split(":", 1) for item in found[1].split(";"))


def _put_logo(server: RunningServer, tenant: Tenant, data: bytes, kind: str) -> str:
    digest = rules.digest(data)

    def put(tx: Tx) -> None:
        tx.write(
            "INSERT INTO system_logos (system_id, content_type, data, digest, updated_at)"
            " VALUES (?, ?, ?, ?, '2024-01-01 00:00:00')",
            (tenant.system_id, kind, data, digest),
        )

    server.db.run_sync(put)
    return digest


def test_display_name_colour_and_privacy_link_from_the_seed(
    http: httpx.Client, server: RunningServer
) -> None:
    tenant = _tenant(
        server,
        display_name="Acme Gardens",
        brand_colour="#0F766E",
        privacy_url="https://acme.example/privacy",
    )
    survey = make_survey(server, tenant=tenant)
    response = http.get(survey.path)
    page = read_page(response.text)
    assert _legend(response.text) == QUESTION.format("Acme Gardens")
    assert page.one("h1").text == "Acme Gardens would like your feedback"
    assert page.one("header").text.strip() == "Acme Gardens"
    assert "Acme Gardens" in page.one("title").text
    assert tenant.name not in text_of(response.text)
    # A dark colour takes white text; stored in lower case.
    assert _colours(response.text) == {
        "--brand": "#0f766e",
        "--on-brand": "#ffffff",
        "--brand-edge": "#0f766e",
    }
    (privacy,) = [a for a in page.all("a") if a.text.strip() == "Privacy policy"]
    assert privacy.attrs["href"] == "https://acme.example/privacy"
    assert "noreferrer" in privacy.attrs["rel"]


def test_without_branding_the_system_name_and_default_colour(
    http: httpx.Client, survey: Survey
) -> None:
    response = http.get(survey.path)
    assert _legend(response.text) == QUESTION.format(survey.tenant.name)
    assert read_page(response.text).one("header").text.strip() == survey.tenant.name
    assert _colours(response.text)["--brand"] == rules.DEFAULT_COLOUR
    assert not [a for a in read_page(response.text).all("a") if "Privacy" in a.text]


@pytest.mark.parametrize(
    ("colour", "text", "edge"),
    [
        ("#ffff00", "#000000", "#374151"),  # light: black text, a dark edge on white
        ("#000080", "#ffffff", "#000080"),
        ("#777777", "#000000", "#777777"),
        ("#ffffff", "#000000", "#374151"),
    ],
)
def test_text_on_the_brand_colour_stays_readable(
    http: httpx.Client, server: RunningServer, colour: str, text: str, edge: str
) -> None:
    survey = make_survey(server, tenant=_tenant(server, brand_colour=colour))
    colours = _colours(http.get(survey.path).text)
    assert colours == {"--brand": colour, "--on-brand": text, "--brand-edge": edge}
    assert rules.contrast(colour, text) >= 4.5


def test_branding_is_escaped(http: httpx.Client, server: RunningServer) -> None:
    tenant = _tenant(server, display_name="<script>alert('x')</script> & Co")
    survey = make_survey(server, tenant=tenant, first_name="<b>Jo</b>")
    response = http.get(survey.path)
    assert "<script>" not in response.text
    assert "<b>Jo" not in response.text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; Co" in response.text
    assert _legend(response.text) == QUESTION.format("<script>alert('x')</script> & Co")
    assert "Hi <b>Jo</b>," in text_of(response.text)


def test_values_stored_around_the_rules_never_reach_the_page(
    http: httpx.Client, server: RunningServer
) -> None:
    tenant = _tenant(server)
    set_branding(
        server,
        tenant,
        brand_colour="red;}*{",  # (the column holds 7 characters)
        privacy_url="javascript:alert(1)",
        display_name="   ",
    )
    survey = make_survey(server, tenant=tenant)
    response = http.get(survey.path)
    assert "red;}*{" not in response.text
    assert _colours(response.text)["--brand"] == rules.DEFAULT_COLOUR
    assert "javascript:" not in response.text
    assert _legend(response.text) == QUESTION.format(tenant.name)


def test_the_touchpoint_question(http: httpx.Client, server: RunningServer) -> None:
    tenant = _tenant(
        server,
        display_name="Acme",
        touchpoints=[
            {"name": "Support", "question": "How likely are you to recommend our <support>?"},
            "Onboarding",
        ],
    )
    asked = make_survey(server, tenant=tenant, touchpoint="Support")
    response = http.get(asked.path)
    assert _legend(response.text) == "How likely are you to recommend our <support>?"
    assert "our &lt;support&gt;?" in response.text
    standard = make_survey(server, tenant=tenant, touchpoint="Onboarding", email="b@example.com")
    assert _legend(http.get(standard.path).text) == QUESTION.format("Acme")
    none = make_survey(server, tenant=tenant, email="c@example.com")
    assert _legend(http.get(none.path).text) == QUESTION.format("Acme")


@pytest.mark.parametrize(
    ("first_name", "greeting"),
    [
        ("Joe", "Hi Joe,"),
        ("  Ann  ", "Hi Ann,"),
        (None, "Hello,"),
        ("", "Hello,"),
        ("***", "Hello,"),
    ],
)
def test_the_greeting_uses_the_first_name(
    http: httpx.Client, server: RunningServer, first_name: str | None, greeting: str
) -> None:
    survey = make_survey(server, first_name=first_name)
    paragraphs = [p.text.strip() for p in read_page(http.get(survey.path).text).all("p")]
    assert greeting in paragraphs
    assert not [p for p in paragraphs if p.startswith("Hi") and p != greeting]


def test_the_logo_is_shown_and_served_for_good(http: httpx.Client, server: RunningServer) -> None:
    tenant = _tenant(server, display_name="Logo Co")
    digest = _put_logo(server, tenant, PNG, "image/png")
    survey = make_survey(server, tenant=tenant)
    response = http.get(survey.path)
    assert "img-src 'self'" in response.headers["content-security-policy"]
    image = read_page(response.text).one("img")
    assert image.attrs["src"] == f"{survey.path}/logo/{digest}"
    assert image.attrs["alt"] == "Logo Co"
    served = http.get(image.attrs["src"])
    assert served.status_code == 200
    assert served.content == PNG
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    # Another digest (an old logo's) or another survey's system is not found.
    assert http.get(f"{survey.path}/logo/{'0' * 64}").status_code == 404
    other = make_survey(server)
    wrong = http.get(f"{other.path}/logo/{digest}")
    assert wrong.status_code == 404
    assert "Survey not found" in text_of(wrong.text)
    assert http.get(f"/r/no-such-code/logo/{digest}").status_code == 404


def test_a_stored_logo_of_a_type_we_never_take_is_not_served(
    http: httpx.Client, server: RunningServer
) -> None:
    tenant = _tenant(server)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    digest = _put_logo(server, tenant, svg, "image/svg+xml")
    survey = make_survey(server, tenant=tenant)
    assert http.get(f"{survey.path}/logo/{digest}").status_code == 404
