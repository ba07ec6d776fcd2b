"""Parse like/comment/repost counts as scrapers write them.

Forms: ints, floats with no fraction, numeric strings (``"1,234"`` too), ``1.2万``, ``2.1w``, ``1.2k``,
``3亿``, and lower bounds ``10万+``, ``100万+``, ``999+`` (value = the bound, flagged). Missing
(``<NA>``, never 0): empty, ``无``, ``None``, ``null``, ``nan``, ``-``; a bare label such as ``赞`` or
``转发`` (a button with no number) too. ``"0"`` is zero. Anything else is missing as well; the record's
``raw`` column keeps what the scraper wrote.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_MULTIPLIERS = {"": 1, "万": 10_000, "w": 10_000, "W": 10_000, "千": 1_000, "k": 1_000, "K": 1_000,
                "亿": 100_000_000}
_COUNT = re.compile(r"(?P<number>\d[\d,]*(?:\.\d+)?)\s*(?P<unit>万|w|W|千|k|K|亿)?\s*(?P<plus>\+)?")
_MISSING = {"", "无", "none", "null", "nan", "na", "n/a", "-", "--", "[]", "赞", "转发", "评论", "点赞"}
_INT64_LIMIT = 2**63  # a count must fit in the int64 columns


def parse_count(value: Any) -> tuple[int | None, bool]:
    """One count: ``(value or None, is_lower_bound)``; a count beyond the int64 range is no count."""
    number, bound = _parse_count(value)
    if number is not None and not -_INT64_LIMIT <= number < _INT64_LIMIT:
        return None, False
    return number, bound


def _parse_count(value: Any) -> tuple[int | None, bool]:
    if value is None or isinstance(value, bool):
        return None, False
    if isinstance(value, (int, np.integer)):
        return int(value), False
    if isinstance(value, (float, np.floating)):
        return (None, False) if not np.isfinite(value) else (round(float(value)), False)
    text = str(value).strip()
    if text.lower() in _MISSING:
        return None, False
    match = _COUNT.fullmatch(text)
    if match is None:
        return None, False
    try:
        number = Decimal(match["number"].replace(",", ""))
    except InvalidOperation:
        return None, False
    return int((number * _MULTIPLIERS[match["unit"] or ""]).to_integral_value()), match["plus"] is not None


def parse_counts(values: Iterable[Any]) -> tuple[pd.Series, pd.Series]:
    """Many counts at once: ``(Int64 Series with <NA> for missing, bool Series of lower-bound flags)``.

    Integer columns pass straight through; in Arrow string columns plain digit strings are cast in
    one step; every other distinct value is parsed once.
    """
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    if pd.api.types.is_integer_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return series.astype("Int64"), pd.Series(False, index=series.index, dtype=bool)
    numbers = np.zeros(len(series), dtype=np.int64)
    found = np.zeros(len(series), dtype=bool)
    bounds = np.zeros(len(series), dtype=bool)
    rest = np.arange(len(series))
    if isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "pyarrow":
        array = pa.chunked_array(series.array._pa_array)
        plain = pc.fill_null(pc.match_substring_regex(array, r"^[0-9]{1,18}$"), False)
        plain = plain.to_numpy(zero_copy_only=False)
        numbers[plain] = pc.cast(array.filter(pa.array(plain)), pa.int64()).to_numpy()
        found |= plain
        rest = np.flatnonzero(~plain)
    if len(rest):
        codes, uniques = pd.factorize(series.iloc[rest] if len(rest) < len(series) else series,
                                      use_na_sentinel=True)
        parsed = [parse_count(value) for value in uniques]
        ok = np.array([number is not None for number, _ in parsed] + [False], dtype=bool)
        parsed_numbers = np.array([number or 0 for number, _ in parsed] + [0], dtype=np.int64)
        parsed_bounds = np.array([bound for _, bound in parsed] + [False], dtype=bool)
        positions = np.where(codes < 0, len(parsed), codes)
        numbers[rest] = parsed_numbers[positions]
        found[rest] = ok[positions]
        bounds[rest] = parsed_bounds[positions]
    counts = pd.arrays.IntegerArray(numbers, ~found)
    return pd.Series(counts, index=series.index), pd.Series(bounds, index=series.index)
