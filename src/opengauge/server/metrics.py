"""Prometheus metrics: what ``GET /metrics`` shows, and the cheap calls that feed it.

The metric objects live once per process, in :data:`REGISTRY` (not prometheus-client's
global one, which belongs to whoever embeds the sandbox). Tests start many apps in one
process; they share these counters and compare before and after.

Under ``serve --workers N`` each worker writes its samples to files in
``PROMETHEUS_MULTIPROC_DIR`` (prometheus-client chooses this when it is imported), and a
scrape adds up the files of every worker, whichever worker answers it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

__all__ = [
    "CONTENT_TYPE",
    "REGISTRY",
    "note_rate_limit_refusal",
    "observe_batch",
    "observe_request",
    "render",
]

CONTENT_TYPE = CONTENT_TYPE_LATEST.encode()
#: The variable prometheus-client reads for its multiprocess mode; ``serve`` sets it.
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

REGISTRY = CollectorRegistry()

REQUESTS = Counter(
    "opengauge_requests",
    "Requests answered, by API family, method and status.",
    ["family", "method", "status"],
    registry=REGISTRY,
)
REQUEST_SECONDS = Histogram(
    "opengauge_request_duration_seconds",
    "Time from the request's arrival to the end of its answer, by API family.",
    ["family"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
BATCH_SIZE = Histogram(
    "opengauge_group_commit_batch_size",
    "Operations committed together by the group-commit writer.",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024),
    registry=REGISTRY,
)
COMMIT_SECONDS = Histogram(
    "opengauge_group_commit_seconds",
    "Time to run and commit one group-commit batch.",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
    registry=REGISTRY,
)
RATE_LIMIT_REFUSALS = Counter(
    "opengauge_rate_limit_refusals",
    "Requests refused with 429 by the rate limiter, by API family.",
    ["family"],
    registry=REGISTRY,
)
if MULTIPROC_ENV not in os.environ:  # process metrics cannot be summed across workers
    ProcessCollector(registry=REGISTRY)

#: First path segment → the API family a request is counted under; anything else is
#: "other", so that random paths cannot make up new label values.
FAMILIES: Mapping[str, str] = {
    "records": "imports",
    "personal-link": "imports",
    "accounts": "imports",
    "contracts": "imports",
    "activities": "imports",
    "oauth2": "auth",
    ".well-known": "auth",
    "v7": "rest",
    "v6": "rest",
    "v4.1": "v4_1",
    "r": "survey",
    "s": "survey",
}
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

#: (family, method, status) → the counter and histogram children, so that a request costs
#: a dictionary lookup and two increments instead of prometheus-client's label handling;
#: ``_by_request`` finds them from the request's own path, method and status. It is bounded
#: (paths are the client's): past the limit, a request's children are found by family.
_children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
_by_request: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
BY_REQUEST_LIMIT = 1024


def family_of(path: str) -> str:
    """The API family of a request path, for labels."""
    end = path.find("/", 1)
    return FAMILIES.get(path[1:] if end < 0 else path[1:end], "other")


def observe_request(path: str, method: str, status: int, seconds: float) -> None:
    """Count one answered request (called once per request, on the hot path)."""
    request = (path, method, status)
    children = _by_request.get(request)
    if children is None:
        children = _children_of(path, method, status)
        if len(_by_request) < BY_REQUEST_LIMIT:
            _by_request[request] = children
    children[0].inc()
    children[1].observe(seconds)


def _children_of(path: str, method: str, status: int) -> tuple[Counter, Histogram]:
    if method not in _METHODS:
        method = "other"
    family = family_of(path)
    key = (family, method, status)
    children = _children.get(key)
    if children is None:
        children = _children[key] = (
            REQUESTS.labels(family, method, str(status)),
            REQUEST_SECONDS.labels(family),
        )
    return children


def observe_batch(size: int, seconds: float) -> None:
    """Record one committed group-commit batch (the storage writers call this)."""
    BATCH_SIZE.observe(size)
    COMMIT_SECONDS.observe(seconds)


def note_rate_limit_refusal(family: str) -> None:
    """Count one request the rate limiter refused."""
    RATE_LIMIT_REFUSALS.labels(family).inc()


def render(outbox: Mapping[str, int] | None) -> bytes:
    """The text a scrape answers with; ``outbox`` holds entries by status, read just now."""
    if MULTIPROC_ENV in os.environ:
        # The recipe of prometheus-client: a fresh registry that reads every worker's files.
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        text = generate_latest(registry)
    else:
        text = generate_latest(REGISTRY)
    if outbox is not None:
        text += generate_latest(_Snapshot([_outbox_family(outbox)]))
    return text


def _outbox_family(counts: Mapping[str, int]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(
        "opengauge_outbox_entries",
        "Invitation e-mails in the outbox, by status.",
        labels=["status"],
    )
    for status, count in sorted(counts.items()):
        family.add_metric([status], count)
    return family


class _Snapshot:
    """Metrics computed at scrape time, in the shape ``generate_latest`` reads."""

    def __init__(self, families: Iterable[Metric]) -> None:
        self._families = list(families)

    def collect(self) -> Iterator[Metric]:
        return iter(self._families)
