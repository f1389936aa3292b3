"""NPS arithmetic: hand-computed figures and the properties every score has."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opengauge.server.domain.nps import (
    Tally,
    category,
    one_decimal,
    share,
    total,
    weighted_from_sums,
)


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (0, "detractor"),
        (6, "detractor"),
        (7, "passive"),
        (8, "passive"),
        (9, "promoter"),
        (10, "promoter"),
    ],
)
def test_categories_follow_the_documented_bands(score: int, expected: str) -> None:
    assert category(score) == expected


@pytest.mark.parametrize(
    ("tally", "shown"),
    [
        (Tally(promoters=2, passives=0, detractors=1), "33.3"),
        (Tally(promoters=1, passives=1, detractors=1), "0.0"),
        (Tally(promoters=0, passives=1, detractors=1), "-50.0"),
        (Tally(promoters=3, passives=1, detractors=2), "16.7"),
        (Tally(promoters=1, passives=6, detractors=1), "0.0"),
        (Tally(promoters=5, passives=0, detractors=0), "100.0"),
        (Tally(promoters=0, passives=0, detractors=4), "-100.0"),
        # 100 * 1 / 8 = 12.5 exactly, and 100 * 1 / 16 = 6.25: halves round away from zero.
        (Tally(promoters=1, passives=7, detractors=0), "12.5"),
        (Tally(promoters=1, passives=15, detractors=0), "6.3"),
        (Tally(promoters=0, passives=15, detractors=1), "-6.3"),
    ],
)
def test_scores_by_hand(tally: Tally, shown: str) -> None:
    assert one_decimal(tally.score) == shown


def test_no_responses_is_no_score_not_zero() -> None:
    assert Tally().score is None
    assert one_decimal(Tally().score) is None
    assert share(0, 0) is None


def test_counts_from_a_query_make_the_passives() -> None:
    assert Tally.of(10, 4, 3) == Tally(promoters=4, passives=3, detractors=3)
    assert total([Tally(1, 0, 0), Tally(0, 2, 1)]) == Tally(1, 2, 1)


tallies = st.builds(
    Tally,
    promoters=st.integers(0, 10_000),
    passives=st.integers(0, 10_000),
    detractors=st.integers(0, 10_000),
)


@given(tallies)
def test_a_score_is_the_promoter_share_minus_the_detractor_share(tally: Tally) -> None:
    if not tally.responses:
        assert tally.score is None
        return
    assert tally.score is not None
    assert -100 <= tally.score <= 100
    promoters = Fraction(100 * tally.promoters, tally.responses)
    detractors = Fraction(100 * tally.detractors, tally.responses)
    assert tally.score == promoters - detractors
    shown = one_decimal(tally.score)
    assert shown is not None
    assert abs(Fraction(shown) - tally.score) <= Fraction(1, 20)


def weighted(pairs: list[tuple[Tally, int]]) -> Fraction | None:
    """The revenue-weighted NPS as spec section 11 defines it, written plainly: the figure
    the database's sums must give."""
    counted = [(tally.score, weight) for tally, weight in pairs if tally.responses and weight > 0]
    total_weight = sum(weight for _, weight in counted)
    if not total_weight:
        return None
    return (
        sum(
            (Fraction(weight) * score for score, weight in counted if score is not None),
            Fraction(0),
        )
        / total_weight
    )


def sums_of(pairs: list[tuple[Tally, int]]) -> list[tuple[int, int, int]]:
    """What the database's account summary gives for ``pairs``: by response count n, the sum
    of weight * (promoters - detractors) and of weight, over the pairs with both."""
    sums: dict[int, list[int]] = {}
    for tally, weight in pairs:
        if tally.responses and weight:
            group = sums.setdefault(tally.responses, [0, 0])
            group[0] += weight * (tally.promoters - tally.detractors)
            group[1] += weight
    return [(n, d, w) for n, (d, w) in sums.items()]


def test_revenue_weighting_by_hand() -> None:
    # NPS 33.3 (weight 1), -50 (weight 3); an account without revenue and one without
    # responses take no part: (33.33 * 1 - 50 * 3) / 4 = -29.17.
    pairs = [
        (Tally(2, 0, 1), 600_000),
        (Tally(0, 1, 1), 1_800_000),
        (Tally(5, 0, 0), 0),
        (Tally(), 100),
    ]
    assert one_decimal(weighted_from_sums(sums_of(pairs))) == "-29.2"
    assert one_decimal(weighted(pairs)) == "-29.2"
    assert weighted_from_sums(sums_of([(Tally(5, 0, 0), 0)])) is None
    assert weighted_from_sums([]) is None


@given(st.lists(st.tuples(tallies, st.integers(0, 10**9)), max_size=30))
def test_weighting_from_the_databases_sums_is_the_same_figure(
    pairs: list[tuple[Tally, int]],
) -> None:
    assert weighted_from_sums(sums_of(pairs)) == weighted(pairs)
    result = weighted(pairs)
    if result is not None:
        assert -100 <= result <= 100
