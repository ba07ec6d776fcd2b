"""Redaction of personal data into typed placeholders, and keyed pseudonyms (textkit.redact).

Every number here is invented: ID numbers are built from a made-up prefix with the right (or a wrong)
check character, card numbers from a made-up prefix completed to pass (or fail) Luhn.
"""

from __future__ import annotations

import os
import re
import stat
from collections import Counter

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textkit.redact import (
    KEY_ENV,
    KEY_FILE,
    PATTERNS,
    PLACEHOLDERS,
    SCREEN,
    find_pii,
    id_check_char,
    luhn_valid,
    pseudonym,
    pseudonym_key,
    pseudonymize,
    redact,
    redact_arrays,
    redact_arrow,
    redact_series,
    redact_text,
    valid_id_number,
)
from textkit.schema import STRING, STRING_LIST


def make_id(first17: str) -> str:
    return first17 + id_check_char(first17)


def wrong_check(number: str) -> str:
    """``number`` with a wrong check character that does not make it Luhn-valid either."""
    return next(number[:17] + c for c in "0123456789" if c != number[17] and not luhn_valid(number[:17] + c))


def luhn_complete(prefix: str) -> str:
    return next(prefix + d for d in "0123456789" if luhn_valid(prefix + d))


def luhn_broken(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


FAKE_ID = make_id("11010519900307123")  # 1990-03-07
FAKE_CARD_19 = luhn_complete("622200000000000000")
FAKE_CARD_16 = luhn_complete("622200000000001")


def test_invented_numbers_are_what_the_tests_assume():
    assert valid_id_number(FAKE_ID) and not valid_id_number(wrong_check(FAKE_ID))
    assert luhn_valid(FAKE_CARD_19) and not luhn_valid(luhn_broken(FAKE_CARD_19))
    assert luhn_valid("79927398713") and not luhn_valid("79927398710")  # the textbook example


def test_id_check_character_including_x():
    first17 = next(f"3201021985010110{n}" for n in range(10) if id_check_char(f"3201021985010110{n}") == "X")
    assert redact_text(f"证件 {first17}X 和 {first17}x") == ("证件 <ID> 和 <ID>", ["ID", "ID"])


@pytest.mark.parametrize("text, expected, kinds", [
    (f"身份证{FAKE_ID}请帮忙", "身份证<ID>请帮忙", ["ID"]),
    (f"卡号{FAKE_CARD_19}", "卡号<CARD>", ["CARD"]),
    (f"卡号 {FAKE_CARD_16[:4]} {FAKE_CARD_16[4:8]} {FAKE_CARD_16[8:12]} {FAKE_CARD_16[12:]} 谢谢",
     "卡号 <CARD> 谢谢", ["CARD"]),
    (f"卡号 {FAKE_CARD_16[:4]}-{FAKE_CARD_16[4:8]}-{FAKE_CARD_16[8:12]}-{FAKE_CARD_16[12:]}",
     "卡号 <CARD>", ["CARD"]),
    ("电话13912345678", "电话<PHONE>", ["PHONE"]),
    ("电话+86 139-1234-5678", "电话<PHONE>", ["PHONE"]),
    ("电话 0086 13912345678 谢谢", "电话 <PHONE> 谢谢", ["PHONE"]),
    ("电话139 1234 5678", "电话<PHONE>", ["PHONE"]),
    ("电话１３９１２３４５６７８", "电话<PHONE>", ["PHONE"]),  # full-width digits
    ("座机029-88881234", "座机<PHONE>", ["PHONE"]),
    ("座机(029) 8888 1234转5", "座机<PHONE>转5", ["PHONE"]),
    ("座机 010-62345678-123 找我", "座机 <PHONE> 找我", ["PHONE"]),
    ("邮箱 someone.test@example.invalid 联系", "邮箱 <EMAIL> 联系", ["EMAIL"]),
    ("QQ：12345678", "QQ：<QQ>", ["QQ"]),
    ("扣扣号是 987654321", "扣扣号是 <QQ>", ["QQ"]),
    ("加微信: test_12345", "加微信: <WECHAT>", ["WECHAT"]),
    ("vx abcdef 私聊", "vx <WECHAT> 私聊", ["WECHAT"]),
    ("车牌陕A12345被困", "车牌<PLATE>被困", ["PLATE"]),
    ("陕A·D12345", "<PLATE>", ["PLATE"]),
    ("陕AD12345 新能源", "<PLATE> 新能源", ["PLATE"]),
    ("电话13912345678或13912345679，邮箱x@example.invalid",
     "电话<PHONE>或<PHONE>，邮箱<EMAIL>", ["PHONE", "PHONE", "EMAIL"]),
])
def test_each_type_becomes_its_placeholder(text, expected, kinds):
    assert redact_text(text) == (expected, kinds)
    assert redact(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Tel13912345678", "Tel<PHONE>"),
    ("加我vx13912345678", "加我vx<PHONE>"),
    (f"证件ID{FAKE_ID}", "证件ID<ID>"),
])
def test_numbers_glued_to_ascii_letters_are_redacted(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("text", [
    f"号码 {wrong_check(FAKE_ID)} 不对",  # 18 digits, wrong ID check character, not Luhn-valid either
    f"号码 {make_id('11010519901307123')}",  # right check character, impossible birth month 13
    f"订单号{FAKE_ID}",  # numbering context: an order number, even with a valid checksum
    f"快递单号：{FAKE_CARD_19}",
    f"卡号{luhn_broken(FAKE_CARD_19)}",  # fails Luhn: an order or tracking number, not a card
    f"{luhn_broken(FAKE_CARD_16)}",
    "日期20211220123456",
    "订单号 2021122012345678901",
    "取件码 12345 时间 2021-12-20 12:30",
    "一码通 12345 条 1234567",
    "QQ群很热闹",  # a QQ word without a number
    "微信 支付",  # a WeChat word without an id
])
def test_look_alikes_survive_as_non_personal(text):
    assert redact_text(text) == (text, [])


def test_checksum_invalid_id_is_not_luhn_valid_either():
    # guards the look-alike case above: it must survive because of the ID check, not by luck
    number = wrong_check(FAKE_ID)
    assert not valid_id_number(number) and not luhn_valid(number)


def test_find_pii_spans_point_into_the_original_text():
    text = "电话１３９１２３４５６７８，邮箱 a@example.invalid"
    spans = find_pii(text)
    assert [kind for kind, _, _ in spans] == ["PHONE", "EMAIL"]
    assert [text[start:end] for _, start, end in spans] == ["１３９１２３４５６７８", "a@example.invalid"]
    assert find_pii(text, kinds=["EMAIL"]) == [spans[1]]


def test_redact_series_types_counts_and_missing_values():
    texts = pd.Series(["电话13912345678 和 13912345679", None, "无",
                       "邮箱 a.b@example.invalid 电话13912345678"], index=[5, 6, 7, 8])
    redacted, types, counts = redact_series(texts)
    assert redacted.dtype == STRING and types.dtype == STRING_LIST
    assert list(redacted.index) == [5, 6, 7, 8]
    assert redacted.tolist()[0] == "电话<PHONE> 和 <PHONE>"
    assert pd.isna(redacted.iloc[1])
    assert redacted.tolist()[2:] == ["无", "邮箱 <EMAIL> 电话<PHONE>"]
    assert types.tolist() == [["PHONE"], [], [], ["EMAIL", "PHONE"]]
    assert counts == {"PHONE": 3, "EMAIL": 1}


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([
    "电话13912345678", f"证{FAKE_ID}", f"单{wrong_check(FAKE_ID)}", "QQ 123456", "vx abcdef", "陕A12345",
    "a@example.invalid", f"卡{FAKE_CARD_16}", "一码通崩了", "，", " ", "1234567",
]), max_size=6).map("".join))
def test_series_redaction_equals_per_text_redaction(text):
    redacted, types, counts = redact_series(pd.Series([text]))
    expected, kinds = redact_text(text)
    assert redacted.iloc[0] == expected
    assert types.iloc[0] == sorted(set(kinds))
    assert sum(counts.values()) == len(kinds)
    assert set(counts) <= set(PLACEHOLDERS)


