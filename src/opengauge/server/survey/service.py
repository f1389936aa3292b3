"""The survey pages' use cases: show a survey, store its answer and the drivers it chose,
unsubscribe its contact, hand out its system's logo.

Each use case hands one operation to ``Database.run`` (showing a page: to ``Database.read``).
Refusals are the classes of ``survey/errors.py``; the endpoints turn them into HTML pages.
``preferred`` is the language the browser asks for (``Accept-Language``, already chosen
among ours); the record's own language wins over it.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Sequence

from opengauge.server.clock import Clock
from opengauge.server.domain import branding as rules
from opengauge.server.domain import drivers as driver_rules
from opengauge.server.storage import Database, Tx
from opengauge.server.storage.repositories import branding, drivers, lists, surveys
from opengauge.server.survey import languages
from opengauge.server.survey.errors import FormRefused, InvalidAnswer, SurveyNotFound
from opengauge.server.survey.schemas import (
    CODE_PATTERN,
    Answer,
    Brand,
    DriverChoice,
    DriversPost,
    Provenance,
    SurveyPage,
)

#: ``unsubscribes.added_by`` for addresses added through the link on a survey page.
UNSUBSCRIBED_BY = "survey"


async def show_survey(code: str, *, db: Database, preferred: str | None = None) -> SurveyPage:
    """The survey behind ``code``, giving it a form token if it has none yet; once answered,
    with the drivers still to choose."""
    return await _show(code, db, preferred, unsubscribing=False)


async def show_unsubscribe(code: str, *, db: Database, preferred: str | None = None) -> SurveyPage:
    """The survey behind ``code`` for the unsubscribe confirmation; 404 without an e-mail."""
    return await _show(code, db, preferred, unsubscribing=True)


async def _show(
    code: str, db: Database, preferred: str | None, *, unsubscribing: bool
) -> SurveyPage:
    # A read; only a record from before form tokens existed needs the writer, once.
    def read(tx: Tx) -> SurveyPage | None:
        return _page(tx, code, preferred, unsubscribing=unsubscribing, reading=True)

    page = await db.read(read)
    if page is not None:
        return page
    written = await db.run(lambda tx: _page(tx, code, preferred, unsubscribing=unsubscribing))
    assert written is not None
    return written


async def submit_answer(
    code: str,
    answer: Answer,
    provenance: Provenance,
    *,
    db: Database,
    clock: Clock,
    preferred: str | None = None,
) -> None:
    """Store the answer once.

    A survey that already has an answer keeps it: a second post (a double click, the back
    button) is accepted and changes nothing, so the visitor simply sees the thank-you page.
    The form token is checked before anything else is looked at.
    """
    refuse_cross_site(provenance, preferred)

    def operation(tx: Tx) -> None:
        link = _find(tx, code, preferred)
        _check_token(link, answer.form_token, preferred)
        if link.answered:
            return
        if answer.problem is not None or answer.score is None:
            page = _page_of(code, link, answer.form_token, preferred)
            raise InvalidAnswer(answer.problem or "", page, answer.typed_comment)
        # The condition on date_response makes the store itself refuse a second answer, even
        # when two posts reach the database at the same time.
        surveys.record_answer(tx, link.record_id, answer.score, answer.comment, clock.timestamp())

    await db.run(operation)


async def choose_drivers(
    code: str,
    posted: DriversPost,
    provenance: Provenance,
    *,
    db: Database,
    preferred: str | None = None,
) -> SurveyPage | None:
    """Store the drivers an answered survey chose, once; the thank-you page's survey.

    Codes that are not drivers shown for the record's score are ignored. A record whose
    answer has chosen drivers already keeps them. None when the survey has no answer yet
    (there is nothing to attach drivers to: the visitor goes back to the form).
    """
    refuse_cross_site(provenance, preferred)

    def operation(tx: Tx) -> SurveyPage | None:
        link = _find(tx, code, preferred)
        _check_token(link, posted.form_token, preferred)
        if not link.answered or link.nps is None:
            return None
        token = link.form_token or ""
        surveys.lock_record(tx, link.record_id)
        if surveys.has_chosen_drivers(tx, link.record_id):
            return _page_of(code, link, token, preferred)
        fitting = {d.reason_code: d.id for d in drivers.listed(tx, link.system_id, _kind(link))}
        chosen = [fitting[c] for c in posted.reason_codes if c in fitting]
        if chosen:
            drivers.choose(tx, link.system_id, link.record_id, chosen)
        return _page_of(code, link, token, preferred)

    page: SurveyPage | None = await db.run(operation)
    return page


async def unsubscribe(
    code: str,
    form_token: str,
    provenance: Provenance,
    *,
    db: Database,
    clock: Clock,
    preferred: str | None = None,
) -> SurveyPage:
    """Put the survey's contact on its system's unsubscribe list (a no-op if already there);
    the survey, for the page saying so."""
    refuse_cross_site(provenance, preferred)

    def operation(tx: Tx) -> SurveyPage:
        link = _find(tx, code, preferred)
        if link.email is None:
            raise SurveyNotFound(_language(link, preferred))
        _check_token(link, form_token, preferred)
        lists.add_unsubscribe(tx, link.system_id, link.email, UNSUBSCRIBED_BY, clock.timestamp())
        return _page_of(code, link, form_token, preferred)

    page: SurveyPage = await db.run(operation)
    return page


async def logo(code: str, digest: str, *, db: Database) -> branding.Logo | None:
    """The logo of the survey's system, if ``digest`` is its current one."""

    def read(tx: Tx) -> branding.Logo | None:
        link = _find(tx, code, None)
        if link.branding.logo_digest != digest:
            return None
        found = branding.logo(tx, link.system_id)
        if found is None or found.digest != digest or found.content_type not in rules.LOGO_TYPES:
            return None
        return found

    found: branding.Logo | None = await db.read(read)
    return found


