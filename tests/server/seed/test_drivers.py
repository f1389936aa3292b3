"""Drivers in a seed file: checked with paths by the 4.1 module's rules, applied without
duplicates, and served by ``/v4.1/reasons``."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from opengauge.server.seed.schemas import SeedError, load_seed, parse_seed, validate_seed
from opengauge.server.seed.service import apply_seed
from tests.server.v4_1.support import call
from tests.support import RunningServer, create_tenant, tenant_seed

DRIVERS: list[dict[str, Any]] = [
    {"label": "Product quality", "good_bad": "pos", "position": 1},
    {"label": "Support", "good_bad": "neg", "position": 2, "reason_code": "11000"},
    {"label": "Slow answers", "good_bad": "neg", "level": 2, "category_main": "Support"},
]


def _problems(drivers: list[dict[str, Any]]) -> list[str]:
    with pytest.raises(SeedError) as raised:
        validate_seed({"systems": [{"name": "acme", "drivers": drivers}]})
    return raised.value.problems


def _apply(server: RunningServer, name: str, drivers: list[dict[str, Any]]) -> int:
    (applied,) = apply_seed(server.db, validate_seed(tenant_seed(name, drivers=drivers)))
    return applied.id


def _stored(server: RunningServer, system_id: int) -> list[tuple[Any, ...]]:
    return server.rows(
        "SELECT reason_code, position, good_bad, category_main, level, label FROM drivers"
        " WHERE system_id = ? ORDER BY id",
        (system_id,),
    )


def test_entries_have_defaults_and_yaml_numbers_are_text() -> None:
    seed = parse_seed(
        "systems:\n  - name: acme\n    drivers:\n"
        "      - {label: 2024, good_bad: pos, reason_code: 1001}\n"
        "      - {label: Other, good_bad: pos, level: 2, category_main: 2024, position: 3}\n"
    )
    first, second = seed.systems[0].drivers
    assert (first.label, first.reason_code, first.level, first.position) == ("2024", "1001", 1, 0)
    assert (first.category_main, second.category_main) == ("", "2024")


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"good_bad": "pos"}, "systems[0].drivers[0]: Object missing required field `label`"),
        ({"label": "X"}, "systems[0].drivers[0]: Object missing required field `good_bad`"),
        ({"label": "X", "good_bad": "good"}, "systems[0].drivers[0].good_bad: Shown for must be"),
        ({"label": "X", "good_bad": "pos", "level": 3}, "systems[0].drivers[0].level: The level"),
        ({"label": "X", "good_bad": "pos", "level": "1"}, "systems[0].drivers[0].level: Expected"),
        ({"label": "X", "good_bad": "pos", "position": -1}, "systems[0].drivers[0].position: "),
        ({"label": " ", "good_bad": "pos"}, "systems[0].drivers[0].label: Enter a label."),
        ({"label": "x" * 129, "good_bad": "neg"}, "systems[0].drivers[0].label: A level 1 label"),
        ({"label": "a\nb", "good_bad": "neg"}, "systems[0].drivers[0].label: Labels and"),
        (
            {"label": "X", "good_bad": "neg", "reason_code": "a b"},
            "systems[0].drivers[0].reason_code: A reason code is",
        ),
        (
            {"label": "X", "good_bad": "neg", "level": 2, "category_main": "Nowhere"},
            "systems[0].drivers[0].category_main: no level 1 driver in this file shown for"
            " Detractor&Neutral is labelled 'Nowhere'",
        ),
        ({"label": "X", "good_bad": "pos", "colour": "red"}, "systems[0].drivers[0]: Object"),
    ],
)
def test_entries_are_checked_with_their_path(entry: dict[str, Any], problem: str) -> None:
    problems = _problems([entry])
    assert any(p.startswith(problem) for p in problems), problems


def test_codes_and_labels_are_declared_once_and_level_2_sits_on_its_own_side() -> None:
    assert _problems(
        [
            *DRIVERS,
            {"label": "Support", "good_bad": "neg"},
            {"label": "Other", "good_bad": "pos", "reason_code": "11000"},
            {"label": "Kind", "good_bad": "pos", "level": 2, "category_main": "Support"},
        ]
    ) == [
        "systems[0].drivers[3].label: 'Support' is already declared by systems[0].drivers[1]",
        "systems[0].drivers[4].reason_code: '11000' is already used by systems[0].drivers[1]",
        "systems[0].drivers[5].category_main: no level 1 driver in this file shown for"
        " Promoter is labelled 'Support'",
    ]


def test_applying_twice_makes_each_driver_once(server: RunningServer) -> None:
    tenant = create_tenant(server, f"drv-{uuid.uuid4().hex[:8]}", drivers=DRIVERS)
    first = _stored(server, tenant.system_id)
    # Codes count up from the highest number, level 1 entries first.
    assert first == [
        ("1001", 1, "pos", "", 1, "Product quality"),
        ("11000", 2, "neg", "", 1, "Support"),
        ("11001", 0, "neg", "Support", 2, "Slow answers"),
    ]
    assert _apply(server, tenant.name, DRIVERS) == tenant.system_id
    assert _stored(server, tenant.system_id) == first
    listed = call(tenant, "GET", "reasons").json()["Data"]
    assert [(d["reason_code"], d["numeration"]) for d in listed] == [
        ("1001", "1"),
        ("11000", "2"),
        ("11001", "2.0"),
    ]


def test_reapplying_updates_by_code_else_by_label(server: RunningServer) -> None:
    name = f"drv-{uuid.uuid4().hex[:8]}"
    system_id = _apply(server, name, DRIVERS)
    changed = [
        {"label": "Product quality", "good_bad": "pos", "position": 7},  # matched by label
        {"label": "Service", "good_bad": "neg", "position": 2, "reason_code": "11000"},  # by code
        {"label": "Slow answers", "good_bad": "neg", "level": 2, "category_main": "Service"},
    ]
    _apply(server, name, changed)
    assert _stored(server, system_id) == [
        ("1001", 7, "pos", "", 1, "Product quality"),
        ("11000", 2, "neg", "", 1, "Service"),
        ("11001", 0, "neg", "Service", 2, "Slow answers"),  # followed its level 1
    ]
    # Drivers the file no longer lists stay, as the console and the API may have made them.
    _apply(server, name, changed[:1])
    assert len(_stored(server, system_id)) == 3


def test_a_file_at_odds_with_the_stored_drivers_changes_nothing(server: RunningServer) -> None:
    name = f"drv-{uuid.uuid4().hex[:8]}"
    system_id = _apply(server, name, DRIVERS)
    before = _stored(server, system_id)
    for drivers, problem in (
        # The label belongs to a driver with another code.
        ([{"label": "Support", "good_bad": "neg", "reason_code": "other"}], "already"),
        # Support has a level 2 driver: its side stays.
        ([{"label": "Support", "good_bad": "pos", "reason_code": "11000"}], "level 2 drivers"),
    ):
        with pytest.raises(SeedError) as raised:
            _apply(server, name, drivers)
        assert problem in str(raised.value)
        assert _stored(server, system_id) == before


def test_the_demo_tenant_has_drivers_on_both_sides() -> None:
    from opengauge.cli.main import demo_seed_path

    (demo,) = load_seed(demo_seed_path()).systems
    sides = {driver.good_bad for driver in demo.drivers}
    assert sides == {"pos", "neg"}
    assert any(driver.level == 2 for driver in demo.drivers)
