"""What the survey pages read from a request and what they show."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

MAX_COMMENT = 4000
#: Link codes are at most 32 characters (``survey_records.link_code``); longer is never a match.
MAX_CODE = 64
#: What a link code can look like (URL-safe base64); anything else is not found.
CODE_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
_SCORES = frozenset(str(n) for n in range(11))

SCORE_REQUIRED = "Please choose a score from 0 to 10."
COMMENT_TOO_LONG = f"Your comment is too long: at most {MAX_COMMENT} characters, please."


@dataclass(frozen=True)
class SurveyPage:
    """A survey as a page shows it."""

    code: str
    system_name: str
    form_token: str
    answered: bool
    #: Whether the page offers the unsubscribe link (the contact has an e-mail address).
    can_unsubscribe: bool


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
