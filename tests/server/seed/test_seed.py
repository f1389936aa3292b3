"""The seed file format (spec section 9): validation with paths, idempotent application."""

from __future__ import annotations

import json
import textwrap
import uuid
from pathlib import Path

import pytest

from opengauge.server.seed.schemas import SeedError, load_seed, parse_seed, validate_seed
from opengauge.server.seed.service import apply_seed
from tests.support import RunningServer, tenant_seed

SPEC_EXAMPLE = textwrap.dedent(
    """
    systems:
      - name: acme                 # unique slug
        region: eu
        api_key: acme-api-key      # optional; generated when absent
        divisions:                 # Global always exists
          - {division: Netherlands, parent: Global}
        touchpoints: [Support, Onboarding]
        segments: [Product]        # gives target field survey.segment.Product
        duplication_rule: {enabled: true, days: 90, fields: []}
        connected_apps:
          - {name: crm, client_id: crm-client, client_secret: crm-secret, division: Global}
        mappings:
          - reference: 9dd58237-c913-4073-9c76-07da0b49ff50
            name: Accounts
            data_type: Account
            fields: {"Account Name": account.name, "Account Number": account.number}
        campaigns:
          - name: Support links
            active: true
            filters: [{field: survey.touchpoint, op: is, values: [Support]}]
            duplication_days: 30
    """
)


def test_the_spec_example_is_valid() -> None:
    seed = parse_seed(SPEC_EXAMPLE)
    (system,) = seed.systems
    assert system.name == "acme"
    assert system.mappings[0].fields == {
        "Account Name": "account.name",
        "Account Number": "account.number",
    }
    assert system.campaigns[0].filters[0].op == "is"


def test_json_seed_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "seed.json"
    path.write_text('{"systems": [{"name": "j", "region": "us"}]}')
    assert load_seed(path).systems[0].region == "us"


def test_the_demo_seed_is_valid() -> None:
    from opengauge.cli.main import demo_seed_path

    assert load_seed(demo_seed_path()).systems[0].name == "demo"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"region": "mars"}, "systems[0].region: Invalid enum value 'mars'"),
        ({"colour": "red"}, "systems[0]: Object contains unknown field `colour`"),
        ({"touchpoints": "Support"}, "systems[0].touchpoints: Expected `array`, got `str`"),
        (
            {"divisions": [{"division": "A", "parent": "Nowhere"}]},
            "systems[0].divisions[0].parent: unknown division 'Nowhere'",
        ),
        (
            {"divisions": [{"division": "A", "parent": "B"}, {"division": "B", "parent": "A"}]},
            "systems[0].divisions: 'A' is its own ancestor",
        ),
        (
            {
                "duplication_rule": {
                    "enabled": True,
                    "days": 1,
                    "fields": ["contact.email", "a", "b", "c"],
                }
            },
            "systems[0].duplication_rule.fields: at most three fields",
        ),
        (
            {
                "connected_apps": [
                    {"name": "x", "client_id": "c", "client_secret": "s", "division": "Moon"}
                ]
            },
            "systems[0].connected_apps[0].division: unknown division 'Moon'",
        ),
        (
            {
                "mappings": [
                    {
                        "reference": "m",
                        "name": "M",
                        "data_type": "Account",
                        "fields": {"Name": "account.number"},
                    }
                ]
            },
            "systems[0].mappings[0]: data type Account must map account.name",
        ),
        (
            {
                "mappings": [
                    {
                        "reference": "m",
                        "name": "M",
                        "data_type": "Contact",
                        "fields": {"Name": "account.name"},
                    }
                ]
            },
            "systems[0].mappings[0]: data type Contact must map contact.email or contact.phone",
        ),
        (
            {
                "mappings": [
                    {
                        "reference": "m",
                        "name": "M",
                        "data_type": "Survey",
                        "fields": {"E": "contact.email"},
                    }
                ]
            },
            "systems[0].mappings[0]: unknown data type 'Survey'",
        ),
        (
            {
                "mappings": [
                    {
                        "reference": "m",
                        "name": "M",
                        "data_type": "Account",
                        "fields": {"Name": "account.name", "X": "account.colour"},
                    }
                ]
            },
            "systems[0].mappings[0]: unknown target field 'account.colour' (heading 'X')",
        ),
        (
            {
                "mappings": [
                    {
                        "reference": "m",
                        "name": "M",
                        "data_type": "Survey Data",
                        "fields": {"E": "contact.email", "S": "survey.segment.Size"},
                    }
                ]
            },
            "systems[0].mappings[0]: target 'survey.segment.Size' names an unknown segment 'Size'",
        ),
        (
            {
                "mappings": [
                    {
                        "reference": "m",
                        "name": "M",
                        "data_type": "Account",
                        "fields": {"Name": "account.name", "E": "contact.email"},
                    }
                ]
            },
            "systems[0].mappings[0]: target 'contact.email' is not allowed for data type Account",
        ),
        (
            {
                "campaigns": [
                    {
                        "name": "c",
                        "filters": [{"field": "survey.touchpoint", "op": "like", "values": []}],
                    }
                ]
            },
            "systems[0].campaigns[0].filters[0].op: Invalid enum value 'like'",
        ),
        (
            {
                "campaigns": [
                    {
                        "name": "c",
                        "filters": [{"field": "survey.mood", "op": "is", "values": ["x"]}],
                    }
                ]
            },
            "systems[0].campaigns[0].filters[0].field: unknown target 'survey.mood'",
        ),
    ],
)
def test_problems_name_the_offending_path(change: dict[str, object], problem: str) -> None:
    system: dict[str, object] = {"name": "acme", **change}
    with pytest.raises(SeedError) as raised:
        validate_seed({"systems": [system]}, "seed.yaml")
    assert any(p.startswith(problem) for p in raised.value.problems), raised.value.problems
    assert str(raised.value).startswith("seed.yaml: ")


