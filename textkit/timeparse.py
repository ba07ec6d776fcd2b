"""Parse every time form Chinese scrapers write into tz-aware China time.

:func:`parse_times` is vectorised: each distinct value is parsed once; ISO 8601 and unix times with
one ``pandas.to_datetime`` call per shape, dates in other separator styles (``2019/2/28``,
``2023年12月23日``) and yearless dates with Arrow regex extraction, only the rare shapes (the API form,
relative strings) value by value; numeric columns never leave NumPy. Forms understood:

* ISO 8601 with or without ``T`` and zone: ``2023-12-23 17:12:54+08:00``, ``2023-12-23T09:12:54Z``,
  ``2023-12-23 17:12``, ``2023-12-23``; also ``2019/2/28 11:25:05`` and ``2023.12.23``;
* ``2023年12月23日 17:12``; the API form ``Tue Jan 04 09:12:33 +0800 2022`` (locale-independent);
* unix seconds (9–10 digits) and milliseconds (12–13 digits), as int, float or numeric string;
* yearless ``12月20日 09:15``, ``12-20``, ``12-20 09:15``: the crawl year, or the year before when the
  date would otherwise lie after the crawl time;
* relative ``刚刚``, ``30秒前``, ``5分钟前``, ``3小时前``, ``2天前``, ``今天 09:15``, ``昨天 09:15``,
  ``前天 09:15`` (and the bare words): counted back from the crawl time.

Yearless and relative forms need a crawl time (never the clock): without one they fail with a reason.
Naive strings are China time; zoned strings and unix times are converted to China time.

``precision`` is ``second``, ``minute`` or ``day``. ``N小时前`` is labelled ``minute`` (the closest
precision the schema has); ``N天前`` and bare ``昨天`` are ``day``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

CHINA_TZ = "Asia/Shanghai"
TIME_DTYPE = pd.DatetimeTZDtype("ns", CHINA_TZ)
_TEXT = "string[pyarrow]"

_ISO_NAIVE = r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?"
_ISO_ZONED = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})"
_UNIX = r"\d{9,13}(?:\.\d+)?"
_CLOCK = r"(?:\s*(?P<hour>\d{1,2})[:：](?P<minute>\d{2})(?:[:：](?P<second>\d{2})(?:\.(?P<frac>\d{1,9}))?)?)?"
_YMD_RE2 = (r"(?P<year>\d{4})\s*(?:[-/.]|年)\s*(?P<month>\d{1,2})\s*(?:[-/.]|月)\s*(?P<day>\d{1,2})\s*日?"
            r"(?:T|\s)*" + _CLOCK + r"\s*(?P<zone>Z|UTC|GMT|[+-]\d{2}:?\d{2})?")
_YEARLESS_RE2 = r"(?P<month>\d{1,2})\s*(?:月\s*(?P<day>\d{1,2})\s*日|-(?P<day2>\d{1,2}))" + _CLOCK
_API = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),?\s+(?P<mon>[A-Za-z]{3})\s+(?P<day>\d{1,2})\s+"
    r"(?P<hour>\d{1,2}):(?P<minute>\d{2}):(?P<second>\d{2})\s+(?P<zone>[+-]\d{4})\s+(?P<year>\d{4})",
    re.IGNORECASE,
)
_AGO = re.compile(r"(?P<n>\d+)\s*(?P<unit>秒|秒钟|分|分钟|小时|个小时|天|日)前")
_DAYWORD = re.compile(r"(?P<word>今天|昨天|前天)" + _CLOCK)
_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
_DAYWORD_DAYS = {"今天": 0, "昨天": 1, "前天": 2}
_AGO_UNITS = {"秒": ("s", "second"), "秒钟": ("s", "second"), "分": ("min", "minute"),
              "分钟": ("min", "minute"), "小时": ("h", "minute"), "个小时": ("h", "minute"),
              "天": ("D", "day"), "日": ("D", "day")}

# crawl-dependent kinds of a value
_ABSOLUTE, _AGO_KIND, _DAYWORD_KIND, _YEARLESS_KIND = 0, 1, 2, 3


class TimeParse(NamedTuple):
    """Result of :func:`parse_times`, three Series aligned with the input."""

    times: pd.Series  # datetime64[ns, Asia/Shanghai], NaT where empty or unparseable
    precision: pd.Series  # "second" | "minute" | "day", NA where no time
    errors: pd.Series  # reason where a non-empty value failed, NA otherwise


class _Parsed:
    """Per-distinct-value results; crawl-dependent values keep their components until resolved."""

    def __init__(self, n: int) -> None:
        self.utc_ns = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)  # NaT
        self.precision = np.full(n, None, dtype=object)
        self.errors = np.full(n, None, dtype=object)
        self.kind = np.zeros(n, dtype=np.int8)
        self.delta_ns = np.zeros(n, dtype=np.int64)  # ago: amount; dayword: days back
        self.month = np.zeros(n, dtype=np.int64)
        self.day = np.zeros(n, dtype=np.int64)
        self.clock_ns = np.full(n, -1, dtype=np.int64)  # time of day, -1 when none
        self.text = np.full(n, "", dtype=object)

    def set_times(self, idx: np.ndarray, times: pd.DatetimeIndex | pd.Series, precision) -> None:
        times = pd.DatetimeIndex(times)
        ok = ~times.isna()
        ns = times.as_unit("ns").asi8
        self.utc_ns[idx[ok]] = ns[ok]
        prec = np.asarray(precision, dtype=object) if not isinstance(precision, str) else precision
        self.precision[idx[ok]] = prec[ok] if not isinstance(prec, str) else prec
        for i in idx[~ok]:
            self.errors[i] = f"invalid date or time: {_show(self.text[i])}"


def parse_times(values: Iterable[Any], crawl_time: Any = None) -> TimeParse:
    """Parse many time values at once into China time.

    ``crawl_time`` (a timestamp, ISO string or unix number; or one per value, aligned with
    ``values``) resolves yearless and relative forms. Returns :class:`TimeParse`.
    """
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    index = series.index
    if pd.api.types.is_bool_dtype(series.dtype):
        series = series.astype(object)
    elif pd.api.types.is_numeric_dtype(series.dtype):
        return _numeric_column(series)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    parsed = _parse_unique(uniques)
    n = len(series)

    crawl = _crawl_times(crawl_time, n)
    dependent = parsed.kind != _ABSOLUTE
    if dependent.any():
        if crawl is None or isinstance(crawl, pd.Timestamp):
            _resolve(parsed, np.flatnonzero(dependent), crawl)
        else:
            return _per_row(parsed, codes, crawl, index)
    return _assemble(parsed, codes, index)


def _numeric_column(series: pd.Series) -> TimeParse:
    """Unix seconds/milliseconds column, fully vectorised (no per-value objects)."""
    numbers = series.to_numpy(dtype=float, na_value=np.nan)
    ns, ok = _unix_ns(numbers)
    times = pd.DatetimeIndex(ns.view("M8[ns]")).tz_localize("UTC").tz_convert(CHINA_TZ)
    text = pa.large_string()
    precision = pc.if_else(pa.array(ok), pa.scalar("second", text), pa.scalar(None, text))
    bad = np.flatnonzero(~ok & ~np.isnan(numbers))
    errors = np.full(len(numbers), None, dtype=object)
    errors[bad] = [_unix_error(numbers[i]) for i in bad]
    error_array = pa.array(errors, text) if len(bad) else pa.nulls(len(numbers), text)
    return TimeParse(pd.Series(times, index=series.index).astype(TIME_DTYPE),
                     pd.Series(pd.arrays.ArrowStringArray(precision), index=series.index),
                     pd.Series(pd.arrays.ArrowStringArray(error_array), index=series.index))


def _unix_ns(numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(UTC ns, ok) of unix seconds (9–10 integer digits) or milliseconds (12–13); NaT elsewhere."""
    seconds = (numbers >= 1e8) & (numbers < 1e10)
    ok = seconds | ((numbers >= 1e11) & (numbers < 1e13))
    scale = np.where(seconds, 10**9, 10**6)
    valid = np.where(ok, numbers, 0)
    whole = np.floor(valid)
    # integer arithmetic for the whole part: float64 ns would be off by up to ~100 ns
    ns = whole.astype(np.int64) * scale + np.round((valid - whole) * scale).astype(np.int64)
    ns[~ok] = np.iinfo(np.int64).min
    return ns, ok


