"""The survey pages' languages: the record's, else the browser's, else English; every page
translated from the catalogues shipped in the package."""

from __future__ import annotations

import io
import re
import uuid
from pathlib import Path

import httpx
import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

import opengauge.server.survey
from opengauge.server.survey import languages
from tests.server.survey.support import (
    DriverRow,
    Survey,
    add_drivers,
    make_survey,
    read_page,
    text_of,
)
from tests.support import RunningServer, Tenant, create_tenant

SURVEY = Path(opengauge.server.survey.__file__).parent
TRANSLATED = [language for language in languages.LANGUAGES if language != "en"]
#: The question in each language, for a system shown as "Acme".
QUESTIONS = {
    "en": "How likely are you to recommend Acme to a friend or colleague?",
    "nl": "Hoe waarschijnlijk is het dat u Acme aanbeveelt bij een vriend of collega?",
    "de": "Wie wahrscheinlich ist es, dass Sie Acme einem Freund oder Kollegen empfehlen?",
    "fr": "Quelle est la probabilité que vous recommandiez Acme à un ami ou à un collègue\xa0?",
    "es": "¿Qué probabilidad hay de que recomiende Acme a un amigo o colega?",
    "pt": "Qual é a probabilidade de você recomendar Acme a um amigo ou colega?",
}
#: As pages are read (text_of): every run of white space, no-break ones too, as one space.
QUESTIONS = {language: " ".join(text.split()) for language, text in QUESTIONS.items()}
#: Values for the placeholders of the messages, to find them in a page.
SAMPLES = {"name": "Acme", "first_name": "Joe", "max": 4000, "link": "Unsubscribe"}


def _messages() -> list[str]:
    """Every message the survey's code marks for translation (as ``pybabel extract`` finds)."""
    found: dict[str, None] = {}
    for path in sorted(SURVEY.glob("*.py")):
        for _, message, _, _ in extract_from_file("python", str(path)):
            found[str(message)] = None
    return list(found)


def _tenant(server: RunningServer) -> Tenant:
    tenant = create_tenant(
        server,
        f"l-{uuid.uuid4().hex[:10]}",
        display_name="Acme",
        privacy_url="https://acme.example/privacy",
    )
    add_drivers(server, tenant, [DriverRow("1", "neg", "Prijs"), DriverRow("2", "pos", "Snel")])
    return tenant


@pytest.fixture(scope="module")
def acme(server: RunningServer) -> Tenant:
    return _tenant(server)


def _survey(server: RunningServer, tenant: Tenant, **given: str | None) -> Survey:
    """A survey of ``tenant`` for a contact of its own."""
    return make_survey(server, tenant=tenant, email=f"{uuid.uuid4().hex}@example.com", **given)


def _language_of(response: httpx.Response) -> str:
    return read_page(response.text).one("html").attrs["lang"]


# -- the catalogues -------------------------------------------------------------------


def test_the_code_marks_every_page_text() -> None:
    messages = _messages()
    assert "How likely are you to recommend %(name)s to a friend or colleague?" in messages
    assert "What influenced your score?" in messages
    assert "Survey not found" in messages  # error pages
    assert "Please choose a score from 0 to 10." in messages  # schemas.py
    assert len(messages) >= 40


@pytest.mark.parametrize("language", TRANSLATED)
def test_each_catalogue_translates_every_message_and_nothing_else(language: str) -> None:
    catalogue = read_po(io.StringIO(languages.catalogue_text(language)), locale=language)
    assert str(catalogue.locale) == language
    entries = {str(m.id): m for m in catalogue if m.id}
    assert sorted(entries) == sorted(_messages())
    placeholder = re.compile(r"%\(\w+\)[sd]")
    for message_id, entry in entries.items():
        assert not entry.fuzzy, message_id
        translated = str(entry.string)
        assert translated.strip(), message_id
        assert translated != message_id, message_id
        assert sorted(placeholder.findall(translated)) == sorted(placeholder.findall(message_id))
        # A lone % would break the formatting of the page.
        assert "%" not in placeholder.sub("", translated), message_id
        # The compiled catalogue (what the pages use) says the same.
        assert languages.texts(language).gettext(message_id) == translated
    assert not catalogue.obsolete


