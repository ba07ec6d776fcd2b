"""Duplicate, storm and cleaning-example views of prepared posts (textkit.prepared_views), hand-made input."""

from __future__ import annotations

import pandas as pd

from textkit.prepared_views import (
    cleaning_examples,
    dup_kind_shares,
    duplicate_groups,
    group_sizes,
    groups_over_time,
    voices_over_time,
)
from textkit.schema import STRING_LIST


def prepared_like() -> pd.DataFrame:
    """Group 1: an original with 3 reposts in one hour and an exact copy a day later; group 2: two near
    copies; groups 3 and 4: single posts."""
    rows = [
        # post_id, group, kind, canonical, author, time, text, text_clean, pii
        ("t1", 1, "unique", True, "u_a", "2021-12-20 09:05", "一码通崩了 http://t.cn/Abc", "一码通崩了", []),
        ("t2", 1, "repost", False, "u_b", "2021-12-20 09:10", "转//@甲:一码通崩了", "转//@甲:一码通崩了", []),
        ("t3", 1, "repost", False, "u_c", "2021-12-20 09:40", "//@甲:一码通崩了", "//@甲:一码通崩了", []),
        ("t4", 1, "repost", False, "u_b", "2021-12-20 10:20", "//@甲:一码通崩了", "//@甲:一码通崩了", []),
        ("t5", 1, "exact", False, "u_d", "2021-12-21 11:00", "一码通崩了！", "一码通崩了!", []),
        ("t6", 2, "unique", True, "u_e", "2021-12-21 12:00", "求助电话<PHONE>", "求助电话<PHONE>", ["PHONE"]),
        ("t7", 2, "near", False, "u_f", "2021-12-21 12:30", "求助！电话<PHONE>", "求助!电话<PHONE>",
         ["PHONE"]),
        ("t8", 3, "unique", True, "u_g", "2021-12-22 08:00", "排队[泪]...展开全文", "排队[泪]", []),
        ("t9", 4, "unique", True, "u_h", "2021-12-22 09:00", "平常的一天", "平常的一天", []),
    ]
    frame = pd.DataFrame(rows, columns=["post_id", "dup_group", "dup_kind", "is_canonical", "author_id",
                                        "created_at", "text", "text_clean", "pii_types"])
    frame["dup_group"] = frame["dup_group"].astype("Int64")
    frame["created_at"] = pd.to_datetime(frame["created_at"]).dt.tz_localize("Asia/Shanghai")
    frame["pii_types"] = pd.array(frame["pii_types"].tolist(), dtype=STRING_LIST)
    frame["own_text"] = frame["text_clean"].str.split("//@").str[0]
    frame["chain_depth"] = frame["text_clean"].str.count("//@").astype("Int64")
    frame["quoted_text"] = frame["text_clean"].str.split(":", n=1).str[1].where(frame["chain_depth"] > 0, "")
    return frame


def test_dup_kind_shares_cover_every_kind():
    table = dup_kind_shares(prepared_like())
    assert table.index.tolist() == ["unique", "exact", "near", "repost"]
    assert table["posts"].tolist() == [4, 1, 1, 3]
    assert table["share"].tolist() == [round(4 / 9, 4), round(1 / 9, 4), round(1 / 9, 4), round(3 / 9, 4)]


def test_group_sizes_bucket_groups_and_posts():
    table = group_sizes(prepared_like())
    assert table.loc["1", "groups"] == 2 and table.loc["2", "groups"] == 1 and table.loc["3–5", "groups"] == 1
    assert table.loc["3–5", "posts"] == 5 and table.loc["101+", "groups"] == 0
    assert table["posts"].sum() == 9


def test_duplicate_groups_sizes_kinds_authors_and_peak_hour():
    table = duplicate_groups(prepared_like())
    assert table["dup_group"].tolist() == [1, 2]  # singletons left out, biggest first
    first = table.iloc[0]
    counts = first[["posts", "authors", "unique", "exact", "near", "repost"]].tolist()
    assert counts == [5, 4, 1, 1, 0, 3]
    assert first["peak_hour"] == pd.Timestamp("2021-12-20 09:00", tz="Asia/Shanghai")
    assert first["peak_hour_posts"] == 3
    assert first["hours"] == round((26 * 60 - 5) / 60, 2)
    assert first["canonical_post_id"] == "t1"
    assert duplicate_groups(prepared_like(), min_posts=10).empty


def test_groups_over_time_fills_empty_bins():
    table = groups_over_time(prepared_like(), [1], freq="h")
    assert table[1].sum() == 5
    assert table.index[0] == pd.Timestamp("2021-12-20 09:00", tz="Asia/Shanghai")
    assert len(table) == 27 and table[1].iloc[:2].tolist() == [3, 1]


def test_voices_over_time_splits_unique_and_amplified():
    table = voices_over_time(prepared_like(), freq="D")
    assert table["posts"].tolist() == [4, 3, 2]
    assert table["unique_voices"].tolist() == [1, 1, 2]
    assert (table["posts"] == table["unique_voices"] + table["amplified"]).all()


def test_cleaning_examples_pick_changed_posts_once_each():
    examples = cleaning_examples(prepared_like())
    by_kind = dict(zip(examples["kind"], examples["post_id"], strict=True))
    assert by_kind["link"] == "t1" and by_kind["fold marker"] == "t8" and by_kind["personal data"] == "t6"
    assert by_kind["full-width"] == "t5"
    assert by_kind["repost chain"] == "t2"  # own words and a quoted text (t3, t4 have no own words)
    assert examples["post_id"].is_unique
