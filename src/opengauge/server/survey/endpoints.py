"""Routes of the survey pages: ``/r/{code}``, ``/r/{code}/unsubscribe`` and ``/s/{code}``.

These are pages for people, not API endpoints: every answer, refusals included, is HTML.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from opengauge.server.errors import ApiError, TooManyRequests
from opengauge.server.http.bodies import parse_multipart, parse_off_loop, parse_urlencoded
from opengauge.server.http.responses import limited_body
from opengauge.server.http.state import State
from opengauge.server.survey import pages, service
from opengauge.server.survey.errors import InvalidAnswer
from opengauge.server.survey.schemas import Provenance, read_answer, read_token

#: Sent with every page: no scripts, no framing, no referrer (the URL holds the link code),
#: and never cached (the page carries the form token and changes once answered).
PAGE_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
    ),
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}

Endpoint = Callable[[Request], Awaitable[Response]]


def _html(body: str, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return HTMLResponse(body, status, headers={**PAGE_HEADERS, **(headers or {})})


def _redirect(code: str, status: int, suffix: str = "") -> Response:
    return RedirectResponse("/r/" + quote(code, safe="") + suffix, status, headers=PAGE_HEADERS)


def _pages(endpoint: Endpoint) -> Endpoint:
    """Render refusals as HTML pages instead of the API's JSON errors."""

    @functools.wraps(endpoint)
    async def wrapper(request: Request) -> Response:
        try:
            return await endpoint(request)
        except InvalidAnswer as refused:
            form = pages.survey(refused.page, error=refused.message, comment=refused.typed_comment)
            return _html(form, refused.status)
        except ApiError as refused:
            return _html(pages.error(refused.status), refused.status, refused.headers)

    return wrapper


async def _form(request: Request, state: State) -> dict[str, Any]:
    """The posted form's fields; an unexpected content type gives none."""
    body = await limited_body(request, state.settings.max_body_bytes)
    content_type = request.headers.get("content-type", "")
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        return await parse_off_loop(parse_urlencoded, body)
    if kind == "multipart/form-data":
        return await parse_off_loop(parse_multipart, body, content_type)
    return {}


def _provenance(request: Request, state: State) -> Provenance:
    public = urlsplit(state.settings.base_url)
    own = (
        f"{request.url.scheme}://{request.headers.get('host', '')}".lower(),
        f"{public.scheme}://{public.netloc}".lower(),
    )
    return Provenance(request.headers.get("origin"), request.headers.get("sec-fetch-site"), own)


async def _count_submission(code: str, state: State) -> None:
    """Every form posted for a code counts (setting ``survey_submit_limit``), before reading it."""
    if wait := await state.limiter.survey.take(f"code:{code}"):
        raise TooManyRequests(wait)


@_pages
async def show_survey(request: Request) -> Response:
    state: State = request.app.state.opengauge
    page = await service.show_survey(request.path_params["code"], db=state.db)
    return _html(pages.thank_you(page) if page.answered else pages.survey(page))


@_pages
async def submit_answer(request: Request) -> Response:
    state: State = request.app.state.opengauge
    code = request.path_params["code"]
    await _count_submission(code, state)
    answer = read_answer(await _form(request, state))
    await service.submit_answer(
        code, answer, _provenance(request, state), db=state.db, clock=state.clock
    )
    # Post/redirect/get: reloading the thank-you page doesn't post again.
    return _redirect(code, 303)


@_pages
async def show_unsubscribe(request: Request) -> Response:
    state: State = request.app.state.opengauge
    page = await service.show_unsubscribe(request.path_params["code"], db=state.db)
    return _html(pages.unsubscribe(page))


@_pages
async def unsubscribe(request: Request) -> Response:
    state: State = request.app.state.opengauge
    await _count_submission(request.path_params["code"], state)
    form_token = read_token(await _form(request, state))
    await service.unsubscribe(
        request.path_params["code"],
        form_token,
        _provenance(request, state),
        db=state.db,
        clock=state.clock,
    )
    return _html(pages.unsubscribed())


async def short_link(request: Request) -> Response:
    """``/s/{code}``, the short form of a survey link."""
    return _redirect(request.path_params["code"], 302)


def _get_or_post(get: Endpoint, post: Endpoint) -> Endpoint:
    """One route for both methods, so that a 405 lists them both in ``Allow``."""

    async def endpoint(request: Request) -> Response:
        return await (post if request.method == "POST" else get)(request)

    return endpoint


ROUTES: list[BaseRoute] = [
    Route("/r/{code}", _get_or_post(show_survey, submit_answer), methods=["GET", "POST"]),
    Route(
        "/r/{code}/unsubscribe",
        _get_or_post(show_unsubscribe, unsubscribe),
        methods=["GET", "POST"],
    ),
    Route("/s/{code}", short_link, methods=["GET"]),
]
