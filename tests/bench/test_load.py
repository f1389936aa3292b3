"""The bench's load side: wrk's summary read right, the bodies the mappings accept."""

from __future__ import annotations

import json

import pytest
from harness import BenchBroken
from load import parse_wrk
from workloads import ACCOUNT, CONTACT, SEED, WORKLOADS, Workload

WRK_OUTPUT = """\
Running 10s test @ http://127.0.0.1:8080/records/
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     8.10ms    2.03ms  40.11ms   90.00%
    Req/Sec     7.90k   300.00     8.30k    70.00%
  Latency Distribution
     50%    7.80ms
     75%    8.90ms
     90%   10.00ms
     99%   15.50ms
  78912 requests in 10.00s, 10.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 3
Requests/sec:   7891.20
Transfer/sec:      1.00MB
BENCH-STATUS 429 2
BENCH-STATUS 500 1
BENCH-SAMPLE 429 | retry-after: 1 | {"message":"slow down"}
"""


def test_the_wrk_summary_and_the_script_lines_are_read() -> None:
    result = parse_wrk(WRK_OUTPUT, "put", "wrk")
    assert (result.requests, result.seconds, result.requests_per_s) == (78912, 10.0, 7891.2)
    assert (result.p50_ms, result.p99_ms) == (7.8, 15.5)
    assert result.socket_errors == {"connect": 0, "read": 2, "write": 0, "timeout": 1}
    assert result.statuses == {"429": 2, "500": 1}
    assert result.non_2xx == 3
    assert result.problems() == [
        "put: 3 non-2xx answer(s) {'429': 2, '500': 1}",
        'put:   sample: 429 | retry-after: 1 | {"message":"slow down"}',
        "put: socket errors {'read': 2, 'timeout': 1}",
    ]


def test_output_without_a_latency_distribution_breaks_the_bench() -> None:
    with pytest.raises(BenchBroken, match="cannot read the wrk output"):
        parse_wrk("Requests/sec: 10\n", "put", "wrk")


@pytest.mark.parametrize("workload", list(WORKLOADS.values()), ids=list(WORKLOADS))
def test_bodies_name_the_seeded_mapping_and_its_headings(workload: Workload) -> None:
    body = json.loads(workload.body("Bench", 42, 7))
    reference = body["configuration"]
    assert f"reference: {reference}" in SEED
    for heading in body["record"]:
        assert f"{heading}: " in SEED


def test_the_lua_expression_uses_the_same_format_as_python() -> None:
    assert CONTACT.lua_body.startswith(f"string.format('{CONTACT.format}', ")
    assert CONTACT.body("Bench", 42, 7) == (
        b'{"configuration":"contacts","record":{"Email":"bench-00042@example.com",'
        b'"Account Name":"Bench account 0042"}}'
    )
    assert ACCOUNT.body("Warmup", 3, 9) == (
        b'{"configuration":"accounts","record":{"Account Name":"Warmup 00003",'
        b'"Account Number":"9"}}'
    )
