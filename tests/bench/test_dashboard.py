"""``bench/dashboard.py``: the data set goes in, every view and the NPS report are timed."""

from __future__ import annotations

from pathlib import Path

from dashboard import VIEWS, measure
from harness import Pinning


def test_every_dashboard_view_is_timed_on_the_generated_data(tmp_path: Path) -> None:
    found = measure(
        Pinning.detect(), tmp_path, kind="sqlite", records=3000, accounts=200, repeats=2
    )
    assert found.problems == []
    assert found.log_lines == []
    assert [view.path for view in found.views] == [
        *(path for _, path in VIEWS),
        "/v4.1/report/nps.json",
    ]
    assert all(len(view.times) == 2 for view in found.views)
    assert found.default.median > 0