def _unix_error(value: float) -> str:
    return f"number {value:.0f} is neither unix seconds (10 digits) nor milliseconds (13 digits)"


def parse_time(value: Any, crawl_time: Any = None) -> tuple[pd.Timestamp, str]:
    """Parse one time value; returns ``(China-time Timestamp, precision)``.

    Raises ``ValueError`` with the reason when the value is empty or cannot be parsed.
    """
    result = parse_times(pd.Series([value], dtype=object), crawl_time)
    if result.errors.iloc[0] is not pd.NA:
        raise ValueError(result.errors.iloc[0])
    if pd.isna(result.times.iloc[0]):
        raise ValueError(f"empty time value: {value!r}")
    return result.times.iloc[0], result.precision.iloc[0]


def china_time(value: Any) -> pd.Timestamp | None:
    """One crawl-time-like value (Timestamp, datetime, ISO string, unix s/ms) as China time, or None."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime, np.datetime64)):
        ts = pd.Timestamp(value)
        return ts.tz_localize(CHINA_TZ) if ts.tzinfo is None else ts.tz_convert(CHINA_TZ)
    times, _ = parse_time(value)
    return times


# -- crawl times --------------------------------------------------------------------------------------


def _crawl_times(crawl_time: Any, n: int) -> pd.Timestamp | pd.DatetimeIndex | None:
    if crawl_time is None:
        return None
    if isinstance(crawl_time, (pd.Series, pd.Index, np.ndarray, list, tuple)):
        if len(crawl_time) != n:
            raise ValueError(f"crawl_time has {len(crawl_time)} values for {n} times")
        series = (pd.Series(crawl_time.array) if isinstance(crawl_time, (pd.Series, pd.Index))
                  else pd.Series(crawl_time))
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            return pd.DatetimeIndex(series).tz_convert(CHINA_TZ)
        if pd.api.types.is_datetime64_dtype(series.dtype):
            return pd.DatetimeIndex(series).tz_localize(CHINA_TZ)
        parsed = parse_times(series)
        return pd.DatetimeIndex(parsed.times)
    return china_time(crawl_time)


def _resolve(parsed: _Parsed, idx: np.ndarray, crawl: pd.Timestamp | pd.DatetimeIndex | None) -> None:
    """Turn crawl-dependent components at ``idx`` into times (``crawl`` scalar or aligned with idx)."""
    if crawl is None:
        for i in idx:
            what = "a time without a year" if parsed.kind[i] == _YEARLESS_KIND else "a relative time"
            parsed.errors[i] = f"{what} ({_show(parsed.text[i])}) needs a crawl time (pass crawl_time)"
        return
    if isinstance(crawl, pd.Timestamp):
        stamp = crawl.tz_convert("UTC").as_unit("ns").value
        crawl = pd.DatetimeIndex(np.full(len(idx), stamp).view("M8[ns]")).tz_localize("UTC")
    crawl = crawl.tz_convert(CHINA_TZ).as_unit("ns")
    missing = crawl.isna()
    crawl_ns = crawl.asi8
    # wall-clock ns of China time (no DST since 1991, offsets are whole hours)
    offset_ns = (crawl.tz_localize(None).asi8 - crawl_ns) if len(crawl) else np.zeros(0, np.int64)
    wall_ns = crawl_ns + offset_ns
    day_ns = 86_400 * 10**9
    kind = parsed.kind[idx]
    out = np.full(len(idx), np.iinfo(np.int64).min, dtype=np.int64)

    ago = kind == _AGO_KIND
    out[ago] = crawl_ns[ago] - parsed.delta_ns[idx[ago]]
    day_prec = ago & (parsed.precision[idx] == "day")
    # "N天前": that calendar day
    out[day_prec] = (wall_ns[day_prec] // day_ns - parsed.delta_ns[idx[day_prec]] // day_ns) * day_ns \
        - offset_ns[day_prec]

    word = kind == _DAYWORD_KIND
    clock = np.maximum(parsed.clock_ns[idx], 0)
    midnight = (wall_ns // day_ns) * day_ns
    out[word] = midnight[word] - parsed.delta_ns[idx[word]] * day_ns + clock[word] - offset_ns[word]

    yearless = np.flatnonzero(kind == _YEARLESS_KIND)
    if len(yearless):
        years = crawl.year.to_numpy()[yearless]
        months, days = parsed.month[idx[yearless]], parsed.day[idx[yearless]]
        clocks = clock[yearless]
        candidate = _wall_to_utc_ns(years, months, days, clocks)
        late = (candidate == np.iinfo(np.int64).min) | (candidate > crawl_ns[yearless])
        earlier = _wall_to_utc_ns(years - 1, months, days, clocks)
        candidate[late] = earlier[late]
        out[yearless] = candidate
    out[missing] = np.iinfo(np.int64).min

    failed = out == np.iinfo(np.int64).min
    parsed.utc_ns[idx[~failed]] = out[~failed]
    for pos in np.flatnonzero(failed):
        i = idx[pos]
        parsed.errors[i] = (f"{_show(parsed.text[i])} needs a crawl time, and this record has none"
                            if missing[pos] else f"invalid date or time: {_show(parsed.text[i])}")


def _wall_to_utc_ns(years, months, days, clock_ns, zone_offset_ns=None) -> np.ndarray:
    """UTC ns of wall-clock dates + time of day, in China time or at given UTC offsets (NaT if invalid)."""
    frame = pd.DataFrame({"year": years, "month": months, "day": days})
    naive = pd.DatetimeIndex(pd.to_datetime(frame, errors="coerce")).as_unit("ns")
    nat = np.iinfo(np.int64).min
    if zone_offset_ns is None:
        local = naive.tz_localize(CHINA_TZ, ambiguous="NaT", nonexistent="NaT").as_unit("ns")
        ns, ok = local.asi8.copy(), ~local.isna()
    else:
        ns, ok = naive.asi8.copy(), ~naive.isna()
        ns[ok] -= zone_offset_ns[ok]
    ns[ok] += clock_ns[ok]
    ns[~ok] = nat
    return ns


def _per_row(parsed: _Parsed, codes: np.ndarray, crawl: pd.DatetimeIndex, index: pd.Index) -> TimeParse:
    """Resolve crawl-dependent values row by row against each row's own crawl time."""
    rows = np.flatnonzero((codes >= 0) & (parsed.kind[np.maximum(codes, 0)] != _ABSOLUTE))
    n_unique = len(parsed.utc_ns)
    combined = _Parsed(n_unique + len(rows))
    sources = np.concatenate([np.arange(n_unique), codes[rows]])
    for name in ("utc_ns", "precision", "errors", "kind", "delta_ns", "month", "day", "clock_ns", "text"):
        getattr(combined, name)[:] = getattr(parsed, name)[sources]
    _resolve(combined, n_unique + np.arange(len(rows)), crawl[rows])
    codes = codes.copy()
    codes[rows] = n_unique + np.arange(len(rows))
    return _assemble(combined, codes, index)


