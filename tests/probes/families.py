"""The requests the wire fuzz sends, family by family (strategies from ``wire.py``).

Each family's routes are (method, path) pairs; its bodies are shaped like the documented ones
with values the tenant accepts most of the time (see :func:`wire.mostly`), so that a good part
of the requests reaches past validation into the service and the database.
"""

from __future__ import annotations

import json

from hypothesis import strategies as st

from tests.probes.wire import (
    ADMIN,
    API_KEY,
    BASIC,
    BEARER,
    Body,
    Part,
    Probe,
    bodies,
    bracket_keys,
    form_body,
    json_body,
    json_object,
    json_values,
    mostly,
    multipart_body,
    plausible,
    probes,
    query,
    text,
    uniform,
)
from tests.support import ACCOUNT_MAPPING, MULTI_MAPPING

#: The tenant's mapping headings with a value each that the mappings accept.
HEADINGS = {
    "Account Name": "ACME",
    "Account Number": "A-1",
    "Parent Account": "ACME Group",
    "First Name": "Joe",
    "Email": "joe@example.com",
    "Phone": "+31 6 1234 5678",
    "Touchpoint": "Support",
    "Division": "Netherlands",
    "Order Date": "2024-01-01",
    "Product": "Gauge",
    "Order Number": "O-1",
    "NPS": "9",
    "Comment": "Fine",
    "Responded": "2024-01-02 10:00:00",
    "Alias": "ACME Inc",
    "Amount": "100",
    "Start": "2024-01-01",
    "End": "2024-12-31",
    "Type": "ARR",
}
REFERENCES = (ACCOUNT_MAPPING, MULTI_MAPPING, "survey", "external", "alias", "revenue", "contact")
VALUES = (*HEADINGS.values(), "", "2024-13-45", "not an address")


