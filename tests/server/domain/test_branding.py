"""The branding rules: colours and their text, privacy links, logo types by magic bytes."""

from __future__ import annotations

import pytest

from opengauge.server.domain import branding as b


def test_contrast_matches_wcag() -> None:
    assert b.contrast("#000000", "#ffffff") == pytest.approx(21)
    assert b.contrast("#ffffff", "#ffffff") == pytest.approx(1)
    assert b.contrast("#1d4ed8", "#ffffff") == pytest.approx(6.70, abs=0.01)
    assert b.contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def test_text_on_any_colour_meets_aa() -> None:
    steps = range(0, 256, 15)
    for red in steps:
        for green in steps:
            for blue in steps:
                colour = f"#{red:02x}{green:02x}{blue:02x}"
                assert b.contrast(colour, b.text_on(colour)) >= 4.5, colour


@pytest.mark.parametrize(
    ("colour", "text"),
    [
        ("#ffffff", "#000000"),
        ("#ffd500", "#000000"),
        ("#0f766e", "#ffffff"),
        ("#000000", "#ffffff"),
    ],
)
def test_light_colours_take_black_and_dark_ones_white(colour: str, text: str) -> None:
    assert b.text_on(colour) == text


def test_colours_are_written_rrggbb() -> None:
    assert b.normal_colour(" #AbCdEf ") == "#abcdef"
    for wrong in ("abcdef", "#abc", "#abcdeg", "#abcdef0", "red", "rgb(0,0,0)", "#12345\n"):
        assert b.normal_colour(wrong) is None, wrong
        assert b.colour_problem(wrong) == b.COLOUR_PROBLEM


@pytest.mark.parametrize(
    "url", ["https://acme.example/privacy", "http://acme.example", "HTTPS://Acme.Example/p?q=1#x"]
)
def test_web_addresses_are_privacy_links(url: str) -> None:
    assert b.privacy_url_problem(url) is None


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,<b>x</b>",
        "ftp://acme.example/p",
        "//acme.example/p",
        "/privacy",
        "https://",
        "https://acme.example/a b",
        "https://acme.example/\u0085",
        "https://[::1",
    ],
)
def test_anything_else_is_not(url: str) -> None:
    assert b.privacy_url_problem(url) is not None


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n....", "image/png"),
        (b"\xff\xd8\xff\xe0....", "image/jpeg"),
        (b"GIF87a....", "image/gif"),
        (b"GIF89a....", "image/gif"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", None),
        (b"<?xml version='1.0'?><svg/>", None),
        (b"RIFF\x10\x00\x00\x00WAVEfmt ", None),
        (b"\x89PNG", None),
        (b"", None),
    ],
)
def test_logo_types_by_their_first_bytes(data: bytes, kind: str | None) -> None:
    assert b.logo_type(data) == kind


def test_logo_size_limit() -> None:
    png = b"\x89PNG\r\n\x1a\n"
    assert b.logo_problem(png + b"\x00" * (b.MAX_LOGO_BYTES - len(png))) is None
    assert b.logo_problem(png + b"\x00" * (b.MAX_LOGO_BYTES + 1 - len(png))) == b.LOGO_SIZE_PROBLEM
