"""The languages of the survey pages: gettext catalogues, and which one a visitor gets.

The catalogues are the ``.po`` files in ``locale/<language>/LC_MESSAGES/messages.po``,
shipped in the package and compiled in memory with Babel the first time a language is used
(a few milliseconds, once per process): there is no compiled ``.mo`` to forget to rebuild.
English is the text in the code itself.

A page is in the survey record's language (``survey.language``, or the contact's) when it is
one of :data:`LANGUAGES`, given as a code (``nl``, ``NL``, ``nl-BE``, ``nl_NL``) or a name
(``Dutch``, ``Nederlands``); else in the browser's first ``Accept-Language`` we have; else
in English.
"""

from __future__ import annotations

import functools
import gettext
import io
import unicodedata
from importlib import resources

from babel import Locale, negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ENGLISH = "en"
#: Every language a survey page can be shown in; English first (the fallback).
LANGUAGES = (ENGLISH, "nl", "de", "fr", "es", "pt")
#: ``Accept-Language`` entries read at most (a header can be long; the first ones count).
MAX_PREFERENCES = 32
#: The longest language value worth looking at (``survey_records.language`` holds 128).
MAX_VALUE = 64


def N_(message: str) -> str:
    """Mark ``message`` for the catalogues without translating it (it is, where shown)."""
    return message


class Texts:
    """The texts of one language."""

    def __init__(self, language: str, catalogue: gettext.NullTranslations) -> None:
        self.language = language
        self._catalogue = catalogue

    def gettext(self, message: str) -> str:
        """``message`` in this language (English when the catalogue lacks it)."""
        return self._catalogue.gettext(message)


@functools.cache
def texts(language: str) -> Texts:
    """The :class:`Texts` of ``language`` (one of :data:`LANGUAGES`; anything else: English)."""
    if language not in LANGUAGES or language == ENGLISH:
        return Texts(ENGLISH, gettext.NullTranslations())
    return Texts(language, gettext.GNUTranslations(io.BytesIO(compiled(language))))


def catalogue_text(language: str) -> str:
    """The ``.po`` file of ``language`` as shipped."""
    folder = resources.files("opengauge.server.survey") / "locale" / language / "LC_MESSAGES"
    return (folder / "messages.po").read_text(encoding="utf-8")


def compiled(language: str) -> bytes:
    """The ``.po`` file of ``language`` compiled to ``.mo`` (fuzzy entries left out)."""
    catalog = read_po(io.StringIO(catalogue_text(language)), locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


# -- choosing -------------------------------------------------------------------------


def _folded(text: str) -> str:
    """Lower case without accents: "Français" and "francais" are one name."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@functools.cache
def _names() -> dict[str, str]:
    """Every language's name in every one of :data:`LANGUAGES` (from Babel's locale data),
    and the three-letter codes, folded."""
    names: dict[str, str] = {}
    for language in LANGUAGES:
        locale = Locale(language)
        for other in LANGUAGES:
            names[_folded(locale.get_language_name(other) or "")] = language
    names.update(
        {"eng": "en", "nld": "nl", "dut": "nl", "flemish": "nl", "vlaams": "nl"}
        | {"deu": "de", "ger": "de", "fra": "fr", "fre": "fr", "spa": "es", "castellano": "es"}
        | {"por": "pt", "brazilian portuguese": "pt", "portugues do brasil": "pt"}
    )
    return names


def of_record(value: str | None) -> str | None:
    """The language a survey record's ``language`` names, if it is one of ours."""
    if not value or len(value) > MAX_VALUE:
        return None
    folded = _folded(value)
    primary = folded.replace("_", "-").split("-", 1)[0]
    if primary in LANGUAGES:
        return primary
    return _names().get(folded) or _names().get(primary)


def of_header(value: str | None) -> str | None:
    """The first language of an ``Accept-Language`` header that we have (Babel's
    negotiation: ``nl-BE`` finds ``nl``); None when the header names none."""
    if not value:
        return None
    preferred: list[tuple[float, int, str]] = []
    for index, entry in enumerate(value.split(",")[:MAX_PREFERENCES]):
        tag, _, parameters = entry.partition(";")
        tag = tag.strip().lower()
        if not tag or tag == "*" or len(tag) > MAX_VALUE:
            continue
        quality = 1.0
        for parameter in parameters.split(";"):
            name, _, number = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(number.strip())
                except ValueError:
                    quality = 0.0
        if quality > 0:
            preferred.append((-quality, index, tag.replace("_", "-")))
    tags = [tag for _, _, tag in sorted(preferred)]
    found = negotiate_locale(tags, list(LANGUAGES), sep="-", aliases={})
    return None if found is None else of_record(found)


def choose(record_language: str | None, accept_language: str | None) -> str:
    """The record's language if it is ours, else the browser's, else English."""
    return of_record(record_language) or of_header(accept_language) or ENGLISH
