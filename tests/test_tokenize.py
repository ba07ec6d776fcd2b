"""Tokenizer (textkit.tokenize) on invented texts: user dictionary, filters, special tokens, backends."""

from __future__ import annotations

import itertools

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import textkit.tokenize as tokenize_module
from textkit.tokenize import (
    BACKENDS,
    SINGLE_CHARS,
    STOPWORDS,
    USERDICT,
    Tokenizer,
    _holds_ascii,
    _segmenter,
    compiled_segmenter_built,
    read_userdict,
    read_word_list,
    tokenize,
)


@pytest.fixture(scope="module")
def fast():
    return Tokenizer(backend="fast")


@pytest.fixture(scope="module")
def reference():
    return Tokenizer(backend="jieba")


@pytest.fixture(scope="module", params=["fast", "rjieba"])
def engine(request):
    """Each fast engine: the C segmenter (what ``fast`` runs when built) and jieba-rs."""
    return Tokenizer(backend=request.param)


@pytest.mark.parametrize("text, word", [
    ("一码通打不开", "一码通"),
    ("健康码变黄码", "健康码"),
    ("今天核酸排了三小时", "核酸"),
    ("被拉去方舱", "方舱"),
    ("小区封控了", "封控"),
    ("大数据局回应", "大数据局"),
])
def test_user_dictionary_words_stay_whole(fast, reference, text, word):
    assert word in fast.tokenize(text)
    assert word in reference.tokenize(text)


def test_without_the_user_dictionary_jieba_splits_them():
    plain = Tokenizer(backend="jieba", userdict=None, stopwords=None, single_chars=None)
    assert "一码通" not in plain.cut("一码通打不开")
    assert "大数据局" not in plain.cut("大数据局回应")


def test_stop_words_punctuation_numbers_and_lone_characters_are_dropped(fast):
    tokens = fast.tokenize("我们的系统，因为 12345 个 3.5 100% 2021 人 a 真的 太慢了！！！")
    assert tokens == ["系统", "太慢"]


def test_allow_listed_single_characters_are_kept(fast):
    assert fast.tokenize("崩 卡 慢 饿 人 了 的") == ["崩", "卡", "慢", "饿"]
    allowed = set(read_word_list(SINGLE_CHARS))
    assert {"崩", "卡", "慢"} <= allowed
    assert not allowed & set(read_word_list(STOPWORDS))


def test_ascii_is_lower_cased(fast):
    assert fast.tokenize("IPHONE和Android都不行") == ["iphone", "android", "不行"]
    assert Tokenizer(lowercase=False).tokenize("IPHONE") == ["IPHONE"]


def test_emotion_codes_become_tokens(fast):
    assert fast.tokenize("[泪][泪]一码通崩了[doge]") == ["[泪]", "[泪]", "一码通", "崩", "[doge]"]
    assert Tokenizer(keep_emotions=False).tokenize("[泪]一码通崩了") == ["一码通", "崩"]


def test_placeholders_are_dropped(fast):
    assert fast.tokenize("求助<PHONE>电话<ID><EMAIL><CARD><QQ><WECHAT><PLATE>") == ["求助", "电话"]
    assert fast.segments("[泪]一码通<PHONE>") == ["[泪]", "一码通"]


@pytest.mark.parametrize("backend", ["fast", "jieba"])
def test_mentioned_user_names_are_not_tokens(backend):
    tokenizer = Tokenizer(backend=backend)
    assert tokenizer.tokenize("一码通当机了 @测试用户甲 快修") == ["一码通", "当机", "快修"]
    assert tokenizer.tokenize("@测试用户乙-2 一码通又崩了") == ["一码通", "崩"]


def test_missing_and_empty_texts_give_no_tokens(fast):
    assert fast.tokenize(None) == [] and fast.tokenize("") == [] and fast.tokenize("   ") == []


def test_filters_can_be_turned_off():
    unfiltered = Tokenizer(stopwords=None, single_chars=None, drop_numbers=False)
    tokens = unfiltered.tokenize("我们排了 12345 个")
    assert "我们" in tokens and "12345" in tokens and "个" not in tokens  # lone characters still go


TRICKY = [
    "abc123def 一码通", "t.cn/A6abc 网页", "v1.2.3版本更新", "C++和C#都不会", "哈哈哈哈哈哈哈哈",
    "呜呜呜呜一码通崩崩崩崩", "😭😭😭一码通🙏", "𠮷野家排队", "e-mail地址a_b.c@d", "100%崩了", "3.5小时",
    "AT&T", "no.1 第一", "x-y-z 坐标", "一码通一码通一码通", "码码码码", "iOS15.2 安卓12",
    "西安一码通又崩了，健康码打不开，核酸结果出不来，方舱里好冷", "[泪]打不开<PHONE>急急急急", "Ａ全角ｂ",
    "排队排队排队排队", "啊啊啊啊啊崩崩崩", "2021.12.20 又崩", "12月20日早上8:30", "\t\n换行\r\n再换",
]


