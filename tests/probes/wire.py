"""Hypothesis strategies for whole HTTP requests, built at the wire level.

A :class:`Probe` is one request as bytes and strings: method, path, raw query string, headers
and body. Credentials, survey codes and the system name are markers (``__TOKEN__``, ``__CODE__``,
``__SYSTEM__``...) that the test replaces with live values just before sending, so the
strategies stay independent of the running server and deterministic.

Bodies are generated as text, not as Python values run through ``json.dumps``: that is how
lone surrogates, numbers beyond any float, NaN tokens, nesting thousands deep and invalid
UTF-8 reach the server.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import quote

from hypothesis import strategies as st

T = TypeVar("T")

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

#: Authorization header values; markers are replaced by live credentials when sending.
BEARER = "Bearer __TOKEN__"
API_KEY = "api_key __API_KEY__"
BASIC = "Basic __BASIC__"
ADMIN = "Bearer __ADMIN__"


@dataclass(frozen=True)
class Probe:
    """One request, as the wire will carry it (before markers are replaced)."""

    method: str
    path: str
    query: str
    headers: tuple[tuple[str, bytes], ...]
    body: bytes

    def header(self, name: str) -> bytes | None:
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None


# -- text --------------------------------------------------------------------------------

#: Characters that break parsers, headers and databases more often than random ones do.
NASTY = (
    "\x00",
    "\x01",
    "\x1b",
    "\x7f",
    "\t",
    "\r",
    "\n",
    "\r\n",
    "\ud800",
    "\udfff",
    "\ud83d",
    "\u2028",
    "\ufeff",
    "\u202e",
    "\uffff",
    "\U0010ffff",
    "é",
    "😀",
    '"',
    "'",
    "\\",
    "[",
    "]",
    "[]",
    "%",
    "%00",
    "%zz",
    "&",
    "=",
    ";",
    "/",
    "..",
    "*",
    "<",
    "]]>",
    "&amp;",
)

#: The characters behind most defects found so far: header values, PostgreSQL text, JSON
#: escapes. Half of the nasty characters put into text are one of these.
DANGEROUS = ("\x00", "\x7f", "\ud800", "\udfff", "\r\n")

_chars = st.one_of(st.characters(exclude_categories=()), st.sampled_from(NASTY))
_words = st.lists(_chars, max_size=8).map("".join)


def mostly(
    common: st.SearchStrategy[T], rare: st.SearchStrategy[T], percent: int = 85
) -> st.SearchStrategy[T]:
    """``common`` about ``percent`` % of the time, else ``rare``. (Repeating a branch in
    ``one_of`` does not weight it: Hypothesis steers towards the larger branches.)"""

    @st.composite
    def pick(draw: st.DrawFn) -> T:
        return draw(common if draw(st.integers(0, 99)) < percent else rare)

    return pick()


def uniform(*strategies: st.SearchStrategy[T]) -> st.SearchStrategy[T]:
    """One of ``strategies``, each about as often (unlike ``one_of``, see :func:`mostly`)."""

    @st.composite
    def pick(draw: st.DrawFn) -> T:
        return draw(strategies[draw(st.integers(0, len(strategies) - 1))])

    return pick()


#: Short text of any characters (surrogates included), often with a nasty one inside;
#: sometimes very long.
text = st.one_of(
    _words,
    st.tuples(_words, mostly(st.sampled_from(DANGEROUS), st.sampled_from(NASTY), 50), _words).map(
        "".join
    ),
    st.tuples(st.sampled_from(["a", "é", "\x00", " "]), st.sampled_from([129, 256, 5000])).map(
        lambda pair: pair[0] * pair[1]
    ),
)


def plausible(*values: str) -> st.SearchStrategy[str]:
    """One of the given (meaningful) values most of the time, else any text."""
    return mostly(st.sampled_from(values), text, 80)


# -- JSON as text ------------------------------------------------------------------------


def json_string(value: str, escape: bool) -> str:
    """``value`` as a JSON string: ASCII escapes (lone surrogates become ``\\udXXX``), or raw
    characters (lone surrogates become invalid UTF-8 once the body is encoded)."""
    if escape:
        return json.dumps(value)
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


json_strings = st.builds(json_string, text, st.booleans())
NUMBERS = (
    "0",
    "-0",
    "1.5",
    "1e999",
    "-1e999",
    "1E-400",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "18446744073709551616",
    "1" + "0" * 400,
    "1" + "0" * 5000,
    "NaN",
    "Infinity",
    "-Infinity",
    "0x10",
    "01",
    "1.",
    ".5",
)
json_scalars = st.one_of(
    st.sampled_from(("null", "true", "false")),
    st.sampled_from(NUMBERS),
    st.integers().map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    json_strings,
)


def _array(items: list[str]) -> str:
    return "[" + ",".join(items) + "]"


def _object(pairs: list[tuple[str, str]]) -> str:
    return "{" + ",".join(f"{k}:{v}" for k, v in pairs) + "}"


def _nest(pair: tuple[str, int]) -> str:
    opening, depth = pair
    closing = {"[": "]", '{"a":': "}"}[opening]
    return opening * depth + "1" + closing * depth


json_deep = st.tuples(st.sampled_from(["[", '{"a":']), st.sampled_from([64, 1000, 5000, 100_000]))
#: Any JSON value as text: weird scalars, containers, or nesting thousands deep.
json_values = st.one_of(
    st.recursive(
        json_scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4).map(_array),
            st.lists(st.tuples(json_strings, inner), max_size=4).map(_object),
        ),
        max_leaves=8,
    ),
    json_deep.map(_nest),
)


def fields(
    known: dict[str, st.SearchStrategy[str]], other: st.SearchStrategy[tuple[str, str]]
) -> st.SearchStrategy[list[tuple[str, str]]]:
    """Most of the ``known`` fields (name -> value strategy), in order, plus a few ``other``
    pairs (unknown names, or a known name a second time)."""
    present = {name: mostly(value, st.none()) for name, value in known.items()}

    def join(chosen: dict[str, str | None], extra: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(n, v) for n, v in chosen.items() if v is not None] + extra

    return st.builds(join, st.fixed_dictionaries(present), st.lists(other, max_size=3))


def json_object(known: dict[str, st.SearchStrategy[str]]) -> st.SearchStrategy[str]:
    """A JSON object (as text) with most of ``known`` (name -> value as JSON text) and maybe
    extra keys."""
    other = st.tuples(json_strings, json_values)
    pairs = fields({json.dumps(name): value for name, value in known.items()}, other)
    return pairs.map(_object)


# -- bodies ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Body:
    content_type: str | None
    content: bytes


def _encode(content: str) -> bytes:
    return content.encode("utf-8", "surrogatepass")


def json_body(document: st.SearchStrategy[str]) -> st.SearchStrategy[Body]:
    kinds = st.sampled_from(["application/json", "application/json; charset=utf-8", None])
    return st.builds(Body, kinds, document.map(_encode))


def _form_text(pairs: list[tuple[str, str]], escape: bool) -> str:
    if escape:
        pairs = [(quote(_encode(k), safe="[]"), quote(_encode(v))) for k, v in pairs]
    return "&".join(f"{k}={v}" for k, v in pairs)


def bracket_keys(*names: str) -> st.SearchStrategy[str]:
    """Form keys in PHP bracket style, well-formed or not: ``record[Email]``, ``a[][b]``,
    ``record[``, ``]x``..."""
    base = plausible(*names)
    suffix = st.sampled_from(["", "", "[]", "[x]", "[", "]", "[[a]]", "[a][b]", "[]]", "[][]"])
    inner = st.builds(lambda b, k: f"{b}[{k}]", base, text)
    return st.one_of(base, st.builds(lambda b, s: b + s, base, suffix), inner)


def form_text(
    known: dict[str, st.SearchStrategy[str]], keys: st.SearchStrategy[str]
) -> st.SearchStrategy[str]:
    """``a=1&b[c]=2`` with most of ``known`` and a few other ``keys``, percent-encoded or
    raw (raw ``&``, ``=`` and ``%`` then change the structure)."""
    pairs = fields(known, st.tuples(keys, text))
    return st.builds(_form_text, pairs, st.sampled_from([True, True, True, False]))


def form_body(
    known: dict[str, st.SearchStrategy[str]], keys: st.SearchStrategy[str]
) -> st.SearchStrategy[Body]:
    kinds = st.sampled_from(
        ["application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=x", None]
    )
    return st.builds(Body, kinds, form_text(known, keys).map(_encode))


BOUNDARIES = (
    "b",
    "----WebKitFormBoundary7MA4YWxkTrZu0gW",
    "x" * 70,
    "x" * 200,
    "a'()+_,-./:=?",
    '"quoted boundary"',
    "with space",
    "é",
    "--",
    "",
)


@dataclass(frozen=True)
class Part:
    name: str
    filename: str | None
    content_type: str | None
    content: bytes


parts = st.builds(
    Part,
    text,
    st.none() | text,
    st.none() | st.sampled_from(["text/csv", "application/octet-stream", "text/plain; x=1"]),
    st.binary(max_size=64) | text.map(_encode),
)


def _quoted(value: str) -> str:
    return '"' + value.replace('"', '\\"') + '"'


#: Multipart bodies stay below the server's 1 MiB body limit: a bigger body is refused with
#: 413 before it has been read, and the client may then see the connection close mid-send.
MULTIPART_MAX_BYTES = 900_000


def _multipart(boundary: str, declared: str, items: list[Part], count: int) -> Body:
    lines: list[bytes] = []
    size = sum(len(p.name) * 4 + len(p.filename or "") * 4 + len(p.content) + 100 for p in items)
    rounds = max(1, min(count // len(items), MULTIPART_MAX_BYTES // size))
    for part in items * rounds:
        disposition = f"form-data; name={_quoted(part.name)}"
        if part.filename is not None:
            disposition += f"; filename={_quoted(part.filename)}"
        lines.append(_encode(f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"))
        if part.content_type:
            lines.append(_encode(f"Content-Type: {part.content_type}\r\n"))
        lines.append(b"\r\n" + part.content + b"\r\n")
    lines.append(_encode(f"--{boundary}--\r\n"))
    header = "multipart/form-data" + (f"; boundary={declared}" if declared != "-" else "")
    return Body(header, b"".join(lines))


def multipart_body(named: st.SearchStrategy[Part] = parts) -> st.SearchStrategy[Body]:
    """``multipart/form-data`` with odd boundaries (declared and used may differ), odd
    names and file names, and now and then a great many parts."""
    boundary = st.sampled_from(BOUNDARIES)
    declared = mostly(st.just(""), boundary | st.just("-"), 80)
    count = mostly(st.just(1), st.sampled_from([2, 50, 20_000]))
    items = st.lists(mostly(named, parts, 75), min_size=1, max_size=4)

    def build(b: str, d: str, ps: list[Part], n: int) -> Body:
        return _multipart(b.strip('"'), d or b, ps, n)

    return st.builds(build, boundary, declared, items, count)


raw_bodies = st.one_of(
    st.just(Body(None, b"")),
    st.builds(
        Body,
        st.sampled_from(["text/xml", "application/octet-stream", "x/y", None]),
        st.binary(max_size=64),
    ),
)


def bodies(*shaped: st.SearchStrategy[Body]) -> st.SearchStrategy[Body]:
    """The family's shaped bodies most of the time, else anything."""
    return mostly(uniform(*shaped), uniform(json_body(json_values), raw_bodies))