def test_unknown_language_is_english() -> None:
    texts = languages.texts("xx")
    assert texts.language == "en"
    assert texts.gettext("Thank you!") == "Thank you!"


# -- which language -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("nl", "nl"),
        ("NL", "nl"),
        ("nl-BE", "nl"),
        ("nl_NL", "nl"),
        ("Dutch", "nl"),
        ("Nederlands", "nl"),
        ("de", "de"),
        ("DE-at", "de"),
        ("German", "de"),
        ("Deutsch", "de"),
        ("fr-CA", "fr"),
        ("Français", "fr"),
        ("francais", "fr"),
        ("es_MX", "es"),
        ("Spanish", "es"),
        ("Español", "es"),
        ("pt-BR", "pt"),
        ("Portuguese", "pt"),
        ("português", "pt"),
        ("en-GB", "en"),
        ("English", "en"),
    ],
)
def test_the_record_language_chooses(
    http: httpx.Client, server: RunningServer, acme: Tenant, stored: str, expected: str
) -> None:
    survey = _survey(server, acme, language=stored)
    # The record's language wins over the browser's.
    response = http.get(
        survey.path, headers={"Accept-Language": "de" if expected != "de" else "fr"}
    )
    assert _language_of(response) == expected
    assert response.headers["content-language"] == expected
    assert " ".join(read_page(response.text).one("legend").text.split()) == QUESTIONS[expected]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("de-CH, de;q=0.9, en;q=0.8", "de"),
        ("ja, es;q=0.5, fr;q=0.4", "es"),
        ("nl-BE", "nl"),
        ("pt-BR,pt;q=0.9", "pt"),
        ("fr;q=0, pt;q=0.5", "pt"),
        ("en-US,en;q=0.9,nl;q=0.8", "en"),
        ("zh-CN", "en"),
        ("*", "en"),
        ("", "en"),
        (";q=x,,,q", "en"),
        ("x" * 5000, "en"),
    ],
)
def test_without_a_known_record_language_the_browser_chooses(
    http: httpx.Client, server: RunningServer, acme: Tenant, header: str, expected: str
) -> None:
    for stored in (None, "Klingon", "xx-YY"):
        survey = _survey(server, acme, language=stored)
        response = http.get(survey.path, headers={"Accept-Language": header})
        assert response.status_code == 200
        assert _language_of(response) == expected, stored
        assert " ".join(read_page(response.text).one("legend").text.split()) == QUESTIONS[expected]


def test_without_any_language_english(http: httpx.Client, server: RunningServer) -> None:
    survey = make_survey(server)
    response = http.get(survey.path)
    assert _language_of(response) == "en"
    assert response.headers["content-language"] == "en"


