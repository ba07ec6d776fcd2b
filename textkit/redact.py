"""Personal data → typed placeholders, and keyed pseudonyms for authors.

Placeholders (:data:`PLACEHOLDERS`), applied in this order so that a longer match wins:

============  ===========================================================================================
``<EMAIL>``   e-mail addresses (``name@host.tld``)
``<ID>``      18-digit 居民身份证 numbers whose ISO 7064 MOD 11-2 check character is right and whose
              birth date (digits 7–14) is a real date between 1900 and today
``<CARD>``    bank-card numbers: 16–19 digits (optionally in groups of 4) starting 3–6 that pass Luhn
``<PHONE>``   mobile numbers (``1[3-9]x``, with or without ``+86``/``0086``, spaces or dashes) and landlines
              with an area code (``029-8xxxxxxx``, ``(029) …``)
``<QQ>``      5–11 digit numbers after a QQ word (``QQ``, ``扣扣``, ``企鹅号`` …)
``<WECHAT>``  WeChat ids (6–20 characters, starting with a letter) after a WeChat word (``微信``, ``vx`` …)
``<PLATE>``   licence plates, incl. 8-character new-energy plates (``陕A·12345``, ``陕AD12345``)
============  ===========================================================================================

Numbers right after ``订单号``, ``快递单号``, ``编号`` … are never taken for ID or card numbers, and a
wrong checksum, an impossible birth date or a failed Luhn check keeps a number as it is (order numbers,
sample-tube numbers, dates survive).

Pseudonyms: ``pseudonymize(values, key)`` maps an author id or name to ``u_`` + 16 hex digits of the keyed
BLAKE2b MAC of the value (RFC 7693; a key longer than 64 bytes is hashed with SHA-256 first). The key comes
from :func:`pseudonym_key`: the ``TEXTKIT_PSEUDONYM_KEY`` environment variable, else the file
``.textkit-key`` (created with a random key on first use) in the given folder. The same key gives the same
pseudonyms across runs and stages; without the key a pseudonym cannot be linked back to the account (and
is not reversible with it either).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from itertools import accumulate
from operator import itemgetter, mul
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from textkit.clean import (
    MENTION,
    fullwidth_to_halfwidth,
    fullwidth_to_halfwidth_arrow,
    list_array,
    replace_where,
    text_array,
)
from textkit.schema import STRING, STRING_LIST

PLACEHOLDERS = ("EMAIL", "ID", "CARD", "PHONE", "QQ", "WECHAT", "PLATE")
KEY_ENV = "TEXTKIT_PSEUDONYM_KEY"
KEY_FILE = ".textkit-key"

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
NOT_PERSONAL = (
    r"(?:订单|单号|编号|流水号|运单|快递|采样管|条码|批号|工单|交易号|No\.?|NO\.?)[号码]?[:：]?[ ]?"
)
_ID_ZEROS = ord("0") * sum(ID_WEIGHTS)  # the weighted sum of seventeen "0" characters
_LUHN_DOUBLED = str.maketrans("0123456789", "0246813579")  # a digit → the digit sum of its double


def id_check_char(first17: str) -> str:
    """The 18th character of a 身份证 number (ISO 7064 MOD 11-2)."""
    if len(first17) != len(ID_WEIGHTS):
        raise ValueError(f"an ID number has {len(ID_WEIGHTS)} digits before its check character: {first17!r}")
    # the weighted sum of the ASCII codes less that of the "0"s: one C-level pass instead of 17 int() calls
    return ID_CHECK[(sum(map(mul, _ascii_digits(first17).encode(), ID_WEIGHTS)) - _ID_ZEROS) % 11]


def valid_id_number(number: str) -> bool:
    """True for an 18-character 身份证 number with a right check character and a real birth date."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    if id_check_char(number[:17]) != number[17].upper():
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= date.today()