# -- queries, paths, headers -------------------------------------------------------------


def query(
    keys: st.SearchStrategy[str], values: st.SearchStrategy[str] = text
) -> st.SearchStrategy[str]:
    """A raw query string of ``keys`` (bracket keys and all)."""
    return st.lists(st.tuples(keys, values), max_size=4).flatmap(
        lambda pairs: st.sampled_from([True, True, False]).map(lambda e: _form_text(pairs, e))
    )


_MUTATIONS = ("{}/", "/{}", "{}//", "{}/..", "{}%00", "{}%2F", "{}.json", "{}.xml", "{}/x")


def mutated(template: str) -> st.SearchStrategy[str]:
    """The path mostly as it is, sometimes mutated or with an odd last segment."""
    rare = st.one_of(
        st.sampled_from(_MUTATIONS).map(lambda m: m.format(template)),
        text.map(lambda s: template.rsplit("/", 1)[0] + "/" + quote(_encode(s), safe="")),
        st.just(template.upper()),
    )
    return mostly(st.just(template), rare)


_header_text = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=40
).map(lambda value: value.strip().encode("latin-1"))

HOSTS = (
    "imports.api.eu.customergauge.com",
    "api.eu.customergauge.com",
    "auth.us.customergauge.com",
    "api.au.customergauge.com",
    "localhost:8080",
    "127.0.0.1",
    "eu..customergauge.com",
    "[::1]",
)
CONTENT_TYPES = (
    "application/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "multipart/form-data; boundary=",
    "multipart/mixed; boundary=b",
    "text/plain",
    "application/xml",
    "*/*",
)


