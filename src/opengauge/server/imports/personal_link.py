"""``PUT /personal-link/``: a survey record the caller sends out itself, as a link."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from opengauge.server.auth.service import require_active_app
from opengauge.server.domain import campaigns as c
from opengauge.server.domain import duplication as dup
from opengauge.server.domain import mapping as m
from opengauge.server.domain import records as r
from opengauge.server.errors import DomainRefusal, ValidationFailed
from opengauge.server.imports.common import (
    Context,
    TxLookups,
    add_survey_record,
    contact_key,
    find_mapping,
    record_problems,
    system_rule_hit,
)
from opengauge.server.imports.schemas import read_record_import
from opengauge.server.storage import Tx
from opengauge.server.storage.repositories import contacts, records, systems
from opengauge.server.tokens import Claims

STATUS_SENT = "SENT"
VECTOR_PERSONAL_LINK = "Personal Link"

NO_CAMPAIGN = "Could not match any campaign filter."
SYSTEM_DUPLICATE = "Record could not be imported because it duplicates with another record."
CAMPAIGN_DUPLICATE = (
    "Personal link record could not be created because it duplicates with another record."
)
WRONG_DATA_TYPE = (
    "The inbound mapping [{reference}] data type is invalid, only 'Multi-Object' or"
    " 'Survey Data' are allowed."
)


def put_personal_link(
    params: dict[str, Any], claims: Claims, context: Context
) -> Callable[[Tx], tuple[dict[str, Any], list[str]]]:
    """Create a personal-link survey record; the operation returns the 200 body and the
    ignored keys.

    The body's shape is checked here, before the operation is queued.
    """
    request = read_record_import(params)
    system_id = claims.system_id

    def operation(tx: Tx) -> tuple[dict[str, Any], list[str]]:
        require_active_app(tx, claims)
        mapping = find_mapping(tx, system_id, request.configuration)
        if mapping.data_type not in (m.MULTI_OBJECT, m.SURVEY_DATA):
            message = WRONG_DATA_TYPE.format(reference=request.configuration)
            raise ValidationFailed({"configuration": [message]}, summary="first")
        # A missing record is checked like an empty one: the field rules say what is missing.
        clean, errors = r.validate_record(mapping, request.record or {}, TxLookups(tx, system_id))
        problems = record_problems(errors, clean.ignored, request.configuration, context.strict)
        if problems:
            raise ValidationFailed(problems, summary="first", ignored=clean.ignored)
        record_id, code = _add_link_record(tx, system_id, mapping, clean, context)
        body = {
            "data": {
                "number_customergauge": record_id,
                "survey_link": context.survey_link(code),
                "survey_link_short": context.short_link(code),
            }
        }
        return body, clean.ignored

    return operation


def _add_link_record(
    tx: Tx, system_id: int, mapping: m.Mapping, clean: r.CleanRecord, context: Context
) -> tuple[int, str]:
    """The survey record of the first matching campaign, unless a duplication rule refuses."""
    campaign = _matching_campaign(tx, system_id, clean)
    now = context.clock.timestamp()
    key = contact_key(clean)
    records.lock_contact(tx, system_id, key)
    earlier_contact = contacts.find_id(tx, system_id, key)
    if system_rule_hit(tx, system_id, earlier_contact, clean, now):
        raise DomainRefusal(SYSTEM_DUPLICATE)
    if earlier_contact is not None and campaign.duplication_days:
        since = dup.window_start(now, campaign.duplication_days)
        if records.recent_invitations(tx, system_id, earlier_contact, since, campaign.id):
            raise DomainRefusal(CAMPAIGN_DUPLICATE)
    return add_survey_record(
        tx,
        system_id,
        mapping,
        clean,
        now,
        delivery_vector=VECTOR_PERSONAL_LINK,
        status=STATUS_SENT,
        campaign_id=campaign.id,
        date_sent=now,
    )


def _matching_campaign(tx: Tx, system_id: int, clean: r.CleanRecord) -> c.Campaign:
    values = {target: str(value) for target, value in clean.values.items()}
    found = c.first_matching(
        [
            c.Campaign(id_, name, active, c.parse_filters(json.loads(filters)), days)
            for id_, name, active, filters, days in systems.campaigns(tx, system_id)
        ],
        values,
    )
    if found is None:
        raise DomainRefusal(NO_CAMPAIGN)
    return found
