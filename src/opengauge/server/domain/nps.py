"""Net Promoter Score arithmetic (spec section 11).

Promoters score 9-10, passives 7-8, detractors 0-6; NPS = 100 * (promoters - detractors) /
responses, and a period with no responses has no score (None), never 0. The figures are
exact fractions until they are shown, with one decimal, rounded half away from zero.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

PROMOTER_FLOOR = 9
PASSIVE_FLOOR = 7
_ONE_DECIMAL = Decimal("0.1")


@dataclass(frozen=True)
class Tally:
    """How many responses of each kind a slice of the answers holds."""

    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    @property
    def responses(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def score(self) -> Fraction | None:
        """The exact NPS, or None without responses."""
        if not self.responses:
            return None
        return Fraction(100 * (self.promoters - self.detractors), self.responses)

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.promoters + other.promoters,
            self.passives + other.passives,
            self.detractors + other.detractors,
        )

    @classmethod
    def of(cls, responses: int, promoters: int, detractors: int) -> Tally:
        """From the counts a query gives: responses, and promoters and detractors among them."""
        return cls(promoters, responses - promoters - detractors, detractors)


def total(tallies: Iterable[Tally]) -> Tally:
    return sum(tallies, Tally())


def category(score: int) -> str:
    """``promoter``, ``passive`` or ``detractor`` for a 0-10 score."""
    if score >= PROMOTER_FLOOR:
        return "promoter"
    return "passive" if score >= PASSIVE_FLOOR else "detractor"


def weighted_from_sums(groups: Iterable[tuple[int, int, int]]) -> Fraction | None:
    """sum(weight * NPS) / sum(weight): the revenue-weighted NPS, each account's score weighted
    by its revenue in the period (in cents), from sums made in the database. There is one
    group per response count n: (n, sum of weight * (promoters - detractors), sum of weight)
    over the accounts with n responses and revenue. Accounts without a score or revenue take
    no part, and none at all gives None. Exact, with one fraction per distinct n however many
    accounts there are."""
    score, weights = Fraction(0), 0
    for n, difference, weight in groups:
        if n > 0 and weight > 0:
            score += Fraction(100 * difference, n)
            weights += weight
    return score / weights if weights else None


def one_decimal(value: Fraction | None) -> str | None:
    """``"33.3"``, ``"-12.5"``, ``"0.0"``: a score as shown; None stays None."""
    if value is None:
        return None
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return str(exact.quantize(_ONE_DECIMAL, rounding=ROUND_HALF_UP))


def share(part: int, whole: int) -> str | None:
    """A percentage with one decimal (a response rate), None when ``whole`` is 0."""
    return one_decimal(Fraction(100 * part, whole)) if whole else None
