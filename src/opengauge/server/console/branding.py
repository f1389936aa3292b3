"""The Branding screen's use cases: what the survey pages show of the system (display name,
brand colour, privacy link, logo) and each touchpoint's question.

The rules are the seed file's (``domain/branding.py``), so a value the console takes is one a
seed file could give, and the survey pages check them again when they show them. Every
operation is for the signed-in user's system, named by the session.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from opengauge.server.domain import branding as rules
from opengauge.server.errors import ValidationFailed
from opengauge.server.storage import Tx
from opengauge.server.storage.repositories import branding

MAX_LOGO_KIB = rules.MAX_LOGO_BYTES // 1024
MAX_QUESTION = rules.MAX_QUESTION
#: The question a touchpoint without one of its own asks (the survey page's English text).
STANDARD_QUESTION = "How likely are you to recommend {name} to a friend or colleague?"


@dataclass(frozen=True)
class Settings:
    """The screen's form as typed or stored ("" for a setting left at its default)."""

    display_name: str = ""
    brand_colour: str = ""
    privacy_url: str = ""


@dataclass(frozen=True)
class LogoInfo:
    digest: str
    #: PNG, JPEG, GIF or WebP.
    kind: str
    #: "12.3 KiB".
    weight: str


_KINDS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WebP"}


@dataclass(frozen=True)
class Screen:
    """What the Branding screen shows."""

    settings: Settings
    #: How the survey pages look with the stored settings.
    shown_name: str
    colour: str
    on_colour: str
    #: The contrast of the text on the colour, "7.2:1".
    contrast: str
    logo: LogoInfo | None
    #: Each touchpoint's name and its own question ("" for the standard one).
    questions: list[tuple[str, str]]
    standard_question: str


def screen(system_id: int, system_name: str) -> Callable[[Tx], Screen]:
    def operation(tx: Tx) -> Screen:
        stored = branding.of_system(tx, system_id)
        shown_name = rules.cleaned(stored.display_name) or system_name
        colour = rules.normal_colour(stored.brand_colour or "") or rules.DEFAULT_COLOUR
        on_colour = rules.text_on(colour)
        facts = branding.logo_facts(tx, system_id) if stored.logo_digest else None
        logo = None
        if facts is not None:
            kind = _KINDS.get(facts.content_type, facts.content_type)
            weight = f"{facts.size / 1024:.1f} KiB" if facts.size >= 1024 else f"{facts.size} bytes"
            logo = LogoInfo(facts.digest, kind, weight)
        return Screen(
            settings=Settings(
                stored.display_name or "", stored.brand_colour or "", stored.privacy_url or ""
            ),
            shown_name=shown_name,
            colour=colour,
            on_colour=on_colour,
            contrast=f"{rules.contrast(colour, on_colour):.1f}:1",
            logo=logo,
            questions=[(name, q or "") for name, q in branding.questions(tx, system_id)],
            standard_question=STANDARD_QUESTION.format(name=shown_name),
        )

    return operation


def save_settings(system_id: int, typed: Settings) -> Callable[[Tx], None]:
    """Store the display name, colour and privacy link (blank: the default);
    :class:`ValidationFailed` by field when one is not possible."""
    values: dict[str, str | None] = {
        "display_name": rules.cleaned(typed.display_name),
        "brand_colour": rules.cleaned(typed.brand_colour),
        "privacy_url": rules.cleaned(typed.privacy_url),
    }
    problems: dict[str, list[str]] = {}
    for field, label, problem_of in (
        ("display_name", "The display name", rules.display_name_problem),
        ("brand_colour", "The brand colour", rules.colour_problem),
        ("privacy_url", "The privacy policy link", rules.privacy_url_problem),
    ):
        value = values[field]
        if value is not None and (problem := problem_of(value)) is not None:
            problems[field] = [_sentence(label, problem)]
    if problems:
        raise ValidationFailed(problems, summary="first")
    if values["brand_colour"] is not None:
        values["brand_colour"] = rules.normal_colour(values["brand_colour"])

    def operation(tx: Tx) -> None:
        branding.update(tx, system_id, values)

    return operation