def _json(values: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """JSON text for one field: a plausible string mostly, else any JSON value."""
    return mostly(values.map(json.dumps), json_values, 80)


def _form_fields(**fields: st.SearchStrategy[str]) -> st.SearchStrategy[Body]:
    return form_body(fields, bracket_keys(*fields))


def _multipart_fields(**fields: st.SearchStrategy[str]) -> st.SearchStrategy[Body]:
    def part(name: str) -> st.SearchStrategy[Part]:
        return fields[name].map(
            lambda value: Part(name, None, None, value.encode("utf-8", "surrogatepass"))
        )

    return multipart_body(st.sampled_from(sorted(fields)).flatmap(part))


_value = plausible(*VALUES)
_record = json_object({h: _json(mostly(st.just(v), _value, 90)) for h, v in HEADINGS.items()})
_record_form = {f"record[{h}]": mostly(st.just(v), _value) for h, v in list(HEADINGS.items())[:8]}
_bearer = mostly(st.just(BEARER), st.sampled_from([API_KEY, ADMIN]), 95)
_strict = st.tuples(st.just("X-OpenGauge-Strict"), st.sampled_from([b"1", b"0", b"yes"]))


def _fixed_schema(path: str, valid: dict[str, str]) -> st.SearchStrategy[Probe]:
    """PUT /accounts, /contracts or /activities/: flat JSON (or form) of known fields."""
    values = {name: mostly(st.just(value), _value) for name, value in valid.items()}
    return probes(
        routes=(("PUT", path),),
        body=bodies(
            json_body(
                json_object(
                    {name: _json(value) for name, value in values.items()}
                    | {"additional_information_object": json_values}
                )
            ),
            _form_fields(**values),
        ),
        authorization=_bearer,
    )


_records = probes(
    routes=(("PUT", "/records/"), ("PUT", "/personal-link/")),
    body=bodies(
        json_body(
            json_object(
                {
                    "configuration": _json(plausible(*REFERENCES)),
                    "record": mostly(_record, json_values, 90),
                }
            )
        ),
        _form_fields(configuration=plausible(*REFERENCES), **_record_form),
        _multipart_fields(configuration=plausible(*REFERENCES), **_record_form),
    ),
    authorization=_bearer,
    extra_header=_strict,
)
_imports = uniform(
    _records,
    _records,
    _fixed_schema(
        "/accounts",
        {"reference": "ACME", "number": "A-1", "manager": "Ann", "parent": "", "region": "EMEA"},
    ),
    _fixed_schema(
        "/contracts",
        {
            "reference": "c-1",
            "account": "ACME",
            "start": "2024-01-01",
            "end": "2024-12-31",
            "description": "",
        },
    ),
    _fixed_schema(
        "/activities/",
        {
            "reference": "a-1",
            "account": "ACME",
            "contact": "joe@example.com",
            "type": "Call",
            "source": "CRM",
            "happened_at": "2024-01-01 10:00:00",
        },
    ),
)

_token_fields = {
    "grant_type": plausible("client_credentials", "password"),
    "client_id": plausible("__CLIENT_ID__"),
    "client_secret": plausible("__CLIENT_SECRET__"),
    "scope": text,
}
_oauth2 = probes(
    routes=(
        ("POST", "/oauth2/token"),
        ("POST", "/oauth2/token"),
        ("GET", "/.well-known/jwks.json"),
    ),
    body=bodies(
        _form_fields(**_token_fields),
        json_body(json_object({k: _json(v) for k, v in _token_fields.items()})),
        _multipart_fields(**_token_fields),
    ),
    authorization=mostly(st.just(BASIC), st.sampled_from(["Basic __JUNK__", BEARER]), 70),
    queries=query(bracket_keys(*_token_fields), plausible("client_credentials", "__CLIENT_ID__")),
)

_export_keys = bracket_keys(
    "per_page", "cursor", "with[]", "period[field]", "period[start]", "period[end]", "period"
)
_export_values = plausible(
    "1",
    "1000",
    "0",
    "-1",
    "1001",
    "9223372036854775808",
    "drivers",
    "tags",
    "date_creation",
    "date_survey_response",
    "2024-01-01",
    "2024-01-01 10:00:00+02:00",
    "2024-02-30",
)
_export = probes(
    routes=(("GET", "/v7/rest/sync/responses"), ("GET", "/v7/rest/sync/non-responses")),
    body=st.just(Body(None, b"")) | bodies(_form_fields(per_page=_export_values)),
    authorization=mostly(st.just(BEARER), st.just(API_KEY)),
    queries=query(_export_keys, _export_values),
)

_contact_values = plausible("joe@example.com", "JOE@EXAMPLE.COM", "+31 6 1234 5678", "", "@")
_v6 = probes(
    routes=(("POST", "/v6/system-admin/data-admin/contacts/anonymize"),),
    body=bodies(
        *(json_body(json_object({k: _json(_contact_values)})) for k in ("email", "phone")),
        json_body(
            json_object({k: _json(_contact_values) for k in ("email", "phone", "telephone")})
        ),
        _form_fields(email=_contact_values),
    ),
    authorization=mostly(st.just(BEARER), st.just(API_KEY)),
)

_MODULES = (
    ("GET", "lists/unsubscribe"),
    ("POST", "lists/unsubscribe"),
    ("GET", "lists/bounce"),
    ("GET", "anonymize"),
    ("POST", "anonymize"),
    ("GET", "hierarchy"),
    ("POST", "hierarchy"),
    ("PUT", "hierarchy"),
    ("DELETE", "hierarchy"),
    ("POST", "company/revenue_file_automate"),
    ("GET", "file/company-revenue"),
    ("GET", "reasons"),
    ("POST", "reasons"),
    ("PUT", "reasons"),
)
_v41_fields = {
    "email": _contact_values,
    "telephone": _contact_values,
    "id": plausible("1", "0", "-1", "99999999999999999999", "abc"),
    "start": plausible("0", "1", "-1", "x", "1e3"),
    "limit": plausible("1", "1000", "1001", "0", "-5"),
    "date_range_from": plausible("2024-01-01", "2024-01-01 10:00:00", "2024-13-01"),
    "date_range_to": plausible("2030-01-01", "2024-01-01 23:59:59", "0000-00-00"),
    "division": plausible("Netherlands", "Global", "Amsterdam", ""),
    "parent": plausible("Global", "Netherlands", "Nowhere"),
    "division_to_update": plausible("North Holland", "Global", ""),
    "show_for": plausible("Promoter", "Detractor&Neutral", "Detractor", "x"),
    "reason_code": plausible("1001", "1002", "", "a b", "x" * 40),
    "good_bad": plausible("pos", "neg", "NEG", "good", ""),
    "level": plausible("1", "2", "0", "3", "x"),
    "category_main": plausible("Support", "Netherlands", ""),
    "position": plausible("0", "6", "-1", "1000000", "x"),
    "label": plausible("Support", "Slow answers", "", "a\nb"),
    "api_key": plausible("__API_KEY__"),
}
_CSV = (
    b"Account Name,Amount,Start,End,Type\nACME,100,2024-01-01,2024-12-31,ARR\n",
    b"\xef\xbb\xbfname;amount;start\nACME;1;2024-01-01\n",
    b"PK\x03\x04garbage",
    b"",
)
_revenue_files = st.builds(
    Part,
    plausible("file"),
    plausible("revenue.csv", "revenue.xlsx", "r.txt", "r", "r.xls", ""),
    st.none() | st.sampled_from(["text/csv", "application/vnd.ms-excel"]),
    st.sampled_from(_CSV) | st.binary(max_size=200),
)
_v41 = probes(
    routes=tuple(
        (method, f"/v4.1/{module}{suffix}")
        for method, module in _MODULES
        for suffix in (".json", ".xml")
    ),
    body=bodies(
        _form_fields(**_v41_fields),
        multipart_body(_revenue_files),
        json_body(json_object({k: _json(v) for k, v in _v41_fields.items()})),
    ),
    authorization=mostly(st.just(API_KEY), st.sampled_from([BEARER, "api_key __JUNK__"]), 75),
    queries=query(bracket_keys(*_v41_fields), plausible("__API_KEY__", "0", "10", "x")),
)

_survey_fields = {
    "score": plausible("0", "7", "10", "11", "-1", " 9 ", "9.0"),
    "comment": text,
    "form_token": plausible("__FORM_TOKEN__", ""),
}
_survey = probes(
    routes=(
        ("GET", "/r/__CODE__"),
        ("POST", "/r/__CODE__"),
        ("GET", "/r/__CODE2__/unsubscribe"),
        ("POST", "/r/__CODE2__/unsubscribe"),
        ("GET", "/s/__CODE__"),
        ("GET", "/r/nonexistent-code"),
    ),
    body=bodies(_form_fields(**_survey_fields), _multipart_fields(**_survey_fields)),
    authorization=st.sampled_from(["", BEARER]),
    queries=query(bracket_keys("score", "lang"), text),
)

_system = plausible("__SYSTEM__", "__SYSTEM__", "nobody", "")
_CONTROL = (
    ("POST", "/_opengauge/reset"),
    ("POST", "/_opengauge/seed"),
    ("GET", "/_opengauge/systems"),
    ("POST", "/_opengauge/systems"),
    ("GET", "/_opengauge/systems/__SYSTEM__"),
    ("DELETE", "/_opengauge/systems/__SYSTEM__"),
    *(
        (method, f"/_opengauge/systems/__SYSTEM__/{kind}")
        for kind in ("apps", "mappings", "touchpoints", "campaigns", "bounces")
        for method in ("GET", "POST")
    ),
    ("DELETE", "/_opengauge/systems/__SYSTEM__/apps/__CLIENT_ID__"),
    ("DELETE", "/_opengauge/systems/__SYSTEM__/mappings/survey"),
    ("DELETE", "/_opengauge/systems/__SYSTEM__/touchpoints/Support"),
    ("DELETE", "/_opengauge/systems/__SYSTEM__/campaigns/s"),
    ("DELETE", "/_opengauge/systems/__SYSTEM__/bounces/joe@example.com"),
    ("GET", "/_opengauge/systems/__SYSTEM__/outbox"),
    ("GET", "/_opengauge/systems/__SYSTEM__/journal"),
    ("DELETE", "/_opengauge/systems/__SYSTEM__/journal"),
    ("GET", "/_opengauge/outbox"),
    ("GET", "/_opengauge/journal"),
    ("DELETE", "/_opengauge/journal"),
    ("GET", "/_opengauge/faults"),
    ("POST", "/_opengauge/faults"),
    ("DELETE", "/_opengauge/faults"),
    ("DELETE", "/_opengauge/faults/f1"),
    ("GET", "/_opengauge/clock"),
    ("POST", "/_opengauge/clock"),
    ("DELETE", "/_opengauge/clock"),
)
_list = st.lists(json_values, max_size=3).map(lambda items: "[" + ",".join(items) + "]")
_control_body = json_object(
    {
        "name": _json(plausible("__SYSTEM__", "other", "Support", "s")),
        "region": _json(plausible("eu", "us", "mars")),
        "touchpoints": _list,
        "client_id": _json(plausible("__CLIENT_ID__", "new-client")),
        "client_secret": _json(plausible("secret")),
        "reference": _json(plausible("survey", "new")),
        "data_type": _json(plausible("Account", "Survey Data", "Multi-Object", "Nope")),
        "fields": json_object({"Email": _json(plausible("contact.email", "x.y"))}),
        "filters": _list,
        "email": _json(_contact_values),
        "type": _json(plausible("hard", "soft")),
        "reason": _json(plausible("550 no such user")),
        "path": _json(plausible("/records*", "/v4.1/*", "[")),
        "status": st.sampled_from(["503", "429", "600", "99", "1e3", '"503"']),
        "latency_ms": st.sampled_from(["0", "-1", "60001", "1.5"]),
        "offset": st.sampled_from(["0", "3600", "1e300", "-99999999999"]),
        "time": _json(plausible("2030-01-01T00:00:00Z", "10000-01-01T00:00:00Z", "now")),
        "advance": st.sampled_from(["1", "-1e20", "3601", "true"]),
        "systems": _list,
    }
)
_seed_yaml = st.lists(text, max_size=6).map(
    lambda lines: "\n".join(lines).encode("utf-8", "surrogatepass")
)
_control = probes(
    routes=_CONTROL,
    body=bodies(
        json_body(_control_body),
        json_body(st.builds(lambda s: '{"systems":[' + s + "]}", _control_body)),
        st.builds(Body, st.sampled_from(["application/yaml", None]), _seed_yaml),
        _form_fields(name=_system),
    ),
    authorization=mostly(st.just(ADMIN), st.just(BEARER), 90),
    queries=query(bracket_keys("limit", "system"), plausible("10", "0", "1001", "x")),
)

FAMILIES: dict[str, st.SearchStrategy[Probe]] = {
    "oauth2": _oauth2,
    "imports": _imports,
    "export": _export,
    "v6-anonymize": _v6,
    "v4.1": _v41,
    "survey": _survey,
    "control": _control,
}