def refuse_cross_site(provenance: Provenance, preferred: str | None = None) -> None:
    """:class:`FormRefused` for a post that a browser says came from another site.

    ``Origin: null`` carries no site (browsers send it for pages with
    ``Referrer-Policy: no-referrer``, ours included), so it is judged by ``Sec-Fetch-Site``
    alone; the form token still has to match.
    """
    if (provenance.fetch_site or "").strip().lower() == "cross-site":
        raise FormRefused(preferred)
    origin = (provenance.origin or "").strip().lower()
    if origin and origin != "null" and origin not in provenance.own_origins:
        raise FormRefused(preferred)


def _find(tx: Tx, code: str, preferred: str | None) -> surveys.SurveyLink:
    # Only codes we could have made reach the database (PostgreSQL refuses NUL characters).
    link = surveys.find_by_link_code(tx, code) if CODE_PATTERN.fullmatch(code) else None
    if link is None:
        raise SurveyNotFound(preferred)
    return link


def _check_token(link: surveys.SurveyLink, given: str, preferred: str | None) -> None:
    expected = link.form_token
    # Compared as bytes: compare_digest refuses non-ASCII text, and the post may contain any.
    if expected is None or not hmac.compare_digest(given.encode(), expected.encode()):
        raise FormRefused(_language(link, preferred))


def _page(
    tx: Tx, code: str, preferred: str | None, *, unsubscribing: bool, reading: bool = False
) -> SurveyPage | None:
    """The page; None when ``reading`` and the record still needs a form token."""
    link = _find(tx, code, preferred)
    if unsubscribing and link.email is None:
        raise SurveyNotFound(_language(link, preferred))
    token = link.form_token
    if token is None:  # a record from before form tokens existed
        if reading:
            return None
        token = surveys.set_form_token(tx, link.record_id, secrets.token_urlsafe(32))
    offered: Sequence[drivers.Driver] = ()
    if link.answered and not unsubscribing and not surveys.has_chosen_drivers(tx, link.record_id):
        offered = drivers.listed(tx, link.system_id, _kind(link))
    return _page_of(code, link, token, preferred, offered)


def _kind(link: surveys.SurveyLink) -> str:
    """The drivers that fit the record's score (spec section 11)."""
    return driver_rules.fitting(link.nps) if link.nps is not None else driver_rules.NEGATIVE


def _language(link: surveys.SurveyLink, preferred: str | None) -> str:
    return languages.of_record(link.language) or preferred or languages.ENGLISH


def _page_of(
    code: str,
    link: surveys.SurveyLink,
    token: str,
    preferred: str | None,
    offered: Sequence[drivers.Driver] = (),
) -> SurveyPage:
    return SurveyPage(
        code=code,
        form_token=token,
        answered=link.answered,
        can_unsubscribe=link.email is not None,
        language=_language(link, preferred),
        brand=brand_of(code, link),
        first_name=_first_name(link.first_name),
        question=rules.cleaned(link.question),
        drivers=_in_order(offered),
    )


def brand_of(code: str, link: surveys.SurveyLink) -> Brand:
    """How the survey looks: the system's branding with its defaults. Stored values are
    checked again, so a value written around the console and seed rules never reaches a
    page."""
    stored = link.branding
    name = rules.cleaned(stored.display_name) or link.system_name
    colour = rules.normal_colour(stored.brand_colour or "") or rules.DEFAULT_COLOUR
    url = rules.cleaned(stored.privacy_url)
    if url is not None and rules.privacy_url_problem(url) is not None:
        url = None
    logo_path = None
    if stored.logo_digest:
        logo_path = f"/r/{code}/logo/{stored.logo_digest}"
    return Brand(
        name=name,
        colour=colour,
        on_colour=rules.text_on(colour),
        edge=rules.edge_on_white(colour),
        privacy_url=url,
        logo_path=logo_path,
    )


def _first_name(name: str | None) -> str | None:
    """The name to greet with: none for a blank or anonymized one (``***``)."""
    cleaned = rules.cleaned(name)
    if cleaned is None or not any(ch.isalpha() for ch in cleaned):
        return None
    return cleaned


def _in_order(offered: Sequence[drivers.Driver]) -> tuple[DriverChoice, ...]:
    """Each level 1 driver followed by the level 2 drivers under it (``category_main`` is
    its label); level 2 drivers without one at the end, as if level 1."""
    level_1 = [d for d in offered if d.level == 1]
    level_2 = [d for d in offered if d.level != 1]
    ordered: list[DriverChoice] = []
    placed: set[int] = set()
    for parent in level_1:
        ordered.append(DriverChoice(parent.reason_code, parent.label, 1))
        for child in level_2:
            if child.category_main == parent.label and child.id not in placed:
                ordered.append(DriverChoice(child.reason_code, child.label, 2))
                placed.add(child.id)
    ordered += [DriverChoice(d.reason_code, d.label, 1) for d in level_2 if d.id not in placed]
    return tuple(ordered)
