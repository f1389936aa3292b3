"""The import use cases check a request's body before its operation is queued."""

from __future__ import annotations

from typing import Any

import pytest

from opengauge.server.clock import Clock
from opengauge.server.domain import mapping as m
from opengauge.server.errors import ValidationFailed
from opengauge.server.imports import service
from opengauge.server.imports.records import HANDLERS
from opengauge.server.tokens import Claims

CLAIMS = Claims(app_id=1, client_id="c", system_id=1, region="eu", expires_at=0)
CONTEXT = service.Context(Clock(), "http://sandbox")


@pytest.mark.parametrize(
    ("use_case", "body", "errors"),
    [
        (
            service.put_record,
            {"record": {"Email": "jo@example.com"}},
            {"configuration": ["The configuration field is required."]},
        ),
        (
            service.put_personal_link,
            {"configuration": ["a list"]},
            {"configuration": ["The configuration must be a string."]},
        ),
        (service.put_account, {"number": "123"}, {"reference": ["reference is required."]}),
        (
            service.put_contract,
            {"account": ["ACME"], "start": "2024-02-01", "end": "2024-01-01"},
            {
                "account": ["The account must be a string."],
                "end": ["The end must be a date after or equal to start."],
            },
        ),
        (
            service.put_activity,
            {"account": "ACME", "type": "t", "source": "s"},
            {"happened_at": ["The happened_at field is required."]},
        ),
    ],
)
def test_a_body_that_needs_no_database_to_refuse_is_refused_before_any_operation(
    use_case: Any, body: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        use_case(body, CLAIMS, CONTEXT)
    assert refused.value.errors == errors


def test_every_data_type_has_a_handler() -> None:
    assert sorted(HANDLERS) == sorted(m.DATA_TYPES)
