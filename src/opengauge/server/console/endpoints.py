"""The console's routes: sign-in, Inbound Mapping, Connected Apps, API Key, Users.

Server-rendered pages (``pages.py``); every form works without JavaScript. A session is a
random token in an HttpOnly, SameSite=Lax cookie, stored hashed in the database, so every
worker and host honours it and signing out ends it everywhere. Every form carries the
session's CSRF token; the sign-in form, before any session, a token of its own in a cookie.
Viewers see every screen; a change they attempt gets a 403 page.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import secrets
from collections.abc import Awaitable, Callable, Iterator, Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from opengauge.server.console import branding, dashboard, data, follow_up, pages, schemas, service
from opengauge.server.console.errors import (
    ERROR_PAGES,
    EXPIRED_PAGE,
    FormExpired,
    PageRefused,
    SignInRequired,
)
from opengauge.server.console.pages import PREFIX, Viewer
from opengauge.server.domain import mapping as m
from opengauge.server.domain.passwords import hash_password, verify_password
from opengauge.server.errors import ApiError, Conflict, TooManyRequests, ValidationFailed
from opengauge.server.http.bodies import parse_multipart_with_files, parse_off_loop
from opengauge.server.http.ratelimit import client_address
from opengauge.server.http.rendering import JsonErrors, Reply
from opengauge.server.http.responses import form_fields, limited_body
from opengauge.server.http.routing import Family, Route, request_endpoint
from opengauge.server.reporting import service as reporting
from opengauge.server.state import State
from opengauge.server.storage.repositories.users import Session, User
from opengauge.server.users import service as users
from opengauge.server.users.schemas import user_problems
from opengauge.server.workflow import service as workflow
from opengauge.server.workflow.service import FollowUpRefused, Refusal

SESSION_COOKIE = "og_session"
LOGIN_COOKIE = "og_login"
#: How many empty Field Mapping rows a form offers below the filled ones.
SPARE_ROWS = 3

#: Sent with every page: only our own style sheet and script, no framing, no referrer (a
#: set-password link is in a URL), never cached (pages carry form tokens and secrets).
PAGE_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self';"
        " form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}
HTML_TYPE = "text/html; charset=utf-8"
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


# -- refusals -------------------------------------------------------------------------


class ConsoleErrors(JsonErrors):
    """Refusals as HTML pages, a missing session as a redirect to the sign-in page."""

    def render(self, error: ApiError, path: str) -> Reply:
        headers = {**PAGE_HEADERS, **error.headers}
        pairs = [(name.encode(), value.encode()) for name, value in headers.items()]
        if isinstance(error, SignInRequired):
            return Reply(303, b"", HTML_TYPE, pairs)
        viewer = error.viewer if isinstance(error, PageRefused) else Viewer()
        title, text = ERROR_PAGES.get(error.status, ERROR_PAGES[500])
        if isinstance(error, FormExpired):
            title, text = EXPIRED_PAGE
        body = pages.render("error.html", viewer, title=title, text=text)
        return Reply(error.status, body.encode(), HTML_TYPE, pairs)


FAMILY = Family("console", ConsoleErrors(), journaled=False)


# -- responses ------------------------------------------------------------------------


def _page(template: str, viewer: Viewer, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(pages.render(template, viewer, **context), status, headers=PAGE_HEADERS)


def _redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, 303, headers=PAGE_HEADERS)


def _secure(state: State) -> bool:
    return urlsplit(state.settings.base_url).scheme == "https"


def _set_cookie(
    response: Response, state: State, name: str, value: str, max_age: int | None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=PREFIX + "/",
        secure=_secure(state),
        httponly=True,
        samesite="lax",
    )


# -- sessions -------------------------------------------------------------------------


class Signed:
    """The signed-in user of a request, with what their pages need."""

    def __init__(self, session: Session, token: str, path: str) -> None:
        self.session = session
        self.token = token
        self.viewer = Viewer(session.user, session.csrf_token, path)

    @property
    def user(self) -> User:
        return self.session.user

    @property
    def system(self) -> str:
        return self.session.user.system


def _idle(state: State) -> timedelta:
    return timedelta(seconds=state.settings.console_idle_timeout)


async def _signed_in(state: State, request: Request) -> Signed:
    token = request.cookies.get(SESSION_COOKIE, "")
    found = None
    if token:
        found = await state.db.read(users.find_session(token, _idle(state), state.clock))
    if found is None:
        next_path = request.url.path if request.method == "GET" else ""
        raise SignInRequired(next_path)
    if users.needs_touch(found, state.clock):
        await state.db.run(users.touch_session(token, state.clock))
    return Signed(found, token, request.url.path)


def _same(given: str, expected: str) -> bool:
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


async def _posted(state: State, request: Request, *, change: bool = True) -> tuple[Signed, Any]:
    """The signed-in user and the form of a POST, its CSRF token checked; a change by a
    Viewer is refused."""
    signed = await _signed_in(state, request)
    form = await form_fields(request, state.settings.max_body_bytes)
    if not _same(schemas.text(form, "csrf_token"), signed.session.csrf_token):
        raise FormExpired(signed.viewer)
    if change and not signed.user.is_administrator:
        raise PageRefused(403, signed.viewer)
    return signed, form


# -- sign in and out ------------------------------------------------------------------


async def show_login(state: State, request: Request) -> Response:
    return _login_page(state, request.query_params.get("next", ""), "", {})


def _login_page(
    state: State, next_path: str, email: str, problems: dict[str, list[str]], status: int = 200
) -> Response:
    token = secrets.token_urlsafe(32)
    response = _page(
        "login.html",
        Viewer(),
        status,
        login_token=token,
        next=next_path,
        email=email,
        problems=problems,
    )
    _set_cookie(response, state, LOGIN_COOKIE, token, 3600)
    return response


#: Never says whether the e-mail exists.
WRONG_CREDENTIALS = "The email or password is incorrect, or the account is disabled."


class _WrongCredentials(Exception):
    pass


async def login(state: State, request: Request) -> Response:
    form = await form_fields(request, state.settings.max_body_bytes)
    email, password = schemas.text(form, "email").strip(), schemas.text(form, "password")
    next_path = schemas.next_path(schemas.text(form, "next"))
    if not _same(schemas.text(form, "login_token"), request.cookies.get(LOGIN_COOKIE, "")):
        raise FormExpired()
    keys = (f"console:{email.lower()}", f"address:{client_address(request.scope)}")
    try:
        async with state.limiter.console.guard(
            *keys, refusal=TooManyRequests, failed=lambda e: isinstance(e, _WrongCredentials)
        ):
            matched = await service.sign_in(email, password, state.db)
            if wanted := schemas.text(form, "system"):  # picked on the page below
                matched = [user for user in matched if user.system == wanted]
            if not matched:
                raise _WrongCredentials()
    except _WrongCredentials:
        problems = {"email": [WRONG_CREDENTIALS]}
        return _login_page(state, next_path, email, problems, 200)
    if len(matched) > 1:
        # The same e-mail and password in several systems: the user picks one.
        systems = sorted(user.system for user in matched)
        return _page(
            "choose_system.html",
            Viewer(),
            systems=systems,
            login_token=schemas.text(form, "login_token"),
            email=email,
            password=password,
            next=next_path,
        )
    (user,) = matched
    token, operation = users.start_session(user, state.clock)
    await state.db.run(operation)
    # Sessions nobody used for the idle time are never honoured again: drop them.
    await state.db.run(users.end_idle_sessions(_idle(state), state.clock))
    response = _redirect(next_path)
    # A browser-session cookie: the server ends the session when it is idle (the cookie's
    # own lifetime could not follow a session that stays in use).
    _set_cookie(response, state, SESSION_COOKIE, token, None)
    response.delete_cookie(LOGIN_COOKIE, path=PREFIX + "/")
    return response


async def logout(state: State, request: Request) -> Response:
    signed, _ = await _posted(state, request, change=False)
    await state.db.run(users.end_session(signed.token))
    response = _redirect(PREFIX + "/login")
    response.delete_cookie(SESSION_COOKIE, path=PREFIX + "/")
    return response


async def home(state: State, request: Request) -> Response:
    await _signed_in(state, request)
    return _redirect(PREFIX + "/dashboard")


async def bare(state: State, request: Request) -> Response:
    return _redirect(PREFIX + "/")


# -- password -------------------------------------------------------------------------


def _password_page(viewer: Viewer, status: int = 200, **context: Any) -> Response:
    context = {"done": False, "problems": {}, **context}
    return _page(
        "password.html",
        viewer,
        status,
        heading="Change password",
        action=PREFIX + "/password",
        ask_current=True,
        **context,
    )


async def show_password(state: State, request: Request) -> Response:
    signed = await _signed_in(state, request)
    return _password_page(signed.viewer)


async def change_password(state: State, request: Request) -> Response:
    signed, form = await _posted(state, request, change=False)
    problems = schemas.password_problems(form)
    current_ok = await _verify(schemas.text(form, "current"), signed.user.password_hash)
    if not current_ok:
        problems = {"current": ["The current password is incorrect."], **problems}
    if problems:
        return _password_page(signed.viewer, 422, problems=problems)
    new_hash = await _hash(schemas.text(form, "new"))
    await state.db.run(users.change_password(signed.user, new_hash, signed.token))
    return _password_page(signed.viewer, done=True)


# argon2 takes tens of milliseconds: never on the event loop.


async def _verify(password: str, stored: str) -> bool:
    return await asyncio.to_thread(verify_password, password, stored)


async def _hash(password: str) -> str:
    return await asyncio.to_thread(hash_password, password)


# -- set-password links (invitations) -------------------------------------------------


def _set_password_page(token: str, status: int = 200, **context: Any) -> Response:
    context = {"done": False, "problems": {}, **context}
    return _page(
        "password.html",
        Viewer(),
        status,
        heading="Set your password",
        action=f"{PREFIX}/set-password/{quote(token, safe='')}",
        ask_current=False,
        **context,
    )


async def show_set_password(state: State, request: Request) -> Response:
    token = request.path_params["token"]
    if await state.db.read(users.invited(token, state.clock)) is None:
        raise PageRefused(404)
    return _set_password_page(token)


async def set_password(state: State, request: Request) -> Response:
    token = request.path_params["token"]
    form = await form_fields(request, state.settings.max_body_bytes)
    if await state.db.read(users.invited(token, state.clock)) is None:
        raise PageRefused(404)
    problems = schemas.password_problems(form)
    if problems:
        return _set_password_page(token, 422, problems=problems)
    new_hash = await _hash(schemas.text(form, "new"))
    if await state.db.run(users.accept_invitation(token, new_hash, state.clock)) is None:
        raise PageRefused(404)
    return _redirect(PREFIX + "/login")


# -- inbound mapping ------------------------------------------------------------------


async def list_mappings(state: State, request: Request) -> Response:
    signed = await _signed_in(state, request)
    found = await state.db.read(service.list_mappings(signed.system))
    return _page("mappings.html", signed.viewer, mappings=found)


def _mapping_page(
    viewer: Viewer,
    form: service.MappingForm,
    reference: str | None,
    rows: list[tuple[str, str]],
    problems: Mapping[str, list[str]],
    status: int = 200,
    spare: int = SPARE_ROWS,
) -> Response:
    shown = [*rows, *[("", "")] * spare]
    action = PREFIX + "/mappings/" + ("new" if reference is None else quote(reference, safe=""))
    return _page(
        "mapping_form.html",
        viewer,
        status,
        form=form,
        reference=reference,
        rows=shown,
        problems=problems,
        action=action,
        data_types=service.DATA_TYPES,
        targets=_targets(),
        editable=viewer.user is not None and viewer.user.is_administrator,
    )


def _targets() -> list[str]:
    fixed = (*m.ACCOUNT_TARGETS, *m.CONTACT_TARGETS, *m.SURVEY_TARGETS)
    return [*fixed, *m.ACTIVITY_TARGETS, *m.REVENUE_TARGETS]


async def new_mapping(state: State, request: Request) -> Response:
    signed = await _signed_in(state, request)
    if not signed.user.is_administrator:
        raise PageRefused(403, signed.viewer)
    form = service.MappingForm("", m.MULTI_OBJECT, [])
    return _mapping_page(signed.viewer, form, None, [], {}, spare=5)


async def show_mapping(state: State, request: Request) -> Response:
    signed = await _signed_in(state, request)
    reference = request.path_params["reference"]
    found = await _read_or_404(state, service.find_mapping(signed.system, reference), signed)
    form = service.MappingForm(found["name"], found["data_type"], list(found["fields"].items()))
    return _mapping_page(signed.viewer, form, reference, form.rows, {})


@contextlib.contextmanager
def _not_found_as_page(signed: Signed) -> Iterator[None]:
    """A 404 of a use case (no such mapping, app, campaign in the user's system) as the
    console's 404 page, with the user's navigation."""
    try:
        yield
    except ApiError as error:
        if error.status == 404:
            raise PageRefused(404, signed.viewer) from None
        raise


async def _read_or_404(state: State, operation: Any, signed: Signed) -> Any:
    with _not_found_as_page(signed):
        return await state.db.read(operation)


async def save_mapping(state: State, request: Request) -> Response:
    signed, posted = await _posted(state, request)
    path_reference = request.path_params.get("reference")
    form, typed = schemas.read_mapping_form(posted)
    if schemas.text(posted, "more"):
        return _mapping_page(signed.viewer, form, path_reference, typed, {}, spare=5)
    try:
        with _not_found_as_page(signed):
            await service.save_mapping(
                signed.system, form, path_reference, state.db, state.clock.timestamp()
            )
    except ValidationFailed as refused:
        problems = schemas.form_problems(refused)
        return _mapping_page(signed.viewer, form, path_reference, form.rows, problems, 422)
    return _redirect(PREFIX + "/mappings")


async def delete_mapping(state: State, request: Request) -> Response:
    signed, _ = await _posted(state, request)
    reference = request.path_params["reference"]
    await _run_or_404(state, service.delete_mapping(signed.system, reference), signed)
    return _redirect(PREFIX + "/mappings")


async def _run_or_404(state: State, operation: Any, signed: Signed) -> Any:
    with _not_found_as_page(signed):
        return await state.db.run(operation)


# -- connected apps -------------------------------------------------------------------


async def _apps_page(state: State, signed: Signed, status: int = 200, **context: Any) -> Response:
    found = await state.db.read(service.list_apps(signed.system))
    divisions = await state.db.read(service.divisions(signed.system))
    context = {"created": None, "problems": {}, "name": "", "chosen_division": "Global", **context}
    return _page("apps.html", signed.viewer, status, apps=found, divisions=divisions, **context)


async def list_apps(state: State, request: Request) -> Response:
    return await _apps_page(state, await _signed_in(state, request))


async def create_app(state: State, request: Request) -> Response:
    signed, form = await _posted(state, request)
    name, division = schemas.text(form, "name"), schemas.text(form, "division")
    try:
        created = await service.create_app(
            signed.system, name, division, state.db, state.clock.timestamp()
        )
    except ValidationFailed as refused:
        problems = schemas.form_problems(refused)
        return await _apps_page(
            state, signed, 422, problems=problems, name=name, chosen_division=division
        )
    return await _apps_page(state, signed, created=created)


def _app_action(
    action: Callable[[str, str], Any],
) -> Callable[[State, Request], Awaitable[Response]]:
    async def endpoint(state: State, request: Request) -> Response:
        signed, _ = await _posted(state, request)
        await _run_or_404(state, action(signed.system, request.path_params["client_id"]), signed)
        return _redirect(PREFIX + "/apps")

    return endpoint


# -- API key --------------------------------------------------------------------------


def _masked(hint: str | None) -> str:
    return "•" * 12 + hint if hint else "•" * 16 + " (rotate to see its last characters)"


async def show_api_key(state: State, request: Request) -> Response:
    signed = await _signed_in(state, request)
    hint = await state.db.read(service.api_key_hint(signed.system))
    return _page("api_key.html", signed.viewer, masked=_masked(hint), new_key=None)


async def rotate_api_key(state: State, request: Request) -> Response:
    signed, _ = await _posted(state, request)
    key = await service.rotate_api_key(signed.system, state.db)
    return _page("api_key.html", signed.viewer, masked=_masked(key[-4:]), new_key=key)


# -- touchpoints and segments ---------------------------------------------------------

_NAMES = {
    "touchpoints": (
        "Touchpoints",
        "touchpoint",
        "A survey record's touchpoint (target field survey.touchpoint) must be one of these.",
    ),
    "segments": (
        "Segments",
        "segment",
        "Each segment gives the target field survey.segment.<name> to mappings and campaigns.",
    ),
}


async def _names_page(
    state: State, signed: Signed, kind: str, status: int = 200, **context: Any
) -> Response:
    title, singular, intro = _NAMES[kind]
    lister = service.list_touchpoints if kind == "touchpoints" else service.list_segments
    names = await state.db.read(lister(signed.system))
    if kind == "touchpoints":
        names = [entry["name"] for entry in names]
    context = {"problems": {}, "typed": "", **context}
    delete_path = f"{PREFIX}/touchpoints/delete" if kind == "touchpoints" else ""
    return _page(
        "names.html",
        signed.viewer,
        status,
        title=title,
        singular=singular,
        intro=intro,
        names=names,
        add_path=f"{PREFIX}/{kind}",
        delete_path=delete_path,
        **context,
    )


def _names_list(kind: str) -> Callable[[State, Request], Awaitable[Response]]:
    async def endpoint(state: State, request: Request) -> Response:
        return await _names_page(state, await _signed_in(state, request), kind)

    return endpoint


def _names_add(kind: str) -> Callable[[State, Request], Awaitable[Response]]:
    add = service.add_touchpoint if kind == "touchpoints" else service.add_segment

    async def endpoint(state: State, request: Request) -> Response:
        signed, form = await _posted(state, request)
        typed = schemas.text(form, "name")
        try:
            await state.db.run(add(signed.system, typed))
        except ValidationFailed as refused:
            problems = schemas.form_problems(refused)
            return await _names_page(state, signed, kind, 422, problems=problems, typed=typed)
        return _redirect(f"{PREFIX}/{kind}")

    return endpoint


async def delete_touchpoint(state: State, request: Request) -> Response:
    signed, form = await _posted(state, request)
    try:
        await _run_or_404(
            state, service.delete_touchpoint(signed.system, schemas.text(form, "name")), signed
        )
    except Conflict as refused:
        problems = {"name": [refused.message]}
        return await _names_page(state, signed, "touchpoints", 409, problems=problems)
    return _redirect(PREFIX + "/touchpoints")


# -- hierarchy ------------------------------------------------------------------------

_HIERARCHY_DONE = {
    "add": "The division has been added.",
    "rename": "The division has been renamed.",
    "move": "The division has been moved.",
    "delete": "The division has been deleted.",
}
_HIERARCHY_FIELDS = {
    "add": ("division", "parent"),
    "rename": ("division", "division_to_update"),
    "move": ("division", "parent"),
    "delete": ("division", "replacement-division"),
}


async def _hierarchy_page(
    state: State, signed: Signed, status: int = 200, **context: Any
) -> Response:
    tree = await state.db.read(service.division_tree(signed.user.system_id))
    context = {"problems": {}, "done": "", **context}
    return _page("hierarchy.html", signed.viewer, status, tree=tree, **context)


async def show_hierarchy(state: State, request: Request) -> Response:
    return await _hierarchy_page(state, await _signed_in(state, request))


def _hierarchy_change(action: str) -> Callable[[State, Request], Awaitable[Response]]:
    async def endpoint(state: State, request: Request) -> Response:
        signed, form = await _posted(state, request)
        params = {name: schemas.text(form, name) for name in _HIERARCHY_FIELDS[action]}
        change = service.change_hierarchy(signed.user.system_id, action, params, state.clock)
        try:
            await state.db.run(change)
        except ValidationFailed as refused:
            return await _hierarchy_page(
                state, signed, 422, problems=schemas.form_problems(refused)
            )
        return await _hierarchy_page(state, signed, done=_HIERARCHY_DONE[action])

    return endpoint


# -- duplication rule -----------------------------------------------------------------


async def _duplication_page(
    state: State, signed: Signed, status: int = 200, **context: Any
) -> Response:
    rule = context.pop("rule", None) or await state.db.read(service.duplication_rule(signed.system))
    targets = await state.db.read(service.survey_fields(signed.system))
    context = {"problems": {}, "saved": False, **context}
    return _page("duplication.html", signed.viewer, status, rule=rule, targets=targets, **context)


async def show_duplication_rule(state: State, request: Request) -> Response:
    return await _duplication_page(state, await _signed_in(state, request))


async def save_duplication_rule(state: State, request: Request) -> Response:
    signed, form = await _posted(state, request)
    enabled = schemas.text(form, "enabled") == "1"
    fields = [f for f in (schemas.text(form, f"field_{i}") for i in range(3)) if f]
    days = schemas.text(form, "days")
    try:
        await service.save_duplication_rule(signed.system, enabled, days, fields, state.db)
    except ValidationFailed as refused:
        typed = {"enabled": enabled, "days": days, "fields": fields}
        problems = schemas.form_problems(refused)
        return await _duplication_page(state, signed, 422, problems=problems, rule=typed)
    return await _duplication_page(state, signed, saved=True)


# -- campaigns ------------------------------------------------------------------------


async def list_campaigns(state: State, request: Request) -> Response:
    signed = await _signed_in(state, request)
    found = await state.db.read(service.list_campaigns(signed.system))
    return _page("campaigns.html", signed.viewer, campaigns=found)


async def _campaign_page(
    state: State,
    signed: Signed,
    form: service.CampaignForm,
    existing: str | None,
    problems: Mapping[str, list[str]],
    status: int = 200,
) -> Response:
    rows = [*form.filters, *[("", "is", "")] * SPARE_ROWS]
    action = PREFIX + "/campaigns/" + ("new" if existing is None else quote(existing, safe=""))
    targets = await state.db.read(service.survey_fields(signed.system))
    return _page(
        "campaign_form.html",
        signed.viewer,
        status,
        form=form,
        existing=existing,
        rows=rows,
        problems=problems,
        action=action,
        targets=targets,
        editable=signed.user.is_administrator,
    )


async def new_campaign(state: State, request: Request) -> Response:
    signed = await _administrator(state, request)
    return await _campaign_page(state, signed, service.CampaignForm("", True, "", []), None, {})


async def show_campaign(state: State, request: Request) -> Response:
    signed = await _signed_in(state, request)
    name = request.path_params["name"]
    found = await _read_or_404(state, service.find_campaign(signed.system, name), signed)
    days = found["duplication_days"]
    filters = [(f["field"], f["op"], ", ".join(f["values"])) for f in found["filters"]]
    form = service.CampaignForm(name, found["active"], "" if days is None else str(days), filters)
    return await _campaign_page(state, signed, form, name, {})


async def save_campaign(state: State, request: Request) -> Response:
    signed, posted = await _posted(state, request)
    existing = request.path_params.get("name")
    form = schemas.read_campaign_form(posted)
    try:
        with _not_found_as_page(signed):
            await service.save_campaign(
                signed.system, form, existing, state.db, state.clock.timestamp()
            )
    except ValidationFailed as refused:
        return await _campaign_page(
            state, signed, form, existing, schemas.form_problems(refused), 422
        )
    return _redirect(PREFIX + "/campaigns")


async def delete_campaign(state: State, request: Request) -> Response:
    signed, _ = await _posted(state, request)
    name = request.path_params["name"]
    await _run_or_404(state, service.delete_campaign(signed.system, name), signed)
    return _redirect(PREFIX + "/campaigns")


# -- unsubscribes and bounces ---------------------------------------------------------

_LISTS = {
    "unsubscribes": (
        "Unsubscribes",
        "Added by",
        "No invitation is sent to these addresses, and personal links for them still work.",
    ),
    "bounces": ("Bounces", "Type", "Addresses the mail server reported as undeliverable."),
}


async def _listed_page(
    state: State,
    signed: Signed,
    kind: str,
    params: Mapping[str, str],
    status: int = 200,
    **context: Any,
) -> Response:
    title, third, intro = _LISTS[kind]
    search = params.get("q", "")
    try:
        before: int | None = int(params["before"]) if "before" in params else None
    except ValueError:
        before = None
    found = await state.db.read(service.find_listed(kind, signed.user.system_id, search, before))
    context = {"problems": {}, "added": "", **context}
    return _page(
        "listed.html",
        signed.viewer,
        status,
        title=title,
        third=third,
        intro=intro,
        path=f"{PREFIX}/{kind}",
        search=search,
        page=found,
        can_add=kind == "unsubscribes",
        **context,
    )


def _listed(kind: str) -> Callable[[State, Request], Awaitable[Response]]:
    async def endpoint(state: State, request: Request) -> Response:
        signed = await _signed_in(state, request)
        return await _listed_page(state, signed, kind, request.query_params)

    return endpoint


async def add_unsubscribe(state: State, request: Request) -> Response:
    signed, form = await _posted(state, request)
    email = schemas.text(form, "email")
    try:
        added = await service.add_unsubscribe(
            signed.system, email, state.db, state.clock.timestamp()
        )
    except ValidationFailed as refused:
        problems = schemas.form_problems(refused)
        return await _listed_page(state, signed, "unsubscribes", {}, 422, problems=problems)
    shown = email.strip().lower()
    note = f"{shown} is unsubscribed." if added else f"{shown} was already unsubscribed."
    return await _listed_page(state, signed, "unsubscribes", {}, added=note)


# -- users ----------------------------------------------------------------------------


async def _administrator(state: State, request: Request) -> Signed:
    signed = await _signed_in(state, request)
    if not signed.user.is_administrator:
        raise PageRefused(403, signed.viewer)
    return signed


async def _users_page(state: State, signed: Signed, status: int = 200, **context: Any) -> Response:
    found = await state.db.read(users.list_users(signed.system))
    blank = {"email": "", "name": "", "role": "viewer"}
    context = {"invited": None, "invitation_link": "", "problems": {}, "form": blank, **context}
    return _page("users.html", signed.viewer, status, users=found, **context)


async def list_users(state: State, request: Request) -> Response:
    return await _users_page(state, await _administrator(state, request))


async def invite_user(state: State, request: Request) -> Response:
    signed, form = await _posted(state, request)
    fields = {name: schemas.text(form, name).strip() for name in ("email", "name", "role")}
    problems = user_problems(fields["email"], fields["name"], fields["role"])
    if problems:
        listed = {field: [message] for field, message in problems.items()}
        return await _users_page(state, signed, 422, problems=listed, form=fields)
    create = users.create_user(
        signed.system, fields["email"], fields["name"], fields["role"], "", state.clock.timestamp()
    )
    try:
        user = await state.db.run(create)
    except ApiError as error:
        listed = {"email": [error.message]}
        return await _users_page(state, signed, 422, problems=listed, form=fields)
    token, invite = users.invite(user, state.clock)
    link = f"{state.settings.base_url}{PREFIX}/set-password/{token}"
    now = state.clock.timestamp()
    await state.db.run(service.mail_invitation(invite, user, link, signed.user.name, now))
    return await _users_page(state, signed, invited=user, invitation_link=link)


async def disable_user(state: State, request: Request) -> Response:
    signed, _ = await _posted(state, request)
    try:
        user_id = int(request.path_params["user_id"])
    except ValueError:
        raise PageRefused(404, signed.viewer) from None
    found = await state.db.read(users.user_by_id(signed.user.system_id, user_id))
    if found is None:
        raise PageRefused(404, signed.viewer)
    await state.db.run(users.disable_user(signed.user.system_id, found.email))
    return _redirect(PREFIX + "/users")


# -- data screens (read-only, keyset paging and search: console/data.py) ----------------


def _slug(request: Request) -> str:
    return request.url.path.removeprefix(PREFIX + "/").split("/", 1)[0]


async def data_list(state: State, request: Request) -> Response:
    signed = await _signed_in(state, request)
    params = dict(request.query_params)
    system_id, base_url = signed.user.system_id, state.settings.base_url
    shown = await data.load(_slug(request), system_id, params, state.db, base_url=base_url)
    return _page("data.html", signed.viewer, page=shown)


async def data_detail(state: State, request: Request) -> Response:
    signed = await _signed_in(state, request)
    item = request.path_params["item_id"]
    shown = await data.load_detail(_slug(request), signed.user.system_id, item, state.db)
    if shown is None:
        raise PageRefused(404, signed.viewer)
    return _page("data_detail.html", signed.viewer, page=shown)


async def retry_outbox(state: State, request: Request) -> Response:
    signed, _ = await _posted(state, request)
    try:
        entry = int(request.path_params["item_id"])
    except ValueError:
        raise PageRefused(404, signed.viewer) from None
    if not await state.db.run(data.retry_outbox(signed.user.system_id, entry)):
        raise PageRefused(404, signed.viewer)
    return _redirect(PREFIX + "/outbox")


def _data_routes() -> list[tuple[str, str, Any]]:
    routes: list[tuple[str, str, Any]] = []
    for slug, screen in data.SCREENS.items():
        routes.append((f"/{slug}", "GET", data_list))
        if screen.has_detail:
            routes.append((f"/{slug}/{{item_id}}", "GET", data_detail))
    return [*routes, ("/outbox/{item_id}/retry", "POST", retry_outbox)]


# -- dashboard (console/dashboard.py; the figures are server/reporting's) ---------------


async def show_dashboard(state: State, request: Request) -> Response:
    signed = await _signed_in(state, request)
    query = dashboard.read_query(request.query_params, state.clock.now().date())
    found = await reporting.dashboard(state.db, signed.user.system_id, query.filters)
    return _page(
        "dashboard.html",
        signed.viewer,
        400 if query.problems else 200,
        query=query,
        problems={field: [message] for field, message in query.problems.items()},
        found=found,
        query_string=dashboard.query_string(query.filters),
        groupings=dashboard.GROUPINGS,
        **dashboard.page_context(found),
    )


async def dashboard_csv(state: State, request: Request) -> Response:
    signed = await _signed_in(state, request)
    slug = request.path_params["table"]
    if slug not in dashboard.CSV_TABLES:
        raise PageRefused(404, signed.viewer)
    query = dashboard.read_query(request.query_params, state.clock.now().date())
    if query.problems:
        raise PageRefused(400, signed.viewer)
    system_id = signed.user.system_id
    if slug == "accounts":
        accounts = await reporting.all_accounts(state.db, system_id, query.filters)
        table = dashboard.account_table(None, accounts)
    else:
        found = await reporting.dashboard(state.db, system_id, query.filters)
        table = dashboard.TABLES[slug](found)
    name = dashboard.csv_name(table, query.filters)
    headers = {**PAGE_HEADERS, "content-disposition": f'attachment; filename="{name}"'}
    return Response(dashboard.to_csv(table), media_type="text/csv; charset=utf-8", headers=headers)


# -- assets ---------------------------------------------------------------------------


async def static(state: State, request: Request) -> Response:
    name = request.path_params["name"]
    content = pages.static_file(name)
    kind = STATIC_TYPES.get(name[name.rfind(".") :]) if "." in name else None
    if content is None or kind is None:
        raise PageRefused(404)
    # Assets change with the package version only; an hour keeps a page's reloads quick.
    headers = {"cache-control": "public, max-age=3600", "x-content-type-options": "nosniff"}
    return Response(content, media_type=kind, headers=headers)


# -- follow-up (console/follow_up.py; the changes are server/workflow's) ---------------


async def list_follow_ups(state: State, request: Request) -> Response:
    signed = await _signed_in(state, request)
    found = await state.db.read(follow_up.listing(signed.user.system_id, request.query_params))
    return _page("follow_up.html", signed.viewer, page=found)


async def _follow_up_page(
    state: State, signed: Signed, cg_id: str, status: int = 200, **context: Any
) -> Response:
    found = await state.db.read(follow_up.detail(signed.user.system_id, cg_id))
    if found is None:
        raise PageRefused(404, signed.viewer)
    typed = {"comment": "", "close_comment": ""}
    context = {"problems": {}, "done": "", "typed": typed, **context}
    return _page(
        "follow_up_detail.html",
        signed.viewer,
        status,
        page=found,
        max_comment=workflow.MAX_COMMENT,
        **context,
    )


async def show_follow_up(state: State, request: Request) -> Response:
    signed = await _signed_in(state, request)
    done = follow_up.DONE.get(request.query_params.get("done", ""), "")
    return await _follow_up_page(state, signed, request.path_params["cg_id"], done=done)


def _follow_up_change(action: str) -> Callable[[State, Request], Awaitable[Response]]:
    async def endpoint(state: State, request: Request) -> Response:
        # Every signed-in user works follow-ups, Viewers too: it is not configuration.
        signed, form = await _posted(state, request, change=False)
        cg_id = request.path_params["cg_id"]
        record_id = follow_up.record_id(cg_id)
        if record_id is None:
            raise PageRefused(404, signed.viewer)
        change = schemas.read_follow_up_form(action, form)
        user, now = signed.user, state.clock.timestamp()
        try:
            workflow.check(change)  # what needs no database, before the writer
            outcome = await state.db.run(
                workflow.operation(
                    user.system_id, record_id, change, user.email, now, state.settings.base_url
                )
            )
        except FollowUpRefused as refused:
            if refused.reason is Refusal.RECORD_NOT_FOUND:
                raise PageRefused(404, signed.viewer) from None
            field = "close_comment" if action == "close" else "comment"
            return await _follow_up_page(
                state,
                signed,
                cg_id,
                422,
                problems=follow_up.problems(refused, action),
                typed={"comment": "", "close_comment": "", field: schemas.text(form, "comment")},
            )
        done = action if outcome.event is not None else "unchanged"
        return _redirect(f"{follow_up.PATH}/{record_id}?done={done}")

    return endpoint


# -- drivers ---------------------------------------------------------------------------

#: The driver form's fields (``reason_code`` only when adding one).
_DRIVER_FIELDS = ("label", "good_bad", "level", "category_main", "position", "reason_code")
_NEW_DRIVER = {"label": "", "good_bad": "pos", "level": "1", "category_main": "", "position": "0"}


async def _drivers_page(
    state: State,
    signed: Signed,
    code: str | None = None,
    status: int = 200,
    form: Mapping[str, str] | None = None,
    problems: Mapping[str, list[str]] | None = None,
) -> Response:
    """The list with the add form, or (``code``) one driver's form."""
    rows = await state.db.read(service.list_drivers(signed.user.system_id))
    editing = None
    if code is not None:
        editing = next((row for row in rows if row.reason_code == code), None)
        if editing is None:
            raise PageRefused(404, signed.viewer)
    if form is None:
        form = _NEW_DRIVER | {"reason_code": ""}
        if editing is not None:
            form = {
                "label": editing.label,
                "good_bad": editing.good_bad,
                "level": str(editing.level),
                "category_main": editing.category,
                "position": str(editing.position),
            }
    context = {"editing": editing, "form": form, "problems": problems or {}}
    return _page("drivers.html", signed.viewer, status, drivers=rows, **context)


async def list_drivers(state: State, request: Request) -> Response:
    return await _drivers_page(state, await _signed_in(state, request))


async def show_driver(state: State, request: Request) -> Response:
    signed = await _signed_in(state, request)
    return await _drivers_page(state, signed, request.path_params["reason_code"])


async def save_driver(state: State, request: Request) -> Response:
    """Add a driver (``POST /drivers``) or change one (``POST /drivers/{reason_code}``)."""
    signed, posted = await _posted(state, request)
    code = request.path_params.get("reason_code")
    form = {name: schemas.text(posted, name) for name in _DRIVER_FIELDS}
    save = service.save_driver(signed.user.system_id, code, form, state.clock.timestamp())
    try:
        with _not_found_as_page(signed):
            await state.db.run(save)
    except ValidationFailed as refused:
        problems = schemas.form_problems(refused)
        return await _drivers_page(state, signed, code, 422, form, problems)
    return _redirect(PREFIX + "/drivers")


# -- branding (console/branding.py; the rules are domain/branding.py's) -----------------

_BRANDING_DONE = {
    "saved": "The branding has been saved.",
    "logo": "The logo has been uploaded.",
    "removed": "The logo has been removed.",
    "question": "The question has been saved.",
}
#: A logo's URL holds its digest, so a browser may keep it (the console's pages are private).
_LOGO_HEADERS = {
    "cache-control": "private, max-age=31536000, immutable",
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'",
}


async def _branding_page(
    state: State, signed: Signed, status: int = 200, **context: Any
) -> Response:
    shown = await state.db.read(branding.screen(signed.user.system_id, signed.system))
    blank = {"problems": {}, "done": "", "typed": shown.settings, "typed_questions": {}}
    context = {**blank, **context}
    return _page(
        "branding.html",
        signed.viewer,
        status,
        screen=shown,
        max_logo_kib=branding.MAX_LOGO_KIB,
        max_question=branding.MAX_QUESTION,
        **context,
    )


async def show_branding(state: State, request: Request) -> Response:
    signed = await _signed_in(state, request)
    done = _BRANDING_DONE.get(request.query_params.get("done", ""), "")
    return await _branding_page(state, signed, done=done)


async def save_branding(state: State, request: Request) -> Response:
    signed, form = await _posted(state, request)
    typed = branding.Settings(
        *(schemas.text(form, name) for name in ("display_name", "brand_colour", "privacy_url"))
    )
    try:
        await state.db.run(branding.save_settings(signed.user.system_id, typed))
    except ValidationFailed as refused:
        problems = schemas.form_problems(refused)
        return await _branding_page(state, signed, 422, problems=problems, typed=typed)
    return _redirect(PREFIX + "/branding?done=saved")


async def upload_logo(state: State, request: Request) -> Response:
    """The logo form is multipart (a file): read here, its CSRF token checked as
    :func:`_posted` does for the other forms."""
    signed = await _signed_in(state, request)
    body = await limited_body(request, state.settings.max_body_bytes)
    content_type = request.headers.get("content-type", "")
    fields: dict[str, Any] = {}
    files: dict[str, tuple[str, bytes]] = {}
    if content_type.split(";", 1)[0].strip().lower() == "multipart/form-data":
        fields, files = await parse_off_loop(parse_multipart_with_files, body, content_type)
    if not _same(schemas.text(fields, "csrf_token"), signed.session.csrf_token):
        raise FormExpired(signed.viewer)
    if not signed.user.is_administrator:
        raise PageRefused(403, signed.viewer)
    _, data = files.get("logo", ("", b""))
    try:
        save = branding.save_logo(signed.user.system_id, data, state.clock.timestamp())
    except ValidationFailed as refused:
        return await _branding_page(state, signed, 422, problems=schemas.form_problems(refused))
    await state.db.run(save)
    return _redirect(PREFIX + "/branding?done=logo")


async def delete_logo(state: State, request: Request) -> Response:
    signed, _ = await _posted(state, request)
    await state.db.run(branding.delete_logo(signed.user.system_id))
    return _redirect(PREFIX + "/branding?done=removed")


async def branding_logo(state: State, request: Request) -> Response:
    signed = await _signed_in(state, request)
    digest = request.path_params["digest"]
    found = await state.db.read(branding.logo(signed.user.system_id, digest))
    if found is None:
        raise PageRefused(404, signed.viewer)
    return Response(found.data, media_type=found.content_type, headers=_LOGO_HEADERS)


async def save_question(state: State, request: Request) -> Response:
    signed, form = await _posted(state, request)
    touchpoint, question = schemas.text(form, "touchpoint"), schemas.text(form, "question")
    try:
        save = branding.save_question(signed.user.system_id, touchpoint, question)
    except ValidationFailed as refused:
        problems = schemas.form_problems(refused)
        typed = {touchpoint: question}
        return await _branding_page(state, signed, 422, problems=problems, typed_questions=typed)
    if not await state.db.run(save):
        raise PageRefused(404, signed.viewer)
    return _redirect(PREFIX + "/branding?done=question")


async def branding_preview_css(state: State, request: Request) -> Response:
    """The preview's colours (the console's pages allow no inline style)."""
    css = branding.preview_css(request.query_params.get("colour", ""))
    headers = {"cache-control": "no-store", "x-content-type-options": "nosniff"}
    return Response(css, media_type="text/css; charset=utf-8", headers=headers)


def _route(path: str, method: str, handler: Any) -> Route[State]:
    return Route(PREFIX + path, (method,), request_endpoint(handler), FAMILY)


ROUTES: list[Route[State]] = [
    Route(PREFIX, ("GET",), request_endpoint(bare), FAMILY),
    *(
        _route(path, method, handler)
        for path, method, handler in (
            ("/", "GET", home),
            ("/dashboard", "GET", show_dashboard),
            ("/dashboard/{table}.csv", "GET", dashboard_csv),
            ("/login", "GET", show_login),
            ("/login", "POST", login),
            ("/logout", "POST", logout),
            ("/password", "GET", show_password),
            ("/password", "POST", change_password),
            ("/set-password/{token}", "GET", show_set_password),
            ("/set-password/{token}", "POST", set_password),
            ("/mappings", "GET", list_mappings),
            ("/mappings/new", "GET", new_mapping),
            ("/mappings/new", "POST", save_mapping),
            ("/mappings/{reference}", "GET", show_mapping),
            ("/mappings/{reference}", "POST", save_mapping),
            ("/mappings/{reference}/delete", "POST", delete_mapping),
            ("/apps", "GET", list_apps),
            ("/apps", "POST", create_app),
            ("/apps/{client_id}/deactivate", "POST", _app_action(service.deactivate_app)),
            ("/apps/{client_id}/delete", "POST", _app_action(service.delete_app)),
            ("/api-key", "GET", show_api_key),
            ("/api-key/rotate", "POST", rotate_api_key),
            ("/touchpoints", "GET", _names_list("touchpoints")),
            ("/touchpoints", "POST", _names_add("touchpoints")),
            ("/touchpoints/delete", "POST", delete_touchpoint),
            ("/segments", "GET", _names_list("segments")),
            ("/segments", "POST", _names_add("segments")),
            ("/hierarchy", "GET", show_hierarchy),
            *(
                (f"/hierarchy/{action}", "POST", _hierarchy_change(action))
                for action in _HIERARCHY_DONE
            ),
            ("/duplication-rule", "GET", show_duplication_rule),
            ("/duplication-rule", "POST", save_duplication_rule),
            ("/campaigns", "GET", list_campaigns),
            ("/campaigns/new", "GET", new_campaign),
            ("/campaigns/new", "POST", save_campaign),
            ("/campaigns/{name}", "GET", show_campaign),
            ("/campaigns/{name}", "POST", save_campaign),
            ("/campaigns/{name}/delete", "POST", delete_campaign),
            ("/unsubscribes", "GET", _listed("unsubscribes")),
            ("/unsubscribes", "POST", add_unsubscribe),
            ("/bounces", "GET", _listed("bounces")),
            ("/users", "GET", list_users),
            ("/users", "POST", invite_user),
            ("/users/{user_id}/disable", "POST", disable_user),
            ("/drivers", "GET", list_drivers),
            ("/drivers", "POST", save_driver),
            ("/drivers/{reason_code}", "GET", show_driver),
            ("/drivers/{reason_code}", "POST", save_driver),
            ("/follow-up", "GET", list_follow_ups),
            ("/follow-up/{cg_id}", "GET", show_follow_up),
            *(
                (f"/follow-up/{{cg_id}}/{action}", "POST", _follow_up_change(action))
                for action in follow_up.ACTIONS
            ),
            ("/branding", "GET", show_branding),
            ("/branding", "POST", save_branding),
            ("/branding/logo", "POST", upload_logo),
            ("/branding/logo/delete", "POST", delete_logo),
            ("/branding/logo/{digest}", "GET", branding_logo),
            ("/branding/question", "POST", save_question),
            ("/branding/preview.css", "GET", branding_preview_css),
            ("/static/{name}", "GET", static),
            *_data_routes(),
        )
    ),
]
