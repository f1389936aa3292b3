"""SDK tests: retries never sleep here (unless a test turns sleeping back on)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from opengauge.client import set_testing


@pytest.fixture(autouse=True)
def _no_retry_sleep() -> Iterator[None]:
    set_testing(True)
    yield
    set_testing(False)