def _assemble(parsed: _Parsed, codes: np.ndarray, index: pd.Index) -> TimeParse:
    nat = np.iinfo(np.int64).min
    positions = np.where(codes < 0, len(parsed.utc_ns), codes)  # -1 (missing) picks an appended NaT
    utc = np.append(parsed.utc_ns, nat)[positions]
    times = pd.DatetimeIndex(utc.view("M8[ns]")).tz_localize("UTC").tz_convert(CHINA_TZ)
    precision = np.where(parsed.utc_ns == nat, None, parsed.precision)
    return TimeParse(
        pd.Series(times, index=index).astype(TIME_DTYPE),
        _take_text(precision, positions, index),
        _take_text(parsed.errors, positions, index),
    )


def _take_text(unique_values: np.ndarray, positions: np.ndarray, index: pd.Index) -> pd.Series:
    """Expand per-distinct-value strings to rows with an Arrow take (no per-row Python objects)."""
    table = pa.array([*unique_values.tolist(), None], type=pa.large_string())
    return pd.Series(pd.arrays.ArrowStringArray(table.take(pa.array(positions))), index=index)


# -- distinct values ----------------------------------------------------------------------------------


def _parse_unique(uniques: pd.Index | np.ndarray) -> _Parsed:
    parsed = _Parsed(len(uniques))
    if len(uniques) == 0:
        return parsed
    if isinstance(uniques, pd.DatetimeIndex) or pd.api.types.is_datetime64_any_dtype(
            getattr(uniques, "dtype", None)):
        idx = np.arange(len(uniques))
        times = pd.DatetimeIndex(uniques)
        times = times.tz_localize(CHINA_TZ) if times.tz is None else times
        parsed.set_times(idx, times, "second")
        return parsed
    if pd.api.types.is_numeric_dtype(getattr(uniques, "dtype", None)):
        _parse_numbers(parsed, np.arange(len(uniques)), np.asarray(uniques, dtype=float))
        return parsed

    texts = _texts(parsed, uniques)
    parsed.text[:] = texts
    todo = np.flatnonzero((texts != "") & (parsed.precision == None) & (parsed.errors == None))  # noqa: E711
    strings = pa.array(texts, type=pa.large_string())
    for pattern, handler in ((_ISO_NAIVE, _parse_iso_naive), (_ISO_ZONED, _parse_iso_zoned),
                             (_UNIX, _parse_unix_strings)):
        if not len(todo):
            break
        hit = pc.match_substring_regex(strings.take(todo), f"^(?:{pattern})$").to_numpy(zero_copy_only=False)
        if hit.any():
            handler(parsed, todo[hit], pd.Series(pd.arrays.ArrowStringArray(strings.take(todo[hit]))))
            todo = todo[~hit]
    for pattern, handler in ((_YMD_RE2, _parse_ymd), (_YEARLESS_RE2, _parse_yearless)):
        if not len(todo):
            break
        groups = pc.extract_regex(strings.take(todo), f"^(?:{pattern})$")
        hit = groups.is_valid().to_numpy(zero_copy_only=False)
        if hit.any():
            fields = groups.filter(pa.array(hit))
            handler(parsed, todo[hit], {name: fields.field(name).to_numpy(zero_copy_only=False)
                                        for name in _group_names(pattern)})
            todo = todo[~hit]
    canonical: dict[int, str] = {}
    for i in todo:
        _parse_odd(parsed, int(i), texts[i], canonical)
    if canonical:
        idx = np.fromiter(canonical.keys(), dtype=np.int64)
        values = pd.Series(list(canonical.values()), dtype=_TEXT)
        times = pd.to_datetime(values, format="ISO8601", utc=True, errors="coerce")
        parsed.set_times(idx, times, parsed.precision[idx])
    return parsed


