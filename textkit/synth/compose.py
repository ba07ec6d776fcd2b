"""Compose synthetic post texts from the phrase banks: themed posts, help requests and their copies.

All randomness comes from one :class:`Draws` stream (pre-drawn blocks of a seeded
``numpy.random.Generator``), so composing is fast and the same seed gives the same texts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd

from textkit.synth import phrases as P
from textkit.synth import pii

BASE62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
TZ = "Asia/Shanghai"
CST = timezone(timedelta(hours=8))


class Draws:
    """A fast deterministic stream of random integers (blocks drawn from a numpy Generator)."""

    BLOCK = 1 << 18

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self._block: list[int] = []
        self._pos = 0

    def int(self, k: int) -> int:
        """A random integer in [0, k)."""
        if self._pos >= len(self._block):
            self._block = self.rng.integers(0, 1 << 30, self.BLOCK).tolist()
            self._pos = 0
        value = self._block[self._pos]
        self._pos += 1
        return value % k

    def chance(self, p: float) -> bool:
        return self.int(1_000_000) < p * 1_000_000

    def pick(self, seq):
        return seq[self.int(len(seq))]


FIRST_CASE_DAY = datetime(2021, 12, 9, tzinfo=CST)


def _day(when: datetime | None) -> int:
    return 0 if when is None else max(0, (when - FIRST_CASE_DAY).days)


def daily_cases(when: datetime | None) -> int:
    """Invented daily case count on the day of ``when`` (a smooth wave; not the real figures)."""
    day = _day(when)
    return max(1, round(165 * np.exp(-(((day - 19) / 8.0) ** 2))) + (day * 7) % 9)


def total_cases(when: datetime | None) -> int:
    return sum(daily_cases(FIRST_CASE_DAY + timedelta(days=k)) for k in range(_day(when) + 1))


def testing_round(when: datetime | None) -> int:
    """The citywide testing round under way on the day of ``when``."""
    return 1 + max(0, _day(when) - 11) // 4


class _Slots(dict):
    """Fills ``{slot}`` placeholders on demand."""

    def __init__(self, draws: Draws, when: datetime | None):
        super().__init__()
        self.d = draws
        self.when = when

    def __missing__(self, key: str) -> str:
        d = self.d
        makers = {
            "n": lambda: str(2 + d.int(9)),
            "h": lambda: str(5 + d.int(5)),
            "mm": lambda: f"{5 * d.int(12):02d}",
            "dist": lambda: d.pick(P.DISTRICTS),
            "place": lambda: d.pick(P.PLACES),
            "app": lambda: d.pick(P.APPS),
            "who": lambda: d.pick(P.RELATIVES),
            "wife": lambda: d.pick(("我老婆", "我姐", "我女儿", "我嫂子", "我")),
            "elder": lambda: d.pick(("我奶奶", "我爷爷", "我外婆", "我外公", "我妈", "我爸", "邻居老人")),
            "child": lambda: d.pick(("我家孩子", "我儿子", "我女儿", "宝宝")),
            "med": lambda: d.pick(P.MEDICINES),
            "temp": lambda: f"{38 + d.int(3)}.{d.int(10)}",
            "food": lambda: d.pick(P.FOODS),
            "price": lambda: str(8 + d.int(30)),
            "shop": lambda: d.pick(P.APPS_SHOP),
            "site": lambda: d.pick(P.SITES).replace("{dist}", d.pick(P.DISTRICTS)),
            "compound": lambda: d.pick(P.COMPOUNDS),
            "weeks": lambda: str(20 + d.int(19)),
            "age": lambda: str(60 + d.int(30)),
            "months": lambda: str(2 + d.int(14)),
            "cases": lambda: str(daily_cases(self.when)),
            "total": lambda: str(total_cases(self.when)),
            "round": lambda: str(testing_round(self.when)),
            "date": lambda: f"{self.when.month}月{self.when.day}日" if self.when is not None else "昨日",
        }
        value = makers[key]()
        self[key] = value
        return value


_ALTERNATION = re.compile(r"<([^<>]+)>")


def fill(template: str, draws: Draws, when: datetime | None = None) -> str:
    """Pick one of each ``<a|b>`` alternation, then fill the ``{slot}`` placeholders."""
    if "<" in template:
        template = _ALTERNATION.sub(lambda m: draws.pick(m.group(1).split("|")), template)
    return template.format_map(_Slots(draws, when))


def tco_link(draws: Draws) -> str:
    return "http://t.cn/A6" + "".join(BASE62[draws.int(62)] for _ in range(6))


@dataclass
class Composed:
    """A composed text and what the generator knows about it."""

    text: str
    sentiment: int
    pii: list[tuple[str, str]] = field(default_factory=list)  # (type, value) in order of appearance
    decoys: list[str] = field(default_factory=list)


def _epoch(when: str | None, default: float) -> float:
    return default if when is None else pd.Timestamp(when, tz=TZ).timestamp()


def _windows(bank) -> list[tuple[str, float, float]]:
    return [(text, _epoch(start, -np.inf), _epoch(end, np.inf)) for text, start, end in bank]


_TIMED = {"news": _windows(P.NEWS), "official": _windows(P.OFFICIAL)}


def _timed(theme: str, epoch: int) -> list[str]:
    """The templates of ``theme`` that fit the time ``epoch`` (unix seconds)."""
    return [text for text, start, end in _TIMED[theme] if start <= epoch < end]


class Composer:
    """Writes themed posts, comments and help requests."""

    def __init__(self, draws: Draws):
        self.d = draws

    def _decorate(self, theme: str, body: str, *, short: bool) -> str:
        d = self.d
        tags = P.HASHTAGS[theme]
        if not short and d.chance(0.35):
            body = d.pick(tags) + body
        elif not short and d.chance(0.2):
            body = body + d.pick(tags)
        if d.chance(0.3):
            emotes = P.NEGATIVE_EMOTES if theme in P.COMPLAINT_THEMES else P.EMOTES
            body = body + d.pick(emotes) * (1 + d.int(2))
        if not short and d.chance(0.06):
            body = body + " " + (tco_link(d) if d.chance(0.6) else "网页链接")
        if not short and d.chance(0.03):
            body = body + "...展开全文c"
        return body

    def post(self, theme: str, epoch: int, *, short: bool = False) -> Composed:
        """A post (or, with ``short``, a comment) of ``theme`` written at ``epoch`` (unix seconds)."""
        d = self.d
        when = datetime.fromtimestamp(epoch, CST)
        if theme == "news":
            template = d.pick(_timed("news", epoch))
            body = fill(template, d, when)
            if d.chance(0.5):
                body += " " + (tco_link(d) if d.chance(0.5) else "网页链接")
            return Composed(self._decorate(theme, body, short=True), 0)
        if theme == "official":
            template = d.pick(_timed("official", epoch))
            body = d.pick(P.OPENERS["official"]) + fill(template, d, when)
            return Composed(body + d.pick(P.CLOSERS["official"]), 0)
        bank = P.CLAUSES[theme]
        k = 1 + d.int(2) if short else 2 + d.int(2)
        first = d.int(len(bank))
        chosen = [first] + [(first + 1 + d.int(len(bank) - 1)) % len(bank) for _ in range(k - 1)]
        seps = ("，", "。", "！", " ", "，", "；")
        parts = [fill(bank[i], d) for i in dict.fromkeys(chosen)]
        if d.chance(0.35 if short else 0.65):
            parts[0] = fill(d.pick(P.DETAILS), d) + "，" + parts[0]
        body = parts[0]
        for part in parts[1:]:
            body += d.pick(seps) + part
        opener = fill(d.pick(P.OPENERS[theme]), d)
        closer = d.pick(P.CLOSERS[theme])
        body = (
            opener + body + (d.pick(("，", "。", "！", "…")) + closer if closer else d.pick(("", "。", "！")))
        )
        sentiment = -1 if theme in P.COMPLAINT_THEMES else (1 if theme == "support" else 0)
        return Composed(self._decorate(theme, body, short=short), sentiment)

    def help_recipe(self, theme: str) -> dict:
        """The parts of a help request (求助) about ``theme`` (medical, supplies or lockdown)."""
        d = self.d
        contacts = []
        if d.chance(0.75):
            n_types = 1 + (d.int(3) == 0) + (d.int(6) == 0)
            weights = (
                ("phone", 40),
                ("id_card", 18),
                ("landline", 8),
                ("wechat", 9),
                ("qq", 7),
                ("email", 6),
                ("plate", 6),
                ("bank_card", 6),
            )
            pool = [name for name, w in weights for _ in range(w)]
            types = list(dict.fromkeys(d.pick(pool) for _ in range(n_types)))
            for kind in types:
                lead, tail = d.pick(pii.LEADS[kind])
                contacts.append((kind, lead, pii.GENERATORS[kind](d.rng), tail))
        return {
            "theme": theme,
            "intro": d.pick(P.HELP_INTROS),
            "address": f"{d.pick(P.DISTRICTS)}{d.pick(P.ROADS)}{d.pick(P.COMPOUNDS)}{1 + d.int(30)}号楼"
            f"{1 + d.int(6)}单元",
            "condition": fill(d.pick(P.HELP_CONDITIONS[theme]), d),
            "attempt": fill(d.pick(P.HELP_ATTEMPTS), d),
            "decoy": pii.decoy(d.rng) if d.chance(0.35) else "",
            "contacts": contacts,
            "extra": "",
            "plea": d.pick(P.HELP_PLEAS),
            "newline": d.chance(0.3),
            "ascii_punct": False,
        }

    def render_help(self, recipe: dict) -> Composed:
        sep = "\n" if recipe["newline"] else ""
        pieces = [
            recipe["intro"],
            recipe["address"],
            "，",
            recipe["condition"],
            "。",
            sep,
            recipe["attempt"],
            "。",
        ]
        if recipe["decoy"]:
            pieces += [recipe["decoy"], "。"]
        pieces.append(sep)
        found = []
        if recipe["contacts"]:
            for i, (kind, lead, value, tail) in enumerate(recipe["contacts"]):
                pieces += [("，" if i else ""), lead, value, tail]
                found.append((kind, value))
            pieces.append("。")
        else:
            pieces.append("有线索请私信我。")
        if recipe["extra"]:
            pieces.append(recipe["extra"])
        pieces.append(recipe["plea"])
        text = "".join(pieces)
        if recipe["ascii_punct"]:
            text = text.replace("，", ",").replace("！", "!")
        return Composed(text, -1, found, [recipe["decoy"]] if recipe["decoy"] else [])

    def help_variant(self, recipe: dict) -> dict:
        """A copy-pasted variant: one or two small edits (a number, an added sentence, punctuation, intro)."""
        d = self.d
        out = replace_recipe(recipe)
        edits = list(dict.fromkeys(d.int(4) for _ in range(1 + d.int(2))))
        for edit in edits:
            if edit == 0:
                out["condition"] = (
                    re.sub(r"\d+", lambda m: str(int(m.group()) + 1), out["condition"], count=1)
                    if re.search(r"\d", out["condition"])
                    else out["condition"] + "，情况很急"
                )
            elif edit == 1:
                out["extra"] = fill(d.pick(P.HELP_EXTRA), d)
            elif edit == 2:
                out["ascii_punct"] = not out["ascii_punct"]
            else:
                out["intro"] = d.pick([i for i in P.HELP_INTROS if i != out["intro"]])
        return out

    def repost_comment(self, theme: str, chain: list[tuple[str, str]]) -> str:
        """A short repost comment with an optional ``//@用户:`` chain of earlier reposters."""
        d = self.d
        bank = P.REPOST_COMMENTS_OUTAGE if theme == "outage" and d.chance(0.4) else P.REPOST_COMMENTS
        own = d.pick(bank)
        tail = "".join(f"//@{name}:{text}" for name, text in chain)
        if not own and not tail:
            return "转发微博"
        return own + tail


def replace_recipe(recipe: dict) -> dict:
    out = dict(recipe)
    out["contacts"] = list(recipe["contacts"])
    return out
