"""docs/testing.md runs: its Python blocks (and the README's example) are a throwaway project
that only installs opengauge.

Every ``python`` block starts with a ``# <file name>`` line. The test writes the blocks into a
folder outside the repository, with no conftest.py, and runs pytest there in a new process,
so the fixtures can only come from the installed ``pytest11`` entry point.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "testing.md"
REPO = DOC.parent.parent
BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
FILE_LINE = re.compile(r"# (\S+\.py)\n")


def _blocks() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Testing your integration", 1)[1].split("\n## ", 1)[0]
    return [*BLOCK.findall(DOC.read_text(encoding="utf-8")), *BLOCK.findall(section)]


def _files() -> dict[str, str]:
    files: dict[str, str] = {}
    for block in _blocks():
        named = FILE_LINE.match(block)
        assert named, f"a python block in {DOC.name} does not start with '# <file>.py':\n{block}"
        assert named.group(1) not in files, f"{named.group(1)} appears twice"
        files[named.group(1)] = block
    return files


def test_the_examples_form_a_project_without_a_conftest() -> None:
    files = _files()
    assert "conftest.py" not in files
    assert {"integration.py", "test_integration.py", "test_async_integration.py"} <= set(files)
    assert "test_readme_example.py" in files


def test_the_examples_pass_in_a_throwaway_project(tmp_path: Path) -> None:
    project = tmp_path / "throwaway"
    project.mkdir()
    assert REPO not in project.parents
    for name, text in _files().items():
        (project / name).write_text(text, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "OPENGAUGE_"))}
    env.pop("PYTHONPATH", None)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    expected = sum(
        len(re.findall(r"^(?:async )?def test_", text, re.MULTILINE)) for text in _files().values()
    )
    assert f"{expected} passed" in report, report
