"""``POST /v6/system-admin/data-admin/contacts/anonymize``: GDPR anonymization, v6 style.

The body names the contact by ``email`` or ``phone`` (``telephone`` is accepted for
``phone``, as one page of the documentation calls it). Nothing usable given is a Laravel 422;
success is ``{"data": {"count": n}}`` with ``n`` the survey records anonymized. The use case
is shared with the 4.1 module through :mod:`opengauge.server.anonymization.service`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from opengauge.server.anonymization import service
from opengauge.server.anonymization.service import Subject
from opengauge.server.auth.service import (
    authenticate_bearer,
    refuse_after_auth,
    require_active_app,
)
from opengauge.server.auth.tokens import Claims
from opengauge.server.domain import validation as v
from opengauge.server.errors import ApiError, ValidationFailed
from opengauge.server.http.bodies import parse_body, parse_off_loop
from opengauge.server.http.hosts import region_of_host
from opengauge.server.http.responses import json_response, limited_body
from opengauge.server.http.state import State
from opengauge.server.journal import note_caller
from opengauge.server.storage import Tx

PATH = "/v6/system-admin/data-admin/contacts/anonymize"


def read_subject(params: dict[str, Any]) -> Subject:
    """The contact named by the body, or :class:`ValidationFailed` (422, Laravel 8 summary)."""
    errors = v.Errors()
    email = v.normalize(params.get("email"))
    phone_name = "phone" if v.normalize(params.get("phone")) is not None else "telephone"
    phone = v.normalize(params.get(phone_name))
    if email is None and phone is None:
        errors.add("email", v.REQUIRED_WITHOUT, values="phone")
        errors.add("phone", v.REQUIRED_WITHOUT, values="email")
    if email is not None:
        email = v.email()("email", email, errors)
    if phone is not None:
        phone = v.phone()(phone_name, phone, errors)
    if errors:
        raise ValidationFailed(errors.in_order(["email", "phone", "telephone"]))
    return Subject(email=email, phone=phone)


def _anonymize(claims: Claims, subject: Subject, now: str) -> Callable[[Tx], int]:
    def operation(tx: Tx) -> int:
        require_active_app(tx, claims)
        return service.anonymize(tx, claims.system_id, subject, now)

    return operation


async def anonymize(request: Request) -> Response:
    """Anonymize the contact of the caller's system named by the body."""
    state: State = request.app.state.opengauge
    region = region_of_host(request.headers.get("host"), state.settings.default_region)
    claims = authenticate_bearer(
        request.headers.get("authorization"), region, state.keys, state.clock
    )
    note_caller(request.scope, claims.system_id, claims.client_id)
    body = await limited_body(request, state.settings.max_body_bytes)
    operation: Callable[[Tx], Any]
    try:
        params = await parse_off_loop(parse_body, body, request.headers.get("content-type", ""))
        subject = read_subject(params)
        operation = _anonymize(claims, subject, state.clock.timestamp())
    except ApiError as refused:
        # A revoked app hears 401 before anything about its body.
        operation = refuse_after_auth(claims, refused)
    count = await state.db.run(operation)
    return json_response({"data": {"count": count}})
