"""Survey branding in a seed file: ``display_name``, ``brand_colour``, ``privacy_url`` and
touchpoints given as ``{name, question}``."""

from __future__ import annotations

import textwrap
import uuid
from typing import Any

import pytest

from opengauge.server.seed.schemas import (
    SeedError,
    TouchpointSpec,
    load_seed,
    parse_seed,
    validate_seed,
)
from opengauge.server.seed.service import apply_seed
from tests.support import RunningServer, tenant_seed


def _problems(**system: Any) -> list[str]:
    with pytest.raises(SeedError) as raised:
        validate_seed({"systems": [{"name": "acme", **system}]})
    return raised.value.problems


def _apply(server: RunningServer, name: str, **extra: Any) -> int:
    (applied,) = apply_seed(server.db, validate_seed(tenant_seed(name, **extra)))
    return applied.id


def _branding(server: RunningServer, system_id: int) -> tuple[Any, ...]:
    (row,) = server.rows(
        "SELECT display_name, brand_colour, privacy_url FROM systems WHERE id = ?", (system_id,)
    )
    return tuple(row)


def _questions(server: RunningServer, system_id: int) -> list[tuple[Any, ...]]:
    return server.rows(
        "SELECT name, question FROM touchpoints WHERE system_id = ? ORDER BY id", (system_id,)
    )


def test_yaml_with_branding_and_touchpoint_questions() -> None:
    seed = parse_seed(
        textwrap.dedent(
            """
            systems:
              - name: acme
                display_name: 2024            # a number in YAML, a name here
                brand_colour: "#1D4ED8"       # quoted: an unquoted # starts a comment
                privacy_url: https://acme.example/privacy
                touchpoints:
                  - Support
                  - {name: Onboarding, question: "How did your first week go?"}
                  - {name: 2025}
            """
        )
    )
    (system,) = seed.systems
    assert (system.display_name, system.brand_colour) == ("2024", "#1D4ED8")
    assert system.privacy_url == "https://acme.example/privacy"
    support, onboarding, numbered = system.touchpoints
    assert support == "Support"
    assert onboarding == TouchpointSpec("Onboarding", "How did your first week go?")
    assert isinstance(numbered, TouchpointSpec)
    assert numbered.name == "2025"


def test_an_unquoted_colour_is_a_yaml_comment() -> None:
    (system,) = parse_seed("systems:\n  - name: acme\n    brand_colour: #1d4ed8\n").systems
    assert system.brand_colour is None  # null: the default colour


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ({"brand_colour": "blue"}, "systems[0].brand_colour: must be a colour written #rrggbb"),
        ({"brand_colour": "#12345g"}, "systems[0].brand_colour: must be a colour written #rrggbb"),
        ({"privacy_url": "javascript:alert(1)"}, "systems[0].privacy_url: must be an http://"),
        ({"privacy_url": "mailto:privacy@acme.example"}, "systems[0].privacy_url: must be an"),
        ({"privacy_url": "https:///nohost"}, "systems[0].privacy_url: must be an http://"),
        ({"privacy_url": "https://a.example/" + "x" * 600}, "systems[0].privacy_url: at most 512"),
        ({"display_name": "x" * 129}, "systems[0].display_name: at most 128 characters"),
        ({"display_name": "two\nlines"}, "systems[0].display_name: no line breaks or control"),
        (
            {"touchpoints": [{"name": "Support", "question": "Why?\x00"}]},
            "systems[0].touchpoints[0].question: no line breaks or control characters",
        ),
        (
            {"touchpoints": ["A", {"name": "B", "question": "x" * 501}]},
            "systems[0].touchpoints[1].question: at most 500 characters",
        ),
        ({"touchpoints": [{"question": "Why?"}]}, "Object missing required field `name`"),
        ({"touchpoints": [{"name": "A", "colour": "red"}]}, "Object contains unknown field"),
        ({"display_name": ["a"]}, "systems[0].display_name: Expected `str | null`"),
    ],
)
def test_branding_problems_have_paths(given: dict[str, Any], problem: str) -> None:
    found = _problems(**given)
    assert any(problem in p for p in found), found


def test_branding_is_applied_and_a_second_time_changes_nothing(server: RunningServer) -> None:
    name = f"brand-{uuid.uuid4().hex[:8]}"
    given = {
        "display_name": " Acme Gardens ",
        "brand_colour": "#0F766E",
        "privacy_url": "https://acme.example/privacy",
        "touchpoints": ["Support", {"name": "Onboarding", "question": "How was week one?"}],
    }
    system_id = _apply(server, name, **given)
    assert _branding(server, system_id) == (
        "Acme Gardens",
        "#0f766e",
        "https://acme.example/privacy",
    )
    assert _questions(server, system_id) == [("Support", None), ("Onboarding", "How was week one?")]
    _apply(server, name, **given)
    assert _branding(server, system_id) == (
        "Acme Gardens",
        "#0f766e",
        "https://acme.example/privacy",
    )
    assert _questions(server, system_id) == [("Support", None), ("Onboarding", "How was week one?")]


def test_absent_keys_leave_the_stored_values_and_null_or_blank_clears(
    server: RunningServer,
) -> None:
    name = f"brand-{uuid.uuid4().hex[:8]}"
    system_id = _apply(
        server,
        name,
        display_name="Acme",
        brand_colour="#000000",
        privacy_url="https://acme.example/p",
        touchpoints=[
            {"name": "Support", "question": "Why?"},
            {"name": "Onboarding", "question": "How?"},
        ],
    )
    # Nothing about branding: as it was (what the console changed stays).
    _apply(server, name, touchpoints=["Support", {"name": "Onboarding"}])
    assert _branding(server, system_id) == ("Acme", "#000000", "https://acme.example/p")
    assert _questions(server, system_id) == [("Support", "Why?"), ("Onboarding", "How?")]
    # null and blank: the defaults again.
    _apply(
        server,
        name,
        display_name=None,
        brand_colour="",
        privacy_url="  ",
        touchpoints=[
            {"name": "Support", "question": None},
            {"name": "Onboarding", "question": " "},
        ],
    )
    assert _branding(server, system_id) == (None, None, None)
    assert _questions(server, system_id) == [("Support", None), ("Onboarding", None)]


def test_the_demo_tenant_is_branded() -> None:
    from opengauge.cli.main import demo_seed_path

    (demo,) = load_seed(demo_seed_path()).systems
    assert demo.display_name == "Demo Company"
    assert isinstance(demo.brand_colour, str)
    assert demo.brand_colour.startswith("#")
    assert demo.privacy_url == "https://example.com/privacy"
