"""Top terms per day and keyness of chosen days (textkit.terms) on a hand-made prepared table."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from textkit.schema import STRING_LIST
from textkit.terms import keyness_of_days, post_days, token_lists_of, top_terms_per_day, top_terms_table


def prepared_like(rows: list[tuple[str, list[str], bool]]) -> pd.DataFrame:
    """(China time, tokens, is_canonical) rows as the columns the term functions read."""
    return pd.DataFrame({
        "created_at": pd.to_datetime([r[0] for r in rows]).tz_localize("Asia/Shanghai"),
        "tokens": pd.Series(pd.array([r[1] for r in rows], dtype=STRING_LIST)),
        "is_canonical": [r[2] for r in rows],
    })


ROWS = [
    ("2021-12-20 08:00", ["一码通", "崩", "崩"], True),  # repeated term counts once per post
    ("2021-12-20 09:00", ["一码通", "打不开"], True),
    ("2021-12-20 09:30", ["一码通", "打不开"], False),  # a copy: only counted with unique_voices=False
    ("2021-12-20 23:59", ["排队"], True),
    ("2021-12-21 00:00", ["排队", "核酸"], True),  # next China-time day
    ("2021-12-21 10:00", ["核酸", "排队"], True),
    ("2021-12-22 10:00", [], True),
]


def test_post_days_are_china_time_calendar_days():
    utc = pd.Series(pd.to_datetime(["2021-12-20 16:30", None]).tz_localize("UTC"))
    assert post_days(utc).tolist() == [date(2021, 12, 21), None]


def test_top_terms_per_day_counts_posts_and_ranks_deterministically():
    table = top_terms_per_day(prepared_like(ROWS), top=2)
    assert list(table.columns) == ["day", "rank", "term", "posts", "share"]
    day20 = table[table["day"] == date(2021, 12, 20)]
    assert day20[["rank", "term", "posts"]].values.tolist() == [[1, "一码通", 2], [2, "崩", 1]]
    assert day20["share"].tolist() == [round(2 / 3, 4), round(1 / 3, 4)]
    day21 = table[table["day"] == date(2021, 12, 21)]
    assert day21["term"].tolist() == ["排队", "核酸"] and day21["posts"].tolist() == [2, 2]  # tie: by term
    assert date(2021, 12, 22) not in set(table["day"])  # a day without tokens has no terms


def test_top_terms_with_all_posts_counts_copies():
    table = top_terms_per_day(prepared_like(ROWS), top=5, unique_voices=False)
    day20 = table[table["day"] == date(2021, 12, 20)].set_index("term")["posts"]
    assert day20["一码通"] == 3 and day20["打不开"] == 2


def test_top_terms_table_joins_terms_per_day():
    table = top_terms_table(top_terms_per_day(prepared_like(ROWS), top=3), top=2)
    assert table.loc[date(2021, 12, 20), "top_terms"] == "一码通、崩"


def test_keyness_of_days_ranks_terms_of_those_days_first():
    rows = ROWS + [(f"2021-12-{d} 12:00", ["排队", "核酸", "天气"], True) for d in range(23, 30)]
    table = keyness_of_days(prepared_like(rows), ["2021-12-20"], min_posts=1)
    assert list(table.columns) == ["term", "z", "delta", "posts_in_days", "posts_rest"]
    assert table["term"].iloc[0] == "一码通"
    assert table.set_index("term").loc["一码通", "posts_in_days"] == 2  # canonical posts only
    assert table["z"].is_monotonic_decreasing
    assert table.set_index("term").loc["排队", "z"] < 0
    assert "崩" not in set(keyness_of_days(prepared_like(rows), ["2021-12-20"], min_posts=2)["term"])


def test_keyness_needs_a_day():
    with pytest.raises(ValueError, match="at least one day"):
        keyness_of_days(prepared_like(ROWS), [])


def test_token_lists_from_plain_pandas_and_missing_values():
    import numpy as np

    assert token_lists_of(pd.Series([np.array(["a", "b"]), None, pd.NA, ["c"]], dtype=object)) == [
        ["a", "b"], [], [], ["c"]]
