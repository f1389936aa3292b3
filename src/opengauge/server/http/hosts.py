"""Which region a request is for, from its Host header."""

from __future__ import annotations

import functools

from opengauge.server.settings import REGIONS


# A server is called by a few hosts; the cache is bounded because the header is the client's.
@functools.lru_cache(maxsize=256)
def region_of_host(host: str | None, default: str) -> str:
    """``auth.EU.customergauge.com`` -> ``eu``; hosts without a region label -> ``default``.

    A region label counts only between the first and the last label, so ``eu.example`` or
    ``localhost`` fall back to the default. Asked on every request, so answers are cached.
    """
    if not host:
        return default
    labels = host.rsplit(":", 1)[0].lower().split(".") if not host.startswith("[") else []
    for label in labels[1:-1]:
        if label in REGIONS:
            return label
    return default