@pytest.mark.parametrize("text", TRICKY)
def test_fast_backend_gives_jieba_tokens(engine, reference, text):
    assert engine.cut(text) == reference.cut(text)
    assert engine.tokenize(text) == reference.tokenize(text)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("一码通崩了健康核酸排队哈啊呜 ab1.%-_#&+😭𠮷[泪]<PHONE>，！")),
               max_size=30))
def test_fast_backend_gives_jieba_tokens_on_generated_text(engine, reference, text):
    assert engine.tokenize(text) == reference.tokenize(text)


def test_fast_backend_runs_the_compiled_engine():
    # `make install` builds textkit/_segment.c; rjieba only stands in where no C compiler was found
    assert compiled_segmenter_built()
    assert Tokenizer().engine == "compiled"
    assert Tokenizer(backend="rjieba").engine == "rjieba"
    assert Tokenizer(backend="jieba").engine == "jieba"


def test_fast_backend_falls_back_to_rjieba_without_the_extension(monkeypatch):
    monkeypatch.setattr(tokenize_module, "compiled_segmenter_built", lambda: False)
    tokenizer = Tokenizer()
    assert tokenizer.engine == "rjieba"
    reference = Tokenizer(backend="jieba")
    assert tokenizer.tokenize_batch(TRICKY).to_pylist() == [reference.tokenize(t) for t in TRICKY]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("一码通崩了健康核酸排队哈啊呜西安市民 aB1.%-_#&+😭𠮷\r\n\t，")),
               max_size=40), st.booleans())
def test_compiled_engine_cuts_like_jieba_with_and_without_hmm(text, hmm):
    assert Tokenizer(hmm=hmm).cut(text) == Tokenizer(backend="jieba", hmm=hmm).cut(text)


def test_compiled_engine_returns_byte_boundaries_and_rejects_invalid_utf8():
    segmenter = _segmenter(str(USERDICT))
    data = "一码通崩了\r\n😭".encode()
    bounds = np.frombuffer(segmenter.cut(data), dtype=np.int64).tolist()
    assert [data[a:b].decode() for a, b in itertools.pairwise(bounds)] == ["一码通", "崩", "了", "\r\n", "😭"]
    assert np.frombuffer(segmenter.cut(b""), dtype=np.int64).tolist() == [0]
    with pytest.raises(ValueError, match="not valid UTF-8"):
        segmenter.cut(b"\xe4\xb8")
    with pytest.raises(ValueError, match="offsets must rise"):
        segmenter.tokenize(data, np.array([0, 9, 3], dtype=np.int64))
    with pytest.raises(RuntimeError, match="not initialised"):
        type(segmenter).__new__(type(segmenter)).cut(data)
    failed = type(segmenter).__new__(type(segmenter))
    with pytest.raises(ValueError, match="freqs"):
        failed.__init__(b"a\nb", b"", b"", 0.0, b"", b"", b"")
    with pytest.raises(RuntimeError, match="not initialised"):  # nothing half-built stays usable
        failed.cut(data)
    with pytest.raises(RuntimeError, match="already initialised"):
        segmenter.__init__(b"", b"", b"", 0.0, b"", b"", b"")


def test_compiled_engine_splits_large_inputs_into_calls(monkeypatch):
    texts = [*TRICKY, None, "", "一码通[泪]崩了"] * 3
    expected = Tokenizer().tokenize_batch(texts).to_pylist()
    monkeypatch.setattr(tokenize_module, "COMPILED_MAX_BYTES", 40)
    assert Tokenizer().tokenize_batch(texts).to_pylist() == expected


def test_compiled_engine_rejects_invalid_utf8_inside_a_marked_code():
    segmenter = _segmenter(str(USERDICT))
    data = b"\x1f[\xff\xfe]\x1f"
    with pytest.raises(ValueError, match="not valid UTF-8"):
        segmenter.tokenize(data, np.array([0, len(data)], dtype=np.int64))


@pytest.mark.parametrize("lines", [
    "韩玉赏鉴\n韩玉赏鉴 7\n",  # jieba adds the frequency it suggests, then 7, to its total
    "一码通 5 n\n新冠词条\n一码通\n",
])
@pytest.mark.parametrize("backend", ["fast", "rjieba"])
def test_user_words_without_frequency_weigh_as_in_jieba(tmp_path, lines, backend):
    userdict = tmp_path / "userdict.txt"
    userdict.write_text(lines, encoding="utf-8")
    fast = Tokenizer(backend=backend, userdict=userdict)
    reference = Tokenizer(backend="jieba", userdict=userdict)
    for text in ["哈" * n for n in range(20, 60)] + ["西安一码通韩玉赏鉴新冠词条"]:
        assert fast.cut(text) == reference.cut(text)


