"""Drivers (the 4.1 suite's "reasons"): what a customer may say influenced their score.

A driver is shown to promoters (``good_bad`` ``pos``, scores 9-10) or to detractors and
passives (``neg``, 0-8). Level 1 drivers are categories; a level 2 driver sits under the level
1 driver of the same ``good_bad`` whose label its ``category_main`` names. The 4.1 module, the
console and seed files share these rules; they work on drivers as loaded and never touch the
database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum, auto
from typing import Protocol, TypeVar

from opengauge.server.domain.nps import PROMOTER_FLOOR

POSITIVE = "pos"
NEGATIVE = "neg"
#: What the 4.1 listing calls each ``good_bad``.
SHOW_FOR = {POSITIVE: "Promoter", NEGATIVE: "Detractor&Neutral"}
LEVELS = (1, 2)
MAX_LABEL = 255
#: The width of ``category_main``: a level 1 label must fit it, as level 2 drivers name it.
MAX_CATEGORY = 128
MAX_POSITION = 999_999
#: The first code handed out in a system; later ones count up from its highest numeric code.
FIRST_CODE = 1001
_CODE = re.compile(r"[A-Za-z0-9._-]{1,32}")
#: ``show_for`` as the listing accepts it (lower case, spaces dropped). ``Detractor`` alone is
#: what an unencoded ``show_for=Detractor&Neutral`` in a query string reads as.
_SHOWN_FOR = {"promoter": POSITIVE, "detractor&neutral": NEGATIVE, "detractor": NEGATIVE}

#: What is wrong, said so that a console user knows which field to change.
GOOD_BAD_MESSAGE = "Shown for must be Promoter (pos) or Detractor&Neutral (neg)."
LEVEL_MESSAGE = "The level must be 1 or 2."
POSITION_MESSAGE = f"The position must be a whole number from 0 to {MAX_POSITION}."
CONTROL_MESSAGE = "Labels and categories hold no line breaks or control characters."
CODE_MESSAGE = "A reason code is 1 to 32 letters, digits, dots, dashes or underscores."


class Refusal(Enum):
    """Why a driver is refused, one per 4.1 code (``INVALID``: "not inserted / updated")."""

    CODE_REQUIRED = auto()
    CODE_TAKEN = auto()
    CODE_UNKNOWN = auto()
    INVALID = auto()
    NO_LEVEL_1 = auto()
    GOOD_BAD_REQUIRED = auto()
    GOOD_BAD_WRONG = auto()


class Refused(ValueError):
    """A refused driver: the reason, the field at fault and a sentence saying what is wrong."""

    def __init__(self, refusal: Refusal, field: str, detail: str) -> None:
        super().__init__(detail)
        self.refusal = refusal
        self.field = field
        self.detail = detail


class Placed(Protocol):
    """What places a driver among the others: its side, level, category and label."""

    @property
    def good_bad(self) -> str: ...
    @property
    def category_main(self) -> str: ...
    @property
    def level(self) -> int: ...
    @property
    def label(self) -> str: ...


class Described(Placed, Protocol):
    """A stored driver as these rules read it."""

    @property
    def reason_code(self) -> str: ...
    @property
    def position(self) -> int: ...


D = TypeVar("D", bound=Described)
P = TypeVar("P", bound=Placed)


@dataclass(frozen=True)
class Draft:
    """A driver's fields as they are to be stored (see :func:`check`)."""

    good_bad: str
    level: int
    #: The level 1 label a level 2 driver sits under; always empty for level 1.
    category_main: str
    position: int
    label: str


# -- one driver -----------------------------------------------------------------------