def luhn_valid(number: str) -> bool:
    """True when a digit string passes the Luhn check."""
    from_right = _ascii_digits(number)[::-1]
    # every second digit from the right doubled (digit sum of the double), then all digits summed
    digits = (from_right[::2] + from_right[1::2].translate(_LUHN_DOUBLED)).encode()
    return (sum(digits) - ord("0") * len(digits)) % 10 == 0


def _ascii_digits(number: str) -> str:
    """A digit string in ASCII digits (other Unicode digits converted; a non-digit raises ValueError)."""
    if number.isascii() and number.isdigit():
        return number
    return "".join(str(int(c)) for c in number)


@dataclass(frozen=True)
class _Pattern:
    """One kind of personal data: ``before`` + ``core`` + ``after`` is the (Python) regex; the lookarounds
    live in ``before``/``after``, so ``core`` alone is a screen implied by the pattern that RE2 (Arrow's
    regex engine) can run over whole columns: a text that does not match the screen has no match."""

    kind: str
    core: str
    before: str = ""
    after: str = ""
    group: int = 0  # the group that holds the personal data (the rest is context)
    check: object = None  # callable(digits) -> bool
    numbering_context_vetoes: bool = False  # skip numbers right after 订单号, 编号 …
    starts: str = ""  # a character class every match of ``core`` starts with

    @property
    def screen(self) -> str:
        return self.core

    @cached_property
    def regex(self) -> re.Pattern:
        flags, core = ("(?i)", self.core[4:]) if self.core.startswith("(?i)") else ("", self.core)
        # a lookahead for the first character lets Python's re skip to where a match can start (2x faster)
        ahead = f"(?={self.starts})" if self.starts else ""
        return re.compile(flags + ahead + self.before + core + self.after)

    def spans(self, text: str) -> Iterable[tuple[int, int]]:
        for match in self.regex.finditer(text):
            if self.accepts(match, text, 0):
                yield match.span(self.group)

    def accepts(self, match: re.Match, text: str, text_start: int) -> bool:
        """Whether a match of :attr:`regex` in ``text`` (whose own text begins at ``text_start``: see
        :func:`_find_many`) is personal data: its checksum holds and no numbering word precedes it."""
        if self.check is not None and not self.check(_NOT_CHECKED.sub("", match.group(self.group))):
            return False
        if self.numbering_context_vetoes:
            start = match.start(self.group)
            return not _NUMBERING.search(text, max(text_start, start - 8), start)
        return True


_NUMBERING = re.compile(NOT_PERSONAL + "$")
_NOT_CHECKED = re.compile("[^0-9Xx]")
_MENTION = re.compile(MENTION)
# Full-width forms of the characters the patterns look at (digits, letters, @ . - + _ ( ) and space);
# other full-width punctuation (，！？) changes no match, so such texts are searched as they are.
_FULLWIDTH_IN_PATTERNS = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff20\uff0e\uff0d\uff0b\uff3f"
                                    "\uff08\uff09\u3000]")
_FULLWIDTH_PERCENT = "\uff05"  # ％: EMAIL reads its half-width form (see _searched_forms)

