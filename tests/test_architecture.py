"""Layer rules from docs/architecture.md, checked on the source."""

from __future__ import annotations

import ast
from pathlib import Path

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


def test_domain_is_pure() -> None:
    forbidden = (
        "starlette",
        "uvicorn",
        "sqlalchemy",
        "opengauge.server.storage",
        "opengauge.server.http",
    )
    for path in _modules("server/domain"):
        bad = [n for n in _imports(path) if n.startswith(forbidden)]
        assert bad == [], f"{path.name} imports {bad}"


def test_storage_does_not_reach_up_into_http_or_families() -> None:
    forbidden = (
        "starlette",
        "opengauge.server.http",
        "opengauge.server.imports",
        "opengauge.server.auth",
    )
    for path in _modules("server/storage"):
        bad = [n for n in _imports(path) if n.startswith(forbidden)]
        assert bad == [], f"{path.name} imports {bad}"


def test_families_do_not_import_each_other_except_auth() -> None:
    families = ("imports", "seed")
    for family in families:
        for path in _modules(f"server/{family}"):
            for other in families:
                if other != family:
                    assert not any(
                        n.startswith(f"opengauge.server.{other}") for n in _imports(path)
                    ), f"{path} imports the {other} family"
