"""Spike explanation: distinguishing terms, amplified posts, category mix, events, table form."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textkit.explain import SpikeCorpus, explain_spikes, explanation_table, log_odds
from textkit.keyness import log_odds_dirichlet, term_counts


def test_log_odds_ranks_the_distinguishing_term_first():
    spike = term_counts([["码", "崩"], ["码", "崩"], ["码", "崩", "排队"], ["天气"]])
    before = term_counts([["码", "天气"], ["天气"], ["排队"], ["码"], ["天气"]])
    ranked = log_odds_dirichlet(spike, before)
    assert ranked.iloc[0]["term"] == "崩"
    assert ranked.iloc[-1]["term"] == "天气"
    assert ranked.set_index("term").loc["崩", "count_a"] == 3


def test_informative_prior_shrinks_rare_terms():
    spike = {"罕见": 1, "常见": 40}
    before = {"常见": 10, "其他": 100}
    ranked = log_odds_dirichlet(spike, before).set_index("term")
    assert ranked.loc["常见", "z"] > ranked.loc["罕见", "z"]


def _frame():
    base = pd.Timestamp("2021-12-19 09:00", tz="Asia/Shanghai")
    rows = []
    for i in range(40):  # a quiet day before
        rows.append((base + pd.Timedelta(minutes=20 * i), "testing", ["核酸", "排队"], i, True, "unique"))
    spike = pd.Timestamp("2021-12-20 09:00", tz="Asia/Shanghai")
    for i in range(30):  # the spike: one original reposted 25 times plus 4 other voices
        canonical = i in (0, 26, 27, 28, 29)
        group = 1000 if i < 26 else 2000 + i
        kind = "unique" if canonical else "repost"
        tokens = ["测试码", "崩", "打不开"]
        rows.append((spike + pd.Timedelta(minutes=i), "outage", tokens, group, canonical, kind))
    frame = pd.DataFrame(rows, columns=["created_at", "category", "tokens", "dup_group", "is_canonical",
                                        "dup_kind"])
    frame["platform"] = "weibo"
    frame["post_id"] = [f"fake-{i}" for i in range(len(frame))]
    frame["author_id"] = [f"fake-author-{i}" for i in range(len(frame))]
    frame["text_clean"] = [f"虚构文本{i}" for i in range(len(frame))]
    return frame


def test_explain_spike_terms_posts_mix_and_events():
    spike = {"id": "all_complaints-1", "series": "all_complaints", "start": "2021-12-20T09:00:00+08:00",
             "end": "2021-12-20T09:00:00+08:00"}
    events = pd.DataFrame({
        "start": pd.to_datetime(["2021-12-20T07:00:00+08:00", "2021-12-25T00:00:00+08:00"]),
        "end": pd.to_datetime(["2021-12-20T18:00:00+08:00", None], utc=True).tz_convert("Asia/Shanghai"),
        "label_zh": ["虚构事件甲", "虚构事件乙"], "label_en": ["invented event A", "invented event B"],
        "kind": ["span", "moment"], "source": ["test", "test"],
    })
    [out] = explain_spikes([spike], _frame(), freq="H", events=events)
    terms = [t["term"] for t in out["explanation"]["terms"]]
    assert set(terms[:3]) == {"测试码", "崩", "打不开"}
    assert "核酸" not in terms
    top_post = out["explanation"]["amplified_posts"][0]
    assert (top_post["post_id"], top_post["posts"], top_post["reposts"]) == ("fake-40", 26, 25)
    assert out["explanation"]["category_mix"]["outage"] == 30
    assert [e["label_en"] for e in out["events"]] == ["invented event A"]
    table = explanation_table([out])
    assert set(table["part"]) == {"term", "post", "category", "event"}
    assert table.query("part == 'term'")["count"].iloc[0] == 30
    # counts built ahead (the timeline stage builds them in another thread) explain the same
    built = SpikeCorpus(_frame(), "H", None)
    assert explain_spikes([spike], _frame(), freq="H", events=events, corpus=built) == [out]
    with pytest.raises(ValueError, match="another frame or freq"):
        explain_spikes([spike], _frame(), freq="D", events=events, corpus=built)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 30), st.integers(0, 30)), min_size=2, max_size=40))
def test_array_log_odds_equal_keyness(pairs):
    counts_a = np.array([a for a, _ in pairs])
    counts_b = np.array([b for _, b in pairs])
    terms = [f"词{i:03d}" for i in range(len(pairs))]
    present, z, delta = log_odds(counts_a, counts_b)
    reference = log_odds_dirichlet({t: a for t, a in zip(terms, counts_a, strict=True) if a},
                                   {t: b for t, b in zip(terms, counts_b, strict=True) if b})
    reference = reference.set_index("term").reindex(np.array(terms)[present])
    assert present.all() and reference["z"].notna().all()
    np.testing.assert_allclose(z, reference["z"], rtol=1e-12)
    np.testing.assert_allclose(delta, reference["delta"], rtol=1e-12)


def test_explain_reports_rising_and_new_clusters():
    frame = _frame()
    clusters = pd.DataFrame({
        "platform": frame["platform"], "post_id": frame["post_id"],
        "cluster": [3 if i < 40 else (7 if i < 66 else -1) for i in range(len(frame))],
        "cluster_label": ["排队" if i < 40 else ("崩溃" if i < 66 else "") for i in range(len(frame))],
    })
    spike = {"id": "all_posts-1", "series": "all_posts", "start": "2021-12-20T09:00:00+08:00",
             "end": "2021-12-20T09:00:00+08:00"}
    shuffled = clusters.sample(frac=1.0, random_state=1)  # matched on (platform, post_id), not on order
    for table in (clusters, shuffled):
        [out] = explain_spikes([spike], frame, freq="H", clusters=table, events=pd.DataFrame())
        [top] = out["explanation"]["clusters"]
        assert (top["cluster"], top["label"], top["count"], top["new"]) == (7, "崩溃", 26, True)
        assert top["share"] == 1.0 and top["baseline_share"] == 0.0