PATTERNS: tuple[_Pattern, ...] = (
    _Pattern("EMAIL", r"[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"),
    _Pattern("ID", r"[1-9][0-9]{16}[0-9Xx]", before=r"(?<![0-9])", after=r"(?![0-9A-Za-z])",
             check=valid_id_number, numbering_context_vetoes=True, starts="[1-9]"),
    _Pattern("CARD", r"(?:[3-6][0-9]{15,18}|[3-6][0-9]{3}(?:[ \-][0-9]{4}){3}(?:[ \-]?[0-9]{1,3})?)",
             before=r"(?<![0-9A-Za-z])", after=r"(?![0-9A-Za-z])", starts="[3-6]",
             check=lambda d: 16 <= len(d) <= 19 and luhn_valid(d), numbering_context_vetoes=True),
    _Pattern("PHONE", r"(?:(?:\+|00)86[ \-]?)?1[3-9][0-9](?:[ \-]?[0-9]{4}){2}",
             before=r"(?<![0-9])", after=r"(?![0-9])", starts="[+01]"),
    _Pattern("PHONE", r"(?:\+?86[ \-]?)?(?:\(0[1-9][0-9]{1,2}\)|0[1-9][0-9]{1,2})[ \-]?"
             r"[2-9][0-9]{2,3}[ \-]?[0-9]{4}(?:-[0-9]{1,4})?",
             before=r"(?<![0-9A-Za-z])", after=r"(?![0-9])", starts="[+08(]"),
    _Pattern("QQ", r"(?i)(?:QQ|扣扣|企鹅号|Q号)(?:号码|号)?[ ]*(?:是|为)?[ ]*[:：]?[ ]*([1-9][0-9]{4,10})",
             after=r"(?![0-9])", group=1),
    _Pattern("WECHAT", r"(?i)(?:微信|威信|薇信|v信|vx|wx|weixin|wechat)(?:号码|号|id)?"
             r"[ ]*(?:是|为)?[ ]*[:：]?[ ]*([A-Za-z][A-Za-z0-9_\-]{5,19})",
             after=r"(?![A-Za-z0-9_\-])", group=1, starts="[微威薇vw]"),
    _Pattern("PLATE", rf"[{PROVINCES}][A-HJ-NP-Z][·•・\. ]?"
             r"(?:[A-HJ-NP-Z0-9]{5}|[DF][A-HJ-NP-Z0-9][0-9]{4}|[0-9]{5}[DF])", after=r"(?![A-Za-z0-9])"),
)
# A coarse RE2 screen implied by every pattern (five digits in a row or a 3-digit and a 4-digit group, a
# character before @, a QQ or WeChat word, a province and a letter): cheap for RE2's DFA, and most posts
# fail it. Texts that pass are screened per pattern (:attr:`_Pattern.screen`).
SCREEN = (r"[0-9]{5}|[0-9]{3}[ \-][0-9]{4}|[A-Za-z0-9._%+\-]@"
          r"|(?i:qq|扣扣|企鹅号|q号|微信|威信|薇信|v信|vx|wx|weixin|wechat)" f"|[{PROVINCES}][A-HJ-NP-Z]")


def find_pii(text: str, kinds: Iterable[str] | None = None) -> list[tuple[str, int, int]]:
    """Personal data in ``text`` as ``(type, start, end)`` spans, sorted, non-overlapping.

    ``kinds`` limits the search to those placeholder types (default: all).
    """
    return _find(text, PATTERNS if kinds is None else _patterns_of(frozenset(kinds)))


def _patterns_of(kinds: frozenset[str]) -> tuple[_Pattern, ...]:
    return tuple(pattern for pattern in PATTERNS if pattern.kind in kinds)


def _find(text: str, patterns: Iterable[_Pattern]) -> list[tuple[str, int, int]]:
    """Spans of ``patterns`` (in :data:`PATTERNS` order: an earlier pattern's span wins an overlap)."""
    if _FULLWIDTH_IN_PATTERNS.search(text):  # one character for one: the spans fit the original text
        text = fullwidth_to_halfwidth(text)
    taken: list[tuple[str, int, int]] = []
    for pattern in patterns:
        for start, end in pattern.spans(text):
            if any(start < t_end and t_start < end for _, t_start, t_end in taken):
                continue
            taken.append((pattern.kind, start, end))
    return sorted(taken, key=lambda span: span[1])


def redact_text(text: str, kinds: Iterable[str] | None = None) -> tuple[str, list[str]]:
    """``text`` with personal data replaced by ``<TYPE>`` placeholders, and the types replaced in order.

    ``kinds`` limits the search to those placeholder types (default: all).
    """
    return _redact(text, PATTERNS if kinds is None else _patterns_of(frozenset(kinds)))


