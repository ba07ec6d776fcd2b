"""Text cleaning for Chinese social-media posts: small str→str functions chained into a pipeline.

Every cleaning rule is a :class:`Rule`: call it on one string (``rule(text)``) or run it over a whole
column at once (``rule.apply(series)``, vectorised with pyarrow's RE2 kernels). :func:`make_pipeline`
chains rules and plain ``str -> str`` functions; :data:`DEFAULT_PIPELINE` is what ``prepare`` uses:

1. HTML: ``<br />`` → space, ``<a …>text</a>`` → text, other tags dropped, entities (``&amp;``) decoded;
2. zero-width and other invisible characters removed, no-break spaces → space;
3. full-width ASCII forms (``ＡＢＣ１２３，！``) → half-width, ideographic space → space;
4. traditional → simplified characters (OpenCC ``t2s``), only on texts that contain a traditional one;
5. links: ``http(s)://…`` (ending before ``[``, ``#``, a space or a ``//@`` link, which gets a space
   before it), bare ``t.cn/…``, Weibo's ``网页链接`` / ``O网页链接`` link labels, ``L某某的微博视频``
   video cards;
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

import numpy as np
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
    screen: str = ""  # RE2 regex matching every text the rule changes (default: ``pattern``)

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
separate_repost_links = Rule(
    "repost_links", "//@", " //@", "a space before each `//@` link, so that a link before it cannot eat it",
)
remove_urls = Rule(
    "urls",
    r'(?:https?://|www\.)[!"$-Z\\-~]+|t\.cn/[A-Za-z0-9]+',
    " ",
    "links: http(s)://…, www.…, bare t.cn/… (a link ends before `[表情]`, `#话题#` or a space)",
)
remove_link_labels = Rule("link_labels", r"O?网页链接", " ", "Weibo link labels `网页链接`, `O网页链接`")
remove_video_cards = Rule(
    "video_cards", r"(^|[^A-Za-z0-9])L[一-鿿A-Za-z0-9_·\-]{1,30}?的(?:微博|秒拍)视频", r"\1 ",
    "Weibo video cards `L某某的微博视频` (an L after a letter or digit, as in APPLE or VLOG, is not one)",
)
remove_fold_markers = Rule(
    "fold_markers", r"(?:\.{2,}|…+)?(?:展开全文|收起全文)[cd]?|(?:\.{3}|…+)全文", " ",
    "truncation markers `展开全文`, `收起全文`, `...全文`",
)
_WS_NOT_SPACE = "[\\t\\n\\r\\f\\v\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
normalize_whitespace_runs = Rule(
    "whitespace", WS + "+", " ", "whitespace runs → one space",
    screen=f"{WS}{WS}|{_WS_NOT_SPACE}",  # a text whose runs are all one plain space stays as it is
)


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


def preload() -> None:
    """Build the lazily made tables (traditional-character screen, OpenCC) now, e.g. before forking."""
    _traditional_pattern()
    _t2s()


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
    separate_repost_links,
    remove_urls,
    remove_link_labels,
    remove_video_cards,
    remove_fold_markers,
    normalize_whitespace,
)

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
        array = self.apply_arrow(_to_arrow(texts))
        return pd.Series(pd.array(array, dtype=STRING), index=texts.index, name=texts.name)

    def apply_arrow(self, array: pa.Array | pa.ChunkedArray) -> pa.Array:
        """Clean a pyarrow string array without nulls; returns a ``large_string`` array.

        Steps with a screen (a regex matching every text the step can change: a :class:`Rule`'s
        pattern, ``&`` for entities, the traditional characters for OpenCC …) run in runs of
        consecutive such steps: one vectorised pass picks the texts that match any screen of the run,
        and only those go through its steps. A text that matches none is left alone by the first
        step, hence by the next, and so on. Other steps (full-width forms, trimming, plain functions)
        run on every text.
        """
        array = text_array(array)
        screened: list[Step] = []
        for step in self.steps:
            for part in _vectorised_parts(step):
                if _screen(part) is not None:
                    screened.append(part)
                    continue
                array = _apply_screened(screened, array)
                screened = []
                array = _apply_everywhere(part, array)
        return _apply_screened(screened, array)


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


def _to_arrow(texts: pd.Series) -> pa.Array:
    return text_array(pa.array(texts.astype(STRING).array, type=pa.large_string()))


def text_array(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One pyarrow ``large_string`` array, nulls as empty strings."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
    if array.type != pa.large_string():
        array = array.cast(pa.large_string())
    return pc.fill_null(array, "") if array.null_count else array


def _trim(text: str) -> str:
    """Leading and trailing whitespace removed (the vectorised half of :func:`normalize_whitespace`)."""
    return text.strip()


def _vectorised_parts(step: Step) -> tuple[Step, ...]:
    """``step`` as the vectorised pipeline runs it: whitespace runs (screened), then trimming (not)."""
    return (normalize_whitespace_runs, _trim) if step is normalize_whitespace else (step,)


def _screen(step: Step) -> str | None:
    """RE2 regex matching every text ``step`` can change, or None when it runs on every text."""
    if isinstance(step, Rule):
        return step.screen or step.pattern
    if step is decode_html_entities:
        return "&"
    if step is to_simplified:
        return _traditional_pattern()
    return None


def _apply_screened(steps: list[Step], array: pa.Array) -> pa.Array:
    """Screened steps in order, only on the texts that match one of their screens."""
    if not steps:
        return array
    hits = pc.match_substring_regex(array, "|".join(f"(?:{_screen(step)})" for step in steps))
    if not pc.any(hits).as_py():
        return array
    subset = pc.filter(array, hits)
    steps = list(steps)
    while steps:
        rules = []
        while steps and isinstance(steps[0], Rule):
            rules.append(steps.pop(0))
        subset = _apply_rules(rules, subset) if rules else _apply_function(steps.pop(0), subset)
    return replace_where(array, hits, subset)


def _apply_rules(rules: list[Rule], array: pa.Array) -> pa.Array:
    hits = pc.match_substring_regex(array, "|".join(f"(?:{rule.screen or rule.pattern})" for rule in rules))
    if not pc.any(hits).as_py():
        return array
    subset = pc.filter(array, hits)
    for rule in rules:
        subset = rule.apply_arrow(subset)
    return replace_where(array, hits, subset)


def replace_where(array: pa.Array, mask: pa.Array, values: pa.Array | list[str]) -> pa.Array:
    """``array`` with the masked positions replaced, in order, by ``values``."""
    return pc.replace_with_mask(array, mask, pa.array(values, type=pa.large_string()))


def _apply_function(step: Step, array: pa.Array) -> pa.Array:
    """A screened non-:class:`Rule` step, on the texts that match its screen."""
    hits = pc.match_substring_regex(array, _screen(step))
    if not pc.any(hits).as_py():
        return array
    subset = pc.filter(array, hits).to_pylist()
    if step is to_simplified:
        return replace_where(array, hits, _t2s_many(subset))
    return replace_where(array, hits, [step(v) for v in subset])


def _apply_everywhere(step: Step, array: pa.Array) -> pa.Array:
    if step is _trim:
        return pc.utf8_trim_whitespace(array)
    if step is fullwidth_to_halfwidth:
        return fullwidth_to_halfwidth_arrow(array)
    return pa.array([step(v) for v in array.to_pylist()], type=pa.large_string())


_BATCH_SEPARATOR = "\x1e"  # ASCII record separator: OpenCC leaves it alone


def _t2s_many(texts: list[str]) -> list[str]:
    """OpenCC t2s over many texts in one call (per-call overhead dominates short texts)."""
    if any(_BATCH_SEPARATOR in t for t in texts):
        return [_t2s().convert(t) for t in texts]
    converted = _t2s().convert(_BATCH_SEPARATOR.join(texts)).split(_BATCH_SEPARATOR)
    if len(converted) != len(texts):
        return [_t2s().convert(t) for t in texts]
    return converted


def fullwidth_to_halfwidth_arrow(array: pa.Array) -> pa.Array:
    """:func:`fullwidth_to_halfwidth` over a ``large_string`` array without nulls, on the UTF-8 bytes.

    U+FF01–FF5E are ``EF BC 81``–``EF BD 9E`` in UTF-8 and U+3000 is ``E3 80 80``: each becomes one
    ASCII byte, the two continuation bytes are dropped and the offsets shifted accordingly.
    """
    array = text_array(array)
    if len(array) == 0:
        return array
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset:array.offset + len(array) + 1]
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]]
    offsets = offsets - offsets[0]
    body = data[:-2]  # a 3-byte character starts at most 3 bytes before the end
    ef = np.flatnonzero(body == 0xEF)
    e3 = np.flatnonzero(body == 0xE3)
    second, third = data[ef + 1], data[ef + 2]
    low = (second == 0xBC) & (third >= 0x81)  # U+FF01–FF3F
    high = (second == 0xBD) & (third <= 0x9E)  # U+FF40–FF5E
    space = e3[(data[e3 + 1] == 0x80) & (data[e3 + 2] == 0x80)]  # U+3000
    if not (low.any() or high.any() or len(space)):
        return array
    data = data.copy()
    data[ef[low]] = third[low] - 0x60
    data[ef[high]] = third[high] - 0x20
    data[space] = 0x20
    starts = np.sort(np.concatenate((ef[low | high], space)))
    keep = np.ones(len(data), dtype=bool)
    keep[starts + 1] = False
    keep[starts + 2] = False
    # a character never straddles two texts, so 2 bytes go for every start before a text's offset
    new_offsets = offsets - 2 * np.searchsorted(starts, offsets)
    return pa.LargeStringArray.from_buffers(
        len(array), pa.py_buffer(new_offsets.astype(np.int64)), pa.py_buffer(data[keep]))


# ---------------------------------------------------------------- extractors

CHAIN_SPLIT = "//@"
CHAIN_LINK = r"//@([^:：/]{1,30})[:：]"
TOPIC = r"#([^#\n]{1,60}?)#"
MENTION = r"@([\w\-]{1,30})"  # Python only (\w covers CJK); screen columns with "@"
MENTION_SPAN = "@[0-9A-Za-z_\\-一-鿿㐀-䶿]{1,30}"  # the same for Python and RE2 (tokenizers drop it)
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
    own, depth, quoted = repost_chains_arrow(_to_arrow(texts))
    index = texts.index
    return pd.DataFrame({
        "own_text": pd.Series(pd.array(own, dtype=STRING), index=index),
        "chain_depth": pd.Series(depth.to_numpy(zero_copy_only=False), index=index).astype("Int64"),
        "quoted_text": pd.Series(pd.array(quoted, dtype=STRING), index=index),
    })


def repost_chains_arrow(array: pa.Array) -> tuple[pa.Array, pa.Array, pa.Array]:
    """:func:`repost_chains` on a pyarrow string array: (own words, chain depth, quoted text) arrays.

    Only the texts with a ``//@`` go through the regexes; the others are their own words.
    """
    array = text_array(array)
    own = pc.utf8_trim_whitespace(array)
    depth = np.zeros(len(array), dtype=np.int64)
    quoted = empty_strings(len(array))
    has_chain = pc.match_substring_regex(array, CHAIN_SPLIT)  # RE2: faster than match_substring
    if not len(array) or not pc.any(has_chain).as_py():
        return own, pa.array(depth), quoted
    chained = pc.filter(array, has_chain)
    own = replace_where(own, has_chain, pc.utf8_trim_whitespace(
        pc.replace_substring_regex(chained, "(?s)//@.*$", "")))
    depth[np.flatnonzero(has_chain.to_numpy(zero_copy_only=False))] = pc.count_substring_regex(
        chained, CHAIN_LINK).to_numpy()
    chain = pc.replace_substring_regex(chained, "(?s)^.*?//@", "//@", max_replacements=1)
    quote = pc.replace_substring_regex(chain, "^" + CHAIN_LINK, "")
    quote = pc.replace_substring_regex(quote, "[ ]*" + CHAIN_LINK + "[ ]*", " // ")
    quote = pc.replace_substring_regex(pc.utf8_trim_whitespace(quote), "^(?: // )+|(?: // )+$", "")
    return own, pa.array(depth), replace_where(quoted, has_chain, quote)


def empty_strings(length: int) -> pa.Array:
    """A ``large_string`` array of ``length`` empty strings."""
    return pa.LargeStringArray.from_buffers(length, pa.py_buffer(np.zeros(length + 1, dtype=np.int64)),
                                            pa.py_buffer(b""))


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

    found = extract_lists_arrow(_to_arrow(texts), extractor, screen)
    return pd.Series(pd.array(found, dtype=STRING_LIST), index=texts.index)


def extract_lists_arrow(array: pa.Array, extractor: Callable[[str], list[str]], screen: str) -> pa.Array:
    """:func:`extract_lists` on a pyarrow string array: a ``list<string>`` array.

    :func:`extract_emotions` and :func:`extract_topics` run vectorised (:func:`_emotions_arrow`,
    :func:`_topics_arrow`), other extractors on each text that matches the ``screen``.
    """
    array = text_array(array)
    hits = pc.match_substring_regex(array, screen)
    lengths = np.zeros(len(array), dtype=np.int32)
    if not len(array) or not pc.any(hits).as_py():
        return list_array(lengths, [])
    positions = np.flatnonzero(hits.to_numpy(zero_copy_only=False))
    texts = pc.filter(array, hits)
    vectorised = {extract_emotions: _emotions_arrow, extract_topics: _topics_arrow}.get(extractor)
    if vectorised is not None:
        found = vectorised(texts)
        lengths[positions] = pc.list_value_length(found).to_numpy(zero_copy_only=False)
        return list_array(lengths, found.flatten())
    flat: list[str] = []
    for position, value in zip(positions, texts.to_pylist(), strict=True):
        found = extractor(value)
        lengths[position] = len(found)
        flat += found
    return list_array(lengths, flat)


_EMOTION_PIECE = "^(?P<name>" + EMOTION_NAME + r")\]"  # a piece after a [ that makes an emotion


def _emotions_arrow(texts: pa.Array) -> pa.ListArray:
    """:func:`extract_emotions` of each text, vectorised.

    A match of :data:`EMOTION` holds exactly one ``[``, so the matches are the pieces between one ``[``
    and the next that begin with an emotion name and ``]``.
    """
    pieces = pc.split_pattern(texts, "[")
    flat = pieces.flatten()
    named = np.array(pc.match_substring_regex(flat, _EMOTION_PIECE).to_numpy(zero_copy_only=False))
    named[pieces.offsets.to_numpy()[:-1]] = False  # the piece before the first [
    names = pc.struct_field(pc.extract_regex(flat.filter(pa.array(named)), _EMOTION_PIECE), 0)
    return _lists_of(pc.list_parent_indices(pieces).to_numpy()[named], names, len(texts))


# What str.strip() removes: the characters that are whitespace to Python (none lie above U+3000).
_PY_WHITESPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())


def _topics_arrow(texts: pa.Array) -> pa.ListArray:
    """:func:`extract_topics` of each text, vectorised.

    :data:`TOPIC` can only close at the next ``#``, so its matches are pieces between two ``#``
    (1–60 characters, no newline). Searching left to right, a piece that matches uses up its closing
    ``#``: in a run of such pieces every second one is a topic, from the first on.
    """
    pieces = pc.split_pattern(texts, "#")
    flat = pieces.flatten()
    offsets = pieces.offsets.to_numpy()
    size = pc.utf8_length(flat).to_numpy(zero_copy_only=False)
    inside = (size >= 1) & (size <= 60) & ~pc.match_substring_regex(flat, "\n").to_numpy(zero_copy_only=False)
    inside[offsets[:-1]] = False  # before the first #
    inside[offsets[1:] - 1] = False  # after the last #
    index = np.arange(len(flat))
    run_start = np.maximum.accumulate(np.where(inside & ~np.roll(inside, 1), index, 0))
    topic = inside & ((index - run_start) % 2 == 0)
    names = pc.utf8_trim(flat.filter(pa.array(topic)), characters=_PY_WHITESPACE)
    owners = pc.list_parent_indices(pieces).to_numpy()[topic]
    kept = pc.not_equal(names, "").to_numpy(zero_copy_only=False)
    names, owners = names.filter(pa.array(kept)), owners[kept]
    codes = pc.dictionary_encode(names).indices.to_numpy(zero_copy_only=False).astype(np.int64)
    first = np.sort(np.unique(owners * (int(codes.max(initial=0)) + 1) + codes, return_index=True)[1])
    return _lists_of(owners[first], names.take(pa.array(first)), len(texts))


def _lists_of(owners: np.ndarray, values: pa.Array, length: int) -> pa.ListArray:
    """``length`` lists from ``values`` (in order) and the (ascending) list each one belongs to."""
    offsets = np.searchsorted(owners, np.arange(length + 1)).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), values.cast(pa.string()))


def list_array(lengths: np.ndarray, flat: list[str] | pa.Array) -> pa.Array:
    """A ``list<string>`` array from the length of each list and all their items in order."""
    offsets = np.concatenate(([0], np.cumsum(lengths, dtype=np.int32))).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(flat, type=pa.string()))
