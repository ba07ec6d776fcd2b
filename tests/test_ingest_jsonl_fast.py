"""The fast JSON Lines paths give exactly what the plain ones gave: values, errors and crawl times."""

from __future__ import annotations

import json

import pytest

from textkit.ingest.common import _china_times
from textkit.ingest.records import loads_line
from textkit.timeparse import china_time

LINES = [
    '{"_id": "4725000000000001", "content": "测试 #话题# @某人", "n": 1.5, "ok": true, "x": null}',
    '{"big": 123456789012345678901234567890, "neg": -9223372036854775809}',
    '{"u64": 18446744073709551615, "over": 18446744073709551616, "in": 9223372036854775807}',
    '{"exp": 1e400, "small": 5e-400, "neg0": -0.0, "e": 1E5}',
    '{"nan": NaN, "inf": -Infinity}',
    '{"lone": "\\ud800", "escaped": "\\u4e2d\\n"}',
    '{"dup": 1, "dup": 2}',
    '[1, 2, {"a": []}]',
    '  {"spaced": "yes"}  ',
]


@pytest.mark.parametrize("line", LINES)
def test_loads_line_matches_json_loads(line):
    expected = json.loads(line)
    got = loads_line(line)
    assert json.dumps(got, sort_keys=True) == json.dumps(expected, sort_keys=True)
    assert list(got) == list(expected) if isinstance(expected, dict) else got == expected


@pytest.mark.parametrize("line", ['{"a": 1', '{"a": 1}}', "not json", '{"a": "x}'])
def test_loads_line_error_is_json_error(line):
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(line)
    with pytest.raises(json.JSONDecodeError) as got:
        loads_line(line)
    assert (got.value.msg, got.value.colno) == (expected.value.msg, expected.value.colno)


def test_batched_crawl_times_match_one_by_one():
    values = [1642910000, "1642920000", 1642910000123, "2022-01-20 10:00:00", 1.6429e9,
              "2022-01-21T08:00:00+08:00"]
    assert _china_times(values, china_time) == [china_time(v) for v in values]


def test_batched_crawl_times_raise_the_reason_of_a_bad_value():
    with pytest.raises(ValueError) as expected:
        china_time("not a time")
    with pytest.raises(ValueError) as got:
        _china_times([1642910000, "not a time"], china_time)
    assert str(got.value) == str(expected.value)