PIECES = [
    "电话13912345678", "１３９１２３４５６７８", f"证{FAKE_ID}", FAKE_ID, f"单{wrong_check(FAKE_ID)}",
    "订单号", "QQ 123456", "ＱＱ：１２３４５６", "vx abcdef", "陕A12345", "a@example.invalid",
    "a％b@example.invalid", f"卡{FAKE_CARD_16}", FAKE_CARD_19, "一码通崩了", "，", " ", "1234567",
    "\x00", "８", "x", "！", "：", "％", "＃", "／", "（", "）", "　", "@",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=5).map("".join), max_size=8))
def test_column_redaction_equals_redacting_each_text_alone(texts):
    """Texts are searched together (joined by a separator): nothing may leak from one text to the next,
    e.g. a numbering word at the end of one text vetoing an ID number at the start of the next."""
    redacted, types, counts = redact_series(pd.Series(texts, dtype=STRING))
    expected = [redact_text(text) for text in texts]
    assert redacted.tolist() == [text for text, _ in expected]
    assert types.tolist() == [sorted(set(kinds)) for _, kinds in expected]
    assert counts == Counter(kind for _, kinds in expected for kind in kinds)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=5).map("".join), max_size=6),
       st.lists(st.lists(st.sampled_from(PIECES), max_size=5).map("".join), max_size=6))
