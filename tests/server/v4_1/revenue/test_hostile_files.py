"""Revenue uploads built to make the server work hard: refused quickly, others not held up."""

from __future__ import annotations

import concurrent.futures
import io
import time
import zipfile
from typing import Any

from openpyxl import Workbook

from tests.server.http.hostile import BOUND_SECONDS, MULTIPART_BB, probing, tiny_parts
from tests.server.v4_1.revenue.helpers import UPLOAD, post_file
from tests.server.v4_1.support import call
from tests.support import Tenant

SHEET = "xl/worksheets/sheet1.xml"


def workbook_with_sheet(sheet_data: bytes, last_row: int) -> bytes:
    """An openpyxl workbook whose first sheet holds ``sheet_data`` (rows up to ``last_row``).

    Written by hand, because openpyxl takes seconds to write a quarter of a million rows
    that deflate to 60 KB.
    """
    buffer = io.BytesIO()
    Workbook().save(buffer)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for info in source.infolist():
            content = source.read(info)
            if info.filename == SHEET:
                before, _, rest = content.partition(b"<sheetData")
                after = rest.split(b"</sheetData>", 1)[1] if b"</sheetData>" in rest else b""
                content = before + b"<sheetData>" + sheet_data + b"</sheetData>" + after
                content = content.replace(b'ref="A1:A1"', b'ref="A1:B%d"' % last_row, 1)
            target.writestr(info.filename, content)
    return out.getvalue()


def small_rows(count: int) -> bytes:
    return b'<row><c t="inlineStr"><is><t>Acme</t></is></c><c><v>1</v></c></row>' * count


def last_upload(tenant: Tenant) -> dict[str, Any]:
    return dict(call(tenant, "GET", "file/company-revenue").json()["Data"][-1])


def test_a_zip_bomb_is_refused_without_stalling_others(tenant: Tenant) -> None:
    bomb = workbook_with_sheet(small_rows(250_000), 250_000)
    print(f"zip bomb: {len(bomb)} bytes")
    with probing(tenant.server) as probe:
        response = post_file(tenant, bomb, "revenue.xlsx")
    print(f"zip bomb: worst jwks latency {probe.worst * 1000:.0f} ms over {len(probe.seconds)}")

    assert (response.status_code, response.json()) == (400, {"Data": False})
    upload = last_upload(tenant)
    assert upload["logs"] == ["The file unpacks to more than 8 MB."]
    assert (upload["status"], upload["total_records"]) == ("Failed", "0")
    assert probe.worst < BOUND_SECONDS


def test_reading_a_sheet_stops_past_the_row_limit(tenant: Tenant) -> None:
    with probing(tenant.server) as probe:
        response = post_file(
            tenant, workbook_with_sheet(small_rows(60_000), 60_000), "revenue.xlsx"
        )
    print(f"60,000 rows: worst jwks latency {probe.worst * 1000:.0f} ms")

    assert (response.status_code, response.json()) == (400, {"Data": False})
    upload = last_upload(tenant)
    assert upload["logs"] == ["The file holds more than 1000 records; at most 1000 are allowed."]
    assert (upload["total_records"], upload["unsuccessful_records"]) == ("0", "0")
    assert probe.worst < BOUND_SECONDS


def test_a_row_numbered_far_down_is_not_walked_to(tenant: Tenant) -> None:
    far = b'<row r="2000000"><c t="inlineStr"><is><t>Acme</t></is></c></row>'
    response = post_file(tenant, workbook_with_sheet(far, 2_000_000), "revenue.xlsx")

    assert (response.status_code, response.json()) == (400, {"Data": False})
    assert last_upload(tenant)["logs"] == ["The worksheet has more than 10000 rows."]


def test_4_mib_of_tiny_parts_is_refused_without_stalling_others(tenant: Tenant) -> None:
    body = tiny_parts(4 * 1024 * 1024)
    with probing(tenant.server) as probe:
        response = call(
            tenant,
            "POST",
            UPLOAD,
            content=body,
            headers=MULTIPART_BB,
        )
    print(f"4 MiB of parts: worst jwks latency {probe.worst * 1000:.0f} ms")

    assert response.status_code == 413
    assert response.json() == {"Error": {"Message": "Payload too large.", "Code": 300001}}
    assert probe.worst < BOUND_SECONDS


def heavy_rows(rows: int, cells: int) -> bytes:
    """Rows of many one-digit cells: under the unpacked cap, seconds of CPU to read."""
    return (b"<row>" + b"<c><v>1</v></c>" * cells + b"</row>") * rows


def test_uploads_with_a_bad_key_are_never_read(tenant: Tenant) -> None:
    """Reading a workbook costs seconds of CPU: only an authenticated caller gets that."""
    heavy = workbook_with_sheet(heavy_rows(100, 4_500), 100)
    print(f"heavy workbook: {len(heavy)} bytes")

    def upload(_: int) -> int:
        with tenant.server.client(headers={"Authorization": "api_key nope"}) as http:
            files = {"file": ("r.xlsx", heavy)}
            return http.post(f"/v4.1/{UPLOAD}.json", files=files).status_code

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        uploads = pool.map(upload, range(6))
        started = time.perf_counter()
        tenant.token()  # a secret check runs in the worker threads the workbooks would use
        login = time.perf_counter() - started
        statuses = list(uploads)
    print(f"a login during 6 unauthenticated uploads: {login * 1000:.0f} ms")
    assert statuses == [401] * 6
    assert login < BOUND_SECONDS


def test_a_bad_api_key_hears_401_before_anything_about_the_file(tenant: Tenant) -> None:
    # The file is read before the transaction, but its refusals wait for authentication.
    bomb = workbook_with_sheet(small_rows(250_000), 250_000)
    with tenant.server.client(headers={"Authorization": "api_key nope"}) as http:
        for content in (bomb, b"PK\x03\x04 not a workbook", b""):
            response = http.post(f"/v4.1/{UPLOAD}.json", files={"file": ("r.xlsx", content)})
            assert response.status_code == 401
            assert response.json() == {"Error": {"Message": "Invalid API Key", "Code": 200000}}
    assert call(tenant, "GET", "file/company-revenue").json() == {"Data": []}
