"""Refusals of the survey pages.

They are :class:`ApiError` subclasses so that operations can raise them through
``Database.run``; the survey endpoints render them as HTML pages, never as JSON.
"""

from __future__ import annotations

from opengauge.server.errors import ApiError
from opengauge.server.survey.schemas import SurveyPage


class SurveyNotFound(ApiError):
    """No survey behind this link (or no unsubscribe for a contact without e-mail)."""

    status = 404

    def __init__(self) -> None:
        super().__init__("Survey not found.")


class FormRefused(ApiError):
    """A post from another site, or without this survey's form token."""

    status = 403

    def __init__(self) -> None:
        super().__init__("Form refused.")


class InvalidAnswer(ApiError):
    """The answer can't be stored; the form is shown again with ``message``."""

    status = 422

    def __init__(self, message: str, page: SurveyPage, typed_comment: str) -> None:
        super().__init__(message)
        self.page = page
        self.typed_comment = typed_comment
