"""The bench's sandbox figure comes from a fresh interpreter that really starts sandboxes."""

from __future__ import annotations

from sandbox import measure


def test_the_figures_are_read_from_a_process_of_their_own() -> None:
    startup = measure([], 3)
    assert startup.count == 3
    assert 0 < startup.median_ms <= startup.p90_ms
    assert startup.first_ms > 0
    assert startup.with_token_ms > 0
    assert startup.import_ms > 0
