"""Text cleaning for Chinese social-media posts: small str→str functions chained into a pipeline.

Every cleaning rule is a :class:`Rule`: call it on one string (``rule(text)``) or run it over a whole
column at once (``rule.apply(series)``, vectorised with pyarrow's RE2 kernels). :func:`make_pipeline`
chains rules and plain ``str -> str`` functions; :data:`DEFAULT_PIPELINE` is what ``prepare`` uses:

1. HTML: ``<br />`` → space, ``<a …>text</a>`` → text, other tags dropped, entities (``&amp;``) decoded;
2. zero-width and other invisible characters removed, no-break spaces → space;
3. full-width ASCII forms (``ＡＢＣ１２３，！``) → half-width, ideographic space → space;
4. traditional → simplified characters (OpenCC ``t2s``), only on texts that contain a traditional one;
5. links: ``http(s)://…``, bare ``t.cn/…``, Weibo's ``网页链接`` / ``O网页链接`` link labels,
   ``L某某的微博视频`` video cards;
6. ``展开全文`` / ``收起全文`` / ``...全文`` truncation markers;
7. whitespace runs → one space, trimmed.

Extractors read structure out of the cleaned text: :func:`split_repost_chain` (``//@用户:`` chains →
own words, chain depth, quoted text), :func:`extract_topics`, :func:`extract_mentions` and
:func:`extract_emotions` (``[表情]`` codes, which stay in the text as emotion tokens).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from textkit.schema import STRING

# ---------------------------------------------------------------- rules


@dataclass(frozen=True)
class Rule:
    """One regex substitution, usable on a single string or vectorised over a column.

    ``pattern`` must be valid both for Python's :mod:`re` and for RE2 (pyarrow): no look-arounds,
    no back-references, explicit character classes instead of ``\\d``/``\\s``.
    """

    name: str
    pattern: str
    replacement: str = ""
    doc: str = ""

    @property
    def regex(self) -> re.Pattern:
        return _compiled(self.pattern)

    def __call__(self, text: str) -> str:
        return self.regex.sub(self.replacement, text)

    def apply_arrow(self, array: pa.ChunkedArray) -> pa.ChunkedArray:
        return pc.replace_substring_regex(array, self.pattern, self.replacement)


@cache
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern)


WS = "[ \\t\\n\\r\\f\\v\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"

remove_html_breaks = Rule("html_breaks", r"(?i)<br[ ]*/?>", " ", "`<br />` line breaks → space")
unwrap_html_links = Rule("html_links", r"(?is)<a[^>]*>(.*?)</a>", r"\1", "`<a href=…>text</a>` → text")
remove_html_tags = Rule(
    "html_tags", r"</?[A-Za-z][A-Za-z0-9]*(?:[ ][^<>]*)?/?>", "", "other HTML tags dropped"
)
remove_zero_width = Rule(
    "zero_width", "[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad]", "",
    "zero-width and direction-control characters removed",
)
remove_urls = Rule(
    "urls",
    r"(?:https?://|www\.)[!-~]+|t\.cn/[A-Za-z0-9]+",
    " ",
    "links: http(s)://…, www.…, bare t.cn/…",
)
remove_link_labels = Rule("link_labels", r"O?网页链接", " ", "Weibo link labels `网页链接`, `O网页链接`")
remove_video_cards = Rule(
    "video_cards", r"L[^ \t\n，。！？、]{1,30}?的(?:微博|秒拍|快手|抖音)?视频", " ",
    "Weibo video cards `L某某的微博视频`",
)
remove_fold_markers = Rule(
    "fold_markers", r"(?:\.{2,}|…+)?(?:展开全文|收起全文)[cd]?|(?:\.{3}|…+)全文", " ",
    "truncation markers `展开全文`, `收起全文`, `...全文`",
)
normalize_whitespace_runs = Rule("whitespace", WS + "+", " ", "whitespace runs → one space")


def decode_html_entities(text: str) -> str:
    """``&amp;`` → ``&``, ``&nbsp;`` → space, numeric entities decoded."""
    return html.unescape(text).replace("\u00a0", " ") if "&" in text else text


_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def fullwidth_to_halfwidth(text: str) -> str:
    """Full-width ASCII forms (U+FF01–FF5E: letters, digits, ``，！？：；（）``) and U+3000 → ASCII."""
    return text.translate(_FULLWIDTH)


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _traditional_chars() -> str:
    """Every CJK character OpenCC t2s changes on its own (the screen for texts that need converting)."""
    converter = _t2s()
    chars = "".join(chr(cp) for cp in range(0x3400, 0xA000))
    converted = converter.convert(chars)
    if len(converted) != len(chars):  # one-to-many conversions: fall back to per-character
        return "".join(c for c in chars if converter.convert(c) != c)
    return "".join(a for a, b in zip(chars, converted, strict=True) if a != b)


@lru_cache(maxsize=1)
def _traditional_pattern() -> str:
    return "[" + "".join(_ranges(_traditional_chars())) + "]"


def _ranges(chars: str) -> list[str]:
    codes = sorted(map(ord, chars))
    out, start, prev = [], codes[0], codes[0]
    for code in [*codes[1:], None]:
        if code is not None and code == prev + 1:
            prev = code
            continue
        out.append(chr(start) if start == prev else f"{chr(start)}-{chr(prev)}")
        if code is not None:
            start = prev = code
    return out


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese with OpenCC ``t2s`` (other texts unchanged)."""
    if not _compiled(_traditional_pattern()).search(text):
        return text
    return _t2s().convert(text)


