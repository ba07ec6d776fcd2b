"""Clearly fake personal data for synthetic help requests, and decoys that look similar but are not PII.

Every generator takes a ``numpy.random.Generator`` and returns a string. Values are well formed (valid
身份证 checksums, Luhn-valid bank cards, plausible mobile prefixes) so that a redactor must treat them
as real, but they are random: the mobile numbers use a ``0xxx`` middle block and the names around them
are invented.
"""

from __future__ import annotations

import numpy as np

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
XIAN_COUNTIES = (
    "610102",
    "610103",
    "610104",
    "610111",
    "610112",
    "610113",
    "610114",
    "610115",
    "610116",
    "610117",
    "610118",
    "610122",
    "610124",
)
MOBILE_PREFIXES = (
    "135",
    "136",
    "138",
    "139",
    "150",
    "151",
    "152",
    "157",
    "158",
    "159",
    "177",
    "180",
    "181",
    "186",
    "187",
    "188",
    "189",
    "199",
)
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
EMAIL_DOMAINS = ("qq.com", "163.com", "126.com", "example.com", "foxmail.com")
HANDLE_CHARS = "abcdefghijkmnpqrstuvwxyz"

PII_TYPES = ("phone", "landline", "id_card", "email", "qq", "wechat", "plate", "bank_card")


def _digits(rng: np.random.Generator, k: int) -> str:
    return "".join(str(d) for d in rng.integers(0, 10, k))


def id_check_char(first17: str) -> str:
    """The 18th character of a 身份证 number (ISO 7064 MOD 11-2)."""
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def luhn_valid(number: str) -> bool:
    """True when a digit string passes the Luhn check."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def phone(rng: np.random.Generator) -> str:
    return MOBILE_PREFIXES[rng.integers(len(MOBILE_PREFIXES))] + "0" + _digits(rng, 7)


def landline(rng: np.random.Generator) -> str:
    return f"029-8{_digits(rng, 7)}"


def id_card(rng: np.random.Generator) -> str:
    county = XIAN_COUNTIES[rng.integers(len(XIAN_COUNTIES))]
    year = int(rng.integers(1940, 2016))
    month = int(rng.integers(1, 13))
    day = int(rng.integers(1, 29))
    first17 = f"{county}{year:04d}{month:02d}{day:02d}{_digits(rng, 3)}"
    return first17 + id_check_char(first17)


def bad_id_number(rng: np.random.Generator) -> str:
    """An 18-digit 身份证-shaped number with a wrong checksum that also fails Luhn (a decoy)."""
    while True:
        good = id_card(rng)
        wrong = [c for c in ID_CHECK if c != good[-1] and c != "X"]
        candidate = good[:17] + wrong[rng.integers(len(wrong))]
        if not luhn_valid(candidate):
            return candidate


def email(rng: np.random.Generator) -> str:
    domain = EMAIL_DOMAINS[rng.integers(len(EMAIL_DOMAINS))]
    if domain in ("qq.com", "foxmail.com") and rng.random() < 0.5:
        return f"{rng.integers(1, 10)}{_digits(rng, 8)}@{domain}"
    handle = "".join(HANDLE_CHARS[i] for i in rng.integers(0, len(HANDLE_CHARS), rng.integers(4, 9)))
    return f"{handle}{_digits(rng, 3)}@{domain}"


def qq(rng: np.random.Generator) -> str:
    return f"{rng.integers(1, 10)}{_digits(rng, int(rng.integers(6, 10)))}"


def wechat(rng: np.random.Generator) -> str:
    handle = "".join(HANDLE_CHARS[i] for i in rng.integers(0, len(HANDLE_CHARS), rng.integers(4, 8)))
    return f"{handle}_{_digits(rng, 4)}"


def plate(rng: np.random.Generator) -> str:
    letter = "AU"[rng.integers(2)]
    tail = "".join(
        PLATE_LETTERS[rng.integers(len(PLATE_LETTERS))] if rng.random() < 0.2 else str(rng.integers(10))
        for _ in range(5)
    )
    sep = "·" if rng.random() < 0.5 else ""
    return f"陕{letter}{sep}{tail}"


def bank_card(rng: np.random.Generator) -> str:
    length = 19 if rng.random() < 0.5 else 16
    body = "62" + _digits(rng, length - 3)
    for check in "0123456789":
        if luhn_valid(body + check):
            return body + check
    raise AssertionError("unreachable: one Luhn digit always fits")


GENERATORS = {
    "phone": phone,
    "landline": landline,
    "id_card": id_card,
    "email": email,
    "qq": qq,
    "wechat": wechat,
    "plate": plate,
    "bank_card": bank_card,
}

# How each type is introduced in a help request: (prefix, suffix) around the value.
LEADS = {
    "phone": (("联系电话：", ""), ("电话", ""), ("手机", "（微信同号）"), ("有消息请打", "")),
    "landline": (("家里座机", ""), ("座机：", "")),
    "id_card": (("身份证号", "（医院登记用）"), ("病人身份证：", "")),
    "email": (("邮箱", ""), ("资料可以发到", "")),
    "qq": (("QQ: ", ""), ("QQ：", "")),
    "wechat": (("微信：", ""), ("vx：", "")),
    "plate": (("车牌", "，可以自己开车去"), ("我们的车是", "")),
    "bank_card": (("银行卡号", "（好心人帮忙买药的钱从这转）"), ("卡号：", "")),
}


def decoy(rng: np.random.Generator) -> str:
    """A number that looks like PII to a careless regex but is not personal data."""
    kind = int(rng.integers(6))
    if kind == 0:
        return f"订单号2022{_digits(rng, 16)}"
    if kind == 1:
        return f"快递单号SF{_digits(rng, 12)}"
    if kind == 2:
        return f"采样管编号{bad_id_number(rng)}"
    if kind == 3:
        month = (12, 1)[rng.integers(2)]
        return f"{month}月{rng.integers(1, 29)}日{rng.integers(6, 23)}点"
    if kind == 4:
        return f"楼里已经有{rng.integers(2, 40)}例阳性"
    return f"排号{rng.integers(100, 999)}号"