def test_compiled_engine_reads_the_user_dictionary_as_jieba_does(tmp_path):
    # a later entry replaces a word's frequency; a word added with frequency 0 is never kept whole
    # (jieba's force-split list is global to the process: the word is one no other test meets)
    userdict = tmp_path / "userdict.txt"
    userdict.write_text("码通崩 5 n\n码通崩 90000 n\n崩坏码 0 n\n", encoding="utf-8")
    fast = Tokenizer(userdict=userdict)
    reference = Tokenizer(backend="jieba", userdict=userdict)
    for text in ["一码通崩了", "码通崩", "西安崩坏码事件", "崩坏码"]:
        assert fast.cut(text) == reference.cut(text)
    assert "码通崩" in fast.cut("码通崩")


def test_parallel_tokenization_equals_serial():
    texts = [*TRICKY, None, ""] * 6
    serial = tokenize(texts, n_jobs=1)
    assert tokenize(texts, n_jobs=2) == serial
    assert serial == [Tokenizer(backend="jieba").tokenize(t) for t in texts]
    assert len(serial) == len(texts)


def test_tokenize_arrow_is_a_list_of_strings():
    array = Tokenizer().tokenize_arrow(["一码通崩了", None])
    assert str(array.type) == "list<item: string>"
    assert array.to_pylist() == [["一码通", "崩"], []]


def test_unknown_backend_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown tokenizer backend"):
        Tokenizer(backend="nope")


def test_user_dictionary_entries_have_frequencies(tmp_path):
    entries = read_userdict(USERDICT)
    words = {word for word, _, _ in entries}
    assert {"一码通", "健康码", "核酸", "方舱", "封控", "大数据局"} <= words
    assert all(freq is not None for _, freq, _ in entries)
    bad = tmp_path / "userdict.txt"
    bad.write_text("一码通 多 n\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"line 1: frequency '多'"):
        read_userdict(bad)


@pytest.mark.parametrize("text", [
    "哈哈哈哈哈今天真的崩了一码通", "我们哈哈哈哈哈一码通又打不开又太慢",
    "一码通太慢哈哈哈哈哈笑笑打不开崩了今天",
    "排队核酸是呜呜呜呜呜呜呜呜呜呜呜太慢今天崩了真的好",
])
def test_runs_of_a_repeated_character_break_ties_like_jieba(fast, reference, text):
    # the two routes through such a run score the same up to rounding: jieba-rs must weigh words
    # against jieba's exact total (its dictionary's repeated lines and replaced user words included)
    assert fast.cut(text) == reference.cut(text)
    assert fast.tokenize_arrow([text], n_jobs=1).to_pylist() == [reference.tokenize(text)]


@pytest.fixture(scope="module")
def with_outside_characters(tmp_path_factory):
    """Tokenizers whose allow-list also keeps ideographs outside jieba's blocks (㐀 鿖 豈) and a symbol
    with a word character by textkit's rule (䷀)."""
    single_chars = tmp_path_factory.mktemp("lexicon") / "single_chars.txt"
    words = ["㐀", "鿖", "豈", "䷀", *read_word_list(SINGLE_CHARS)]
    single_chars.write_text("\n".join(words), encoding="utf-8")
    return {backend: Tokenizer(backend=backend, single_chars=single_chars) for backend in BACKENDS}


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(
    list("一码通崩了健康核酸排队哈哈啊呜 ab1.%-_#&+C😭𠮷[泪]<PHONE>@甲，！\n\x1f㐀䷀鿖豈")), max_size=40),
    max_size=20), st.sampled_from(["fast", "rjieba"]))
def test_batch_tokenization_equals_jieba_text_by_text(with_outside_characters, texts, backend):
    reference = with_outside_characters["jieba"]
    expected = [reference.tokenize(text) for text in texts]
    tokenizer = with_outside_characters[backend]
    assert tokenizer.tokenize_arrow(texts, n_jobs=1).to_pylist() == expected
    sliced = pa.array(["一码通[泪]", *texts], type=pa.large_string()).slice(1)  # offsets not at 0
    assert tokenizer.tokenize_batch(sliced).to_pylist() == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="哈<@[]a1😭", max_size=6), max_size=12), st.integers(0, 3))
def test_byte_screen_finds_the_texts_holding_the_characters(texts, skip):
    array = pa.array(texts, type=pa.large_string()).slice(min(skip, len(texts)))  # offsets not at 0
    expected = [any(c in text for c in "<@[") for text in array.to_pylist()]
    assert _holds_ascii(array, "<@[").tolist() == expected