def _group_names(pattern: str) -> list[str]:
    return re.findall(r"\(\?P<(\w+)>", pattern)


def _ints(values: np.ndarray) -> np.ndarray:
    """Digit strings to int64 ('' → -1)."""
    return np.array([int(v) if v else -1 for v in values], dtype=np.int64)


def _clock_columns(groups: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(time-of-day ns or -1, invalid-clock mask, precision) from hour/minute/second/frac groups."""
    hour, minute, second = _ints(groups["hour"]), _ints(groups["minute"]), _ints(groups["second"])
    frac = np.array([int(f.ljust(9, "0")[:9]) if f else 0 for f in groups["frac"]], dtype=np.int64)
    has_clock = hour >= 0
    invalid = has_clock & ((hour > 23) | (minute > 59) | (second > 60))
    clock = np.where(has_clock, ((hour * 60 + minute) * 60 + np.maximum(second, 0)) * 10**9 + frac, -1)
    precision = np.where(~has_clock, "day", np.where(second >= 0, "second", "minute")).astype(object)
    return clock, invalid, precision


def _parse_ymd(parsed: _Parsed, idx: np.ndarray, groups: dict[str, np.ndarray]) -> None:
    """Dates with a year in any separator style (``2019/2/28 11:25:05``, ``2023年12月23日 17:12``)."""
    clock, invalid, precision = _clock_columns(groups)
    offsets = np.array([_zone_offset_ns(z) for z in groups["zone"]], dtype=np.int64)
    local = _wall_to_utc_ns(_ints(groups["year"]), _ints(groups["month"]), _ints(groups["day"]),
                            np.maximum(clock, 0), zone_offset_ns=offsets)
    nat = np.iinfo(np.int64).min
    ok = (local != nat) & ~invalid
    parsed.utc_ns[idx[ok]] = local[ok]
    parsed.precision[idx[ok]] = precision[ok]
    for i in idx[~ok]:
        parsed.errors[i] = f"invalid date or time: {_show(parsed.text[i])}"


def _parse_yearless(parsed: _Parsed, idx: np.ndarray, groups: dict[str, np.ndarray]) -> None:
    """``12月20日 09:15`` and ``12-20 [09:15]``: components kept until the crawl time is known."""
    clock, invalid, precision = _clock_columns(groups)
    days = np.where(groups["day"] != "", groups["day"], groups["day2"])
    good = ~invalid
    parsed.kind[idx[good]] = _YEARLESS_KIND
    parsed.month[idx[good]] = _ints(groups["month"])[good]
    parsed.day[idx[good]] = _ints(days)[good]
    parsed.clock_ns[idx[good]] = clock[good]
    parsed.precision[idx[good]] = precision[good]
    for i in idx[invalid]:
        parsed.errors[i] = f"invalid time of day: {_show(parsed.text[i])}"


def _zone_offset_ns(zone: str) -> int:
    """UTC offset of a zone suffix in ns; no zone means China time (+08:00)."""
    if not zone:
        return 8 * 3600 * 10**9
    if zone.upper() in ("Z", "UTC", "GMT"):
        return 0
    digits = zone[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + int(digits[2:4])
    return (1 if zone[0] == "+" else -1) * minutes * 60 * 10**9


def _texts(parsed: _Parsed, uniques) -> np.ndarray:
    """Distinct values as stripped text; non-text values parsed directly where possible."""
    if pd.api.types.is_string_dtype(getattr(uniques, "dtype", None)) and not isinstance(
            getattr(uniques, "dtype", None), np.dtypes.ObjectDType):
        return pd.Series(uniques).str.strip().to_numpy(dtype=object, na_value="")
    out = np.full(len(uniques), "", dtype=object)
    numbers: list[tuple[int, float]] = []
    stamps: list[tuple[int, pd.Timestamp]] = []
    for i, value in enumerate(uniques):
        if isinstance(value, str):
            out[i] = value.strip()
        elif isinstance(value, (bool, np.bool_)):
            parsed.errors[i] = f"not a time: {value!r}"
        elif isinstance(value, (int, float, np.integer, np.floating)):
            try:
                number = float(value)
            except OverflowError:  # an integer beyond any float: no unix time
                parsed.errors[i] = f"not a time: number out of range {_show(str(value))}"
                continue
            if not np.isnan(number):
                numbers.append((i, number))
        elif isinstance(value, (pd.Timestamp, dt.datetime, np.datetime64)):
            stamps.append((i, pd.Timestamp(value)))
        elif isinstance(value, dt.date):
            stamps.append((i, pd.Timestamp(value)))
            parsed.precision[i] = "day"
        elif value is not None and not (np.ndim(value) == 0 and pd.isna(value)):
            parsed.errors[i] = f"not a time: {type(value).__name__} {_show(str(value))}"
    if numbers:
        idx = np.array([i for i, _ in numbers])
        _parse_numbers(parsed, idx, np.array([v for _, v in numbers]))
    for i, ts in stamps:
        ts = ts.tz_localize(CHINA_TZ) if ts.tzinfo is None else ts.tz_convert(CHINA_TZ)
        parsed.utc_ns[i] = ts.as_unit("ns").value
        parsed.precision[i] = parsed.precision[i] or "second"
    return out


def _parse_iso_naive(parsed: _Parsed, idx: np.ndarray, strings: pd.Series) -> None:
    times = pd.to_datetime(strings, format="ISO8601", errors="coerce")
    times = pd.DatetimeIndex(times).tz_localize(CHINA_TZ, ambiguous="NaT", nonexistent="NaT")
    length = strings.str.len().to_numpy()
    precision = np.where(length == 10, "day", np.where(length == 16, "minute", "second")).astype(object)
    parsed.set_times(idx, times, precision)


def _parse_iso_zoned(parsed: _Parsed, idx: np.ndarray, strings: pd.Series) -> None:
    times = pd.to_datetime(strings, format="ISO8601", utc=True, errors="coerce")
    has_seconds = strings.str.match(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:").to_numpy(dtype=bool)
    parsed.set_times(idx, times, np.where(has_seconds, "second", "minute").astype(object))


def _parse_unix_strings(parsed: _Parsed, idx: np.ndarray, strings: pd.Series) -> None:
    _parse_numbers(parsed, idx, pd.to_numeric(strings).to_numpy(dtype=float))


def _parse_numbers(parsed: _Parsed, idx: np.ndarray, numbers: np.ndarray) -> None:
    """Unix seconds (9–10 integer digits) or milliseconds (12–13)."""
    ns, ok = _unix_ns(numbers)
    parsed.utc_ns[idx[ok]] = ns[ok]
    parsed.precision[idx[ok]] = "second"
    for i, value in zip(idx[~ok], numbers[~ok], strict=True):
        if not np.isnan(value):
            parsed.errors[i] = _unix_error(value)


def _clock_ns(match: re.Match) -> int:
    if match["hour"] is None:
        return -1
    hour, minute = int(match["hour"]), int(match["minute"])
    second = int(match["second"] or 0)
    if hour > 23 or minute > 59 or second > 60:
        return -2
    frac = int((match["frac"] or "0").ljust(9, "0")[:9])
    return ((hour * 60 + minute) * 60 + second) * 10**9 + frac


def _clock_precision(match: re.Match) -> str:
    if match["hour"] is None:
        return "day"
    return "minute" if match["second"] is None else "second"


def _parse_odd(parsed: _Parsed, i: int, text: str, canonical: dict[int, str]) -> None:
    """Value-by-value parsing of the less common shapes."""
    if (m := _API.fullmatch(text)) is not None:
        month = _MONTHS.get(m["mon"].lower())
        if month is None:
            parsed.errors[i] = f"unknown month name in {_show(text)}"
            return
        canonical[i] = (f"{m['year']}-{month:02d}-{int(m['day']):02d} {int(m['hour']):02d}:{m['minute']}:"
                        f"{m['second']}{m['zone']}")
        parsed.precision[i] = "second"
    elif text == "刚刚":
        parsed.kind[i] = _AGO_KIND
        parsed.precision[i] = "minute"
    elif (m := _AGO.fullmatch(text)) is not None:
        unit, precision = _AGO_UNITS[m["unit"]]
        parsed.kind[i] = _AGO_KIND
        parsed.delta_ns[i] = pd.Timedelta(int(m["n"]), unit=unit).value
        parsed.precision[i] = precision
    elif (m := _DAYWORD.fullmatch(text)) is not None:
        _set_clock(parsed, i, text, m, _DAYWORD_KIND)
        parsed.delta_ns[i] = _DAYWORD_DAYS[m["word"]]
    else:
        parsed.errors[i] = f"unrecognised time format: {_show(text)}"


def _set_clock(parsed: _Parsed, i: int, text: str, match: re.Match, kind: int) -> None:
    clock = _clock_ns(match)
    if clock == -2:
        parsed.errors[i] = f"invalid time of day: {_show(text)}"
        return
    parsed.kind[i] = kind
    parsed.clock_ns[i] = clock
    parsed.precision[i] = _clock_precision(match)


def _show(text: str, limit: int = 40) -> str:
    text = str(text)
    return repr(text if len(text) <= limit else text[:limit] + "…")
