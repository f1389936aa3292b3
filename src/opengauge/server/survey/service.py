"""The survey pages' use cases: show a survey, store its answer, unsubscribe its contact.

Each use case hands one operation to ``Database.run`` (showing a page: to ``Database.read``).
Refusals are the classes of ``survey/errors.py``; the endpoints turn them into HTML pages.
"""

from __future__ import annotations

import hmac
import secrets

from opengauge.server.clock import Clock
from opengauge.server.storage import Database, Tx
from opengauge.server.storage.repositories import lists, surveys
from opengauge.server.survey.errors import FormRefused, InvalidAnswer, SurveyNotFound
from opengauge.server.survey.schemas import CODE_PATTERN, Answer, Provenance, SurveyPage

#: ``unsubscribes.added_by`` for addresses added through the link on a survey page.
UNSUBSCRIBED_BY = "survey"


async def show_survey(code: str, *, db: Database) -> SurveyPage:
    """The survey behind ``code``, giving it a form token if it has none yet."""
    return await _show(code, db, unsubscribing=False)


async def show_unsubscribe(code: str, *, db: Database) -> SurveyPage:
    """The survey behind ``code`` for the unsubscribe confirmation; 404 without an e-mail."""
    return await _show(code, db, unsubscribing=True)


async def _show(code: str, db: Database, *, unsubscribing: bool) -> SurveyPage:
    # A read; only a record from before form tokens existed needs the writer, once.
    page = await db.read(lambda tx: _page(tx, code, unsubscribing=unsubscribing, reading=True))
    if page is not None:
        return page
    written = await db.run(lambda tx: _page(tx, code, unsubscribing=unsubscribing))
    assert written is not None
    return written


async def submit_answer(
    code: str, answer: Answer, provenance: Provenance, *, db: Database, clock: Clock
) -> None:
    """Store the answer once.

    A survey that already has an answer keeps it: a second post (a double click, the back
    button) is accepted and changes nothing, so the visitor simply sees the thank-you page.
    The form token is checked before anything else is looked at.
    """
    refuse_cross_site(provenance)

    def operation(tx: Tx) -> None:
        link = _find(tx, code)
        _check_token(link, answer.form_token)
        if link.answered:
            return
        if answer.problem is not None or answer.score is None:
            page = _page_of(code, link, answer.form_token)
            raise InvalidAnswer(answer.problem or "", page, answer.typed_comment)
        # The condition on date_response makes the store itself refuse a second answer, even
        # when two posts reach the database at the same time.
        surveys.record_answer(tx, link.record_id, answer.score, answer.comment, clock.timestamp())

    await db.run(operation)


async def unsubscribe(
    code: str, form_token: str, provenance: Provenance, *, db: Database, clock: Clock
) -> None:
    """Put the survey's contact on its system's unsubscribe list (a no-op if already there)."""
    refuse_cross_site(provenance)

    def operation(tx: Tx) -> None:
        link = _find(tx, code)
        if link.email is None:
            raise SurveyNotFound()
        _check_token(link, form_token)
        lists.add_unsubscribe(tx, link.system_id, link.email, UNSUBSCRIBED_BY, clock.timestamp())

    await db.run(operation)


def refuse_cross_site(provenance: Provenance) -> None:
    """:class:`FormRefused` for a post that a browser says came from another site.

    ``Origin: null`` carries no site (browsers send it for pages with
    ``Referrer-Policy: no-referrer``, ours included), so it is judged by ``Sec-Fetch-Site``
    alone; the form token still has to match.
    """
    if (provenance.fetch_site or "").strip().lower() == "cross-site":
        raise FormRefused()
    origin = (provenance.origin or "").strip().lower()
    if origin and origin != "null" and origin not in provenance.own_origins:
        raise FormRefused()


def _find(tx: Tx, code: str) -> surveys.SurveyLink:
    # Only codes we could have made reach the database (PostgreSQL refuses NUL characters).
    link = surveys.find_by_link_code(tx, code) if CODE_PATTERN.fullmatch(code) else None
    if link is None:
        raise SurveyNotFound()
    return link


def _check_token(link: surveys.SurveyLink, given: str) -> None:
    expected = link.form_token
    # Compared as bytes: compare_digest refuses non-ASCII text, and the post may contain any.
    if expected is None or not hmac.compare_digest(given.encode(), expected.encode()):
        raise FormRefused()


def _page(tx: Tx, code: str, *, unsubscribing: bool, reading: bool = False) -> SurveyPage | None:
    """The page; None when ``reading`` and the record still needs a form token."""
    link = _find(tx, code)
    if unsubscribing and link.email is None:
        raise SurveyNotFound()
    token = link.form_token
    if token is None:  # a record from before form tokens existed
        if reading:
            return None
        token = surveys.set_form_token(tx, link.record_id, secrets.token_urlsafe(32))
    return _page_of(code, link, token)


def _page_of(code: str, link: surveys.SurveyLink, token: str) -> SurveyPage:
    return SurveyPage(
        code=code,
        system_name=link.system_name,
        form_token=token,
        answered=link.answered,
        can_unsubscribe=link.email is not None,
    )
