"""Tests for textkit.timeparse: every documented form, crawl-time rules, and round-trip properties."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textkit.timeparse import parse_time, parse_times

CHINA = "Asia/Shanghai"
CRAWL = pd.Timestamp("2023-12-25 10:00:00", tz=CHINA)


def china(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=CHINA)


@pytest.mark.parametrize(
    ("value", "expected", "precision"),
    [
        ("2023-12-23 17:12:54+08:00", "2023-12-23 17:12:54", "second"),
        ("2023-12-23T09:12:54Z", "2023-12-23 17:12:54", "second"),
        ("2023-12-23T17:12:54", "2023-12-23 17:12:54", "second"),
        ("2023-12-23 17:12:54", "2023-12-23 17:12:54", "second"),
        ("2023-12-23 17:12", "2023-12-23 17:12:00", "minute"),
        ("2023-12-23", "2023-12-23 00:00:00", "day"),
        ("2023-12-23 09:12:54 +0000", "2023-12-23 17:12:54", "second"),
        ("2023年12月23日 17:12", "2023-12-23 17:12:00", "minute"),
        ("2023年1月3日", "2023-01-03 00:00:00", "day"),
        ("2019/2/28 11:25:05", "2019-02-28 11:25:05", "second"),
        ("2019/02/28 11:25", "2019-02-28 11:25:00", "minute"),
        ("Tue Jan 04 09:12:33 +0800 2022", "2022-01-04 09:12:33", "second"),
        ("Sat Jan 04 09:41:57 +0000 2025", "2025-01-04 17:41:57", "second"),
        (1703322774, "2023-12-23 17:12:54", "second"),
        (1703322774000, "2023-12-23 17:12:54", "second"),
        ("1703322774", "2023-12-23 17:12:54", "second"),
        ("1692195445000", "2023-08-16 22:17:25", "second"),
        (1703322774.0, "2023-12-23 17:12:54", "second"),
        ("  2023-12-23 17:12  ", "2023-12-23 17:12:00", "minute"),
    ],
)
def test_absolute_forms(value, expected, precision):
    assert parse_time(value) == (china(expected), precision)


@pytest.mark.parametrize(
    ("value", "expected", "precision"),
    [
        ("刚刚", "2023-12-25 10:00:00", "minute"),
        ("30秒前", "2023-12-25 09:59:30", "second"),
        ("5分钟前", "2023-12-25 09:55:00", "minute"),
        ("3小时前", "2023-12-25 07:00:00", "minute"),
        ("2天前", "2023-12-23 00:00:00", "day"),
        ("今天 09:15", "2023-12-25 09:15:00", "minute"),
        ("昨天 09:15", "2023-12-24 09:15:00", "minute"),
        ("前天 23:59", "2023-12-23 23:59:00", "minute"),
        ("昨天", "2023-12-24 00:00:00", "day"),
        ("12月20日 09:15", "2023-12-20 09:15:00", "minute"),
        ("12-20", "2023-12-20 00:00:00", "day"),
        ("12-20 08:01", "2023-12-20 08:01:00", "minute"),
        ("12-31", "2022-12-31 00:00:00", "day"),  # would lie after the crawl: the year before
        ("12月25日 10:01", "2022-12-25 10:01:00", "minute"),
        ("12月25日 10:00", "2023-12-25 10:00:00", "minute"),
    ],
)
def test_crawl_relative_forms(value, expected, precision):
    assert parse_time(value, crawl_time=CRAWL) == (china(expected), precision)


def test_crawl_time_forms_are_equivalent():
    for crawl in ("2023-12-25 10:00:00", "2023-12-25T02:00:00Z", 1703469600, 1703469600000,
                  dt.datetime(2023, 12, 25, 10), pd.Timestamp("2023-12-25 02:00", tz="UTC")):
        assert parse_time("5分钟前", crawl_time=crawl)[0] == china("2023-12-25 09:55")


@pytest.mark.parametrize("value", ["刚刚", "5分钟前", "昨天 09:15", "12月20日 09:15", "12-20"])
def test_crawl_dependent_forms_need_a_crawl_time(value):
    with pytest.raises(ValueError, match="needs a crawl time"):
        parse_time(value)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("garbage", "unrecognised time format"),
        ("2023-02-30", "invalid date"),
        ("2023-12-23 25:00", "invalid"),
        (12345, "neither unix seconds"),
        ("", "empty"),
        (None, "empty"),
        (True, "not a time"),
    ],
)
def test_bad_values_give_reasons(value, reason):
    with pytest.raises(ValueError, match=reason):
        parse_time(value)


def test_series_result_is_aligned_and_typed():
    values = pd.Series(["2023-12-23 17:12", None, "bad", "", "12-20", "2023-12-23 17:12"],
                       index=list("abcdef"))
    result = parse_times(values, crawl_time=CRAWL)
    assert str(result.times.dtype) == "datetime64[ns, Asia/Shanghai]"
    assert list(result.times.index) == list("abcdef")
    assert result.times.isna().tolist() == [False, True, True, True, False, False]
    assert result.precision.tolist()[:2] == ["minute", pd.NA]
    assert result.errors.isna().tolist() == [True, True, False, True, True, True]
    assert "unrecognised" in result.errors["c"]


def test_per_row_crawl_times():
    values = pd.Series(["5分钟前", "12-31", "5分钟前", "2023-01-01 08:00"])
    crawls = pd.Series([china("2023-01-01 10:00"), china("2024-01-02 00:00"), None, None])
    result = parse_times(values, crawl_time=crawls)
    assert result.times[0] == china("2023-01-01 09:55")
    assert result.times[1] == china("2023-12-31")
    assert pd.isna(result.times[2]) and "has none" in result.errors[2]
    assert result.times[3] == china("2023-01-01 08:00")


def test_numeric_and_mixed_columns():
    ints = parse_times(pd.Series([1703322774, 1703322774000, 5], dtype="int64"))
    assert ints.times[0] == ints.times[1] == china("2023-12-23 17:12:54")
    assert "neither" in ints.errors[2]
    mixed = parse_times([1703322774, "2023-12-23 17:12:54", pd.Timestamp("2023-12-23 09:12:54", tz="UTC"),
                         dt.datetime(2023, 12, 23, 17, 12, 54), np.nan])
    assert mixed.times.iloc[:4].nunique() == 1
    assert pd.isna(mixed.times.iloc[4]) and pd.isna(mixed.errors.iloc[4])


# -- properties -----------------------------------------------------------------------------------------

datetimes = st.datetimes(min_value=dt.datetime(2001, 9, 10), max_value=dt.datetime(2035, 12, 31)).map(
    lambda d: pd.Timestamp(d.replace(microsecond=0), tz=CHINA))

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
FORMATS = {
    "iso_zone": (lambda t: t.isoformat(), "second"),
    "iso_utc": (lambda t: t.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ"), "second"),
    "space_seconds": (lambda t: t.strftime("%Y-%m-%d %H:%M:%S"), "second"),
    "space_minutes": (lambda t: t.strftime("%Y-%m-%d %H:%M"), "minute"),
    "date": (lambda t: t.strftime("%Y-%m-%d"), "day"),
    "chinese": (lambda t: f"{t.year}年{t.month:02d}月{t.day:02d}日 {t.hour:02d}:{t.minute:02d}", "minute"),
    "slashes": (lambda t: f"{t.year}/{t.month}/{t.day} {t.hour}:{t.minute:02d}:{t.second:02d}", "second"),
    "api": (lambda t: f"{DAYS[t.weekday()]} {MONTHS[t.month - 1]} {t.day:02d} {t:%H:%M:%S} +0800 {t.year}",
            "second"),
    "unix_s": (lambda t: int(t.timestamp()), "second"),
    "unix_ms": (lambda t: int(t.timestamp()) * 1000, "second"),
    "unix_s_text": (lambda t: str(int(t.timestamp())), "second"),
}


def truncate(t: pd.Timestamp, precision: str) -> pd.Timestamp:
    return {"second": t, "minute": t.floor("min"), "day": t.normalize()}[precision]


@settings(max_examples=200, deadline=None)
@given(datetimes, st.sampled_from(sorted(FORMATS)))
def test_round_trip_every_form(moment, form):
    render, precision = FORMATS[form]
    assert parse_time(render(moment)) == (truncate(moment, precision), precision)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(datetimes, st.sampled_from(sorted(FORMATS))), min_size=1, max_size=30))
def test_vectorised_equals_scalar(items):
    values = [FORMATS[form][0](moment) for moment, form in items]
    result = parse_times(values)
    for i, value in enumerate(values):
        assert (result.times[i], result.precision[i]) == parse_time(value)


@settings(max_examples=200, deadline=None)
@given(datetimes, datetimes, st.booleans())
def test_yearless_dates_never_after_the_crawl(moment, crawl, chinese_form):
    if moment.month == 2 and moment.day == 29:
        moment = moment.replace(day=28)
    text = (f"{moment.month:02d}月{moment.day:02d}日 {moment:%H:%M}" if chinese_form
            else f"{moment.month:02d}-{moment.day:02d} {moment:%H:%M}")
    parsed, precision = parse_time(text, crawl_time=crawl)
    assert precision == "minute"
    assert parsed <= crawl
    assert crawl - parsed < pd.Timedelta(days=366)
    assert (parsed.month, parsed.day, parsed.hour, parsed.minute) == (moment.month, moment.day,
                                                                       moment.hour, moment.minute)


@settings(max_examples=200, deadline=None)
@given(datetimes, st.integers(0, 10_000),
       st.sampled_from([("秒前", "s"), ("分钟前", "min"), ("小时前", "h")]))
def test_relative_forms_are_crawl_minus_delta(crawl, amount, unit):
    suffix, pandas_unit = unit
    parsed, _ = parse_time(f"{amount}{suffix}", crawl_time=crawl)
    assert parsed == crawl - pd.Timedelta(amount, unit=pandas_unit)


@settings(max_examples=100, deadline=None)
@given(datetimes, st.sampled_from([("今天", 0), ("昨天", 1), ("前天", 2)]), st.integers(0, 23),
       st.integers(0, 59))
def test_day_words_count_back_calendar_days(crawl, word_days, hour, minute):
    word, days = word_days
    parsed, _ = parse_time(f"{word} {hour:02d}:{minute:02d}", crawl_time=crawl)
    assert parsed == crawl.normalize() - pd.Timedelta(days=days) + pd.Timedelta(hours=hour, minutes=minute)


def test_large_column_parses_each_distinct_value_once():
    rng = np.random.default_rng(0)
    distinct = pd.date_range("2022-01-01", periods=2_000, freq="37min", tz=CHINA)
    picks = rng.integers(0, len(distinct), 50_000)
    text = pd.Series(distinct.strftime("%Y-%m-%d %H:%M:%S"))[picks].reset_index(drop=True)
    result = parse_times(text)
    assert (result.times.to_numpy() == distinct[picks].to_numpy()).all()


def test_integers_beyond_any_float_or_unix_time_are_errors_not_crashes():
    parsed = parse_times(pd.Series([2**64, 10**400, 1639498310], dtype=object))
    assert parsed.times.isna().tolist() == [True, True, False]
    assert "out of range" in parsed.errors.iloc[1]
    assert parsed.errors.iloc[0] and pd.isna(parsed.errors.iloc[2])