def _redact(text: str, patterns: Iterable[_Pattern]) -> tuple[str, list[str]]:
    spans = _find(text, patterns)
    return _replace_spans(text, spans), [kind for kind, _, _ in spans]


def redact(text: str) -> str:
    """``text`` with personal data replaced by typed placeholders."""
    return redact_text(text)[0]


def redact_series(texts: pd.Series) -> tuple[pd.Series, pd.Series, Counter]:
    """Redact a column: (redacted texts, placeholder types in each text (sorted, distinct), counts per type).

    Missing texts stay missing. See :func:`redact_arrow`.
    """
    array = pa.array(texts.astype(STRING).array, type=pa.large_string())
    redacted, found, counts = redact_arrow(array)
    redacted = pd.Series(pd.array(redacted, dtype=STRING), index=texts.index, name=texts.name)
    redacted = redacted.where(texts.notna().to_numpy(), None)
    kinds = [sorted(set(f)) if f else [] for f in found.to_pylist()]
    return redacted, pd.Series(pd.array(kinds, dtype=STRING_LIST), index=texts.index), counts


def redact_arrow(texts: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, pa.Array, Counter]:
    """Redact a pyarrow string array: (redacted ``large_string`` array with nulls as ``""``,
    ``list<string>`` of the placeholder types put into each text in order, counts per type).

    Same result as :func:`redact_text` on each text. One vectorised pass picks the texts that pass
    :data:`SCREEN` or hold a full-width form the patterns read. Texts that search alike
    (:func:`_searched_forms`) are searched once: each distinct form is screened per pattern
    (:attr:`_Pattern.screen`, vectorised) and searched with Python's regexes only for the patterns
    whose screen it passes, all such texts of a pattern in one search (:func:`_find_many`).
    """
    return redact_arrays(texts)[0]


def redact_arrays(*arrays: pa.Array | pa.ChunkedArray) -> list[tuple[pa.Array, pa.Array, Counter]]:
    """:func:`redact_arrow` of each array, in one go: a text that searches like one in another array
    (e.g. a post and its cleaned text, when cleaning changed only full-width forms) is searched once."""
    if not arrays:
        return []
    arrays = [text_array(array) for array in arrays]
    hits = [pc.match_substring_regex(array, f"{SCREEN}|{_FULLWIDTH_IN_PATTERNS.pattern}") for array in arrays]
    candidates = [pc.filter(array, hit) for array, hit in zip(arrays, hits, strict=True)]
    found, spans = _candidate_spans(pa.concat_arrays(candidates))
    results, first = [], 0
    for array, hit, candidate in zip(arrays, hits, candidates, strict=True):
        mine = (found >= first) & (found < first + len(candidate))
        changed, text_spans = found[mine] - first, [spans[i] for i in np.flatnonzero(mine).tolist()]
        first += len(candidate)
        results.append(_put_placeholders(array, hit, candidate, changed, text_spans))
    return results


def _candidate_spans(candidates: pa.Array) -> tuple[np.ndarray, list[list[tuple[str, int, int]]]]:
    """The candidates with personal data (ascending indices) and the spans of each."""
    encoded = pc.dictionary_encode(_searched_forms(candidates))
    searched = encoded.dictionary
    screened = np.zeros(len(searched), dtype=np.int64)  # bit i: the form passes pattern i's screen
    for bit, pattern in enumerate(PATTERNS):
        screened |= pc.match_substring_regex(searched, pattern.screen).to_numpy(
            zero_copy_only=False).astype(np.int64) << bit
    spans = _find_many(searched.to_pylist(), screened)
    has_spans = np.zeros(len(searched), dtype=bool)
    has_spans[list(spans)] = True
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    found = np.flatnonzero(has_spans[codes])
    return found, [spans[code] for code in codes[found].tolist()]


