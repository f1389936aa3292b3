"""GDPR anonymization: the 4.1 ``anonymize`` module (preview and run) and the v6 contact call.

Irreversible; not retried after the request may have reached the server (a repeat would be
harmless, but would answer ``0``).
"""

from __future__ import annotations

from typing import Any

import httpx

from opengauge.client._core import Call, Family, Operation, json_body, present, v41_data
from opengauge.client._resources import AsyncResource, Resource
from opengauge.client._types import AnonymizeCandidate

PATH = "/v4.1/anonymize.json"
V6_PATH = "/v6/system-admin/data-admin/contacts/anonymize"


def _subject(**values: str | int | None) -> dict[str, str]:
    subject = present(**values)
    if not subject:
        raise ValueError(f"name the person by {', '.join(values)}")
    return subject


def preview_anonymize(
    email: str | None, telephone: str | None
) -> Operation[list[AnonymizeCandidate]]:
    query = _subject(email=email, telephone=telephone)
    return Operation(
        Call("GET", Family.API, PATH, auth="v41", params=tuple(query.items())), _candidates
    )


def run_anonymize(email: str | None, telephone: str | None, id: int | None) -> Operation[int]:
    form = _subject(email=email, telephone=telephone, id=id)
    call = Call("POST", Family.API, PATH, auth="v41", data=form, idempotent=False)
    return Operation(call, lambda response: int(v41_data(response)["Count"]))


def anonymize_contact(email: str | None, phone: str | None) -> Operation[int]:
    body = _subject(email=email, phone=phone)
    call = Call("POST", Family.API, V6_PATH, json=body, idempotent=False)
    return Operation(call, lambda response: int(json_body(response)["data"]["count"]))


def _candidates(response: httpx.Response) -> list[AnonymizeCandidate]:
    items: list[dict[str, Any]] = v41_data(response)
    return [
        AnonymizeCandidate(
            number_customergauge=int(i["number_customergauge"]),
            first_name=str(i["first_name"]),
            last_name=str(i["last_name"]),
            email=str(i["email"]),
            telephone=str(i["sms_telephone"]),
        )
        for i in items
    ]


class Anonymize(Resource):
    """Anonymize a person: every contact matching the e-mail, phone or CG-ID."""

    def preview(
        self, *, email: str | None = None, telephone: str | None = None
    ) -> list[AnonymizeCandidate]:
        """The survey records :meth:`run` would change, oldest first. Changes nothing."""
        return self._client._execute(preview_anonymize(email, telephone))

    def run(
        self, *, email: str | None = None, telephone: str | None = None, id: int | None = None
    ) -> int:
        """Anonymize the person (4.1); returns how many survey records changed.

        ``id`` is a survey record's CG-ID: its whole contact is anonymized.
        """
        return self._client._execute(run_anonymize(email, telephone, id))

    def contacts(self, *, email: str | None = None, phone: str | None = None) -> int:
        """The v6 call (``POST /v6/system-admin/data-admin/contacts/anonymize``, bearer token
        only); returns how many survey records changed."""
        return self._client._execute(anonymize_contact(email, phone))


class AsyncAnonymize(AsyncResource):
    """Anonymize a person: every contact matching the e-mail, phone or CG-ID."""

    async def preview(
        self, *, email: str | None = None, telephone: str | None = None
    ) -> list[AnonymizeCandidate]:
        """The survey records :meth:`run` would change, oldest first. Changes nothing."""
        return await self._client._execute(preview_anonymize(email, telephone))

    async def run(
        self, *, email: str | None = None, telephone: str | None = None, id: int | None = None
    ) -> int:
        """Anonymize the person (4.1); returns how many survey records changed.

        ``id`` is a survey record's CG-ID: its whole contact is anonymized.
        """
        return await self._client._execute(run_anonymize(email, telephone, id))

    async def contacts(self, *, email: str | None = None, phone: str | None = None) -> int:
        """The v6 call (``POST /v6/system-admin/data-admin/contacts/anonymize``, bearer token
        only); returns how many survey records changed."""
        return await self._client._execute(anonymize_contact(email, phone))