def save_logo(system_id: int, data: bytes, now: str) -> Callable[[Tx], None]:
    """Store an uploaded logo: checked by its first bytes, never by its name or declared type."""
    if not data:
        raise ValidationFailed({"logo": ["Choose an image file to upload."]}, summary="first")
    problem = rules.logo_problem(data)
    if problem is not None:
        raise ValidationFailed({"logo": [_sentence("The logo", problem)]}, summary="first")
    kind = rules.logo_type(data)
    assert kind is not None
    digest = rules.digest(data)

    def operation(tx: Tx) -> None:
        branding.put_logo(tx, system_id, kind, data, digest, now)

    return operation


def delete_logo(system_id: int) -> Callable[[Tx], bool]:
    return lambda tx: branding.delete_logo(tx, system_id)


def logo(system_id: int, digest: str) -> Callable[[Tx], branding.Logo | None]:
    """The system's logo if ``digest`` is its current one."""

    def operation(tx: Tx) -> branding.Logo | None:
        found = branding.logo(tx, system_id)
        if found is None or found.digest != digest or found.content_type not in rules.LOGO_TYPES:
            return None
        return found

    return operation


def save_question(system_id: int, touchpoint: str, question: str) -> Callable[[Tx], bool]:
    """Set a touchpoint's question (blank: the standard one); False when the system has no
    such touchpoint."""
    text = rules.cleaned(question)
    if text is not None and (problem := rules.question_problem(text)) is not None:
        refusal = _sentence("The question", problem)
        raise ValidationFailed({"question": [refusal]}, summary="first")

    def operation(tx: Tx) -> bool:
        return branding.set_question(tx, system_id, touchpoint, text)

    return operation


#: The preview's layout: a small survey card (the colours follow, per request).
_PREVIEW_LAYOUT = """
.preview{max-width:32rem;margin:0 0 .75rem;padding:1rem 1.25rem;background:#fff;
border:1px solid #d1d5db;border-top:6px solid;border-radius:12px;color:#1f2937}
.preview-brand{display:flex;align-items:center;min-height:2.5rem;margin-bottom:.75rem}
.preview-brand img{display:block;max-width:12rem;max-height:3.5rem;width:auto;height:auto}
.preview-brand span,.preview-heading{font-weight:700}
.preview p{margin:0 0 .75rem}
.preview-scale{display:grid;grid-template-columns:repeat(11,minmax(0,1fr));gap:2px}
.preview-scale span{padding:.35rem 0;text-align:center;font-weight:600;
border:1px solid #6b7280;border-radius:6px}
.preview .send{display:inline-block;margin-top:.75rem;padding:.5rem 1.25rem;font-weight:600;
border:2px solid;border-radius:8px}
.logo-remove{margin-top:.75rem}
"""


def preview_css(colour: str) -> str:
    """The Branding screen's preview in ``colour`` (the console allows no inline style);
    anything but a ``#rrggbb`` colour gives the default one."""
    shown = rules.normal_colour(colour) or rules.DEFAULT_COLOUR
    on = rules.text_on(shown)
    edge = rules.edge_on_white(shown)
    return (
        _PREVIEW_LAYOUT
        + f".preview{{border-top-color:{shown}}}\n"
        + f".preview .chosen,.preview .send{{background:{shown};color:{on};border-color:{edge}}}\n"
    )


def _sentence(subject: str, problem: str) -> str:
    """A rule's phrase (``must be ...``, ``at most ...``) as a sentence about ``subject``."""
    if problem.startswith("at most"):
        return f"{subject} must be {problem}."
    if problem == rules.CONTROL_PROBLEM:
        return f"{subject} must fit on one line, without control characters."
    return f"{subject} {problem}."
