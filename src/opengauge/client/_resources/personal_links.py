"""``PUT /personal-link/``: a survey record with its own link, handed out by the caller.

Not retried after the request may have reached the server: a second call could create a
second link (or be refused as a duplicate of the first).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from opengauge.client._core import Call, Family, Operation, json_body
from opengauge.client._resources import AsyncResource, Resource
from opengauge.client._types import PersonalLink


def create_personal_link(configuration: str, record: Mapping[str, Any]) -> Operation[PersonalLink]:
    body = {"configuration": configuration, "record": dict(record)}
    call = Call("PUT", Family.IMPORTS, "/personal-link/", json=body, idempotent=False)
    return Operation(call, _personal_link)


def _personal_link(response: httpx.Response) -> PersonalLink:
    data = json_body(response)["data"]
    return PersonalLink(
        number_customergauge=int(data["number_customergauge"]),
        survey_link=str(data["survey_link"]),
        survey_link_short=str(data["survey_link_short"]),
    )


class PersonalLinks(Resource):
    """``PUT /personal-link/``."""

    def create(self, configuration: str, record: Mapping[str, Any]) -> PersonalLink:
        """A personal survey link for ``record`` through a Multi-Object or Survey Data mapping.

        Raises :class:`CampaignError` when no campaign matches and :class:`DuplicateError`
        when a duplication rule does.
        """
        return self._client._execute(create_personal_link(configuration, record))


class AsyncPersonalLinks(AsyncResource):
    """``PUT /personal-link/``."""

    async def create(self, configuration: str, record: Mapping[str, Any]) -> PersonalLink:
        """A personal survey link for ``record`` through a Multi-Object or Survey Data mapping.

        Raises :class:`CampaignError` when no campaign matches and :class:`DuplicateError`
        when a duplication rule does.
        """
        return await self._client._execute(create_personal_link(configuration, record))
