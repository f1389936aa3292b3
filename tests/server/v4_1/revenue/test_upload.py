"""POST company/revenue_file_automate over real HTTP, on every backend."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import Workbook

from tests.server.v4_1.revenue.helpers import UPLOAD, add_accounts, csv_bytes, post_file
from tests.server.v4_1.support import call
from tests.support import Tenant


def months(tenant: Tenant) -> list[tuple[str, Decimal]]:
    """(month, amount) of the tenant's monthly revenue, in month order."""
    rows = tenant.server.rows(
        "SELECT month, amount FROM revenue_months WHERE system_id = ? ORDER BY month, id",
        (tenant.system_id,),
    )
    return [(str(month), Decimal(str(amount)).quantize(Decimal("0.01"))) for month, amount in rows]


def last_upload(tenant: Tenant) -> dict[str, Any]:
    listed = call(tenant, "GET", "file/company-revenue").json()["Data"]
    assert isinstance(listed, list)
    return dict(listed[-1])


@pytest.fixture
def acme(tenant: Tenant) -> Tenant:
    add_accounts(tenant, "Acme", "Globex")
    return tenant


def test_arr_over_six_months_is_split_over_those_months(acme: Tenant) -> None:
    response = post_file(acme, csv_bytes("Acme,1000,2024-01-01,2024-06-30,ARR,Licences"))

    assert response.status_code == 200
    assert response.json() == {"Data": {"data": 1}}
    expanded = months(acme)
    assert [m for m, _ in expanded] == [f"2024-0{i}-01" for i in range(1, 7)]
    assert [a for _, a in expanded] == [Decimal("166.67")] * 5 + [Decimal("166.65")]
    assert sum(a for _, a in expanded) == 1000
    ((amount, kind, description, end),) = acme.server.rows(
        'SELECT amount, type, description, "end" FROM revenue_lines WHERE system_id = ?',
        (acme.system_id,),
    )
    assert (Decimal(str(amount)), kind, description, str(end)) == (
        Decimal(1000),
        "ARR",
        "Licences",
        "2024-06-30",
    )


def test_arr_over_two_years_is_split_over_twelve_months(acme: Tenant) -> None:
    assert post_file(acme, csv_bytes("Acme,1000,2024-01-01,2025-12-31,arr,")).status_code == 200

    expanded = months(acme)
    assert len(expanded) == 12
    assert expanded[-1] == ("2024-12-01", Decimal("83.37"))
    assert sum(a for _, a in expanded) == 1000


def test_mrr_over_a_year_repeats_every_month(acme: Tenant) -> None:
    assert (
        post_file(acme, csv_bytes("Acme,250,2024-03-15,2025-03-14,mrr,Support")).status_code == 200
    )

    expanded = months(acme)
    assert [m for m, _ in expanded][:2] == ["2024-03-01", "2024-04-01"]
    assert expanded[-1][0] == "2025-02-01"
    assert [a for _, a in expanded] == [Decimal(250)] * 12


def test_one_time_lands_on_the_start_month(acme: Tenant) -> None:
    body = csv_bytes(
        "Acme,5000,2024-05-20,,One Time,Setup", "Globex,10,2024-07-01,2024-09-30,ONE TIME,"
    )
    assert post_file(acme, body).status_code == 200

    assert months(acme) == [("2024-05-01", Decimal(5000)), ("2024-07-01", Decimal(10))]


def test_other_is_split_over_the_period(acme: Tenant) -> None:
    assert post_file(acme, csv_bytes("Acme,100,2024-11-01,2025-01-31,other,")).status_code == 200

    assert months(acme) == [
        ("2024-11-01", Decimal("33.33")),
        ("2024-12-01", Decimal("33.33")),
        ("2025-01-01", Decimal("33.34")),
    ]


def test_header_row_is_detected_and_skipped(acme: Tenant) -> None:
    body = csv_bytes(
        "Account,Amount,Start,End,Type,Description", "Acme,12,2024-01-01,2024-01-31,MRR,x"
    )
    assert post_file(acme, body).status_code == 200

    assert months(acme) == [("2024-01-01", Decimal(12))]
    upload = last_upload(acme)
    assert (upload["total_records"], upload["successful_records"]) == ("1", "1")


def test_semicolons_quotes_bom_and_case_insensitive_account_names(acme: Tenant) -> None:
    body = '\ufeffacme;7;2024-02-01;2024-02-29;MRR;"Support; premium"\r\n'.encode()
    assert post_file(acme, body).status_code == 200

    ((description,),) = acme.server.rows(
        "SELECT description FROM revenue_lines WHERE system_id = ?", (acme.system_id,)
    )
    assert description == "Support; premium"