def read(given: Mapping[str, str | None], base: Described | None = None) -> Draft:
    """The driver that text fields describe, checked.

    ``given`` maps ``good_bad``, ``level``, ``category_main``, ``position`` and ``label`` to
    their text, None (or missing) when not given. A new driver (``base`` None) needs
    ``good_bad`` and ``label``; level defaults to 1 and position to 0. A change keeps what
    ``base`` has for every field not given.
    """
    good_bad = _text(given, "good_bad")
    if good_bad is None:
        if base is None:
            raise Refused(Refusal.GOOD_BAD_REQUIRED, "good_bad", GOOD_BAD_MESSAGE)
        good_bad = base.good_bad
    good_bad = good_bad.lower()
    if good_bad not in SHOW_FOR:
        raise Refused(Refusal.GOOD_BAD_WRONG, "good_bad", GOOD_BAD_MESSAGE)
    level = _number(given, "level", base.level if base else 1, LEVEL_MESSAGE)
    position = _number(given, "position", base.position if base else 0, POSITION_MESSAGE)
    label = _text(given, "label")
    if label is None and base is not None:
        label = base.label
    category = _text(given, "category_main")
    if category is None:
        category = base.category_main if base is not None else ""
    return check(Draft(good_bad, level, category, position, label or ""))


def check(draft: Draft) -> Draft:
    """``draft`` if its values are possible (level 1 loses any ``category_main``), else
    :class:`Refused` naming the first field at fault."""
    if draft.good_bad not in SHOW_FOR:
        raise Refused(Refusal.GOOD_BAD_WRONG, "good_bad", GOOD_BAD_MESSAGE)
    if draft.level not in LEVELS:
        raise Refused(Refusal.INVALID, "level", LEVEL_MESSAGE)
    if not 0 <= draft.position <= MAX_POSITION:
        raise Refused(Refusal.INVALID, "position", POSITION_MESSAGE)
    label = draft.label.strip()
    if not label:
        raise Refused(Refusal.INVALID, "label", "Enter a label.")
    longest = MAX_CATEGORY if draft.level == 1 else MAX_LABEL
    if len(label) > longest:
        raise Refused(
            Refusal.INVALID,
            "label",
            f"A level {draft.level} label is at most {longest} characters"
            + (" (level 2 drivers name it as their category)." if draft.level == 1 else "."),
        )
    category = draft.category_main.strip() if draft.level == 2 else ""
    for field, text in (("label", label), ("category_main", category)):
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
            raise Refused(Refusal.INVALID, field, CONTROL_MESSAGE)
    return Draft(draft.good_bad, draft.level, category, draft.position, label)


def read_code(text: str) -> str:
    """A reason code a client chose: 1 to 32 letters, digits, dots, dashes or underscores."""
    code = text.strip()
    if not _CODE.fullmatch(code):
        raise Refused(Refusal.INVALID, "reason_code", CODE_MESSAGE)
    return code


def _text(given: Mapping[str, str | None], name: str) -> str | None:
    value = given.get(name)
    return None if value is None else value.strip()


def _number(given: Mapping[str, str | None], name: str, default: int, message: str) -> int:
    text = _text(given, name)
    if text is None:
        return default
    # ASCII digits only ("²".isdigit() is true), few enough to stay in range.
    if not (text.isascii() and text.isdigit() and len(text) <= 6):
        raise Refused(Refusal.INVALID, name, message)
    return int(text)


# -- a driver among the system's ------------------------------------------------------


def key(driver: Placed) -> tuple[str, int, str, str]:
    """What no two drivers of a system share: label, good_bad and level, and for level 2
    the category it sits under (so "Other" may sit under several categories)."""
    return (driver.good_bad, driver.level, driver.category_main, driver.label)


def parent_of(driver: Placed, drivers: Iterable[P]) -> P | None:
    """The level 1 driver a level 2 driver sits under, among ``drivers``."""
    if driver.level != 2:
        return None
    for candidate in drivers:
        if (
            candidate.level == 1
            and candidate.good_bad == driver.good_bad
            and candidate.label == driver.category_main
        ):
            return candidate
    return None