def _put_placeholders(array: pa.Array, hits: pa.Array, candidates: pa.Array, changed: np.ndarray,
                      spans: list[list[tuple[str, int, int]]]) -> tuple[pa.Array, pa.Array, Counter]:
    """:func:`redact_arrow`'s result from the spans of the ``changed`` candidates (``array[hits]``)."""
    lengths = np.zeros(len(array), dtype=np.int32)
    if not len(changed):
        return array, list_array(lengths, []), Counter()
    texts = candidates.take(pa.array(changed)).to_pylist()
    redacted = [_replace_spans(text, text_spans) for text, text_spans in zip(texts, spans, strict=True)]
    flat = [kind for text_spans in spans for kind, _, _ in text_spans]
    positions = np.flatnonzero(hits.to_numpy(zero_copy_only=False))[changed]
    lengths[positions] = [len(text_spans) for text_spans in spans]
    mask = np.zeros(len(array), dtype=bool)
    mask[positions] = True
    return replace_where(array, pa.array(mask), redacted), list_array(lengths, flat), Counter(flat)


def _searched_forms(texts: pa.Array) -> pa.Array:
    """Each text as it is searched for personal data: in half-width forms.

    :func:`_find` converts a text's full-width forms only when the text holds one the patterns read
    (:data:`_FULLWIDTH_IN_PATTERNS`); converting the others (，！？：…) changes no match, except ％
    (EMAIL reads ``%``): a text with a ％ and none of those is searched as it is.
    """
    forms = fullwidth_to_halfwidth_arrow(texts)
    as_is = pc.and_(pc.match_substring_regex(texts, _FULLWIDTH_PERCENT),
                    pc.invert(pc.match_substring_regex(texts, _FULLWIDTH_IN_PATTERNS.pattern)))
    return replace_where(forms, as_is, pc.filter(texts, as_is)) if pc.any(as_is).as_py() else forms


_SEPARATOR = "\x00"  # joins the texts of one search: no pattern consumes it, look-arounds see a text edge


def _find_many(texts: list[str], screened: np.ndarray) -> dict[int, list[tuple[str, int, int]]]:
    """:func:`_find` of many texts (already in half-width forms), as ``{index: spans}`` for the texts
    with personal data; pattern ``i`` only searches the texts with bit ``i`` of ``screened`` set.

    The texts of a pattern are joined by :data:`_SEPARATOR` and searched at once: since no match can
    hold the separator and the patterns' look-arounds treat it like the edge of a text, the matches
    are exactly those of a search in each text.
    """
    taken: dict[int, list[tuple[str, int, int]]] = {}
    for bit, pattern in enumerate(PATTERNS):
        indices = np.flatnonzero(screened >> bit & 1).tolist()
        if not indices:
            continue
        selected = [texts[i] for i in indices]
        starts = [0, *accumulate(len(text) + 1 for text in selected[:-1])]  # where each text begins
        joined = _SEPARATOR.join(selected)
        kind, group = pattern.kind, pattern.group
        checked = pattern.check is not None or pattern.numbering_context_vetoes
        for match in pattern.regex.finditer(joined):
            k = bisect_right(starts, match.start()) - 1
            text_start = starts[k]
            if checked and not pattern.accepts(match, joined, text_start):
                continue
            start, end = match.span(group)
            start, end = start - text_start, end - text_start
            spans = taken.get(indices[k])
            if spans is None:
                taken[indices[k]] = [(kind, start, end)]
            elif not any(start < t_end and t_start < end for _, t_start, t_end in spans):
                spans.append((kind, start, end))
    for spans in taken.values():
        if len(spans) > 1:
            spans.sort(key=itemgetter(1))
    return taken


def _replace_spans(text: str, spans: list[tuple[str, int, int]]) -> str:
    """``text`` with each ``(kind, start, end)`` span (sorted, non-overlapping) replaced by ``<kind>``."""
    if len(spans) == 1:
        kind, start, end = spans[0]
        return f"{text[:start]}<{kind}>{text[end:]}"
    pieces, last = [], 0
    for kind, start, end in spans:
        pieces += [text[last:start], f"<{kind}>"]
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


