"""The built wheel carries everything the server serves: templates, style sheet, script.

The wheel is built from this checkout and installed, without its dependencies, into a fresh
virtual environment that borrows the test run's installed dependencies (but not its editable
OpenGauge). A console page and a survey page are then served from the installed package.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import httpx

from tests.support import clean_env, free_port

ROOT = Path(__file__).resolve().parent.parent


def _run(*command: str | Path, cwd: Path | None = None) -> str:
    done = subprocess.run(
        [str(c) for c in command], cwd=cwd, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_installed_wheel_serves_a_console_page_and_a_survey_page(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    pip_wheel = ("-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q")
    _run(sys.executable, *pip_wheel, "-w", wheels, ROOT)
    (wheel,) = wheels.glob("opengauge-*.whl")
    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = Path(
        _run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))").strip()
    )
    # The dependencies come from this test run's environment, listed after the env's own
    # site-packages; a plain path line in a .pth runs no hook, so the editable install of
    # the checkout stays out.
    (site / "borrowed.pth").write_text(sysconfig.get_path("purelib") + "\n")
    _run(python, "-m", "pip", "install", "--no-deps", "-q", "--target", site, wheel)
    where = _run(python, "-c", "import opengauge; print(opengauge.__file__)").strip()
    assert where.startswith(str(site)), where

    port = free_port()
    folder = tmp_path / "run"
    folder.mkdir()
    server = subprocess.Popen(
        [python, "-m", "opengauge", "serve", "--demo", "--port", str(port), "--no-access-log"],
        cwd=folder,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        assert server.stdout is not None
        for line in server.stdout:
            if "Application startup complete" in line:
                break
        with httpx.Client(base_url=base, timeout=30) as http:
            login = http.get("/console/login")
            assert login.status_code == 200
            assert '<label for="email">Email</label>' in login.text
            css = http.get("/console/static/console.css")
            assert css.status_code == 200
            assert "box-sizing" in css.text
            assert http.get("/console/static/console.js").status_code == 200
            form = {
                "grant_type": "client_credentials",
                "client_id": "demo-client",
                "client_secret": "demo-secret",
            }
            token = http.post("/oauth2/token", data=form).json()["access_token"]
            record = {"Email": "wheel@example.com", "Touchpoint": "Support"}
            created = http.put(
                "/personal-link/",
                json={"configuration": "survey", "record": record},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert created.status_code == 200, created.text
            link = created.json()["data"]["survey_link"].replace("localhost", "127.0.0.1")
            survey = http.get(link)
            assert survey.status_code == 200
            assert "How likely are you to recommend Demo Company" in survey.text
            # The Dutch catalogue ships in the wheel too (compiled on first use).
            dutch = http.get(link, headers={"Accept-Language": "nl"})
            assert '<html lang="nl">' in dutch.text
            assert "Hoe waarschijnlijk is het dat u Demo Company aanbeveelt" in dutch.text
    finally:
        server.terminate()
        server.communicate(timeout=30)
