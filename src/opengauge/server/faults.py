"""Fault injection: rules that make API requests slow or fail, set through the control plane.

A rule matches a path glob (``fnmatch``: ``*`` also crosses ``/``) and optionally some
methods. When it matches, it fires with its probability (rolled on its own random generator,
seeded when the rule gives a seed, so a test sees the same sequence every run). A firing rule
adds its latency, then answers its status instead of the endpoint (a rule without a status
only slows the request down). After ``count`` firings the rule is gone.

A firing rule's answer is an :class:`InjectedFault`, rendered by the app in the error format
of the API family the path belongs to; see ``docs/compatibility.md``. Rules live in the
server process's memory.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from fnmatch import translate
from http import HTTPStatus
from typing import Any

from opengauge.server.errors import InjectedFault

#: Laravel's texts for the statuses a fault most often has.
MESSAGES = {
    429: "Too Many Attempts.",
    500: "Server Error",
    503: "Service Unavailable",
}


@dataclass
class FaultRule:
    """One rule; ``remaining`` is None for a rule that never runs out."""

    id: str
    path: str
    methods: tuple[str, ...] = ()
    status: int | None = None
    latency_ms: int = 0
    probability: float = 1.0
    retry_after: int | None = None
    remaining: int | None = None
    seed: int | None = None
    fired: int = 0
    _pattern: re.Pattern[str] = field(init=False, repr=False)
    _random: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._pattern = re.compile(translate(self.path))
        self._random = random.Random(self.seed)

    def matches(self, method: str, path: str) -> bool:
        return (not self.methods or method in self.methods) and bool(self._pattern.match(path))

    def roll(self) -> bool:
        return self.probability >= 1.0 or self._random.random() < self.probability

    @property
    def header_retry_after(self) -> int | None:
        """Retry-After to send: the rule's, else 1 second for 429 and 503."""
        if self.retry_after is not None:
            return self.retry_after
        return 1 if self.status in (429, 503) else None

    async def fire(self) -> InjectedFault | None:
        """Wait the rule's latency, then the answer to give; None when the request goes on."""
        if self.latency_ms:
            await asyncio.sleep(self.latency_ms / 1000)
        if self.status is None:
            return None
        message = MESSAGES.get(self.status) or HTTPStatus(self.status).phrase
        return InjectedFault(self.status, message, self.header_retry_after)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "path": self.path,
            "methods": list(self.methods),
            "status": self.status,
            "latency_ms": self.latency_ms,
            "probability": self.probability,
            "retry_after": self.header_retry_after,
            "count": self.remaining,
            "seed": self.seed,
            "fired": self.fired,
        }


class Faults:
    """The rules of one server process, in the order they were added."""

    def __init__(self) -> None:
        self.rules: list[FaultRule] = []
        self._ids = itertools.count(1)

    def add(
        self,
        path: str,
        *,
        methods: Sequence[str] = (),
        status: int | None = None,
        latency_ms: int = 0,
        probability: float = 1.0,
        retry_after: int | None = None,
        count: int | None = None,
        seed: int | None = None,
    ) -> FaultRule:
        rule = FaultRule(
            id=f"f{next(self._ids)}",
            path=path,
            methods=tuple(m.upper() for m in methods),
            status=status,
            latency_ms=latency_ms,
            probability=probability,
            retry_after=retry_after,
            remaining=count,
            seed=seed,
        )
        self.rules.append(rule)
        return rule

    def remove(self, rule_id: str) -> bool:
        before = len(self.rules)
        self.rules = [rule for rule in self.rules if rule.id != rule_id]
        return len(self.rules) < before

    def clear(self) -> None:
        self.rules = []

    def pick(self, method: str, path: str) -> FaultRule | None:
        """The first matching rule that fires for this request (used up by one firing)."""
        for rule in self.rules:
            if rule.matches(method, path) and rule.roll():
                rule.fired += 1
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self.remove(rule.id)
                return rule
        return None
