"""The 4.1 error-code table, complete and verbatim (seed 004), and the error that carries it.

Texts keep the documentation's typographic apostrophes and typos: clients match on them.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from opengauge.server.errors import ApiError, TooManyRequests


class ErrorCode(IntEnum):
    INVALID_API_KEY = 200000
    TOO_MANY_PARAMS = 300000
    INVALID_ARGUMENTS = 300001
    MODULE_DOES_NOT_EXIST = 300002
    METHOD_DOES_NOT_EXIST = 300003
    REQUIRED_FIELD = 300004
    FILTER_KEY = 400000
    DATE_METHOD = 400001
    RECORD_DOES_NOT_EXIST = 400002
    FAILED_TO_INSERT = 400003
    WRONG_ID = 400004
    ID_NOT_FOUND = 400005
    NO_MAPPING_DATE_FORM_COMPLETED = 400006
    DATE_FORM_COMPLETED_REQUIRED = 400007
    DATE_FORM_COMPLETED_FORBIDDEN = 400008
    DAYS_OVER_365 = 400009
    FIELD_ID_EMPTY = 400010
    WORKFLOW_STATUS = 400011
    FILE_NOT_FOUND = 400100
    S3_LOCATION_EMPTY = 400101
    FIELD_CONFIGURATIONS = 400102
    UPLOAD_ALREADY_PROCESSED = 400103
    FILE_TYPE_UNKNOWN = 400104
    FILE_COULD_NOT_BE_FOUND = 400105
    FILE_TYPE_INVALID = 400106
    XML_PARSE = 400107
    DUPLICATION_RULE_FORMAT = 400108
    DUPLICATION_RULE_RETRIEVE = 400109
    TEMP_FILE = 400110
    POSTED_FILE_NAME = 400111
    REQUESTED_FILE_NOT_FOUND = 400112
    REQUESTED_FILE_NAME = 400113
    FILE_DATA_EMPTY = 400115
    XML_LOAD = 400116
    DATABASE_CONNECTION = 400120
    DUPLICATION_RULE_FORMAT_2 = 400121
    QUERY_FAILED = 400122
    DUPLICATION_DETECTION = 400123
    DUPLICATION_RULE_PARSE = 400124
    TRANSACTIONAL_UPLOAD_METHOD = 400140
    TRANSACTIONAL_UPLOAD_LIST = 400141
    TRANSACTIONAL_ID_MISSING = 400142
    TRANSACTIONAL_ID_EMPTY = 400143
    CONTACT_UPLOAD_METHOD = 400160
    CONTACT_UPLOAD_LIST = 400161
    CONTACT_ID_MISSING = 400162
    HISTORICAL_UPLOAD_METHOD = 400180
    HISTORICAL_UPLOAD_LIST = 400181
    HISTORICAL_ID_MISSING = 400182
    HISTORICAL_ID_EMPTY = 400183
    HISTORICAL_NO_DATA = 400184
    WORKFLOW_NOT_FOUND = 400200
    WORKFLOW_NUMBER_REQUIRED = 400201
    PRODUCTS_URL = 400300
    PRODUCTS_NO_DATA = 400301
    PRODUCTS_FIELD = 400302
    PRODUCTS_MAPPING = 400303
    UNSUBSCRIBE_MAPPING = 400400
    EMAIL_REQUIRED = 400402
    EMAIL_ALREADY_UNSUBSCRIBED = 400403
    BOUNCE_MAPPING = 400404
    COMPANY_SUMMARY_MAPPING = 400500
    COMPANY_SUMMARY_DATE_METHOD = 400501
    REASON_CODE_REQUIRED = 400601
    REASON_CODE_EXISTS = 400602
    REASON_CODE_MISSING = 400603
    REASON_NOT_INSERTED = 400604
    REASON_NOT_UPDATED = 400605
    REASON_LEVEL_2 = 400606
    GOOD_BAD_REQUIRED = 400607
    GOOD_BAD_WRONG = 400608
    STREAM_NO_DATA = 400700
    ANONYMIZE_ID_REQUIRED = 400800
    PARENT_DOES_NOT_EXIST = 400900
    DIVISION_DOES_NOT_EXIST = 400901
    GLOBAL_NOT_UPDATABLE = 400902
    GLOBAL_NOT_DELETABLE = 400903
    PARENT_NOT_DELETABLE = 400904

    @property
    def message(self) -> str:
        return MESSAGES[self]

    @property
    def status(self) -> int:
        if self is ErrorCode.INVALID_API_KEY:
            return 401
        if self is ErrorCode.MODULE_DOES_NOT_EXIST:
            return 404
        if self is ErrorCode.METHOD_DOES_NOT_EXIST:
            return 405
        return 400


_FILE_METHOD = "Method of uploading unclear; should be POST params s3 or http or upload by POST."
_DUPLICATION_FORMAT = "Duplication Rule is not of an expected format."
_FILE_NOT_FOUND = "Could not find requested file."

MESSAGES: dict[ErrorCode, str] = {
    # The table says "Invalid API key"; the documented example (and spec 2.3) "Invalid API Key".
    ErrorCode.INVALID_API_KEY: "Invalid API Key",
    ErrorCode.TOO_MANY_PARAMS: "Too many params supplied",
    ErrorCode.INVALID_ARGUMENTS: "Invalid arguments supplied",
    ErrorCode.MODULE_DOES_NOT_EXIST: "Module does not exist",
    ErrorCode.METHOD_DOES_NOT_EXIST: "Method does not exist",
    ErrorCode.REQUIRED_FIELD: "Required field does not supplied",
    ErrorCode.FILTER_KEY: "Filter key doesn’t exist",
    ErrorCode.DATE_METHOD: "Date method doesn’t support",
    ErrorCode.RECORD_DOES_NOT_EXIST: "Record does not exist",
    ErrorCode.FAILED_TO_INSERT: "Failed to insert record",
    ErrorCode.WRONG_ID: "Wrong id provided",
    ErrorCode.ID_NOT_FOUND: "id not found",
    ErrorCode.NO_MAPPING_DATE_FORM_COMPLETED: "No mapping found for date form completed",
    ErrorCode.DATE_FORM_COMPLETED_REQUIRED: (
        "Date form completed value should be supplied for response upload"
    ),
    ErrorCode.DATE_FORM_COMPLETED_FORBIDDEN: (
        "Date form completed value should not be supplied for non response upload"
    ),
    ErrorCode.DAYS_OVER_365: "Days can’t be more than 365",
    ErrorCode.FIELD_ID_EMPTY: "Field id is required but seems to be empty",
    ErrorCode.WORKFLOW_STATUS: "Workflow status does not exist",
    ErrorCode.FILE_NOT_FOUND: _FILE_NOT_FOUND,
    ErrorCode.S3_LOCATION_EMPTY: "S3 location can not be empty.",
    ErrorCode.FIELD_CONFIGURATIONS: "Could not load field configurations.",
    ErrorCode.UPLOAD_ALREADY_PROCESSED: "Upload has already been processed.",
    ErrorCode.FILE_TYPE_UNKNOWN: "File type could not be determined.",
    ErrorCode.FILE_COULD_NOT_BE_FOUND: "File could not be found.",
    ErrorCode.FILE_TYPE_INVALID: "File is not of valid file type.",
    ErrorCode.XML_PARSE: "Could not parse XML correctly.",
    ErrorCode.DUPLICATION_RULE_FORMAT: _DUPLICATION_FORMAT,
    ErrorCode.DUPLICATION_RULE_RETRIEVE: "Could not retrieve Duplication Rule.",
    ErrorCode.TEMP_FILE: "Could not find posted temp file.",
    ErrorCode.POSTED_FILE_NAME: "File name of posted file is not valid.",
    ErrorCode.REQUESTED_FILE_NOT_FOUND: _FILE_NOT_FOUND,
    ErrorCode.REQUESTED_FILE_NAME: "File name of requested file is not valid.",
    ErrorCode.FILE_DATA_EMPTY: "File data can not be empty.",
    ErrorCode.XML_LOAD: "Failed loading XML.",
    ErrorCode.DATABASE_CONNECTION: "Could not make connection to database.",
    ErrorCode.DUPLICATION_RULE_FORMAT_2: _DUPLICATION_FORMAT,
    ErrorCode.QUERY_FAILED: "Query could not be executed correctly.",
    ErrorCode.DUPLICATION_DETECTION: "Something went wrong while detecting duplication.",
    ErrorCode.DUPLICATION_RULE_PARSE: "Could not parse duplication rule correctly.",
    ErrorCode.TRANSACTIONAL_UPLOAD_METHOD: _FILE_METHOD,
    ErrorCode.TRANSACTIONAL_UPLOAD_LIST: "Failed to retrieve list of Transactional uploads",
    ErrorCode.TRANSACTIONAL_ID_MISSING: "ID required, but missing",
    ErrorCode.TRANSACTIONAL_ID_EMPTY: "ID can not be empty",
    ErrorCode.CONTACT_UPLOAD_METHOD: _FILE_METHOD,
    ErrorCode.CONTACT_UPLOAD_LIST: "Failed to retrieve list of Contact uploads",
    ErrorCode.CONTACT_ID_MISSING: "ID required, but missing",
    ErrorCode.HISTORICAL_UPLOAD_METHOD: _FILE_METHOD,
    ErrorCode.HISTORICAL_UPLOAD_LIST: "Failed to retrieve list of Historical uploads",
    ErrorCode.HISTORICAL_ID_MISSING: "ID required, but missing",
    ErrorCode.HISTORICAL_ID_EMPTY: "ID can not be empty",
    ErrorCode.HISTORICAL_NO_DATA: "No data found with passed parameters",
    # Not in the table: the workflow evidence (reference §2.25) shows it.
    ErrorCode.WORKFLOW_NOT_FOUND: "Workflow not found",
    ErrorCode.WORKFLOW_NUMBER_REQUIRED: "Required field ‘number_customergauge’ not supplied",
    ErrorCode.PRODUCTS_URL: "Couldn’t get data from given url",
    ErrorCode.PRODUCTS_NO_DATA: "No data provided",
    ErrorCode.PRODUCTS_FIELD: "Field doesn’t exist",
    ErrorCode.PRODUCTS_MAPPING: "No mapping field found for product API output",
    ErrorCode.UNSUBSCRIBE_MAPPING: "No mapping field found for unsubscribe API output",
    ErrorCode.EMAIL_REQUIRED: "Email address is required",
    ErrorCode.EMAIL_ALREADY_UNSUBSCRIBED: "Email address already exist in the unsubscribe list",
    ErrorCode.BOUNCE_MAPPING: "No mapping field found for bounce API output",
    ErrorCode.COMPANY_SUMMARY_MAPPING: "No mapping field found for company_summary API output",
    ErrorCode.COMPANY_SUMMARY_DATE_METHOD: "Date method doesn’t support",
    ErrorCode.REASON_CODE_REQUIRED: "Required field ‘reason_code’ not supplied",
    ErrorCode.REASON_CODE_EXISTS: "Reason code already exist",
    ErrorCode.REASON_CODE_MISSING: "Reason code does not exist",
    ErrorCode.REASON_NOT_INSERTED: (
        "Record not inserted. Something went wrong. Please check your data."
    ),
    ErrorCode.REASON_NOT_UPDATED: (
        "Record not updated. Something went wrong. Please check your data."
    ),
    ErrorCode.REASON_LEVEL_2: "Level 2 can’t save without having Level 1",
    ErrorCode.GOOD_BAD_REQUIRED: "Required field ‘good_bad’ not supplied",
    ErrorCode.GOOD_BAD_WRONG: "Wrong data provided on ‘good_bad’ field",
    ErrorCode.STREAM_NO_DATA: "No data provided",
    ErrorCode.ANONYMIZE_ID_REQUIRED: "Required field ‘id’ not supplied",
    ErrorCode.PARENT_DOES_NOT_EXIST: "Parent doesn’t exist",
    ErrorCode.DIVISION_DOES_NOT_EXIST: "Division doesn’t exist",
    ErrorCode.GLOBAL_NOT_UPDATABLE: "Global division can not be updated",
    ErrorCode.GLOBAL_NOT_DELETABLE: "Global division can not be deleted",
    ErrorCode.PARENT_NOT_DELETABLE: "Parent division can not be deleted",
}


class V41Error(ApiError):
    """A 4.1 error: ``{"Error": {"Message": ..., "Code": ...}}`` with the table's status.

    ``message`` overrides the table's text where the API names the field, as in
    ``Required field 'division' not supplied``.
    """

    def __init__(self, code: ErrorCode, message: str | None = None) -> None:
        super().__init__(message or code.message)
        self.code = code
        self.status = code.status

    def body(self) -> dict[str, Any]:
        return {"Error": {"Message": self.message, "Code": int(self.code)}}


class V41TooManyRequests(TooManyRequests):
    """429 in the 4.1 envelope; the table has no code for it, so ``Code`` is the status."""

    def body(self) -> dict[str, Any]:
        return {"Error": {"Message": self.message, "Code": self.status}}


def required_field(name: str) -> V41Error:
    """300004 naming the field, e.g. ``Required field 'division' not supplied``."""
    return V41Error(ErrorCode.REQUIRED_FIELD, f"Required field '{name}' not supplied")
