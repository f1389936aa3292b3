"""Every error the SDK raises, and the one function that maps a response to its class.

::

    OpenGaugeError                 status, body, request, code (4.1 only), message
    ├── ConnectionError            no answer at all: connect or read failure, timeout
    ├── AuthenticationError        401 (4.1 code 200000 too), or the token endpoint's 400
    ├── NotFoundError              404: unknown inbound mapping, path or 4.1 module (300002)
    ├── ValidationError            422 with Laravel's ``errors`` object (``.errors``)
    ├── DuplicateError             400 from ``/personal-link/``: a duplication rule matched
    ├── CampaignError              400 from ``/personal-link/``: no campaign matched
    ├── PayloadTooLargeError       413
    ├── RateLimitError             429 (``.retry_after``)
    ├── ServerError                5xx
    └── V41Error                   any other 4.1 ``{"Error": {"Message", "Code"}}`` answer

Any other refusal (405, a malformed body, a revenue file refused with ``{"Data": false}``)
is a plain :class:`OpenGaugeError`. Catch :class:`OpenGaugeError` to handle them all.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

#: The ``/personal-link/`` refusals, character for character.
NO_CAMPAIGN_MESSAGE = "Could not match any campaign filter."
DUPLICATE_MARKER = "duplicates with another record"


class OpenGaugeError(Exception):
    """Base of every SDK error.

    ``status`` is the HTTP status (None when no answer came), ``body`` the decoded JSON body
    (or its text), ``request`` the request that failed and ``code`` the 4.1 numeric code,
    when the answer was a 4.1 ``Error`` envelope.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        body: Any = None,
        request: httpx.Request | None = None,
        code: int | None = None,
        headers: httpx.Headers | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.body = body
        self.request = request
        self.code = code
        self.headers = headers if headers is not None else httpx.Headers()

    def __str__(self) -> str:
        parts = [str(self.status)] if self.status is not None else []
        if self.code is not None:
            parts.append(f"[{self.code}]")
        parts.append(self.message)
        return " ".join(parts)


class ConnectionError(OpenGaugeError):
    """The request got no answer: the connection failed, broke or timed out."""


class AuthenticationError(OpenGaugeError):
    """The credentials were refused: a 401, or the token endpoint's ``{"error": ...}``."""


class NotFoundError(OpenGaugeError):
    """404: an unknown inbound mapping (``configuration``), path or 4.1 module."""


class ValidationError(OpenGaugeError):
    """422: the data broke a rule. ``errors`` maps each field to its messages."""

    def __init__(self, message: str, *, errors: dict[str, list[str]], **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.errors = errors


class DuplicateError(OpenGaugeError):
    """400 from ``/personal-link/``: the system's or the campaign's duplication rule matched."""


class CampaignError(OpenGaugeError):
    """400 from ``/personal-link/``: no active personal-link campaign matched the record."""


class PayloadTooLargeError(OpenGaugeError):
    """413: the request body is over the server's limit."""


class RateLimitError(OpenGaugeError):
    """429. ``retry_after`` is the server's ``Retry-After`` in seconds, when it sent one."""

    def __init__(self, message: str, *, retry_after: float | None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(OpenGaugeError):
    """5xx: the server failed or is unavailable; the request may be retried."""


class V41Error(OpenGaugeError):
    """A 4.1 ``{"Error": {"Message": ..., "Code": ...}}`` answer; ``code`` is always set."""

    code: int


def retry_after(headers: httpx.Headers) -> float | None:
    """``Retry-After`` in seconds (a number or an HTTP date), or None when absent or unreadable."""
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def decode_body(response: httpx.Response) -> Any:
    """The body as JSON when it is JSON, else its text (None when empty)."""
    if not response.content:
        return None
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return response.text


def error_from_response(response: httpx.Response) -> OpenGaugeError:
    """The exception for an unsuccessful response: the most specific class that fits."""
    body = decode_body(response)
    status = response.status_code
    message, code = _message_and_code(body, response)
    kwargs: dict[str, Any] = {
        "status": status,
        "body": body,
        "request": response.request,
        "code": code,
        "headers": response.headers,
    }
    if status == 401 or code == 200000:
        return AuthenticationError(message, **kwargs)
    if status == 404:
        return NotFoundError(message, **kwargs)
    if status == 422:
        return ValidationError(message, errors=_errors_of(body), **kwargs)
    if status == 413:
        return PayloadTooLargeError(message, **kwargs)
    if status == 429:
        return RateLimitError(message, retry_after=retry_after(response.headers), **kwargs)
    if status >= 500:
        return ServerError(message, **kwargs)
    if code is not None:
        return V41Error(message, **kwargs)
    if status == 400 and isinstance(body, dict):
        if "error" in body and isinstance(body["error"], str):
            return AuthenticationError(message, **kwargs)
        if message == NO_CAMPAIGN_MESSAGE:
            return CampaignError(message, **kwargs)
        if DUPLICATE_MARKER in message:
            return DuplicateError(message, **kwargs)
    return OpenGaugeError(message, **kwargs)


def _message_and_code(body: Any, response: httpx.Response) -> tuple[str, int | None]:
    if isinstance(body, dict):
        envelope = body.get("Error")
        if isinstance(envelope, dict):
            raw_code = envelope.get("Code")
            try:
                code = int(raw_code) if raw_code is not None else None
            except (TypeError, ValueError):
                code = None
            return str(envelope.get("Message", "")), code
        for key in ("message", "error"):
            if isinstance(body.get(key), str):
                return str(body[key]), None
    if isinstance(body, str) and body.strip():
        # The 4.1 XML form or a proxy's page: keep it short.
        return body.strip()[:200], None
    return response.reason_phrase or f"HTTP {response.status_code}", None


def _errors_of(body: Any) -> dict[str, list[str]]:
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, dict):
        return {}
    return {
        str(field): [str(m) for m in messages] if isinstance(messages, list) else [str(messages)]
        for field, messages in errors.items()
    }


def connection_error(exc: httpx.TransportError) -> ConnectionError:
    """The SDK's :class:`ConnectionError` for an httpx transport failure."""
    try:
        request: httpx.Request | None = exc.request
    except RuntimeError:
        request = None
    message = str(exc) or type(exc).__name__
    return ConnectionError(message, request=request)
