"""Complaint detection: lexicon rules with negation and degree, sentiment, classifier conventions."""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone

from textkit.complaints import (
    CATEGORIES,
    OUTPUT_COLUMNS,
    ComplaintClassifier,
    Lexicon,
    RuleScorer,
    _shared_dictionary,
    _WordMatcher,
    as_strings,
    codepoints,
    detect,
    load_training,
    rule_scores,
    score_texts,
    sentiment_score,
)
from textkit.paths import LEXICON_DIR


@pytest.fixture(scope="module")
def scorer() -> RuleScorer:
    return RuleScorer(Lexicon.load())


def test_negation_cancels_a_problem_term(scorer):
    crashed = scorer.score("测试应用又崩了")
    not_crashed = scorer.score("测试应用没有崩")
    assert crashed["outage"] > not_crashed["outage"]
    assert crashed["problem"] > 0
    assert not_crashed["problem"] == 0


def test_negation_flips_sentiment_and_double_negation_restores(scorer):
    assert scorer.score("服务很满意")["sentiment_raw"] > 0
    assert scorer.score("服务不满意")["sentiment_raw"] < 0
    assert scorer.score("不是不满意")["sentiment_raw"] > 0


def test_negation_does_not_cross_a_clause_break(scorer):
    assert scorer.score("不，很满意")["sentiment_raw"] > 0


def test_degree_adverb_scales(scorer):
    plain = scorer.score("有点失望")["sentiment_raw"]
    strong = scorer.score("非常失望")["sentiment_raw"]
    base = scorer.score("失望")["sentiment_raw"]
    assert strong < base < plain < 0


def test_sentiment_score_is_bounded_and_signed():
    assert sentiment_score(0) == 0
    assert -1 < sentiment_score(-100) < -0.99
    assert 0 < sentiment_score(2) < 1


def test_invented_texts_get_expected_labels():
    texts = [
        "测试号码通早上又崩了，一直转圈，打不开",  # outage
        "核酸检测点排长队，人挤人，等了几个小时",  # testing
        "家里没菜了，团购抢不到",  # supplies
        "谢谢志愿者，辛苦了",  # not a complaint
    ]
    out = score_texts(texts)
    assert out["category"].tolist() == ["outage", "testing", "supplies", "none"]
    assert out["complaint"].tolist() == [1, 1, 1, 0]
    assert out.loc[3, "sentiment"] > 0 > out.loc[0, "sentiment"]


def test_help_request_cue():
    out = score_texts(["求助！邻居老人断药两天，谁能帮帮忙", "今天去超市买了菜"])
    assert out["help_request"].tolist() == [1, 0]


def test_classifier_follows_sklearn_conventions(tmp_path):
    model = ComplaintClassifier(C=2.0)
    assert not [k for k in vars(model) if k.endswith("_")]  # __init__ only stores params
    assert clone(model).get_params()["C"] == 2.0
    training = load_training()
    assert model.fit(training) is model
    assert set(model.categories_) == set(CATEGORIES)
    table = model.predict_table(["一码通打不开", "风景很美"])
    assert list(table.columns) == ["complaint", *CATEGORIES, "help"]
    assert table.loc[0, "complaint"] > table.loc[1, "complaint"]
    path = model.save(tmp_path / "clf.joblib")
    loaded = ComplaintClassifier.load(path)
    probe = ["一码通打不开"]
    pd.testing.assert_frame_equal(loaded.predict_table(probe), model.predict_table(probe))


def test_training_table_errors_name_the_row():
    bad = pd.DataFrame({"text": ["甲", "乙"], "category": ["outage", "weather"], "complaint": [1, 1],
                        "help_request": [0, 0]})
    with pytest.raises(ValueError, match="training row 2: unknown category 'weather'"):
        ComplaintClassifier().fit(bad)