def normalize_whitespace(text: str) -> str:
    """Whitespace runs (incl. ideographic and no-break spaces) → one space; trimmed."""
    return normalize_whitespace_runs(text).strip()


# ---------------------------------------------------------------- pipelines

Step = Callable[[str], str]

DEFAULT_STEPS: tuple[Step, ...] = (
    remove_html_breaks,
    unwrap_html_links,
    remove_html_tags,
    decode_html_entities,
    remove_zero_width,
    fullwidth_to_halfwidth,
    to_simplified,
    remove_urls,
    remove_link_labels,
    remove_video_cards,
    remove_fold_markers,
    normalize_whitespace,
)

# Screens: a non-Rule step only runs on texts that match its screen (the others cannot change).
_SCREENS: dict[Step, Callable[[], str]] = {
    decode_html_entities: lambda: "&",
    fullwidth_to_halfwidth: lambda: "[\uff01-\uff5e\u3000]",
    to_simplified: _traditional_pattern,
}


class Pipeline:
    """Cleaning steps applied in order; call on one string or use :meth:`apply` on a column."""

    def __init__(self, *steps: Step):
        self.steps = tuple(steps)

    def __call__(self, text: str) -> str:
        for step in self.steps:
            text = step(text)
        return text

    def __repr__(self) -> str:
        names = [getattr(s, "name", getattr(s, "__name__", repr(s))) for s in self.steps]
        return f"Pipeline({', '.join(names)})"

    def apply(self, texts: pd.Series) -> pd.Series:
        """Clean a column of texts (missing → empty string); vectorised where a step allows it."""
        array = _to_arrow(texts)
        for step in self.steps:
            array = _apply_step(step, array)
        return pd.Series(pd.array(array, dtype=STRING), index=texts.index, name=texts.name)


def make_pipeline(*steps: Step) -> Pipeline:
    """Chain ``str -> str`` cleaning functions (or :class:`Rule` objects) into one :class:`Pipeline`."""
    return Pipeline(*steps)


DEFAULT_PIPELINE = make_pipeline(*DEFAULT_STEPS)


def clean_text(text: str) -> str:
    """Clean one text with the default pipeline."""
    return DEFAULT_PIPELINE(text)


def clean_series(texts: pd.Series, pipeline: Pipeline | None = None) -> pd.Series:
    """Clean a column of texts with ``pipeline`` (default: :data:`DEFAULT_PIPELINE`)."""
    return (pipeline or DEFAULT_PIPELINE).apply(texts)


def _to_arrow(texts: pd.Series) -> pa.ChunkedArray:
    array = pa.chunked_array([pa.array(texts.astype(STRING).array, type=pa.large_string())])
    return pc.fill_null(array, "")


