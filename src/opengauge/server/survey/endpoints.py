"""Routes of the survey pages: ``/r/{code}`` (with its drivers step, unsubscribe and logo)
and ``/s/{code}``.

These are pages for people, not API endpoints: every answer, refusals included, is HTML, in
the language of the survey record, else of the browser (``Accept-Language``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from urllib.parse import quote, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from opengauge.server.errors import ApiError, InjectedFault, TooManyRequests
from opengauge.server.http.bodies import parse_off_loop
from opengauge.server.http.rendering import JsonErrors, Reply
from opengauge.server.http.responses import form_fields, limited_body
from opengauge.server.http.routing import Family, Route, request_endpoint
from opengauge.server.state import State
from opengauge.server.survey import languages, pages, service
from opengauge.server.survey.errors import InvalidAnswer, PageRefusal
from opengauge.server.survey.schemas import Provenance, read_answer, read_drivers, read_token

#: Sent with every page: no scripts, no framing, no images but ours (the logo), no referrer
#: (the URL holds the link code), and never cached (the page carries the form token and
#: changes once answered).
PAGE_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self';"
        " frame-ancestors 'none'"
    ),
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}
#: A logo's URL holds its digest: a new logo is a new URL, so this one never changes.
LOGO_HEADERS = {
    "cache-control": "public, max-age=31536000, immutable",
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'",
    "cross-origin-resource-policy": "same-origin",
    "referrer-policy": "no-referrer",
}

HTML_TYPE = "text/html; charset=utf-8"

Handler = Callable[[State, Request, str | None], Awaitable[Response]]


def _html(
    body: str, language: str, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    headers = {**PAGE_HEADERS, "content-language": language, **(headers or {})}
    return HTMLResponse(body, status, headers=headers)


def _redirect(code: str, status: int, suffix: str = "") -> Response:
    return RedirectResponse("/r/" + quote(code, safe="") + suffix, status, headers=PAGE_HEADERS)


class PageErrors(JsonErrors):
    """Refusals that reach the dispatcher, as English HTML pages (the endpoints render their
    own refusals in the page's language). Injected faults keep their JSON body
    (``docs/compatibility.md``)."""

    def render(self, error: ApiError, path: str) -> Reply:
        if isinstance(error, InjectedFault):
            return super().render(error, path)
        headers = {**PAGE_HEADERS, **error.headers}
        pairs = [(name.encode(), value.encode()) for name, value in headers.items()]
        return Reply(error.status, pages.error(error.status).encode(), HTML_TYPE, pairs)


FAMILY = Family("survey", PageErrors())


def _page(handler: Handler) -> Callable[[State, Request], Awaitable[Response]]:
    """``handler`` with the browser's language, and its refusals as pages in the language
    they carry (the record's), else the browser's."""

    async def endpoint(state: State, request: Request) -> Response:
        preferred = languages.of_header(request.headers.get("accept-language"))
        try:
            return await handler(state, request, preferred)
        except InvalidAnswer as refused:
            form = pages.survey(refused.page, error=refused.message, comment=refused.typed_comment)
            return _html(form, refused.page.language, refused.status)
        except ApiError as refused:
            chosen = refused.language if isinstance(refused, PageRefusal) else None
            language = chosen or preferred or languages.ENGLISH
            body = pages.error(refused.status, language)
            return _html(body, language, refused.status, refused.headers)

    return endpoint


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


async def show_survey(state: State, request: Request, preferred: str | None) -> Response:
    page = await service.show_survey(request.path_params["code"], db=state.db, preferred=preferred)
    return _html(pages.answered(page) if page.answered else pages.survey(page), page.language)


async def submit_answer(state: State, request: Request, preferred: str | None) -> Response:
    code = request.path_params["code"]
    await _count_submission(code, state)
    answer = read_answer(await form_fields(request, state.settings.max_body_bytes))
    await service.submit_answer(
        code,
        answer,
        _provenance(request, state),
        db=state.db,
        clock=state.clock,
        preferred=preferred,
    )
    # Post/redirect/get: reloading the next page (drivers or thanks) doesn't post again.
    return _redirect(code, 303)


async def choose_drivers(state: State, request: Request, preferred: str | None) -> Response:
    code = request.path_params["code"]
    await _count_submission(code, state)
    body = await limited_body(request, state.settings.max_body_bytes)
    posted = await parse_off_loop(read_drivers, body, request.headers.get("content-type", ""))
    page = await service.choose_drivers(
        code, posted, _provenance(request, state), db=state.db, preferred=preferred
    )
    if page is None:  # not answered yet: back to the question
        return _redirect(code, 303)
    # The thank-you page itself, not a redirect: the survey's page shows the drivers question
    # again until one is stored, and an empty choice stores none.
    return _html(pages.thank_you(page), page.language)


async def drivers_page(state: State, request: Request, preferred: str | None) -> Response:
    """A GET of the drivers form's address (a bookmark, a reload after the post): the
    survey's page, which shows whatever step it is at."""
    return _redirect(request.path_params["code"], 303)


async def show_unsubscribe(state: State, request: Request, preferred: str | None) -> Response:
    code = request.path_params["code"]
    page = await service.show_unsubscribe(code, db=state.db, preferred=preferred)
    return _html(pages.unsubscribe(page), page.language)


async def unsubscribe(state: State, request: Request, preferred: str | None) -> Response:
    await _count_submission(request.path_params["code"], state)
    form_token = read_token(await form_fields(request, state.settings.max_body_bytes))
    page = await service.unsubscribe(
        request.path_params["code"],
        form_token,
        _provenance(request, state),
        db=state.db,
        clock=state.clock,
        preferred=preferred,
    )
    return _html(pages.unsubscribed(page), page.language)


async def logo(state: State, request: Request, preferred: str | None) -> Response:
    """The logo of the survey's system, at a URL with its digest (cached for good)."""
    params = request.path_params
    found = await service.logo(params["code"], params["digest"], db=state.db)
    if found is None:
        language = preferred or languages.ENGLISH
        return _html(pages.error(404, language), language, 404)
    return Response(found.data, media_type=found.content_type, headers=LOGO_HEADERS)


async def short_link(state: State, request: Request) -> Response:
    """``/s/{code}``, the short form of a survey link."""
    return _redirect(request.path_params["code"], 302)


ROUTES: list[Route[State]] = [
    *(
        Route(path, (method,), request_endpoint(_page(endpoint)), FAMILY)
        for path, method, endpoint in (
            ("/r/{code}", "GET", show_survey),
            ("/r/{code}", "POST", submit_answer),
            ("/r/{code}/drivers", "GET", drivers_page),
            ("/r/{code}/drivers", "POST", choose_drivers),
            ("/r/{code}/unsubscribe", "GET", show_unsubscribe),
            ("/r/{code}/unsubscribe", "POST", unsubscribe),
            ("/r/{code}/logo/{digest}", "GET", logo),
        )
    ),
    Route("/s/{code}", ("GET",), request_endpoint(short_link), FAMILY),
]
