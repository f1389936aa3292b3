"""The control plane: admin token, seeds and reset, and each configuration resource."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from opengauge.server.app import OpenGaugeApp
from opengauge.server.settings import Settings
from tests.conftest import BACKENDS, POSTGRES_URL
from tests.server.control.support import database
from tests.support import (
    ACCOUNT_MAPPING,
    RunningServer,
    Tenant,
    put_record,
    start_server,
    tenant_seed,
)


def _name() -> str:
    return f"cp-{uuid.uuid4().hex[:10]}"


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/_opengauge/systems"), ("POST", "/_opengauge/reset"), ("GET", "/_opengauge/nope")],
)
@pytest.mark.parametrize("authorization", [None, "Bearer wrong", "Basic abc", "bearer"])
def test_the_admin_token_is_required(
    server: RunningServer, method: str, path: str, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    with server.client() as http:
        response = http.request(method, path, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthenticated."}


def test_a_token_is_generated_and_never_logged_when_none_is_set(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = OpenGaugeApp(Settings(database_url=f"sqlite:///{tmp_path / 'a.db'}"), tune_gc=False)
    assert len(app.admin_token) >= 32
    assert app.state.admin_token == app.admin_token

    async def start_and_stop() -> None:
        app.start()
        app.stop()

    with caplog.at_level(logging.WARNING, logger="opengauge"):
        asyncio.run(start_and_stop())
    # `serve` prints a generated token once; a log line never holds it.
    assert "control plane admin token generated" in caplog.text
    assert app.admin_token not in caplog.text
    chosen = OpenGaugeApp(Settings(admin_token="let-me-in"), tune_gc=False)
    assert chosen.admin_token == "let-me-in"


def test_systems_create_show_list_delete(server: RunningServer, admin: httpx.Client) -> None:
    name = _name()
    system = {"name": name, "region": "us", "touchpoints": ["Support"], "segments": ["Product"]}
    created = admin.post("/_opengauge/systems", json=system)
    assert created.status_code == 201
    assert created.json()["data"]["created"] is True
    assert created.json()["data"]["api_key"]  # generated, shown once
    again = admin.post("/_opengauge/systems", json=system)
    assert again.status_code == 200
    assert again.json()["data"] == {"name": name, "created": False}
    assert name in [s["name"] for s in admin.get("/_opengauge/systems").json()["data"]]
    shown = admin.get(f"/_opengauge/systems/{name}").json()["data"]
    assert shown["region"] == "us"
    assert shown["touchpoints"] == ["Support"]
    assert shown["segments"] == ["Product"]
    assert shown["divisions"] == []  # Global always exists; seed files don't declare it
    assert {m["data_type"] for m in shown["mappings"]}  # the default mappings
    assert admin.delete(f"/_opengauge/systems/{name}").status_code == 204
    assert admin.get(f"/_opengauge/systems/{name}").status_code == 404
    assert admin.delete(f"/_opengauge/systems/{name}").json() == {
        "message": f"System [{name}] not found."
    }


def test_deleting_a_system_with_data_removes_everything(
    tenant: Tenant, admin: httpx.Client
) -> None:
    with tenant.client() as http:
        assert put_record(http, "survey", {"Email": "x@example.com"}).status_code == 200
        assert put_record(http, "revenue", {"Account Name": "Nope"}).status_code == 422
    assert admin.delete(f"/_opengauge/systems/{tenant.name}").status_code == 204
    assert tenant.count("survey_records") == 0
    assert tenant.count("outbox") == 0
    with tenant.server.client() as http:
        assert http.post("/oauth2/token", data=tenant.credentials()).status_code == 400


def test_connected_apps(tenant: Tenant, admin: httpx.Client) -> None:
    base = f"/_opengauge/systems/{tenant.name}/apps"
    app = {"name": "erp", "client_id": f"{tenant.name}-erp", "client_secret": "erp-secret"}
    created = admin.post(base, json=app)
    assert created.status_code == 201
    assert created.json()["data"] == {
        "name": "erp",
        "client_id": app["client_id"],
        "division": "Global",
        "active": True,
    }
    assert "erp-secret" not in admin.get(base).text
    with tenant.server.client() as http:
        form = {"grant_type": "client_credentials", **app}
        del form["name"]
        assert http.post("/oauth2/token", data=form).status_code == 200
        assert admin.delete(f"{base}/{app['client_id']}").status_code == 204
        assert http.post("/oauth2/token", data=form).json() == {"error": "invalid_client"}
    assert admin.delete(f"{base}/{app['client_id']}").status_code == 404
    elsewhere = admin.post(base, json={**app, "division": "Mars"})
    assert elsewhere.status_code == 422
    assert elsewhere.json()["errors"] == {"division": ["unknown division 'Mars'"]}
    taken = admin.post(base, json={**app, "client_id": tenant.client_id})
    assert taken.status_code == 200  # the system's own app: updated
    missing = admin.post(base, json={"name": "x", "client_id": "y"})
    assert missing.status_code == 422
    assert missing.json()["errors"] == {"client_secret": ["The client_secret field is required."]}


def test_an_app_of_another_system_is_a_conflict(
    server: RunningServer, tenant: Tenant, admin: httpx.Client
) -> None:
    other = _name()
    assert admin.post("/_opengauge/systems", json={"name": other}).status_code == 201
    app = {"name": "steal", "client_id": tenant.client_id, "client_secret": "s"}
    response = admin.post(f"/_opengauge/systems/{other}/apps", json=app)
    assert response.status_code == 409
    assert tenant.client_id in response.json()["message"]


def test_mappings(tenant: Tenant, admin: httpx.Client) -> None:
    base = f"/_opengauge/systems/{tenant.name}/mappings"
    mapping = {
        "reference": "orders",
        "name": "Orders",
        "data_type": "Survey Data",
        "fields": {"Mail": "contact.email", "Product": "survey.segment.Product"},
    }
    assert admin.post(base, json=mapping).status_code == 201
    assert admin.post(base, json=mapping).status_code == 200
    assert mapping in admin.get(base).json()["data"]
    with tenant.client() as http:
        assert put_record(http, "orders", {"Mail": "o@example.com"}).status_code == 200
        bad = admin.post(base, json={**mapping, "fields": {"Mail": "contact.shoe_size"}})
        assert bad.status_code == 422
        assert list(bad.json()["errors"]) == ["body"]
        unknown_segment = {"Mail": "contact.email", "Hue": "survey.segment.Hue"}
        assert admin.post(base, json={**mapping, "fields": unknown_segment}).status_code == 422
        assert admin.delete(f"{base}/orders").status_code == 204
        assert put_record(http, "orders", {"Mail": "o@example.com"}).status_code == 404
    assert admin.delete(f"{base}/orders").status_code == 404


def test_touchpoints(tenant: Tenant, admin: httpx.Client) -> None:
    base = f"/_opengauge/systems/{tenant.name}/touchpoints"
    assert admin.post(base, json={"name": "Renewal"}).status_code == 201
    assert admin.post(base, json={"name": "Renewal"}).status_code == 200
    assert {"name": "Renewal"} in admin.get(base).json()["data"]
    with tenant.client() as http:
        record = {"Email": "t@example.com", "Touchpoint": "Renewal"}
        assert put_record(http, "53505294-0b20-2509-b15d-c8e377701d66", record).status_code == 200
    in_use = admin.delete(f"{base}/Renewal")
    assert in_use.status_code == 409
    assert admin.delete(f"{base}/Onboarding").status_code == 204
    assert admin.delete(f"{base}/Onboarding").status_code == 404
    assert admin.post(base, json={"name": ""}).status_code == 422
    assert admin.post(base, json={"title": "x"}).status_code == 422


def test_campaigns(tenant: Tenant, admin: httpx.Client) -> None:
    base = f"/_opengauge/systems/{tenant.name}/campaigns"
    campaign = {
        "name": "Support",
        "active": True,
        "filters": [{"field": "survey.touchpoint", "op": "is", "values": ["Support"]}],
        "duplication_days": 30,
    }
    assert admin.post(base, json=campaign).status_code == 201
    assert admin.get(base).json()["data"] == [campaign]
    bad = {**campaign, "filters": [{"field": "contact.hat", "op": "is", "values": []}]}
    assert admin.post(base, json=bad).status_code == 422
    assert admin.post(base, json={**campaign, "filters": [{"op": "like"}]}).status_code == 422
    assert admin.delete(f"{base}/Support").status_code == 204
    assert admin.get(base).json()["data"] == []
    assert admin.delete(f"{base}/Support").status_code == 404


def test_bounces_and_the_outbox(tenant: Tenant, admin: httpx.Client) -> None:
    base = f"/_opengauge/systems/{tenant.name}/bounces"
    created = admin.post(base, json={"email": "Gone@Example.com", "reason": "mailbox full"})
    assert created.status_code == 201
    assert created.json()["data"] == {
        "email": "gone@example.com",
        "type": "hard",
        "reason": "mailbox full",
    }
    assert [b["email"] for b in admin.get(base).json()["data"]] == ["gone@example.com"]
    assert admin.post(base, json={"email": "not an address"}).status_code == 422
    with tenant.client() as http:
        assert put_record(http, "survey", {"Email": "gone@example.com"}).status_code == 200
        assert put_record(http, "survey", {"Email": "here@example.com"}).status_code == 200
    outbox = admin.get(f"/_opengauge/systems/{tenant.name}/outbox").json()["data"]
    assert [e["to"] for e in outbox] == ["here@example.com"]
    assert outbox[0]["status"] == "QUEUED"
    assert outbox[0]["system"] == tenant.name
    assert outbox[0]["link"].startswith("http")
    everything = admin.get("/_opengauge/outbox", params={"limit": 1000}).json()["data"]
    assert outbox[0] in everything
    assert admin.get("/_opengauge/outbox", params={"limit": "0"}).status_code == 422
    assert admin.delete(f"{base}/GONE@example.com").status_code == 204
    assert admin.delete(f"{base}/gone@example.com").status_code == 404


def test_apply_a_seed_in_yaml_or_json(server: RunningServer, admin: httpx.Client) -> None:
    first, second = _name(), _name()
    yaml_seed = (
        f"systems:\n  - name: {first}\n    touchpoints: [Support]\n    api_key: {first}-key\n"
    )
    applied = admin.post(
        "/_opengauge/seed", content=yaml_seed, headers={"content-type": "application/yaml"}
    )
    assert applied.status_code == 200
    assert applied.json()["data"] == {"systems": [{"name": first, "created": True}]}
    applied = admin.post("/_opengauge/seed", json=tenant_seed(second))
    assert applied.json()["data"]["systems"] == [{"name": second, "created": True}]
    with server.client() as http:
        bounces = http.get("/v4.1/lists/bounce.json", params={"api_key": f"{first}-key"})
        assert bounces.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        b"systems: [",
        b"systems:\n  - region: eu\n",
        b"systems:\n  - {name: a, region: mars}\n",
        b"- 1\n- 2\n",
        b"\xff\xfe",
        b"x: 2024-13-45\n",
        b"systems: [{name: 2024-02-30, region: eu}]\n",
        b"a: &x [1, 2]\nb: [*x, *x]\n",
        b"systems: [{name: big, duplication_rule: {enabled: true, days: 9223372036854775808}}]",
        b"systems: [{name: big, campaigns: [{name: c, duplication_days: 99999999999999999999}]}]",
    ],
)
def test_a_bad_seed_is_a_422_listing_its_problems(admin: httpx.Client, body: bytes) -> None:
    response = admin.post("/_opengauge/seed", content=body)
    assert response.status_code == 422, response.text
    assert response.json()["errors"]


def test_an_api_key_of_another_system_is_a_conflict(tenant: Tenant, admin: httpx.Client) -> None:
    seed = {"systems": [{"name": _name(), "api_key": f"{tenant.name}-api-key"}]}
    response = admin.post("/_opengauge/seed", json=seed)
    assert response.status_code == 409
    assert "another system" in response.json()["message"]


@pytest.mark.parametrize(
    "path",
    [
        "/_opengauge/systems",
        "/_opengauge/seed",
        "/_opengauge/faults",
        "/_opengauge/clock",
        "/_opengauge/systems/{name}/apps",
        "/_opengauge/systems/{name}/mappings",
        "/_opengauge/systems/{name}/touchpoints",
        "/_opengauge/systems/{name}/campaigns",
        "/_opengauge/systems/{name}/bounces",
    ],
)
@pytest.mark.parametrize(
    "body", [b"", b"null", b"[]", b'"x"', b"{", b'{"name": 1}', b"\x00\xff", b'{"a":' * 2000]
)
def test_bad_input_is_never_a_500(
    tenant: Tenant, admin: httpx.Client, path: str, body: bytes
) -> None:
    response = admin.post(path.format(name=tenant.name), content=body)
    # Some of these are fine (an empty seed; a name that YAML reads as a number).
    assert response.status_code < 500, response.text
    assert response.json()


def test_unknown_systems_and_methods(admin: httpx.Client) -> None:
    assert admin.get("/_opengauge/systems/nobody/apps").status_code == 404
    assert (
        admin.post("/_opengauge/systems/nobody/touchpoints", json={"name": "x"}).status_code == 404
    )
    assert admin.put("/_opengauge/systems").status_code == 405
    assert admin.get("/_opengauge/unknown").json() == {"message": "Not found."}


@pytest.mark.parametrize("backend", BACKENDS)
def test_reset_restores_the_startup_seed_and_clears_the_sandbox(
    backend: str, tmp_path: Path
) -> None:
    seed_file = tmp_path / "seed.yaml"
    seed_file.write_text("systems:\n  - name: seeded\n    touchpoints: [Support]\n")
    with (
        database(backend, tmp_path, POSTGRES_URL) as url,
        start_server(url, seed=str(seed_file), admin_token="reset-me") as running,
    ):
        headers = {"Authorization": "Bearer reset-me"}
        with running.client(headers=headers) as admin:
            # The server only applies a seed on reset (the CLI applies it at start).
            assert admin.post("/_opengauge/reset").status_code == 200
            assert admin.post("/_opengauge/systems", json={"name": "extra"}).status_code == 201
            assert admin.delete("/_opengauge/systems/seeded/touchpoints/Support").status_code == 204
            assert (
                admin.post("/_opengauge/faults", json={"path": "/x", "status": 500}).status_code
                == 201
            )
            admin.post("/_opengauge/clock", json={"advance": 100})
            with running.client() as http:
                http.get("/x")
            reset = admin.post("/_opengauge/reset")
            assert reset.status_code == 200
            assert reset.json()["data"] == {
                "systems": [
                    {
                        "name": "seeded",
                        "created": True,
                        "api_key": reset.json()["data"]["systems"][0]["api_key"],
                    }
                ]
            }
            names = [s["name"] for s in admin.get("/_opengauge/systems").json()["data"]]
            assert names == ["seeded"]
            shown: dict[str, Any] = admin.get("/_opengauge/systems/seeded").json()["data"]
            assert shown["touchpoints"] == ["Support"]
            assert admin.get("/_opengauge/faults").json()["data"] == []
            assert admin.get("/_opengauge/journal").json()["data"] == []
            assert admin.get("/_opengauge/clock").json()["data"]["offset"] == 0


def test_reset_without_a_startup_seed_leaves_no_systems(tmp_path: Path) -> None:
    async def scenario() -> None:
        from tests.server.control.support import call, started

        with started(f"sqlite:///{tmp_path / 'r.db'}", admin_token="t") as app:
            status, _, body = await call(
                app, "POST", "/_opengauge/reset", headers={"authorization": "Bearer t"}
            )
            assert (status, body) == (200, b'{"data":{"systems":[]}}')
            status, _, body = await call(
                app, "GET", "/_opengauge/systems", headers={"authorization": "Bearer t"}
            )
            assert body == b'{"data":[]}'

    asyncio.run(scenario())


def test_the_admin_token_is_required_under_a_root_path_too(tmp_path: Path) -> None:
    """Mounted in another app (or served with --root-path), the router matches the path
    without the prefix; the admin check must look at that same path."""
    app = OpenGaugeApp(
        Settings(database_url=f"sqlite:///{tmp_path / 'r.db'}", admin_token="adm"), tune_gc=False
    )
    outer = Starlette(routes=[Mount("/cg", app=app)])

    async def scenario() -> None:
        app.start()
        try:
            for transport, prefix in (
                (httpx.ASGITransport(app=app, root_path="/api"), "/api"),
                (httpx.ASGITransport(app=outer), "/cg"),
            ):
                async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                    refused = await http.get(f"{prefix}/_opengauge/systems")
                    assert refused.status_code == 401, refused.text
                    assert (await http.post(f"{prefix}/_opengauge/reset")).status_code == 401
                    admitted = await http.get(
                        f"{prefix}/_opengauge/systems", headers={"Authorization": "Bearer adm"}
                    )
                    assert admitted.status_code == 200
                    # The fast import route is found under the prefix as well.
                    put = await http.put(f"{prefix}/records/", json={})
                    assert put.status_code == 401
                    assert put.json() == {"message": "Unauthenticated."}
        finally:
            app.stop()

    asyncio.run(scenario())


def test_a_deleted_apps_tokens_stay_dead_when_its_client_id_comes_back(
    tenant: Tenant, admin: httpx.Client
) -> None:
    old = tenant.token()
    headers = {"Authorization": f"Bearer {old}"}
    with tenant.server.client(headers=headers) as http:
        assert put_record(http, ACCOUNT_MAPPING, {"Account Name": "A"}).status_code == 200
        gone = admin.delete(f"/_opengauge/systems/{tenant.name}/apps/{tenant.client_id}")
        assert gone.status_code == 204
        assert put_record(http, ACCOUNT_MAPPING, {"Account Name": "A"}).status_code == 401
        again = {"name": "again", "client_id": tenant.client_id, "client_secret": "other"}
        created = admin.post(f"/_opengauge/systems/{tenant.name}/apps", json=again)
        assert created.status_code == 201
        # A new app under the old client id is a new app: the old token does not fit it.
        assert put_record(http, ACCOUNT_MAPPING, {"Account Name": "A"}).status_code == 401


def test_names_with_a_slash_can_be_deleted_and_systems_cannot_have_one(
    tenant: Tenant, admin: httpx.Client
) -> None:
    base = f"/_opengauge/systems/{tenant.name}/touchpoints"
    assert admin.post(base, json={"name": "Sales/Support"}).status_code == 201
    assert admin.delete(f"{base}/Sales%2FSupport").status_code == 204
    assert "Sales/Support" not in admin.get(base).text
    refused = admin.post("/_opengauge/systems", json={"name": "a/b", "region": "eu"})
    assert refused.status_code == 422
    assert "cannot contain '/'" in refused.text


@pytest.mark.parametrize(
    ("kind", "body", "errors"),
    [
        ("bounces", {"email": "a@x.com", "type": "t" * 33}, {"type": ["at most 32 characters"]}),
        (
            "bounces",
            {"email": "a@x.com", "reason": "r" * 256},
            {"reason": ["at most 255 characters"]},
        ),
        (
            "bounces",
            {"email": "a@x.com", "type": "ha\x00rd", "reason": "full\x00"},
            {
                "type": ["no line breaks or control characters"],
                "reason": ["no line breaks or control characters"],
            },
        ),
        (
            "mappings",
            {
                "reference": "r\x00",
                "name": "n",
                "data_type": "Account",
                "fields": {"A": "account.name"},
            },
            {"reference": ["no line breaks or control characters"]},
        ),
    ],
)
def test_texts_that_do_not_fit_their_columns_are_a_422_on_every_database(
    tenant: Tenant, admin: httpx.Client, kind: str, body: dict[str, Any], errors: Any
) -> None:
    url = f"/_opengauge/systems/{tenant.name}/{kind}"
    before = admin.get(url).json()["data"]
    response = admin.post(url, json=body)
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == errors
    assert admin.get(url).json()["data"] == before


@pytest.mark.parametrize(
    ("method", "path", "message"),
    [
        ("GET", "/systems/a%00b", "System [a\x00b] not found."),
        ("DELETE", "/systems/a%00b", "System [a\x00b] not found."),
        ("GET", "/systems/a%00b/apps", "System [a\x00b] not found."),
        ("GET", "/systems/a%00b/journal", "System [a\x00b] not found."),
        ("GET", "/systems/a%00b/outbox", "System [a\x00b] not found."),
        ("DELETE", "/systems/{name}/apps/a%00b", "Connected app [a\x00b] not found."),
        ("DELETE", "/systems/{name}/mappings/a%00b", "The inbound mapping [a\x00b] was not found."),
        ("DELETE", "/systems/{name}/touchpoints/a%00b", "Touchpoint [a\x00b] not found."),
        ("DELETE", "/systems/{name}/campaigns/a%00b", "Campaign [a\x00b] not found."),
        ("DELETE", "/systems/{name}/bounces/a%00b@x.com", "Bounce [a\x00b@x.com] not found."),
    ],
)
def test_a_nul_in_a_path_names_nothing(
    tenant: Tenant, admin: httpx.Client, method: str, path: str, message: str
) -> None:
    url = "/_opengauge" + path.format(name=tenant.name)
    response = admin.request(method, url)
    assert (response.status_code, response.json()) == (404, {"message": message})


def test_a_seed_with_escaped_surrogates_is_applied_or_refused_never_a_500(
    server: RunningServer, admin: httpx.Client
) -> None:
    name = _name()
    paired = json.dumps({"systems": [{"name": name, "touchpoints": ["😀"]}]})
    lone = '{"systems": [{"name": "' + _name() + '", "touchpoints": ["\\ude00"]}]}'
    applied = admin.post("/_opengauge/seed", content=paired)
    refused = admin.post("/_opengauge/seed", content=lone)
    assert applied.status_code == 200, applied.text
    assert admin.get(f"/_opengauge/systems/{name}/touchpoints").json()["data"] == [{"name": "😀"}]
    assert refused.status_code == 422
    assert refused.json()["errors"] == {
        "systems[0].touchpoints[0]": ["a lone UTF-16 surrogate (\\ude00) is not a character"]
    }
