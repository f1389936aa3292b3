"""``error_from_response`` maps every documented error body to its class."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from opengauge.client import (
    AuthenticationError,
    CampaignError,
    DuplicateError,
    NotFoundError,
    OpenGaugeError,
    PayloadTooLargeError,
    RateLimitError,
    ServerError,
    V41Error,
    ValidationError,
    error_from_response,
)

REQUEST = httpx.Request("PUT", "https://og.test/records/")


def respond(status: int, body: Any = None, headers: dict[str, str] | None = None) -> httpx.Response:
    if isinstance(body, str):
        return httpx.Response(status, text=body, headers=headers, request=REQUEST)
    return httpx.Response(status, json=body, headers=headers, request=REQUEST)


@pytest.mark.parametrize(
    ("status", "body", "cls", "message", "code"),
    [
        (401, {"message": "Unauthenticated."}, AuthenticationError, "Unauthenticated.", None),
        (400, {"error": "invalid_client"}, AuthenticationError, "invalid_client", None),
        (
            404,
            {"message": "The inbound mapping [nope] was not found."},
            NotFoundError,
            "The inbound mapping [nope] was not found.",
            None,
        ),
        (404, {"message": "Not found."}, NotFoundError, "Not found.", None),
        (
            400,
            {"message": "Could not match any campaign filter."},
            CampaignError,
            "Could not match any campaign filter.",
            None,
        ),
        (
            400,
            {"message": "Record could not be imported because it duplicates with another record."},
            DuplicateError,
            "Record could not be imported because it duplicates with another record.",
            None,
        ),
        (
            400,
            {
                "message": "Personal link record could not be created because it duplicates"
                " with another record."
            },
            DuplicateError,
            "Personal link record could not be created because it duplicates with another record.",
            None,
        ),
        (413, {"message": "Payload too large."}, PayloadTooLargeError, "Payload too large.", None),
        (500, {"message": "Server Error"}, ServerError, "Server Error", None),
        (503, {"message": "Service Unavailable"}, ServerError, "Service Unavailable", None),
        (502, "<html>Bad gateway</html>", ServerError, "<html>Bad gateway</html>", None),
        (400, {"message": "Malformed JSON body."}, OpenGaugeError, "Malformed JSON body.", None),
        (405, {"message": "Method not allowed."}, OpenGaugeError, "Method not allowed.", None),
        (
            401,
            {"Error": {"Message": "Invalid API Key", "Code": 200000}},
            AuthenticationError,
            "Invalid API Key",
            200000,
        ),
        (
            404,
            {"Error": {"Message": "Module does not exist", "Code": 300002}},
            NotFoundError,
            "Module does not exist",
            300002,
        ),
        (
            400,
            {"Error": {"Message": "Required field 'division' not supplied", "Code": 300004}},
            V41Error,
            "Required field 'division' not supplied",
            300004,
        ),
        (
            400,
            {
                "Error": {
                    "Message": "Email address already exist in the unsubscribe list",
                    "Code": 400403,
                }
            },
            V41Error,
            "Email address already exist in the unsubscribe list",
            400403,
        ),
        (
            405,
            {"Error": {"Message": "Method does not exist", "Code": 300003}},
            V41Error,
            "Method does not exist",
            300003,
        ),
        (400, {"Data": False}, OpenGaugeError, "Bad Request", None),
    ],
)
def test_maps_each_documented_body(
    status: int, body: Any, cls: type[OpenGaugeError], message: str, code: int | None
) -> None:
    error = error_from_response(respond(status, body))
    assert type(error) is cls
    assert error.message == message
    assert error.status == status
    assert error.code == code
    assert error.request is REQUEST
    assert error.body == body


@pytest.mark.parametrize(
    "message",
    [
        "The given data was invalid.",
        "The Email must be a valid email address. (and 1 more error)",
    ],
)
def test_422_in_both_laravel_summary_styles(message: str) -> None:
    errors = {
        "Email": ["The Email must be a valid email address."],
        "Phone": ["The Phone format is invalid."],
    }
    error = error_from_response(respond(422, {"message": message, "errors": errors}))
    assert isinstance(error, ValidationError)
    assert error.message == message
    assert error.errors == errors


def test_429_carries_retry_after() -> None:
    error = error_from_response(
        respond(429, {"message": "Too Many Requests"}, {"Retry-After": "7"})
    )
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 7.0
    no_header = error_from_response(respond(429, {"message": "Too Many Requests"}))
    assert isinstance(no_header, RateLimitError)
    assert no_header.retry_after is None


def test_str_shows_status_code_and_message() -> None:
    error = error_from_response(
        respond(400, {"Error": {"Message": "Division doesn\u2019t exist", "Code": 400901}})
    )
    assert str(error) == "400 [400901] Division doesn\u2019t exist"


def test_an_empty_body_uses_the_reason_phrase() -> None:
    error = error_from_response(httpx.Response(500, request=REQUEST))
    assert isinstance(error, ServerError)
    assert error.message == "Internal Server Error"
    assert error.body is None
