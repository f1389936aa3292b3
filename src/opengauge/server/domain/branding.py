"""How a system presents its surveys: display name, brand colour, privacy link, logo, question.

Pure rules shared by seed files and the console: what a value may be (each ``*_problem``
says what is wrong as a phrase, "must be ...", that both put in a sentence of their own), how
a logo's type is told from its first bytes, and which text colour stays readable on the brand
colour.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urlsplit

#: The most a logo may weigh: plenty for a header image, little for a page to load.
MAX_LOGO_BYTES = 256 * 1024
MAX_DISPLAY_NAME = 128
MAX_PRIVACY_URL = 512
MAX_QUESTION = 500
#: The colour of the survey pages of a system without one of its own.
DEFAULT_COLOUR = "#1d4ed8"
BLACK, WHITE = "#000000", "#ffffff"

_COLOUR = re.compile(r"#[0-9a-f]{6}")

#: Logo types by their magic bytes. SVG is not among them: an SVG is a document that can
#: carry scripts and links, not just a picture.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
LOGO_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})

LOGO_TYPE_PROBLEM = "must be a PNG, JPEG, GIF or WebP image"
LOGO_SIZE_PROBLEM = f"must be at most {MAX_LOGO_BYTES // 1024} KiB"
COLOUR_PROBLEM = "must be a colour written #rrggbb, like #1d4ed8"
URL_PROBLEM = "must be an http:// or https:// address"
CONTROL_PROBLEM = "no line breaks or control characters"


def cleaned(text: str | None) -> str | None:
    """``text`` trimmed; None when it is missing or blank (blank means "use the default")."""
    if text is None:
        return None
    return text.strip() or None


def display_name_problem(name: str) -> str | None:
    return _text_problem(name, MAX_DISPLAY_NAME)


def question_problem(question: str) -> str | None:
    return _text_problem(question, MAX_QUESTION)


def _text_problem(text: str, limit: int) -> str | None:
    if len(text) > limit:
        return f"at most {limit} characters"
    if _has_control(text):
        return CONTROL_PROBLEM
    return None


def normal_colour(text: str) -> str | None:
    """``#RRGGBB`` in lower case, or None when ``text`` is not a colour written that way."""
    colour = text.strip().lower()
    return colour if _COLOUR.fullmatch(colour) else None


def colour_problem(text: str) -> str | None:
    return None if normal_colour(text) is not None else COLOUR_PROBLEM


def privacy_url_problem(url: str) -> str | None:
    """Only web addresses: a ``javascript:`` or ``data:`` link must never reach a page."""
    if len(url) > MAX_PRIVACY_URL:
        return f"at most {MAX_PRIVACY_URL} characters"
    if _has_control(url) or any(ch.isspace() for ch in url):
        return URL_PROBLEM
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # a malformed port or IPv6 address
        return URL_PROBLEM
    if parts.scheme.lower() not in ("http", "https") or not host:
        return URL_PROBLEM
    return None


def logo_type(data: bytes) -> str | None:
    """The image type that ``data`` starts like (PNG, JPEG, GIF, WebP), or None."""
    for signature, kind in _SIGNATURES:
        if data.startswith(signature):
            return kind
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def logo_problem(data: bytes) -> str | None:
    if len(data) > MAX_LOGO_BYTES:
        return LOGO_SIZE_PROBLEM
    if logo_type(data) is None:
        return LOGO_TYPE_PROBLEM
    return None


def digest(data: bytes) -> str:
    """The logo's SHA-256 in hex: part of its URL, so a new logo is a new URL."""
    return hashlib.sha256(data).hexdigest()


# -- colours --------------------------------------------------------------------------


def luminance(colour: str) -> float:
    """The relative luminance of ``#rrggbb`` (WCAG 2)."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """The WCAG contrast ratio of two colours, from 1 to 21."""
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_on(colour: str) -> str:
    """Black or white, whichever contrasts more with ``colour``: at least 4.58:1 for any
    colour, so text on it meets WCAG AA."""
    return BLACK if contrast(colour, BLACK) >= contrast(colour, WHITE) else WHITE


def edge_on_white(colour: str) -> str:
    """The border of something filled with ``colour`` on a white page: the colour itself when
    it stands out from white (3:1, WCAG's non-text contrast), else a dark grey."""
    return colour if contrast(colour, WHITE) >= 3 else "#374151"


def _has_control(text: str) -> bool:
    return any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in text)