def _apply_step(step: Step, array: pa.ChunkedArray) -> pa.ChunkedArray:
    if isinstance(step, Rule):
        return step.apply_arrow(array)
    if step is normalize_whitespace:
        return pc.utf8_trim_whitespace(normalize_whitespace_runs.apply_arrow(array))
    screen = _SCREENS.get(step)
    values = array.to_pylist()
    if screen is None:
        return pa.chunked_array([pa.array([step(v) for v in values], type=pa.large_string())])
    hits = pc.match_substring_regex(array, screen()).to_numpy(zero_copy_only=False)
    if not hits.any():
        return array
    for i in hits.nonzero()[0]:
        values[i] = step(values[i])
    return pa.chunked_array([pa.array(values, type=pa.large_string())])


# ---------------------------------------------------------------- extractors

CHAIN_SPLIT = "//@"
CHAIN_LINK = r"//@([^:：/]{1,30})[:：]"
TOPIC = r"#([^#\n]{1,60}?)#"
MENTION = r"@([\w\-]{1,30})"  # Python only (\w covers CJK); screen columns with "@"
EMOTION_NAME = "[\u4e00-\u9fffA-Za-z0-9]{1,8}"  # real characters, not \u escapes: RE2 reads it too
EMOTION = r"\[(" + EMOTION_NAME + r")\]"


def split_repost_chain(text: str) -> tuple[str, int, str]:
    """``'好//@甲:对//@乙:原话'`` → (own words ``'好'``, chain depth 2, quoted text ``'对 // 原话'``)."""
    own, sep, rest = text.partition(CHAIN_SPLIT)
    if not sep:
        return text.strip(), 0, ""
    chain = CHAIN_SPLIT + rest
    depth = len(_compiled(CHAIN_LINK).findall(chain))
    parts = [p.strip() for p in _compiled(CHAIN_LINK).split(chain)[2::2]]
    return own.strip(), depth, " // ".join(p for p in parts if p)


def repost_chains(texts: pd.Series) -> pd.DataFrame:
    """Vectorised :func:`split_repost_chain` over cleaned texts: ``own_text, chain_depth, quoted_text``."""
    array = _to_arrow(texts)
    has_chain = pc.match_substring(array, CHAIN_SPLIT)
    own = pc.utf8_trim_whitespace(pc.replace_substring_regex(array, "(?s)//@.*$", ""))
    depth = pc.count_substring_regex(array, CHAIN_LINK)
    chain = pc.replace_substring_regex(array, "(?s)^.*?//@", "//@", max_replacements=1)
    chain = pc.if_else(has_chain, chain, "")
    quoted = pc.replace_substring_regex(chain, "^" + CHAIN_LINK, "")
    quoted = pc.replace_substring_regex(quoted, "[ ]*" + CHAIN_LINK + "[ ]*", " // ")
    quoted = pc.replace_substring_regex(pc.utf8_trim_whitespace(quoted), "^(?: // )+|(?: // )+$", "")
    index = texts.index
    return pd.DataFrame({
        "own_text": pd.Series(pd.array(own, dtype=STRING), index=index),
        "chain_depth": pd.Series(depth.to_numpy(zero_copy_only=False), index=index).astype("Int64"),
        "quoted_text": pd.Series(pd.array(quoted, dtype=STRING), index=index),
    })


def extract_topics(text: str) -> list[str]:
    """``#话题#`` topics in order of appearance, without the # marks, duplicates dropped."""
    return list(dict.fromkeys(t.strip() for t in _compiled(TOPIC).findall(text) if t.strip()))


def extract_mentions(text: str) -> list[str]:
    """``@用户`` mentions (incl. those of a repost chain) without the @, duplicates dropped."""
    return list(dict.fromkeys(_compiled(MENTION).findall(text)))


def extract_emotions(text: str) -> list[str]:
    """``[表情]`` emoticon names in order of appearance (repeats kept: ``[泪][泪]`` counts twice)."""
    return _compiled(EMOTION).findall(text)


def extract_lists(texts: pd.Series, extractor: Callable[[str], list[str]], screen: str) -> pd.Series:
    """Apply a list extractor to a column; texts not matching the ``screen`` regex get an empty list."""
    from textkit.schema import STRING_LIST

    array = _to_arrow(texts)
    hits = pc.match_substring_regex(array, screen).to_numpy(zero_copy_only=False)
    values = array.to_pylist()
    out: list[list[str]] = [[] for _ in values]
    for i in hits.nonzero()[0]:
        out[i] = extractor(values[i])
    return pd.Series(pd.array(out, dtype=STRING_LIST), index=texts.index)
