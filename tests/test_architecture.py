"""Layer rules from docs/architecture.md, checked on the source."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "opengauge"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _modules(folder: str) -> list[Path]:
    return sorted((SRC / folder).rglob("*.py"))


def test_only_storage_talks_sql() -> None:
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if "storage" not in path.relative_to(SRC).parts
        and any(
            name.split(".")[0] in {"sqlalchemy", "sqlite3", "psycopg", "alembic"}
            for name in _imports(path)
        )
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        # domain/ is pure: no web framework, no storage, no HTTP plumbing.
        (
            "server/domain",
            (
                "starlette",
                "uvicorn",
                "sqlalchemy",
                "opengauge.server.storage",
                "opengauge.server.http",
            ),
        ),
        # storage/ never reaches up into HTTP code or the API families.
        (
            "server/storage",
            (
                "starlette",
                "opengauge.server.http",
                "opengauge.server.imports",
                "opengauge.server.auth",
            ),
        ),
    ],
)
def test_lower_layers_do_not_import_upper_ones(folder: str, forbidden: tuple[str, ...]) -> None:
    for path in _modules(folder):
        bad = [n for n in _imports(path) if n.startswith(forbidden)]
        assert bad == [], f"{path.name} imports {bad}"


def test_families_do_not_import_each_other_except_auth() -> None:
    families = ("imports", "seed", "survey", "rest", "outbox")
    for family in families:
        for path in _modules(f"server/{family}"):
            for other in families:
                if other != family:
                    assert not any(
                        n.startswith(f"opengauge.server.{other}") for n in _imports(path)
                    ), f"{path} imports the {other} family"


def test_the_sdk_imports_nothing_but_httpx_and_itself() -> None:
    for path in _modules("client"):
        outside = [
            n
            for n in _imports(path)
            if n.startswith("opengauge") and not n.startswith("opengauge.client")
        ]
        assert outside == [], f"{path.name} imports {outside}"