def test_redacting_arrays_together_equals_redacting_each(first, second):
    arrays = [pa.array(first, pa.large_string()), pa.array(second, pa.large_string())]
    together = redact_arrays(*arrays)
    for array, (redacted, found, counts) in zip(arrays, together, strict=True):
        alone = redact_arrow(array)
        assert redacted.equals(alone[0]) and found.equals(alone[1]) and counts == alone[2]


@pytest.mark.parametrize("texts", [
    ["QQ 123456 QQ", "123456 QQ 654321"],  # glued, the first text's QQ word would take the next number
    ["电话13912345678 139", "12345678 电话13912345679"],  # glued, 139 + 1234 5678 would be a phone
    [f"证{FAKE_ID} 订单号", FAKE_ID],  # glued, the numbering word would veto the ID number
])
def test_neighbouring_texts_do_not_complete_each_others_matches(texts):
    redacted = redact_series(pd.Series(texts, dtype=STRING))[0]
    assert redacted.tolist() == [redact(text) for text in texts]


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda pattern: pattern.kind)
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_every_match_passes_the_screens(pattern, data):
    """The screens may only skip texts that cannot match: the coarse SCREEN and the pattern's own
    screen are implied by the pattern (checked on strings the pattern's core matches)."""
    text = data.draw(st.from_regex(pattern.core, fullmatch=True))
    assert re.search(SCREEN, text)
    assert re.search(pattern.screen, text)
    if pattern.starts:  # the lookahead that speeds up the search may not skip a match
        flags = "(?i)" if pattern.core.startswith("(?i)") else ""
        assert re.match(flags + pattern.starts, text)


# ---------------------------------------------------------------- pseudonyms


def test_pseudonyms_are_keyed_stable_and_not_the_value():
    key = b"test-key-not-secret"
    first = pseudonym("测试用户甲", key)
    assert first == pseudonym("测试用户甲", key)  # stable
    assert first != pseudonym("测试用户甲", b"another-test-key")  # keyed
    assert first != pseudonym("测试用户乙", key)
    assert first.startswith("u_") and len(first) == 18 and int(first[2:], 16) >= 0
    assert "测试" not in first
    assert pseudonym("测试用户甲", key, prefix="n_").startswith("n_")


def test_pseudonyms_are_not_a_plain_hash_of_the_value():
    import hashlib

    value = "1234567890"
    plain = {hashlib.sha256(value.encode()).hexdigest()[:16], hashlib.md5(value.encode()).hexdigest()[:16]}
    assert pseudonym(value, b"k")[2:] not in plain


def test_pseudonymize_column_keeps_missing_and_equal_values_equal():
    out = pseudonymize(pd.Series(["甲", "乙", "甲", None], index=[3, 4, 5, 6], name="author_id"), b"k")
    assert out.dtype == STRING and out.name == "author_id" and list(out.index) == [3, 4, 5, 6]
    assert out.iloc[0] == out.iloc[2] == pseudonym("甲", b"k")
    assert out.iloc[1] != out.iloc[0]
    assert pd.isna(out.iloc[3])


def test_key_from_environment_variable(monkeypatch, tmp_path):
    monkeypatch.setenv(KEY_ENV, "key-from-env")
    assert pseudonym_key(tmp_path) == b"key-from-env"
    assert not (tmp_path / KEY_FILE).exists()


def test_key_file_is_created_once_private_and_reused(monkeypatch, tmp_path):
    monkeypatch.delenv(KEY_ENV, raising=False)
    key = pseudonym_key(tmp_path)
    path = tmp_path / KEY_FILE
    assert path.exists() and len(key) >= 32
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert pseudonym_key(tmp_path) == key
    assert pseudonym_key(tmp_path / "elsewhere") != key  # a new project gets its own key