def test_refusals_are_in_the_record_language_else_the_browser_one(
    http: httpx.Client, server: RunningServer, acme: Tenant
) -> None:
    missing = http.get("/r/no-such-code", headers={"Accept-Language": "fr"})
    assert missing.status_code == 404
    assert _language_of(missing) == "fr"
    assert read_page(missing.text).one("h1").text == "Enquête introuvable"
    survey = _survey(server, acme, language="nl")
    refused = http.post(
        survey.path, data={"form_token": "wrong", "score": "9"}, headers={"Accept-Language": "en"}
    )
    assert refused.status_code == 403
    assert _language_of(refused) == "nl"
    assert read_page(refused.text).one("h1").text == "Dit formulier kon niet worden geaccepteerd"
    cross = http.post(survey.path, data={}, headers={"Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403
    assert _language_of(cross) == "en"  # refused before the record is looked at
    invalid = http.post(survey.path, data={"form_token": survey.row()["form_token"]})
    assert invalid.status_code == 422
    assert _language_of(invalid) == "nl"
    assert (
        read_page(invalid.text).one("p", role="alert").text == "Kies een score van 0 tot en met 10."
    )


# -- every page, every language --------------------------------------------------------


def _english_in(text: str) -> list[str]:
    """The English messages (placeholders filled in) that ``text`` contains as words."""
    found = []
    for message in _messages():
        english = message % SAMPLES if "%(" in message else message
        for part in re.split(r"Acme|Joe|Unsubscribe|4000", english):
            part = part.strip(" ,.?!:")
            if len(part) >= 3 and re.search(rf"(?<!\w){re.escape(part)}(?!\w)", text):
                found.append(part)
    return found


def _pages_of(
    http: httpx.Client, server: RunningServer, tenant: Tenant, language: str
) -> dict[str, str]:
    """Every page a visitor can meet, in ``language`` (the record's or the browser's)."""
    pages: dict[str, str] = {}
    asked = {"Accept-Language": language}

    def keep(name: str, response: httpx.Response, status: int) -> None:
        assert response.status_code == status, (name, response.text)
        assert _language_of(response) == language, name
        page = read_page(response.text)
        pages[name] = f"{page.one('title').text} {text_of(response.text)}"

    survey = make_survey(server, tenant=tenant, language=language, first_name="Joe")
    keep("survey", http.get(survey.path), 200)
    invalid = {"form_token": survey.row()["form_token"], "comment": "x" * 4001, "score": "3"}
    keep("too long", http.post(survey.path, data=invalid), 422)
    invalid = {"form_token": survey.row()["form_token"]}
    keep("no score", http.post(survey.path, data=invalid), 422)
    keep("unsubscribe", http.get(f"{survey.path}/unsubscribe"), 200)
    keep("403", http.post(survey.path, data={"form_token": "no"}), 403)
    survey.answer(http, 3)
    keep("drivers", http.get(survey.path), 200)
    drivers = {"form_token": survey.row()["form_token"], "driver": "1"}
    keep("thank you", http.post(f"{survey.path}/drivers", data=drivers), 200)
    leaving = make_survey(server, tenant=tenant, email="leaving@example.com")
    form = {"form_token": leaving.row()["form_token"]}
    keep("unsubscribed", http.post(f"{leaving.path}/unsubscribe", data=form, headers=asked), 200)
    keep("404", http.get("/r/no-such-code", headers=asked), 404)
    keep("413", http.post(survey.path, content=b"x" * (2 * 1024 * 1024), headers=asked), 413)
    return pages


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_page_is_translated_without_english_leftovers(
    http: httpx.Client, server: RunningServer, language: str
) -> None:
    tenant = _tenant(server)
    pages = _pages_of(http, server, tenant, language)
    for name, text in pages.items():
        assert _english_in(text) == [], (language, name, text)
    assert QUESTIONS[language] in pages["survey"]
    assert "Joe" in pages["survey"]


def test_the_english_pages_hold_the_messages_the_check_looks_for(
    http: httpx.Client, server: RunningServer
) -> None:
    """The leftover check can fail: on the English pages it finds the English texts."""
    pages = _pages_of(http, server, _tenant(server), "en")
    assert "Anything you would like to add? (optional)" in _english_in(pages["survey"])
    assert "What influenced your score" in _english_in(pages["drivers"])
    assert "Privacy policy" in _english_in(pages["thank you"])
    assert "Survey not found" in _english_in(pages["404"])


def test_a_dutch_survey_reads_dutch(
    http: httpx.Client, server: RunningServer, acme: Tenant
) -> None:
    survey = _survey(server, acme, language="Nederlands", first_name="Joke")
    text = text_of(http.get(survey.path).text)
    for phrase in (
        "Acme hoort graag uw mening",
        "Beste Joke,",
        "0 = Helemaal niet waarschijnlijk",
        "10 = Zeer waarschijnlijk",
        "Wilt u nog iets toevoegen? (optioneel)",
        "Antwoord versturen",
        "Afmelden voor deze enquêtes",
        "Privacybeleid",
    ):
        assert phrase in text