def test_xlsx_made_with_openpyxl(acme: Tenant) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Account", "Amount", "Start", "End", "Type", "Description"])
    sheet.append(["Acme", 1200, date(2024, 1, 1), date(2024, 12, 31), "ARR", "From Excel"])
    sheet.append(["Globex", 300.0, "2024-06-01", None, "One Time", None])
    sheet.append([None, None, None, None, None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)

    response = post_file(acme, buffer.getvalue(), "RevenueUploadTemplate.xlsx")

    assert response.status_code == 200, last_upload(acme)
    expanded = months(acme)
    assert len(expanded) == 13
    assert ("2024-06-01", Decimal(300)) in expanded
    assert sum(a for _, a in expanded) == 1500
    upload = last_upload(acme)
    assert upload["source_filename"] == "RevenueUploadTemplate.xlsx"
    assert upload["total_records"] == "2"


def test_one_bad_row_stores_nothing_and_is_logged(acme: Tenant) -> None:
    body = csv_bytes(
        "Acme,100,2024-01-01,2024-12-31,ARR,",
        "Acme,1.5,2024-01-01,2024-12-31,ARR,",
        "Nobody,100,2024-01-01,2024-12-31,ARR,",
        "Globex,100,2024-02-01,2024-01-01,Weekly,",
    )
    response = post_file(acme, body)

    assert response.status_code == 400
    assert response.json() == {"Data": False}
    assert acme.count("revenue_lines") == 0
    assert acme.count("revenue_months") == 0
    upload = last_upload(acme)
    assert upload["status"] == "Failed"
    assert (upload["total_records"], upload["successful_records"]) == ("4", "0")
    assert upload["unsuccessful_records"] == "4"
    assert upload["logs"] == [
        "Record 2: Amount '1.5' is not a whole number (no thousands separators, no decimals).",
        "Record 3: Account 'Nobody' does not exist.",
        "Record 4: End date is before the start date.",
        "Record 4: Type 'Weekly' is not one of ARR, MRR, One Time, Other.",
    ]


def test_1001_rows_are_refused(acme: Tenant) -> None:
    body = csv_bytes(*["Acme,1,2024-01-01,,One Time,"] * 1001)
    response = post_file(acme, body)

    assert (response.status_code, response.json()) == (400, {"Data": False})
    assert acme.count("revenue_lines") == 0
    upload = last_upload(acme)
    assert upload["logs"] == ["The file holds 1001 records; at most 1000 are allowed."]
    assert upload["total_records"] == "1001"


def test_1000_rows_are_stored(acme: Tenant) -> None:
    body = csv_bytes(*["Acme,12,2024-01-01,2024-12-31,MRR,"] * 1000)
    assert post_file(acme, body).status_code == 200

    assert acme.count("revenue_lines") == 1000
    assert acme.count("revenue_months") == 12000


def test_a_3mb_file_is_refused(acme: Tenant) -> None:
    line = "Acme,1,2024-01-01,,One Time," + "x" * 3000
    body = csv_bytes(*[line] * 1050)
    assert len(body) > 3_000_000

    response = post_file(acme, body)

    assert (response.status_code, response.json()) == (400, {"Data": False})
    assert last_upload(acme)["logs"] == ["The file is larger than 2 MB."]
    assert acme.count("revenue_lines") == 0


def test_missing_file_is_300004(tenant: Tenant) -> None:
    response = call(tenant, "POST", UPLOAD, data={"nothing": "here"})

    assert response.status_code == 400
    assert response.json() == {
        "Error": {"Message": "Required field 'file' not supplied", "Code": 300004}
    }


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("revenue.pdf", b"%PDF-1.4 whatever"),
        ("revenue.xlsx", b"Acme,1,2024-01-01,,One Time,"),
        ("revenue.xlsx", b"PK\x03\x04 not really a workbook"),
        ("revenue.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
        ("revenue.csv", b"Acme\x00,1"),
    ],
)
def test_unreadable_files_are_400106(tenant: Tenant, filename: str, content: bytes) -> None:
    response = post_file(tenant, content, filename)

    assert response.status_code == 400
    assert response.json() == {
        "Error": {"Message": "File is not of valid file type.", "Code": 400106}
    }
    assert call(tenant, "GET", "file/company-revenue").json() == {"Data": []}


def test_empty_file_is_400115(tenant: Tenant) -> None:
    response = post_file(tenant, b"")

    assert response.json() == {"Error": {"Message": "File data can not be empty.", "Code": 400115}}


def test_xml_variant(acme: Tenant) -> None:
    ok = post_file(acme, csv_bytes("Acme,1,2024-01-01,,One Time,"), fmt="xml")
    refused = post_file(acme, csv_bytes("Acme,x1,2024-01-01,,One Time,"), fmt="xml")

    assert ok.status_code == 200
    assert ok.text == '<?xml version="1.0" encoding="utf-8"?>\n<Data><data>1</data></Data>'
    assert refused.status_code == 400
    assert refused.text == '<?xml version="1.0" encoding="utf-8"?>\n<Data>false</Data>'


def test_bad_api_key_is_401(tenant: Tenant) -> None:
    with tenant.server.client(headers={"Authorization": "api_key nope"}) as http:
        response = http.post(f"/v4.1/{UPLOAD}.json", files={"file": ("r.csv", b"x,1")})

    assert response.status_code == 401
    assert response.json() == {"Error": {"Message": "Invalid API Key", "Code": 200000}}


def test_a_body_over_4_mib_is_cut_off_with_413(tenant: Tenant) -> None:
    response = post_file(tenant, b"x" * (5 * 1024 * 1024))

    assert response.status_code == 413


@pytest.mark.parametrize(
    "disposition",
    [b'filename="rev\x00enue.csv"', b"filename*=utf-8''rev%00enue.csv"],
)
def test_a_nul_in_the_file_name_is_dropped(acme: Tenant, disposition: bytes) -> None:
    body = (
        b'--b\r\nContent-Disposition: form-data; name="file"; ' + disposition + b"\r\n\r\n"
        b"Acme,1,2024-01-01,,One Time,\r\n--b--\r\n"
    )
    response = call(
        acme,
        "POST",
        UPLOAD,
        content=body,
        headers={"content-type": "multipart/form-data; boundary=b"},
    )

    assert (response.status_code, response.json()) == (200, {"Data": {"data": 1}})
    assert last_upload(acme)["source_filename"] == "revenue.csv"