def headers(
    authorization: st.SearchStrategy[str], body: Body, extra: st.SearchStrategy[tuple[str, bytes]]
) -> st.SearchStrategy[tuple[tuple[str, bytes], ...]]:
    """Headers: the given credentials (valid most of the time), the body's content type
    (sometimes replaced), now and then a Host, Accept or family header."""

    def authorized(value: str) -> list[tuple[str, bytes]]:
        return [("Authorization", value.encode("latin-1"))]

    auth = mostly(
        authorization.map(authorized),
        st.one_of(
            st.just([]),
            _header_text.map(lambda v: [("Authorization", v)]),
            _header_text.map(lambda v: [("Authorization", b"Bearer " + v)]),
        ),
    )
    declared = [("Content-Type", body.content_type.encode("latin-1"))] if body.content_type else []
    content_type = mostly(
        st.just(declared),
        st.one_of(
            st.sampled_from(CONTENT_TYPES).map(lambda c: [("Content-Type", c.encode())]),
            _header_text.map(lambda v: [("Content-Type", v)]),
        ),
    )
    other = st.one_of(
        st.sampled_from(HOSTS).map(lambda h: ("Host", h.encode())),
        st.sampled_from(["application/xml", "text/html", "*/*"]).map(
            lambda a: ("Accept", a.encode())
        ),
        extra,
        st.tuples(st.sampled_from(["X-Forwarded-For", "Cookie", "X-Junk"]), _header_text),
    )
    others = mostly(st.just([]), st.lists(other, min_size=1, max_size=2), 70)
    return st.builds(lambda a, c, o: tuple(a + c + o), auth, content_type, others)


NO_QUERY = st.just("")
NO_HEADER: st.SearchStrategy[tuple[str, bytes]] = st.nothing()


def probes(
    *,
    routes: tuple[tuple[str, str], ...],
    body: st.SearchStrategy[Body],
    authorization: st.SearchStrategy[str],
    queries: st.SearchStrategy[str] = NO_QUERY,
    extra_header: st.SearchStrategy[tuple[str, bytes]] = NO_HEADER,
) -> st.SearchStrategy[Probe]:
    """Requests of one family: its routes (method, path), mostly as they are, sometimes with
    another method or a mutated path; its bodies, queries and credentials."""

    @st.composite
    def build(draw: st.DrawFn) -> Probe:
        method, path = draw(st.sampled_from(routes))
        chosen = draw(body)
        return Probe(
            draw(mostly(st.just(method), st.sampled_from(METHODS))),
            draw(mutated(path)),
            draw(queries),
            draw(headers(authorization, chosen, extra_header)),
            chosen.content,
        )

    return build()
