"""Routes of the survey pages: ``/r/{code}``, ``/r/{code}/unsubscribe`` and ``/s/{code}``.

These are pages for people, not API endpoints: every answer, refusals included, is HTML.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from opengauge.server.errors import ApiError, InjectedFault, TooManyRequests
from opengauge.server.http.rendering import JsonErrors, Reply
from opengauge.server.http.responses import form_fields
from opengauge.server.http.routing import Family, Route, request_endpoint
from opengauge.server.state import State
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

HTML_TYPE = "text/html; charset=utf-8"


def _html(body: str, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return HTMLResponse(body, status, headers={**PAGE_HEADERS, **(headers or {})})


def _redirect(code: str, status: int, suffix: str = "") -> Response:
    return RedirectResponse("/r/" + quote(code, safe="") + suffix, status, headers=PAGE_HEADERS)


class PageErrors(JsonErrors):
    """Refusals as HTML pages: the form again with its message for an invalid answer, an
    error page otherwise. Injected faults keep their JSON body (``docs/compatibility.md``)."""

    def render(self, error: ApiError, path: str) -> Reply:
        if isinstance(error, InjectedFault):
            return super().render(error, path)
        if isinstance(error, InvalidAnswer):
            form = pages.survey(error.page, error=error.message, comment=error.typed_comment)
            return _page_reply(form, error.status, {})
        return _page_reply(pages.error(error.status), error.status, error.headers)


def _page_reply(body: str, status: int, headers: Mapping[str, str]) -> Reply:
    pairs = [(name.encode(), value.encode()) for name, value in {**PAGE_HEADERS, **headers}.items()]
    return Reply(status, body.encode(), HTML_TYPE, pairs)


FAMILY = Family("survey", PageErrors())


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


async def show_survey(state: State, request: Request) -> Response:
    page = await service.show_survey(request.path_params["code"], db=state.db)
    return _html(pages.thank_you(page) if page.answered else pages.survey(page))


async def submit_answer(state: State, request: Request) -> Response:
    code = request.path_params["code"]
    await _count_submission(code, state)
    answer = read_answer(await form_fields(request, state.settings.max_body_bytes))
    await service.submit_answer(
        code, answer, _provenance(request, state), db=state.db, clock=state.clock
    )
    # Post/redirect/get: reloading the thank-you page doesn't post again.
    return _redirect(code, 303)


async def show_unsubscribe(state: State, request: Request) -> Response:
    page = await service.show_unsubscribe(request.path_params["code"], db=state.db)
    return _html(pages.unsubscribe(page))


async def unsubscribe(state: State, request: Request) -> Response:
    await _count_submission(request.path_params["code"], state)
    form_token = read_token(await form_fields(request, state.settings.max_body_bytes))
    await service.unsubscribe(
        request.path_params["code"],
        form_token,
        _provenance(request, state),
        db=state.db,
        clock=state.clock,
    )
    return _html(pages.unsubscribed())


async def short_link(state: State, request: Request) -> Response:
    """``/s/{code}``, the short form of a survey link."""
    return _redirect(request.path_params["code"], 302)


ROUTES: list[Route[State]] = [
    Route(path, (method,), request_endpoint(endpoint), FAMILY)
    for path, method, endpoint in (
        ("/r/{code}", "GET", show_survey),
        ("/r/{code}", "POST", submit_answer),
        ("/r/{code}/unsubscribe", "GET", show_unsubscribe),
        ("/r/{code}/unsubscribe", "POST", unsubscribe),
        ("/s/{code}", "GET", short_link),
    )
]
