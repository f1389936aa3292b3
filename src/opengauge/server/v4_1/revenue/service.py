"""Revenue files: uploading one (all rows or none) and listing the uploads (spec section 6).

Every readable upload leaves an entry with its counts and log lines, stored or refused; a
refused file stores no revenue at all. Requests that carry no usable file at all (none,
empty, or not CSV/XLSX) are answered with a 4.1 error and leave no entry.

The file is read and its rows checked by :func:`read_upload` before the transaction, in a
worker thread: reading a workbook takes far longer than storing its rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from opengauge.server.domain import revenue as r
from opengauge.server.storage import Tx
from opengauge.server.storage.repositories import revenue as uploads_repo
from opengauge.server.v4_1.call import Call, Principal, Reply, UploadedFile
from opengauge.server.v4_1.errors import ErrorCode, V41Error, required_field
from opengauge.server.v4_1.revenue.parsing import TooMuchData, UnreadableFile, read_rows

LIST_PAGE = (1000, 1000)
PROCESSED, FAILED = "processed", "failed"
#: How a stored status reads on the wire (the documented example says ``Processed``).
_WIRE_STATUS = {PROCESSED: "Processed", FAILED: "Failed"}
_FILENAME_MAX = 255
#: Ids are 32-bit; a larger one names no upload (and PostgreSQL would refuse to compare).
_ID_MAX = 2**31 - 1


@dataclass(frozen=True)
class ReadUpload:
    """An uploaded file as read before the transaction: its checked rows, or its refusal."""

    name: str
    checked: list[tuple[r.RevenueRow | None, list[str]]] = field(default_factory=list)
    #: A file refused whatever the accounts: its total records and log lines.
    refusal: tuple[int, list[str]] | None = None
    #: A request refused without an upload entry.
    error: V41Error | None = None


def read_upload(call: Call) -> Call:
    """Read and check the uploaded file: before the transaction, in a worker thread.

    Nothing is refused yet; :func:`upload` does that once the caller is authenticated.
    """
    return replace(call, prepared=_read(call.files.get("file")))


def _read(file: UploadedFile | None) -> ReadUpload:
    if file is None:
        return ReadUpload("", error=required_field("file"))
    if not file.content:
        return ReadUpload("", error=V41Error(ErrorCode.FILE_DATA_EMPTY))
    name = _source_filename(file)
    if len(file.content) > r.MAX_FILE_BYTES:
        limit = r.MAX_FILE_BYTES // (1024 * 1024)
        return ReadUpload(name, refusal=(0, [f"The file is larger than {limit} MB."]))
    try:
        cells = read_rows(file.filename, file.content)
    except TooMuchData as error:
        return ReadUpload(name, refusal=(0, [str(error)]))
    except UnreadableFile:
        return ReadUpload(name, error=V41Error(ErrorCode.FILE_TYPE_INVALID))
    rows = [row for row in cells if not r.is_blank(row)]
    if rows and r.is_header(rows[0]):
        rows = rows[1:]
    if not rows:
        return ReadUpload(name, refusal=(0, ["The file holds no records."]))
    if len(rows) > r.MAX_ROWS:
        message = f"The file holds {len(rows)} records; at most {r.MAX_ROWS} are allowed."
        return ReadUpload(name, refusal=(len(rows), [message]))
    return ReadUpload(name, [r.validate_row(row) for row in rows])


def upload(tx: Tx, principal: Principal, call: Call) -> Any:
    """``POST company/revenue_file_automate``: store every row of a valid file, or none."""
    read = call.prepared
    assert isinstance(read, ReadUpload), "the module's prepare step reads the file"
    if read.error is not None:
        raise read.error
    now = call.clock.timestamp()
    if read.refusal is not None:
        total, logs = read.refusal
        return _refuse(tx, principal, read.name, now, total, logs)

    checked = read.checked
    names = [row.account for row, _ in checked if row is not None]
    accounts = uploads_repo.account_ids(tx, principal.system_id, names)
    logs = []
    for number, (row, problems) in enumerate(checked, start=1):
        if row is not None and row.account not in accounts:
            problems = [f"Account '{row.account}' does not exist."]
        logs.extend(f"Record {number}: {problem}" for problem in problems)
    if logs:
        return _refuse(tx, principal, read.name, now, len(checked), logs)

    upload_id = uploads_repo.add_upload(
        tx, principal.system_id, PROCESSED, read.name, now, (len(checked), len(checked), 0), []
    )
    lines = [
        uploads_repo.NewLine(
            accounts[row.account],
            Decimal(row.amount),
            row.start,
            row.end,
            row.kind,
            row.description,
            r.expand(row),
        )
        for row, _ in checked
        if row is not None
    ]
    uploads_repo.add_lines(tx, principal.system_id, upload_id, lines, now)
    return {"data": 1}


def _refuse(
    tx: Tx, principal: Principal, name: str, now: str, total: int, logs: list[str]
) -> Reply:
    """Keep a failed upload entry; answer 400 ``{"Data": false}`` as the service does."""
    uploads_repo.add_upload(tx, principal.system_id, FAILED, name, now, (total, 0, total), logs)
    return Reply(False, 400)


def _source_filename(file: UploadedFile) -> str:
    # Browsers on Windows may send a whole path; only the name is worth keeping. NUL is
    # dropped, as from every other text we keep: PostgreSQL refuses it, and it means nothing.
    name = file.filename.replace("\x00", "").replace("\\", "/").rsplit("/", 1)[-1]
    return name[:_FILENAME_MAX]


def list_uploads(tx: Tx, principal: Principal, call: Call) -> list[dict[str, Any]]:
    """``GET file/company-revenue``: the system's uploads, oldest first."""
    start, limit = call.page(*LIST_PAGE)
    window = call.date_range()
    raw_id = call.text("id")
    if raw_id is not None and not (raw_id.isascii() and raw_id.isdigit() and len(raw_id) <= 18):
        raise V41Error(ErrorCode.INVALID_ARGUMENTS)
    upload_id = None if raw_id is None else int(raw_id)
    if upload_id is not None and upload_id > _ID_MAX:
        return []
    found = uploads_repo.uploads(tx, principal.system_id, upload_id, start, limit, window)
    return [
        {
            "id": str(item.id),
            "status": _WIRE_STATUS.get(item.status, item.status),
            "source_filename": item.source_filename,
            "date_upload": item.date_upload,
            "total_records": str(item.total_records),
            "successful_records": str(item.successful_records),
            "unsuccessful_records": str(item.unsuccessful_records),
            "logs": item.logs,
        }
        for item in found
    ]
