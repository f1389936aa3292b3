"""Refusals of the survey pages.

They are :class:`ApiError` subclasses so that operations can raise them through
``Database.run``; the survey endpoints render them as HTML pages, never as JSON. A refusal
carries the language of its page when it knows one (the record's, or the browser's).
"""

from __future__ import annotations

from opengauge.server.errors import ApiError
from opengauge.server.survey.schemas import SurveyPage


class PageRefusal(ApiError):
    """A refusal shown as a page in ``language`` (None: the browser's, else English)."""

    def __init__(self, message: str, language: str | None = None) -> None:
        super().__init__(message)
        self.language = language


class SurveyNotFound(PageRefusal):
    """No survey behind this link (or no unsubscribe for a contact without e-mail)."""

    status = 404

    def __init__(self, language: str | None = None) -> None:
        super().__init__("Survey not found.", language)


class FormRefused(PageRefusal):
    """A post from another site, or without this survey's form token."""

    status = 403

    def __init__(self, language: str | None = None) -> None:
        super().__init__("Form refused.", language)


class InvalidAnswer(PageRefusal):
    """The answer can't be stored; the form is shown again with ``message`` (a catalogue
    message, translated on the page)."""

    status = 422

    def __init__(self, message: str, page: SurveyPage, typed_comment: str) -> None:
        super().__init__(message, page.language)
        self.page = page
        self.typed_comment = typed_comment
