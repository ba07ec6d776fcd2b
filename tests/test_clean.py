"""Cleaning functions of textkit.clean, each on invented text, and the default pipeline."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textkit import clean
from textkit.clean import (
    DEFAULT_PIPELINE,
    EMOTION,
    TOPIC,
    clean_series,
    clean_text,
    decode_html_entities,
    extract_emotions,
    extract_lists,
    extract_mentions,
    extract_topics,
    fullwidth_to_halfwidth,
    make_pipeline,
    normalize_whitespace,
    remove_fold_markers,
    remove_html_breaks,
    remove_html_tags,
    remove_link_labels,
    remove_urls,
    remove_video_cards,
    remove_zero_width,
    repost_chains,
    split_repost_chain,
    to_simplified,
    unwrap_html_links,
)
from textkit.schema import STRING

# ---------------------------------------------------------------- one function at a time


@pytest.mark.parametrize("text, expected", [
    ("看这里 http://t.cn/A6abcd12 好", "看这里   好"),
    ("看这里 https://example.invalid/a/b?c=1&d=2 好", "看这里   好"),
    ("前t.cn/A6XyZ09后", "前 后"),
    ("前 www.example.invalid/path 后", "前   后"),
    ("没有链接的一码通", "没有链接的一码通"),
])
def test_remove_urls(text, expected):
    assert remove_urls(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("详情见网页链接", "详情见 "),
    ("详情见O网页链接", "详情见 "),
    ("网页O网页链接链接", "网页 链接"),
])
def test_remove_link_labels(text, expected):
    assert remove_link_labels(text) == expected


def test_remove_video_cards():
    assert remove_video_cards("排队L测试用户甲的微博视频 真累") == "排队  真累"
    assert remove_video_cards("排队L某某的秒拍视频") == "排队 "
    assert remove_video_cards("Lucky的一天") == "Lucky的一天"  # no 视频: not a card


@pytest.mark.parametrize("text", [
    "苹果APPLE手机,我看了他的视频很好", "VLOG:排队做核酸的视频", "看了BLACKPINK的视频",
])
def test_video_card_rule_leaves_ordinary_text_alone(text):
    assert clean_text(text) == text


@pytest.mark.parametrize("text", [
    "一码通又崩了...展开全文c", "一码通又崩了…展开全文", "一码通又崩了 收起全文d", "一码通又崩了...全文",
])
def test_remove_fold_markers(text):
    assert remove_fold_markers(text).strip() == "一码通又崩了"


def test_fold_marker_words_inside_a_sentence_survive():
    assert remove_fold_markers("请看全文再评论") == "请看全文再评论"


def test_remove_zero_width():
    assert remove_zero_width("一码\u200b通\ufeff崩\u200d了\u2060\u00ad") == "一码通崩了"


def test_html_breaks_links_tags_and_entities():
    assert remove_html_breaks("第一行<br />第二行<BR>第三行<br/>") == "第一行 第二行 第三行 "
    assert unwrap_html_links("看<a href='https://x.invalid' class=\"k\">#话题#</a>了") == "看#话题#了"
    assert remove_html_tags("<b>粗</b><span class=\"x\">体</span>") == "粗体"
    assert remove_html_tags("a < b > c") == "a < b > c"  # not a tag
    assert decode_html_entities("&amp; &lt;ok&gt; &#20320;") == "& <ok> 你"
    assert decode_html_entities("a&nbsp;b") == "a b"


def test_fullwidth_to_halfwidth():
    assert fullwidth_to_halfwidth("ＡＢＣ１２３，！？（）　ｚ") == "ABC123,!?() z"
    assert fullwidth_to_halfwidth("中文，不变。") == "中文,不变。"  # 。 is not a full-width ASCII form


def test_to_simplified():
    assert to_simplified("一碼通又當機了") == "一码通又当机了"
    assert to_simplified("健康码打不开") == "健康码打不开"


def test_normalize_whitespace():
    assert normalize_whitespace("  多个   空格\t\n 这里\u3000全角\u00a0空格 ") == "多个 空格 这里 全角 空格"


# ---------------------------------------------------------------- extractors


def test_split_repost_chain_own_words_depth_and_quoted_text():
    assert split_repost_chain("我也是//@甲乙:对对对//@丙丁:原话在此") == ("我也是", 2, "对对对 // 原话在此")
    assert split_repost_chain("//@甲乙: 转发微博") == ("", 1, "转发微博")
    assert split_repost_chain("没有转发链") == ("没有转发链", 0, "")
    assert split_repost_chain("转//@甲乙：全角冒号") == ("转", 1, "全角冒号")


def test_repost_chains_matches_split_repost_chain():
    texts = ["我也是//@甲乙:对对对//@丙丁:原话在此", "没有链", "//@甲乙: 转发微博", "好//@甲:", None]
    frame = repost_chains(pd.Series(texts))
    assert list(frame.columns) == ["own_text", "chain_depth", "quoted_text"]
    assert str(frame["chain_depth"].dtype) == "Int64"
    for row, text in zip(frame.itertuples(index=False), texts, strict=True):
        assert (row.own_text, row.chain_depth, row.quoted_text) == split_repost_chain(text or "")


def test_extract_topics_and_mentions():
    text = "#西安一码通崩了# 救命 @测试甲 @测试乙-2 #话题二# #西安一码通崩了#//@测试甲:嗯"
    assert extract_topics(text) == ["西安一码通崩了", "话题二"]
    assert extract_mentions(text) == ["测试甲", "测试乙-2"]
    assert extract_topics("没有话题") == [] and extract_mentions("没有提到谁") == []


def test_extract_emotions_keeps_repeats_and_leaves_text_alone():
    assert extract_emotions("[泪][泪]太难了[doge]") == ["泪", "泪", "doge"]
    assert clean_text("[泪][泪]太难了[doge]") == "[泪][泪]太难了[doge]"
    assert extract_emotions("[这不是一个很长的表情名字]") == []


def test_extract_lists_over_a_column():
    found = extract_lists(pd.Series(["[泪]a[怒]", "b", None]), extract_emotions, EMOTION)
    assert found.tolist() == [["泪", "怒"], [], []]
    topics = extract_lists(pd.Series(["#甲#", "#乙# #丙#"]), extract_topics, TOPIC)
    assert topics.tolist() == [["甲"], ["乙", "丙"]]


@pytest.mark.parametrize("text, topics", [
    ("#甲#乙#丙#", ["甲", "丙"]),  # a topic uses up its closing #: 乙 is between two topics
    ("#甲# 乙 #丙#", ["甲", "丙"]),
    ("##甲#", ["甲"]),  # an empty piece is no topic and uses up nothing
    ("#" + "长" * 61 + "#甲#", ["甲"]),  # neither is a piece over 60 characters
    ("#甲\n#乙#", ["乙"]),  # nor one with a newline
    ("# 甲 #\x1c甲\u3000#", ["甲"]),  # stripped like str.strip(), duplicates dropped
    ("#\u3000#甲", []),
    ("#甲#乙#甲#丁#", ["甲"]),
    ("甲#乙#丙#", ["乙"]), ("#甲##乙", ["甲"]),  # a topic needs both its # marks
])
def test_vectorised_topics_on_tricky_texts(text, topics):
    assert extract_topics(text) == topics
    found = extract_lists(pd.Series([text, "无", text]), extract_topics, TOPIC)
    assert found.tolist() == [topics, [], topics]


@pytest.mark.parametrize("text, emotions", [
    ("[[泪]", ["泪"]), ("[泪]]", ["泪"]), ("[泪", []), ("泪][doge]", ["doge"]), ("[一二三四五六七八九]", []),
    ("a[泪][doge][泪]", ["泪", "doge", "泪"]),
])
def test_vectorised_emotions_on_tricky_texts(text, emotions):
    assert extract_emotions(text) == emotions
    found = extract_lists(pd.Series([text, "无", text]), extract_emotions, EMOTION)
    assert found.tolist() == [emotions, [], emotions]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from([
    "[", "]", "#", "泪", "doge", "一二三四五六七八九", " ", "\u3000", "\x1c", "\n", "话题", "x" * 59, "@",
    "//@甲:",
]), max_size=12).map("".join), max_size=6))
def test_vectorised_extractors_agree_with_the_per_string_ones(texts):
    """Emotions and topics are found by splitting at [ and # (see clean._emotions_arrow, _topics_arrow)."""
    series = pd.Series(texts, dtype="string")
    for extractor, screen in ((extract_emotions, EMOTION), (extract_topics, TOPIC), (extract_mentions, "@")):
        assert extract_lists(series, extractor, screen).tolist() == [extractor(t) for t in texts]


# ---------------------------------------------------------------- the default pipeline

NOISY = ("#西安一码通崩了#<br />又崩了!!!  http://t.cn/A6abcd12\u200b ＡＰＰ打不開 [泪]"
         "L测试用户甲的微博视频 ...展开全文c")


def test_default_pipeline_cleans_everything_at_once():
    assert clean_text(NOISY) == "#西安一码通崩了# 又崩了!!! APP打不开 [泪]"


@pytest.mark.parametrize("text", [
    NOISY, "", "   ", "我也是//@甲乙:对对对", "&amp;<a href='x'>链接</a>网页链接", "一碼通\u3000當機",
    "ｈｔｔｐ：／／ｔ．ｃｎ／ＡＢＣ 全角链接",
])
def test_pipeline_is_idempotent(text):
    once = clean_text(text)
    assert clean_text(once) == once


def test_clean_series_equals_clean_text_and_fills_missing():
    texts = [NOISY, "一碼通", "&lt;b&gt;", "  a  b ", "ＡＢＣ　１２３", "a\tb\nc\u00a0d", "看網頁鏈接",
             "x&nbsp;y", "", None]
    cleaned = clean_series(pd.Series(texts, index=range(10, 20)))
    assert cleaned.dtype == STRING
    assert list(cleaned.index) == list(range(10, 20))
    assert cleaned.tolist() == [clean_text(t) for t in texts[:-1]] + [""]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(
    st.text(alphabet=st.sampled_from(list("一码通崩了 　ＡＢ１，<br/>&amp;http://t.cn/x展开全文[泪]#@:碼\u200b")),
            max_size=40),
    # steps that make work for later ones: t2s makes a link label, entities and full-width forms make spaces
    st.lists(st.sampled_from(["網頁鏈接", "网页链接", "&nbsp;", "&#32;", "　", " ", "\t", "\n", "\u00a0", "a",
                              "ｈｔｔｐ：／／ｔ．ｃｎ／Ａ", "．．．全文", "//@甲:"]),
             max_size=8).map("".join),
), min_size=1, max_size=8))
def test_vectorised_pipeline_agrees_with_the_per_string_one(texts):
    assert clean_series(pd.Series(texts)).tolist() == [DEFAULT_PIPELINE(t) for t in texts]


def test_make_pipeline_chains_rules_and_plain_functions():
    pipeline = make_pipeline(remove_urls, str.upper, normalize_whitespace)
    assert pipeline("abc http://x.invalid/z def") == "ABC DEF"
    assert pipeline.apply(pd.Series(["abc http://x.invalid/z def"])).tolist() == ["ABC DEF"]
    assert "urls" in repr(pipeline)


def test_default_steps_are_documented_rules_or_functions():
    for step in clean.DEFAULT_STEPS:
        assert callable(step)
        assert getattr(step, "doc", None) or step.__doc__
