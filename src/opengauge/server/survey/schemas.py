"""What the survey pages read from a request and what they show."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from opengauge.server.http.bodies import parse_multipart
from opengauge.server.survey.languages import N_

MAX_COMMENT = 4000
#: Link codes are at most 32 characters (``survey_records.link_code``); longer is never a match.
MAX_CODE = 64
#: What a link code can look like (URL-safe base64); anything else is not found.
CODE_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
_SCORES = frozenset(str(n) for n in range(11))

#: Drivers chosen in one post at most (a system has a few dozen; the rest is ignored).
MAX_DRIVERS = 200

#: The refusals of an answer, translated where they are shown (``%(max)d``: MAX_COMMENT).
SCORE_REQUIRED = N_("Please choose a score from 0 to 10.")
COMMENT_TOO_LONG = N_("Your comment is too long: at most %(max)d characters, please.")


@dataclass(frozen=True)
class Brand:
    """How the survey pages of a system look."""

    #: The display name, else the system's name.
    name: str
    #: ``#rrggbb``: the selected score and the buttons.
    colour: str
    #: Black or white, whichever reads better on ``colour``.
    on_colour: str
    #: The border of what is filled with ``colour``, so it stands out from the white page.
    edge: str
    #: An http(s) address, or None.
    privacy_url: str | None
    #: The path the logo is served at (its digest in it), or None.
    logo_path: str | None


@dataclass(frozen=True)
class DriverChoice:
    """A driver offered on the page, as a checkbox."""

    reason_code: str
    label: str
    #: 2 for a driver under a category (a level 1 driver), shown indented.
    level: int


@dataclass(frozen=True)
class SurveyPage:
    """A survey as a page shows it."""

    code: str
    form_token: str
    answered: bool
    #: Whether the page offers the unsubscribe link (the contact has an e-mail address).
    can_unsubscribe: bool
    #: One of ``languages.LANGUAGES``.
    language: str
    brand: Brand
    #: The contact's first name for the greeting; None for a neutral one.
    first_name: str | None = None
    #: The touchpoint's own question; None for the standard one.
    question: str | None = None
    #: The drivers the answered survey asks about next; empty once chosen (or none fit).
    drivers: tuple[DriverChoice, ...] = ()


@dataclass(frozen=True)
class Provenance:
    """Where a form post comes from, for refusing cross-site posts."""

    #: The ``Origin`` header, if sent.
    origin: str | None
    #: The ``Sec-Fetch-Site`` header, if sent.
    fetch_site: str | None
    #: Origins this server answers on: the request's own scheme and Host, and the public URL.
    own_origins: tuple[str, ...]


@dataclass(frozen=True)
class Answer:
    """A survey form post, read but not yet judged."""

    form_token: str
    score: int | None
    comment: str | None
    #: Why the answer can't be stored (None when it can).
    problem: str | None
    #: The comment as typed, to put back in the form when it is shown again.
    typed_comment: str


def read_token(params: dict[str, Any]) -> str:
    """The hidden ``form_token`` field ('' when missing or not text)."""
    value = params.get("form_token")
    return value if isinstance(value, str) else ""


def read_answer(params: dict[str, Any]) -> Answer:
    """The answer in a posted survey form: ``score`` 0-10 (required), ``comment`` (optional)."""
    raw_score = params.get("score")
    score = None
    if isinstance(raw_score, str) and raw_score.strip() in _SCORES:
        score = int(raw_score.strip())
    raw_comment = params.get("comment")
    typed = raw_comment if isinstance(raw_comment, str) else ""
    # Browsers send line breaks in a textarea as CRLF; store them as plain newlines.
    comment = typed.replace("\r\n", "\n").strip() or None
    problem = None
    if score is None:
        problem = SCORE_REQUIRED
    elif comment is not None and len(comment) > MAX_COMMENT:
        problem = COMMENT_TOO_LONG
    return Answer(read_token(params), score, comment, problem, typed)


@dataclass(frozen=True)
class DriversPost:
    """The drivers form as posted: its token and the reason codes ticked."""

    form_token: str
    reason_codes: tuple[str, ...]


def read_drivers(body: bytes, content_type: str) -> DriversPost:
    """The posted drivers form: its ``form_token`` and every ``driver`` field.

    Each checkbox is a ``driver`` field, so the name repeats; the PHP-style form readers keep
    one value of a name, so an urlencoded body (what the page's form sends) is read pair by
    pair here. Of a multipart body, only the last ``driver`` counts.
    """
    kind = content_type.split(";", 1)[0].strip().lower()
    pairs: list[tuple[str, str]] = []
    if kind == "application/x-www-form-urlencoded":
        pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    elif kind == "multipart/form-data":
        fields = parse_multipart(body, content_type)
        pairs = [(name, value) for name, value in fields.items() if isinstance(value, str)]
    tokens = [value for name, value in pairs if name == "form_token"]
    codes = dict.fromkeys(value.strip() for name, value in pairs if name == "driver")
    codes.pop("", None)
    return DriversPost(tokens[-1] if tokens else "", tuple(codes)[:MAX_DRIVERS])
