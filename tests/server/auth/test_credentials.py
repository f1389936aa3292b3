"""The authentication steps that read credentials from headers and parameters."""

from __future__ import annotations

import base64

import pytest

from opengauge.server.auth.service import basic_credentials, read_api_key


def _basic(text: str, *, padding: bool = True) -> str:
    encoded = base64.b64encode(text.encode()).decode()
    return "Basic " + (encoded if padding else encoded.rstrip("="))


@pytest.mark.parametrize(
    ("authorization", "expected"),
    [
        (_basic("hook:s3cret"), ("hook", "s3cret")),
        (_basic("hook:with:colons"), ("hook", "with:colons")),
        (_basic("hook:s3cret", padding=False), ("hook", "s3cret")),
        ("bAsIc " + _basic("a:b")[6:], ("a", "b")),
        (_basic("no-colon"), ("no-colon", "")),
        ("Basic %%%not-base64", None),
        ("Basic " + base64.b64encode(b"\xff\xfe:x").decode(), None),
        ("Bearer abc", None),
        ("", None),
        (None, None),
    ],
)
def test_basic_credentials(authorization: str | None, expected: tuple[str, str] | None) -> None:
    assert basic_credentials(authorization) == expected


@pytest.mark.parametrize(
    ("authorization", "params", "expected"),
    [
        ("api_key k1", {"api_key": "k2"}, "k1"),
        ("API_KEY  k1 ", {}, "k1"),
        ("api_key ", {"api_key": "k2"}, "k2"),
        (None, {"api_key": "k2"}, "k2"),
        (None, {"api_key": ""}, None),
        (None, {"api_key": ["k2"]}, None),
        ("Bearer t", {}, None),
    ],
)
def test_read_api_key(
    authorization: str | None, params: dict[str, object], expected: str | None
) -> None:
    assert read_api_key(authorization, params) == expected