def children_of(driver: Placed, drivers: Iterable[P]) -> list[P]:
    """The level 2 drivers under a level 1 driver."""
    if driver.level != 1:
        return []
    return [d for d in drivers if d.level == 2 and parent_of(d, [driver]) is not None]


def check_among(draft: Draft, others: Sequence[Described], base: Described | None = None) -> None:
    """Refuse ``draft`` (a new driver, or ``base`` changed) if the system's ``others`` make it
    impossible: a level 2 without its level 1, a label taken, or a level 1 whose level 2
    drivers would lose it."""
    if draft.level == 2 and parent_of(draft, others) is None:
        wanted = f"the label of a level 1 driver shown for {SHOW_FOR[draft.good_bad]}"
        detail = (
            f"A level 2 driver's category must be {wanted}; there is none called"
            f" {draft.category_main!r}."
            if draft.category_main
            else f"A level 2 driver needs a category: {wanted}."
        )
        raise Refused(Refusal.NO_LEVEL_1, "category_main", detail)
    if any(key(other) == key(draft) for other in others):
        where = f" under {draft.category_main!r}" if draft.level == 2 else ""
        raise Refused(
            Refusal.INVALID,
            "label",
            f"There is already a level {draft.level} driver shown for"
            f" {SHOW_FOR[draft.good_bad]} labelled {draft.label!r}{where}.",
        )
    moved = base is not None and (draft.level, draft.good_bad) != (base.level, base.good_bad)
    if moved and base is not None and children_of(base, others):
        raise Refused(
            Refusal.INVALID,
            "level",
            f"{base.label!r} has level 2 drivers: its level and who it is shown for"
            " stay while they are under it.",
        )


def next_code(codes: Iterable[str]) -> str:
    """The code for a new driver: one above the highest numeric code, from 1001."""
    taken = set(codes)
    numbers = [int(code) for code in taken if code.isascii() and code.isdigit() and len(code) < 19]
    candidate = max([FIRST_CODE - 1, *numbers]) + 1
    while str(candidate) in taken:
        candidate += 1
    return str(candidate)


# -- listing --------------------------------------------------------------------------


def show_for(good_bad: str) -> str:
    """``Promoter`` for ``pos``, ``Detractor&Neutral`` for ``neg``."""
    return SHOW_FOR[good_bad]


def fitting(score: int) -> str:
    """The drivers a score is asked about: ``pos`` for a promoter (9-10), else ``neg``."""
    return POSITIVE if score >= PROMOTER_FLOOR else NEGATIVE


def shown_for(text: str) -> str | None:
    """The ``good_bad`` a ``show_for`` filter value selects (any letter case), or None."""
    return _SHOWN_FOR.get(text.replace(" ", "").lower())


def in_order(drivers: Iterable[D]) -> list[tuple[D, str]]:
    """Each driver with its numeration, promoters' first: every level 1 driver (by
    position) followed by its level 2 drivers (by position).

    Level 1 is numbered ``<position>``, level 2 ``<its level 1's position>.<position>``.
    Drivers of equal position keep the order they come in.
    """
    listed = list(drivers)
    ordered: list[tuple[D, str]] = []
    for good_bad in SHOW_FOR:
        level_1 = sorted(
            (d for d in listed if d.good_bad == good_bad and d.level == 1),
            key=lambda d: d.position,
        )
        level_2 = sorted(
            (d for d in listed if d.good_bad == good_bad and d.level == 2),
            key=lambda d: d.position,
        )
        placed: set[int] = set()
        for parent in level_1:
            ordered.append((parent, str(parent.position)))
            for i, child in enumerate(level_2):
                if child.category_main == parent.label:
                    ordered.append((child, f"{parent.position}.{child.position}"))
                    placed.add(i)
        # No level 1 to sit under (never made by these rules): at the end, under none.
        ordered += [(d, f"0.{d.position}") for i, d in enumerate(level_2) if i not in placed]
    return ordered
