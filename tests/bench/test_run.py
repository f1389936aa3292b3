"""``bench/run.py``'s options: parts and configurations by name, refused when unknown."""

from __future__ import annotations

import pytest
from run import parse_args


def test_only_some_parts_and_configurations() -> None:
    args = parse_args(
        ["--only", "records,sandbox", "--databases", "sqlite", "--mappings", "account"]
    )
    assert args.parts == ("records", "sandbox")
    assert args.database_names == ("sqlite",)
    assert args.mapping_names == ("account",)


def test_everything_by_default() -> None:
    args = parse_args([])
    assert args.parts == ("records", "export", "import", "sandbox", "console", "dashboard")
    assert args.database_names == ("sqlite", "postgres")
    assert args.console_names == ("sqlite", "postgres")
    assert args.mapping_names == ("contact", "account")


@pytest.mark.parametrize(
    "argv", [["--only", "records,speed"], ["--databases", "mysql"], ["--mappings", ""]]
)
def test_unknown_names_are_refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_args(argv)
    assert exited.value.code == 2
    assert "choose from" in capsys.readouterr().err
