"""The driver rules on their own: reading fields, codes, order and numeration."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from opengauge.server.domain import drivers as d
from opengauge.server.domain.drivers import Draft, Refusal, Refused


@dataclass(frozen=True)
class Stored:
    reason_code: str
    good_bad: str
    level: int
    label: str
    position: int = 0
    category_main: str = ""


def _refusal(given: dict[str, str | None], base: Stored | None = None) -> tuple[Refusal, str]:
    with pytest.raises(Refused) as refused:
        d.read(given, base)
    return refused.value.refusal, refused.value.field


def test_a_new_driver_needs_a_side_and_a_label_and_has_defaults() -> None:
    assert d.read({"good_bad": "pos", "label": " Ease of use "}) == Draft(
        "pos", 1, "", 0, "Ease of use"
    )
    assert _refusal({"label": "x"}) == (Refusal.GOOD_BAD_REQUIRED, "good_bad")
    assert _refusal({"good_bad": "both", "label": "x"}) == (Refusal.GOOD_BAD_WRONG, "good_bad")
    assert _refusal({"good_bad": "neg"}) == (Refusal.INVALID, "label")
    assert _refusal({"good_bad": "neg", "label": "  "}) == (Refusal.INVALID, "label")


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"level": "3"}, "level"),
        ({"level": "one"}, "level"),
        ({"position": "-1"}, "position"),
        ({"position": "1000000"}, "position"),
        ({"position": "\u00b2"}, "position"),  # a digit to str.isdigit, not to us
        ({"label": "x" * 129}, "label"),
        ({"label": "a\x7fb"}, "label"),
        ({"level": "2", "category_main": "Sup\x00port", "label": "Ok"}, "category_main"),
    ],
)
def test_impossible_values_are_refused_by_field(given: dict[str, str], field: str) -> None:
    assert _refusal({"good_bad": "pos", "label": "Label", **given}) == (Refusal.INVALID, field)


def test_label_lengths_depend_on_the_level() -> None:
    level_2 = {"good_bad": "pos", "level": "2", "category_main": "Support"}
    assert d.read({**level_2, "label": "x" * 255}).label == "x" * 255
    assert _refusal({**level_2, "label": "x" * 256}) == (Refusal.INVALID, "label")
    assert d.read({"good_bad": "pos", "label": "x" * 128}).level == 1


def test_a_change_keeps_what_is_not_given() -> None:
    base = Stored("1002", "neg", 2, "Slow", position=6, category_main="Support")
    assert d.read({}, base) == Draft("neg", 2, "Support", 6, "Slow")
    assert d.read({"label": "Slower", "good_bad": "POS"}, base) == Draft(
        "pos", 2, "Support", 6, "Slower"
    )
    # Level 1 sits under nothing.
    assert d.read({"level": "1"}, base) == Draft("neg", 1, "", 6, "Slow")
    assert _refusal({"good_bad": "good"}, base) == (Refusal.GOOD_BAD_WRONG, "good_bad")


def test_reason_codes() -> None:
    assert d.read_code(" 11060 ") == "11060"
    assert d.read_code("cs_other-2.b") == "cs_other-2.b"
    for bad in ("", "a b", "x" * 33, "é", "1/2"):
        with pytest.raises(Refused):
            d.read_code(bad)
    assert d.next_code([]) == "1001"
    assert d.next_code(["7", "abc"]) == "1001"
    assert d.next_code(["1001", "11060", "9" * 30]) == "11061"
    assert d.next_code(["1001", "1002", "1003"]) == "1004"


SYSTEM = [
    Stored("1", "neg", 1, "Support", position=1),
    Stored("2", "neg", 2, "Slow", position=6, category_main="Support"),
    Stored("3", "pos", 1, "Quality", position=2),
    Stored("4", "neg", 2, "Rude", position=2, category_main="Support"),
    Stored("5", "neg", 1, "Price", position=0),
]


def test_drivers_are_listed_by_side_then_as_a_tree_with_their_numeration() -> None:
    assert [(s.reason_code, n) for s, n in d.in_order(SYSTEM)] == [
        ("3", "2"),
        ("5", "0"),
        ("1", "1"),
        ("4", "1.2"),
        ("2", "1.6"),
    ]


def test_a_level_2_driver_needs_its_level_1_on_its_own_side() -> None:
    d.check_among(Draft("neg", 2, "Support", 0, "New"), SYSTEM)
    for draft in (
        Draft("pos", 2, "Support", 0, "New"),
        Draft("neg", 2, "Slow", 0, "New"),
        Draft("neg", 2, "", 0, "New"),
    ):
        with pytest.raises(Refused) as refused:
            d.check_among(draft, SYSTEM)
        assert refused.value.refusal is Refusal.NO_LEVEL_1


def test_labels_are_unique_per_side_level_and_category() -> None:
    d.check_among(Draft("pos", 1, "", 0, "Support"), SYSTEM)
    d.check_among(Draft("neg", 2, "Price", 0, "Slow"), SYSTEM)
    with pytest.raises(Refused) as refused:
        d.check_among(Draft("neg", 2, "Support", 9, "Slow"), SYSTEM)
    assert (refused.value.refusal, refused.value.field) == (Refusal.INVALID, "label")


def test_a_level_1_with_level_2_drivers_keeps_its_level_and_side() -> None:
    support = SYSTEM[0]
    others = SYSTEM[1:]
    d.check_among(Draft("neg", 1, "", 3, "Service"), others, support)  # a rename is fine
    for draft in (Draft("pos", 1, "", 1, "Support"), Draft("neg", 2, "Price", 1, "Support")):
        with pytest.raises(Refused) as refused:
            d.check_among(draft, others, support)
        assert refused.value.refusal is Refusal.INVALID
    price = SYSTEM[4]
    d.check_among(Draft("pos", 1, "", 0, "Price"), SYSTEM[:4], price)  # has none


def test_show_for() -> None:
    assert (d.show_for("pos"), d.show_for("neg")) == ("Promoter", "Detractor&Neutral")
    assert d.shown_for("Promoter") == d.shown_for("PROMOTER") == "pos"
    assert d.shown_for("Detractor&Neutral") == d.shown_for("detractor & neutral") == "neg"
    assert d.shown_for("Detractor") == "neg"
    assert d.shown_for("Passive") is None