def test_lexicon_errors_name_file_and_line(tmp_path):
    for name in ("complaint_categories.csv", "sentiment.csv", "degree.csv", "negations.txt"):
        (tmp_path / name).write_text((LEXICON_DIR / name).read_text("utf-8"), encoding="utf-8")
    (tmp_path / "complaints.csv").write_text(
        "category,term,weight,role,negatable\noutage,崩,heavy,problem,1\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"complaints.csv, line 2: 'heavy' is not a number"):
        Lexicon.load(tmp_path)


def test_detect_contract_and_repost_amplification():
    when = pd.Timestamp("2021-12-20 09:00", tz="Asia/Shanghai")
    prepared = pd.DataFrame({
        "platform": ["weibo"] * 3,
        "post_id": ["fake-1", "fake-2", "fake-3"],
        "created_at": [when] * 3,
        "text_clean": ["测试码又崩了，扫码一直转圈打不开",
                       "转发微博//@测试用户A:测试码又崩了，扫码一直转圈打不开",
                       None],
    })
    out = detect(prepared)
    assert tuple(out.columns) == OUTPUT_COLUMNS
    assert out["post_id"].tolist() == ["fake-1", "fake-2", "fake-3"]
    assert out["complaint"].tolist() == [1, 1, 0]  # a bare repost of a complaint is a complaint
    assert out.loc[1, "category"] == "outage"
    assert out.loc[2, "category"] == "none"


def test_scores_do_not_depend_on_user_names():
    # pseudonyms change with the project's key: the same post under other names must score the same
    texts = ["唉 //@n_0123456789abcdef:顶 //@n_fedcba9876543210:转发微博",
             "唉 //@n_1f98:顶 //@n_ed48:转发微博", "唉 //@甲用户:顶 //@乙用户:转发微博",
             "@n_00aa11bb22cc33dd 一码通打不开", "@某人 一码通打不开"]
    scored = score_texts(texts)
    pd.testing.assert_frame_equal(scored.iloc[[0, 0, 0, 3, 3]].reset_index(drop=True), scored)


def test_detect_names_missing_columns():
    with pytest.raises(ValueError, match="text_clean"):
        detect(pd.DataFrame({"platform": [], "post_id": [], "created_at": []}))


@cache
def _fitted_classifier() -> ComplaintClassifier:
    return ComplaintClassifier().fit(load_training())


def test_fast_features_equal_sklearn_transform():
    model = _fitted_classifier()
    texts = ["一码通  打不开！！", "Ａbc 测试文本，没有  意义", "", "排队排队排队"]
    fast = model._features(texts)
    reference = model.vectorizer_.transform(texts)
    assert abs(fast - reference).max() < 1e-6


def test_parallel_scoring_gives_the_same_table():
    texts = ["测试码又崩了", "谢谢志愿者", "家里没菜了，求助", "核酸排长队"] * 3 + [None, ""]
    serial = score_texts(texts, n_jobs=1)
    parallel = score_texts(texts, n_jobs=2)
    pd.testing.assert_frame_equal(serial, parallel)
    assert len(serial) == len(texts)


def test_dictionary_encoded_texts_score_as_plain_texts(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    texts = ["测试码又崩了", "谢谢志愿者", "家里没菜了，求助", "核酸排长队", "测试码又崩了"] * 30_000
    plain = score_texts(texts)
    pq.write_table(pa.table({"text_clean": texts}), tmp_path / "t.parquet")  # one row group
    shared = pq.read_table(tmp_path / "t.parquet", read_dictionary=["text_clean"])["text_clean"]
    assert shared.num_chunks > 1 and pa.types.is_dictionary(shared.type)
    codes, distinct = _shared_dictionary(shared)  # the reader's one dictionary is used as it is
    assert distinct.to_pylist() == texts[:4] and codes[:10].tolist() == [0, 1, 2, 3, 0] * 2
    pd.testing.assert_frame_equal(score_texts(pd.Series(pd.arrays.ArrowExtensionArray(shared))), plain)
    # chunks with dictionaries of their own, and missing texts, take the general path
    few = texts[:12]
    separate = pa.chunked_array([pa.array(part).dictionary_encode() for part in (few[:7], few[7:])])
    assert _shared_dictionary(separate) is None
    pd.testing.assert_frame_equal(score_texts(separate), score_texts(few))
    missing = pa.array([*few, None]).dictionary_encode()
    assert _shared_dictionary(missing) is None
    pd.testing.assert_frame_equal(score_texts(missing), score_texts([*few, ""]))


# --- the array implementation against the per-text definitions -------------------------------------------

_ALPHABET = list("不没有非常很太崩了码通打开求助满意失望排队，。 \n\tAaİ")


@settings(max_examples=150, deadline=None)
@given(words=st.lists(st.text(alphabet=list("不没崩了码通打开"), min_size=1, max_size=4), min_size=1,
                      max_size=8),
       texts=st.lists(st.text(alphabet=_ALPHABET, max_size=20), max_size=6))
def test_word_matcher_finds_what_regex_finditer_finds(words, texts):
    """Leftmost-longest, non-overlapping matches, per text, never across the texts of a batch."""
    pattern = re.compile("|".join(map(re.escape, sorted(set(words), key=lambda w: (-len(w), w)))))
    matcher = _WordMatcher(words)
    codes, separators = codepoints(as_strings(texts))
    positions, found = matcher.find(codes)
    text = np.searchsorted(separators, positions) - 1
    got = [(int(t), int(p - separators[t] - 1), matcher.words[w]) for t, p, w in zip(text, positions, found,
                                                                                      strict=True)]
    expected = [(i, m.start(), m.group()) for i, t in enumerate(texts) for m in pattern.finditer(t)]
    assert got == expected


_WORDS = st.lists(st.text(alphabet=list("不没崩了码通打开"), min_size=1, max_size=4), min_size=1, max_size=8)


@settings(max_examples=100, deadline=None)
@given(first=_WORDS, second=_WORDS, texts=st.lists(st.text(alphabet=_ALPHABET, max_size=20), max_size=6))
def test_word_lists_sharing_one_walk_match_as_each_alone(first, second, texts):
    codes, _ = codepoints(as_strings(texts))
    together = _WordMatcher(first, second).find_each(codes)
    for words, (positions, found) in zip((first, second), together, strict=True):
        alone = _WordMatcher(words)
        expected_positions, expected_found = alone.find(codes)
        assert positions.tolist() == expected_positions.tolist()
        assert [alone.words[w] for w in found] == [alone.words[w] for w in expected_found]


@settings(max_examples=100, deadline=None)
@given(texts=st.lists(st.text(alphabet=_ALPHABET, max_size=16), min_size=1, max_size=6))
def test_batch_scores_equal_one_text_at_a_time(scorer, texts):
    """A negator or degree word at the end of one text never reaches into the next."""
    together = scorer.score_many(texts)
    alone = pd.DataFrame([scorer.score(t) for t in texts])
    pd.testing.assert_frame_equal(together, alone[together.columns], check_exact=True)


def test_negator_at_the_end_of_the_previous_text_does_not_negate(scorer):
    batch = scorer.score_many(["真的不", "满意", "不", "崩了"])
    assert batch.loc[1, "sentiment_raw"] == scorer.score("满意")["sentiment_raw"] > 0
    assert batch.loc[3, "problem"] == scorer.score("崩了")["problem"] > 0


@settings(max_examples=100, deadline=None)
@given(texts=st.lists(st.text(alphabet=[*_ALPHABET, "Ｂ", "\u3000", "\r"], max_size=25), min_size=1,
                      max_size=8))
def test_array_features_equal_sklearn_transform(texts):
    model = _fitted_classifier()
    assert abs(model._features(texts) - model.vectorizer_.transform(texts)).max() < 1e-6


def test_detect_on_an_empty_table_keeps_the_contract():
    empty = pd.DataFrame({"platform": [], "post_id": [], "created_at": [], "text_clean": []})
    out = detect(empty)
    assert tuple(out.columns) == OUTPUT_COLUMNS and out.empty
    assert rule_scores([]).empty