def test_duplicate_systems_and_client_ids_are_reported() -> None:
    app = {"name": "a", "client_id": "same", "client_secret": "s"}
    with pytest.raises(SeedError) as raised:
        validate_seed(
            {
                "systems": [
                    {"name": "x", "connected_apps": [app]},
                    {"name": "x", "connected_apps": [app]},
                ]
            }
        )
    assert raised.value.problems == [
        "systems[1].name: system 'x' is declared twice",
        "systems[1].connected_apps[0].client_id: 'same' is already used by "
        "systems[0].connected_apps[0]",
    ]


def test_unreadable_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(SeedError, match="cannot read the file"):
        load_seed(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("systems: [unclosed")
    with pytest.raises(SeedError, match="not valid YAML or JSON"):
        load_seed(broken)


def _counts(server: RunningServer) -> dict[str, int]:
    tables = (
        "systems",
        "divisions",
        "touchpoints",
        "segments",
        "connected_apps",
        "mappings",
        "campaigns",
    )
    return {t: int(server.rows(f"SELECT COUNT(*) FROM {t}")[0][0]) for t in tables}  # noqa: S608


def test_applying_a_seed_twice_changes_nothing_the_second_time(server: RunningServer) -> None:
    name = f"idem-{uuid.uuid4().hex[:8]}"
    seed = validate_seed(
        tenant_seed(
            name,
            campaigns=[
                {
                    "name": "c",
                    "filters": [{"field": "survey.touchpoint", "op": "is", "values": ["Support"]}],
                }
            ],
        )
    )
    (first,) = apply_seed(server.db, seed)
    after_first = _counts(server)
    (second,) = apply_seed(server.db, seed)
    assert first.created
    assert not second.created
    assert second.id == first.id
    assert _counts(server) == after_first


def test_new_system_gets_default_mappings_and_a_generated_api_key(server: RunningServer) -> None:
    name = f"gen-{uuid.uuid4().hex[:8]}"
    (applied,) = apply_seed(server.db, validate_seed({"systems": [{"name": name}]}))
    assert applied.generated_api_key
    references = server.rows(
        "SELECT reference, data_type FROM mappings WHERE system_id = ? ORDER BY reference",
        (applied.id,),
    )
    assert references == [("activities", "Activity"), ("contact", "Contact")]
    assert server.rows(
        "SELECT name, parent_id FROM divisions WHERE system_id = ?", (applied.id,)
    ) == [("Global", None)]


def test_reapplying_updates_changed_values(server: RunningServer) -> None:
    name = f"upd-{uuid.uuid4().hex[:8]}"
    base = tenant_seed(name)
    apply_seed(server.db, validate_seed(base))
    base["systems"][0]["connected_apps"][0]["active"] = False
    base["systems"][0]["mappings"][0]["name"] = "Renamed"
    (applied,) = apply_seed(server.db, validate_seed(base))
    assert server.rows("SELECT active FROM connected_apps WHERE system_id = ?", (applied.id,)) == [
        (False,)
    ]
    assert ("Renamed",) in server.rows(
        "SELECT name FROM mappings WHERE system_id = ?", (applied.id,)
    )


def test_a_client_id_of_another_system_is_refused(server: RunningServer) -> None:
    first = f"own-{uuid.uuid4().hex[:8]}"
    apply_seed(server.db, validate_seed(tenant_seed(first)))
    thief = tenant_seed(f"thief-{uuid.uuid4().hex[:8]}")
    thief["systems"][0]["connected_apps"][0]["client_id"] = f"{first}-client"
    before = _counts(server)
    with pytest.raises(SeedError, match="belongs to another system"):
        apply_seed(server.db, validate_seed(thief))
    assert _counts(server) == before


def test_numbers_in_text_fields_are_read_as_text() -> None:
    seed = validate_seed(
        {
            "systems": [
                {
                    "name": 2024,
                    "touchpoints": ["Support", 2024],
                    "segments": [7],
                    "mappings": [
                        {
                            "reference": 12345,
                            "name": "M",
                            "data_type": "Account",
                            "fields": {"Name": "account.name", 1: "account.number"},
                        }
                    ],
                    "campaigns": [
                        {
                            "name": "c",
                            "filters": [{"field": "survey.segment.7", "op": "is", "values": [10]}],
                        }
                    ],
                }
            ]
        }
    )
    (system,) = seed.systems
    assert system.name == "2024"
    assert system.touchpoints == ["Support", "2024"]
    assert system.mappings[0].reference == "12345"
    assert system.mappings[0].fields == {"Name": "account.name", "1": "account.number"}
    assert system.campaigns[0].filters[0].values == ["10"]


def test_api_keys_must_be_unique_and_names_fit_their_columns() -> None:
    with pytest.raises(SeedError) as raised:
        validate_seed(
            {
                "systems": [
                    {"name": "a", "api_key": "shared-key"},
                    {"name": "b", "api_key": "shared-key", "touchpoints": ["t" * 129]},
                ]
            }
        )
    assert raised.value.problems == [
        "systems[1].api_key: the same key is already used by systems[0]",
        "systems[1].touchpoints[0]: at most 128 characters",
    ]


def test_an_api_key_of_another_existing_system_is_refused(server: RunningServer) -> None:
    first = f"key-a-{uuid.uuid4().hex[:8]}"
    apply_seed(server.db, validate_seed({"systems": [{"name": first, "api_key": f"{first}-k"}]}))
    before = _counts(server)
    with pytest.raises(SeedError, match="the same key belongs to another system"):
        apply_seed(
            server.db,
            validate_seed(
                {"systems": [{"name": f"key-b-{uuid.uuid4().hex[:8]}", "api_key": f"{first}-k"}]}
            ),
        )
    assert _counts(server) == before


def test_names_with_line_breaks_are_refused() -> None:
    with pytest.raises(SeedError) as raised:
        validate_seed({"systems": [{"name": "acme\nBcc: x@example.com"}]})
    assert raised.value.problems == ["systems[0].name: no line breaks or control characters"]


def test_a_seed_file_that_is_not_utf8_is_a_seed_error(tmp_path: Path) -> None:
    path = tmp_path / "seed.yaml"
    path.write_bytes(b"\xff\xfesystems: []\n")
    with pytest.raises(SeedError) as refused:
        load_seed(path)
    assert refused.value.problems == ["the file is not UTF-8 text"]


#: What ``json.dumps`` writes for 😀 by default: a UTF-16 surrogate pair of escapes.
ESCAPED_SMILE = json.dumps("😀")[1:-1]
LONE = "\\ud83d"
LONE_PROBLEM = "a lone UTF-16 surrogate (\\ud83d) is not a character"


def test_escaped_surrogate_pairs_become_the_character(server: RunningServer) -> None:
    name = f"smile-{uuid.uuid4().hex[:8]}"
    text = json.dumps({"systems": [{"name": f"{name} 😀", "touchpoints": ["😀 Support"]}]})
    assert ESCAPED_SMILE in text
    seed = parse_seed(text)
    (system,) = seed.systems
    assert (system.name, system.touchpoints) == (f"{name} 😀", ["😀 Support"])
    (applied,) = apply_seed(server.db, seed)
    assert server.rows("SELECT name FROM touchpoints WHERE system_id = ?", (applied.id,)) == [
        ("😀 Support",)
    ]


def test_lone_surrogates_are_refused_with_their_path() -> None:
    text = (
        '{"systems": [{"name": "a' + LONE + '", "touchpoints": ["ok", "b' + LONE + '"],'
        ' "mappings": [{"reference": "r", "name": "n", "data_type": "Account",'
        ' "fields": {"Account Name": "account.name", "K' + LONE + '": "account.region"}}]}]}'
    )
    with pytest.raises(SeedError) as refused:
        parse_seed(text)
    assert refused.value.problems == [
        f"systems[0].name: {LONE_PROBLEM}",
        f"systems[0].touchpoints[1]: {LONE_PROBLEM}",
        f"systems[0].mappings[0].fields.K\\ud83d: {LONE_PROBLEM}",
    ]
    str(refused.value).encode()  # the message itself is printable UTF-8
