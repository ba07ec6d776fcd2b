"""Tests for textkit.counts: every documented count form and round-trip properties."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textkit.counts import parse_count, parse_counts


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12, (12, False)),
        ("12", (12, False)),
        ("0", (0, False)),
        (0, (0, False)),
        (7.0, (7, False)),
        ("1,234", (1234, False)),
        ("1.2万", (12000, False)),
        ("2.1w", (21000, False)),
        ("2.1W", (21000, False)),
        ("1.2k", (1200, False)),
        ("3亿", (300_000_000, False)),
        ("10万+", (100_000, True)),
        ("100万+", (1_000_000, True)),
        ("999+", (999, True)),
        ("无", (None, False)),
        ("None", (None, False)),
        ("null", (None, False)),
        ("", (None, False)),
        (None, (None, False)),
        (float("nan"), (None, False)),
        ("赞", (None, False)),
        ("not a count", (None, False)),
    ],
)
def test_count_forms(value, expected):
    assert parse_count(value) == expected


def test_parse_counts_is_aligned_and_nullable():
    values = pd.Series(["1.2万", None, "无", "10万+", "0", "1.2万"], index=list("abcdef"))
    numbers, bounds = parse_counts(values)
    assert str(numbers.dtype) == "Int64"
    assert list(numbers.index) == list("abcdef")
    assert numbers.tolist() == [12000, pd.NA, pd.NA, 100000, 0, 12000]
    assert bounds.tolist() == [False, False, False, True, False, False]


def test_integer_columns_pass_through():
    numbers, bounds = parse_counts(pd.Series([1, 2, 3]))
    assert numbers.tolist() == [1, 2, 3] and not bounds.any()


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10**12))
def test_plain_numbers_round_trip(n):
    assert parse_count(str(n)) == (n, False)
    assert parse_count(n) == (n, False)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 99_999), st.sampled_from([("万", 10_000), ("w", 10_000), ("k", 1_000), ("亿", 10**8)]),
       st.booleans())
def test_abbreviated_counts_round_trip_within_rounding(tenths, unit, plus):
    suffix, multiplier = unit
    true_value = tenths * multiplier // 10
    text = f"{tenths / 10:.1f}{suffix}" + ("+" if plus else "")
    number, lower_bound = parse_count(text)
    assert lower_bound is plus
    assert abs(number - true_value) <= multiplier // 10 // 2
    numbers, bounds = parse_counts([text])
    assert (numbers[0], bool(bounds[0])) == (number, plus)


def test_a_count_beyond_int64_is_no_count_and_does_not_stop_the_column():
    assert parse_count(2**63) == (None, False)
    assert parse_count("99999999999999999999999") == (None, False)
    assert parse_count(2**63 - 1) == (2**63 - 1, False)
    counts, lower = parse_counts(pd.Series([2**70, 5, "1.2万"], dtype=object))
    assert counts.tolist() == [pd.NA, 5, 12000]
    assert lower.tolist() == [False, False, False]
