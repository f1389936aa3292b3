"""Pure rules: value normalisation, dates, the Laravel summaries and form parsing."""

from __future__ import annotations

import pytest

from opengauge.server.domain import validation as v
from opengauge.server.errors import ValidationFailed
from opengauge.server.http.bodies import parse_body, parse_form


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  a ", "a"),
        ("", None),
        ("   ", None),
        (12, "12"),
        (1.5, "1.5"),
        (2.0, "2"),
        (None, None),
        (True, True),
        ({"a": 1}, {"a": 1}),
    ],
)
def test_normalize(value: object, expected: object) -> None:
    assert v.normalize(value) == expected


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("2024-02-29", "2024-02-29"),
        ("2023-02-29", None),
        ("2024-1-01", None),
        ("2024-01-01 00:00:00", None),
        ("20240101", None),
    ],
)
def test_parse_date(text: str, parsed: str | None) -> None:
    assert v.parse_date(text) == parsed


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("2019-10-06 22:34:45", "2019-10-06 22:34:45"),
        ("2019-03-06 10:00:00 +0530", "2019-03-06 04:30:00"),
        ("2019-03-06 10:00:00-02:00", "2019-03-06 12:00:00"),
        ("2019-03-06 10:00:00Z", "2019-03-06 10:00:00"),
        ("2019-03-06T10:00:00", None),
        ("2019-03-06", None),
        ("2019-13-06 10:00:00", None),
        ("2019-03-06 25:00:00", None),
    ],
)
def test_parse_datetime(text: str, parsed: str | None) -> None:
    assert v.parse_datetime(text) == parsed


@pytest.mark.parametrize(
    "address",
    ["joe.doe@example.com", "a+tag@sub.example.co.uk", "zoë@exämple.de", "x@localhost"],
)
def test_valid_emails(address: str) -> None:
    errors = v.Errors()
    assert v.email()("Email", address, errors) == address
    assert not errors


@pytest.mark.parametrize(
    "address",
    [
        "joe",
        "joe@",
        "@example.com",
        "a b@example.com",
        "a..b@example.com",
        "a@-example.com",
        "a@example..com",
    ],
)
def test_invalid_emails(address: str) -> None:
    errors = v.Errors()
    assert v.email()("Email", address, errors) is None
    assert errors.messages == {"Email": ["The Email must be a valid email address."]}


def test_laravel_9_summary_counts_further_errors() -> None:
    one = ValidationFailed({"Email": ["first"]}, summary="first")
    two = ValidationFailed({"Email": ["first"], "Phone": ["second"]}, summary="first")
    three = ValidationFailed({"Email": ["first", "second"], "Phone": ["third"]}, summary="first")
    assert one.message == "first"
    assert two.message == "first (and 1 more error)"
    assert three.message == "first (and 2 more errors)"
    assert ValidationFailed({"a": ["x"]}).message == "The given data was invalid."


def test_parse_form_brackets() -> None:
    assert parse_form(
        "configuration=abc&record%5BFirst+Name%5D=Joe&record[Email]=j%40x.io&with[]=a&with[]=b"
        "&deep[a][b]=c&plain"
    ) == {
        "configuration": "abc",
        "record": {"First Name": "Joe", "Email": "j@x.io"},
        "with": ["a", "b"],
        "deep": {"a": {"b": "c"}},
        "plain": "",
    }


def test_later_form_values_win_and_scalars_become_dicts() -> None:
    assert parse_form("a=1&a=2") == {"a": "2"}
    assert parse_form("record=x&record[A]=1") == {"record": {"A": "1"}}


def test_parse_body_by_content_and_type() -> None:
    assert parse_body(b'{"a": 1}', "application/x-www-form-urlencoded") == {"a": 1}
    assert parse_body(b"a=1", "") == {"a": "1"}
    assert parse_body(b"", "application/json") == {}
    assert parse_body(b"[1]", "application/json") == {}


def _compact(text: str) -> bytes:
    import json

    return json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False).encode()


def test_seed_002_validation_bodies_render_exactly() -> None:
    import msgspec

    # The two 422 examples of the personal-link document, in Laravel 9 summary style.
    both = ValidationFailed(
        {
            "Email": ["The Email field is required when Phone is not present."],
            "Phone": ["The Phone field is required when Email is not present."],
        },
        summary="first",
    )
    invalid = ValidationFailed(
        {"Email": ["The Email must be a valid email address."]}, summary="first"
    )
    assert msgspec.json.encode(both.body()) == _compact(
        '{"message": "The Email field is required when Phone is not present. (and 1 more error)",'
        ' "errors": {"Email": ["The Email field is required when Phone is not present."],'
        ' "Phone": ["The Phone field is required when Email is not present."]}}'
    )
    assert msgspec.json.encode(invalid.body()) == _compact(
        '{"message": "The Email must be a valid email address.",'
        ' "errors": {"Email": ["The Email must be a valid email address."]}}'
    )
    assert both.status == invalid.status == 422