# ---------------------------------------------------------------- pseudonyms


def pseudonym_key(folder: str | os.PathLike | None = None) -> bytes:
    """The pseudonym key: ``$TEXTKIT_PSEUDONYM_KEY``, else ``<folder>/.textkit-key`` (created on first use).

    ``folder`` defaults to the current working directory. Keep the key file out of version control
    and out of anything you publish: whoever has it can test a guessed account against a pseudonym.
    """
    env = os.environ.get(KEY_ENV)
    if env:
        return env.encode("utf-8")
    path = Path(folder if folder is not None else Path.cwd()) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(secrets.token_hex(32) + "\n")
    return path.read_text(encoding="utf-8").strip().encode("utf-8")


def pseudonym(value: str, key: bytes, prefix: str = "u_") -> str:
    """``prefix`` + 16 hex digits of the keyed BLAKE2b MAC of ``value``."""
    return _pseudonyms([value], key, prefix)[0]


def _keyed_hash(key: bytes):
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    return hashlib.blake2b(key=key, digest_size=8)


def _pseudonyms(values: Iterable[str], key: bytes, prefix: str) -> list[str]:
    """:func:`pseudonym` of many values (the keyed state is set up once and copied per value)."""
    keyed = _keyed_hash(key)
    out = []
    for value in values:
        mac = keyed.copy()
        mac.update(value.encode("utf-8"))
        out.append(prefix + mac.hexdigest())
    return out


def pseudonymize(values: pd.Series, key: bytes, prefix: str = "u_") -> pd.Series:
    """Pseudonyms for a column (missing stays missing); each distinct value is hashed once."""
    if isinstance(values.dtype, pd.StringDtype | pd.ArrowDtype):
        array = pa.array(values.array)
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        encoded = pc.dictionary_encode(array.cast(pa.large_string()))  # missing values: null indices
        uniques, codes = encoded.dictionary.to_pylist(), encoded.indices
    else:
        factorized, uniques = pd.factorize(values, use_na_sentinel=True)
        uniques = [str(v) for v in uniques]
        codes = pa.array(factorized, mask=factorized < 0)
    taken = pa.array(_pseudonyms(uniques, key, prefix), type=pa.large_string()).take(codes)
    return pd.Series(pd.array(taken, dtype=STRING), index=values.index, name=values.name)


def redact_column(values: pd.Series, key: bytes | None = None) -> pd.Series:
    """:func:`redact_series` texts only, each distinct value redacted once (for columns full of copies);
    with a ``key``, ``@mentions`` are pseudonymised too (:func:`pseudonymize_mentions`)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    redacted = redact_arrow(pa.array(uniques, type=pa.large_string()))[0]
    if key is not None:
        redacted = pseudonymize_mentions(redacted, key)
    taken = redacted.take(pa.array(codes, mask=codes < 0))
    return pd.Series(pd.array(taken, dtype=STRING), index=values.index, name=values.name)


def pseudonymize_mentions(texts: pa.Array, key: bytes) -> pa.Array:
    """``@name`` (also in ``//@name:`` repost chains) → ``@n_…``, the name's pseudonym (the same as
    :func:`pseudonymize` gives ``author_name``)."""
    array = text_array(texts)
    hits = pc.match_substring_regex(array, "@")  # RE2 finds a literal faster than match_substring
    if not len(array) or not pc.any(hits).as_py():
        return array
    names: dict[str, str] = {}

    keyed = _keyed_hash(key)

    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name not in names:
            mac = keyed.copy()
            mac.update(name.encode("utf-8"))
            names[name] = "@n_" + mac.hexdigest()
        return names[name]

    return replace_where(array, hits, [_MENTION.sub(replace, t) for t in pc.filter(array, hits).to_pylist()])
