"""``bench/console.py``: the data goes in, the bench user signs in, every page is timed."""

from __future__ import annotations

from pathlib import Path

from console import measure
from harness import Pinning


def test_every_console_page_is_timed_on_a_database_with_survey_records(tmp_path: Path) -> None:
    found = measure(Pinning.detect(), tmp_path, kind="sqlite", records=500, repeats=2)
    assert found.problems == []
    paths = [page.path for page in found.pages]
    assert "/console/mappings" in paths
    assert "/console/campaigns" in paths
    assert all(len(page.times) == 2 for page in found.pages)
    assert found.slowest.median > 0
