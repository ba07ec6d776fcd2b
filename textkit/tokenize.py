"""Chinese word segmentation with jieba (reference) or a fast engine, same tokens either way.

``tokenize(texts, backend="fast", n_jobs=None) -> list[list[str]]`` segments texts and filters the
tokens; :class:`Tokenizer` holds the options. Backends: ``"jieba"`` (the reference, pure Python);
``"fast"``, jieba's algorithm in C (``textkit/_segment.c``, built at install time) fed with jieba's own
dictionary, total and HMM probabilities, which returns token boundaries instead of Python strings, or
rjieba (jieba-rs) where the C extension was not built; ``"rjieba"`` asks for jieba-rs explicitly. All
load the same incident user dictionary (``data/lexicon/userdict.txt``, jieba format ``word freq tag``,
explicit frequencies so that all weigh words alike) on top of jieba's default dictionary, and all use
the HMM for unknown words.

Before segmentation a text is split around ``[表情]`` codes, which become tokens of their own
(``"[泪]"``), and around redaction placeholders (``<PHONE>`` …) and ``@mentions``, which are dropped (a
user name is not a term). After it, tokens are
lower-cased (ASCII) and dropped when they are a stop word (``data/lexicon/stopwords.txt``),
punctuation or symbols, a number, or a single character not on the allow-list
(``data/lexicon/single_chars.txt``: 崩, 卡, 慢, 饿 …).

The C engine repeats jieba's steps and floating-point operations in jieba's order, so its tokens are
jieba's. jieba and jieba-rs segment Chinese identically once both weigh words against the same total
(runs of a repeated character tie, and the rounding of the total decides the tie), but they treat runs
that mix ASCII letters or digits with ``. _ % + # & -`` differently (jieba cuts ``t.cn`` into
``t . cn``, jieba-rs keeps it whole): the rjieba engine splits such tokens as jieba does, and segments
texts with characters outside the Basic Multilingual Plane block by block. Both engines give the
reference's tokens everywhere (``tests/test_tokenize.py``, and ``tests/test_prepare_quality.py`` on
real posts, check it).
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from textkit.clean import EMOTION_NAME, MENTION_SPAN, text_array
from textkit.paths import LEXICON_DIR

USERDICT = LEXICON_DIR / "userdict.txt"
STOPWORDS = LEXICON_DIR / "stopwords.txt"
SINGLE_CHARS = LEXICON_DIR / "single_chars.txt"
BACKENDS = ("fast", "rjieba", "jieba")
PARALLEL_MIN_TEXTS = 20_000
COMPILED_MAX_BYTES = 1 << 30  # text per call of the C engine (its token ids and counts are int32)
BLOCK_CACHE_SIZE = 1_000_000  # blocks remembered per process (a few hundred MB at most)

HAN_FIRST, HAN_LAST = 0x4E00, 0x9FD5  # the Han characters of jieba's blocks and of its HMM
TOTAL_BALANCE_WORD = "\U0010fffd\U0010fffd"  # two private-use characters outside the BMP
# jieba's block regex (jieba.re_han_default): segmentation never crosses a block boundary
HAN_BLOCK = re.compile(r"([\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]+)")
SPACE = re.compile(r"(\r\n|\s)")
PLACEHOLDER = "<(?:EMAIL|ID|CARD|PHONE|QQ|WECHAT|PLATE)>"  # dropped, like @mentions (names are not terms)
# Separators between the pieces of tokenize_batch: anything outside jieba's blocks except the brackets of
# [表情] codes (which are cut out beforehand between \x1f marks).
BLOCK_SEPARATOR = "[^\u4E00-\u9FD5a-zA-Z0-9+#&\\._%\\-\\[\\]]+"
# Characters outside jieba's blocks that a filter may keep (a lone CJK extension character on the
# allow-list): texts with one take the one-text path.
OUTSIDE_BLOCKS_KEPT = "[\u3400-\u4DFF\u9FD6-\u9FFF\uF900-\uFAFF]"  # HAS_WORD_CHAR less jieba's blocks
SPECIAL = re.compile(r"(\[" + EMOTION_NAME + r"\])|" + PLACEHOLDER + "|" + MENTION_SPAN)
# jieba splits ASCII runs the HMM meets with this regex (finalseg.re_skip); jieba-rs keeps them whole
JIEBA_SKIP = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")
# jieba-rs treats characters outside the Basic Multilingual Plane (emoji) between blocks differently
OUTSIDE_BMP = re.compile(r"[\U00010000-\U0010ffff]")
_ASCII_PUNCT_RUN = re.compile(r"[A-Za-z0-9][!-/:-@\[-`{-~]|[!-/:-@\[-`{-~][A-Za-z0-9]")
NUMBER = re.compile(r"^[0-9０-９]+(?:[.,:：/][0-9]+)*[%％万亿kKwW]?$|^[0-9]+(?:号|点|天|岁|个)?$")
HAS_WORD_CHAR = re.compile("[0-9A-Za-z\u3400-\u9fff\uf900-\ufaff]")  # real characters: RE2 reads it too
_EMOTION_TOKEN = re.compile(r"^\[" + EMOTION_NAME + r"\]$")


def read_word_list(path: str | os.PathLike) -> list[str]:
    """Words of a one-per-line list (``#`` comments and blank lines skipped)."""
    words = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.append(line)
    return words


def read_userdict(path: str | os.PathLike) -> list[tuple[str, int | None, str | None]]:
    """Entries of a jieba user dictionary: ``word [freq] [tag]`` per line."""
    entries = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        freq = None
        if len(parts) > 1:
            if not parts[1].isdigit():
                raise ValueError(f"{path}, line {number}: frequency {parts[1]!r} is not a whole number")
            freq = int(parts[1])
        entries.append((parts[0], freq, parts[2] if len(parts) > 2 else None))
    return entries


@lru_cache(maxsize=4)
def _jieba(userdict: str | None):
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    if userdict:
        for word, freq, tag in read_userdict(userdict):
            tokenizer.add_word(word, freq, tag)
    return tokenizer


def _default_dictionary() -> tuple[list[str], list[int]]:
    """Words and frequencies of jieba's default dictionary, line by line (read without building jieba's
    prefix dict)."""
    import jieba

    with jieba.get_dict_file() as fh:
        data = fh.read().decode("utf-8")
    parts = data.split()
    if len(parts) == 3 * len(data.strip().split("\n")):  # "word freq tag" on every line (jieba's own file)
        return parts[0::3], list(map(int, parts[1::3]))
    entries = [line.strip().split(" ")[:2] for line in data.splitlines() if line.strip()]  # as jieba reads
    return [word for word, _ in entries], [int(freq) for _, freq in entries]


def _default_frequencies(words: set[str]) -> tuple[dict[str, int], int]:
    """Frequencies of ``words`` in jieba's default dictionary and the frequencies of its repeated
    entries: jieba adds every line to its total, jieba-rs keeps one record per word and sums those."""
    names, frequencies = _default_dictionary()
    last = dict(zip(names, frequencies, strict=True))
    return {word: last[word] for word in words if word in last}, sum(frequencies) - sum(last.values())


def _user_entries(userdict: str | None) -> tuple[list[tuple[str, int, str | None]], int]:
    """The user dictionary's entries with their frequencies, and what jieba's ``add_word`` of them adds
    to its total. An entry without a frequency gets the one jieba suggests at that moment, which only
    jieba's own tokenizer knows: then the frequencies are the words' final ones in it, and the total
    added is read from it."""
    entries = read_userdict(userdict) if userdict else []
    if all(freq is not None for _, freq, _ in entries):
        return entries, sum(freq for _, freq, _ in entries)
    reference = _jieba(userdict)
    _, default_frequencies = _default_dictionary()
    return ([(word, reference.FREQ[word], tag) for word, _, tag in entries],
            reference.total - sum(default_frequencies))


@lru_cache(maxsize=4)
def _rjieba(userdict: str | None):
    import rjieba

    tokenizer = rjieba.Jieba()
    entries, added = _user_entries(userdict)
    default, repeated = _default_frequencies({word for word, _, _ in entries})
    final: dict[str, int] = {}
    for word, freq, tag in entries:
        tokenizer.add_word(word, freq, tag)
        final[word] = freq
    # jieba's total counts the repeated lines of its dictionary, and its add_word adds a new frequency
    # without taking the replaced one off; jieba-rs does neither (one record per word, summed). A word
    # that cannot occur in text gives jieba-rs jieba's total, so that near-ties (runs of a repeated
    # character) round and break alike.
    balance = repeated + added + sum(default.values()) - sum(final.values())
    if balance:
        tokenizer.add_word(TOTAL_BALANCE_WORD, balance, None)
    return tokenizer


@lru_cache(maxsize=1)
def compiled_segmenter_built() -> bool:
    """Whether the C segmenter (``textkit._segment``) was built at install time."""
    try:
        import textkit._segment  # noqa: F401
    except ImportError:
        return False
    return True


@lru_cache(maxsize=4)
def _segmenter(userdict: str | None):
    """The compiled segmenter (``textkit/_segment.c``) holding jieba's dictionary, total and HMM and the
    user dictionary, exactly as jieba's own tokenizer has them."""
    import math

    from jieba import finalseg

    from textkit._segment import Segmenter

    words, frequencies = _default_dictionary()
    total = sum(frequencies)
    entries, added = _user_entries(userdict)
    for word, freq, _ in entries:  # jieba.add_word: the new frequency replaces the word's
        words.append(word)
        frequencies.append(freq)
    force_split = [word for word, freq, _ in entries if freq == 0]
    states = "BMES"
    emit = np.full((4, HAN_LAST - HAN_FIRST + 1), finalseg.MIN_FLOAT)
    for row, state in enumerate(states):
        for char, probability in finalseg.emit_P[state].items():
            if HAN_FIRST <= ord(char) <= HAN_LAST:
                emit[row, ord(char) - HAN_FIRST] = probability
    return Segmenter(
        "\n".join(words).encode("utf-8"),
        np.asarray(frequencies, dtype=np.int64).tobytes(),
        "\n".join(force_split).encode("utf-8"),
        math.log(total + added),
        np.array([finalseg.start_P[s] for s in states]).tobytes(),
        np.array([[finalseg.trans_P[a].get(b, finalseg.MIN_FLOAT) for b in states]
                  for a in states]).tobytes(),
        emit.tobytes(),
    )


def _compiled_cut(segmenter, text: str, hmm: bool) -> list[str]:
    """Raw tokens of one text by the C engine (strings sliced at the boundaries it returns)."""
    data = text.encode("utf-8", "surrogatepass")
    bounds = np.frombuffer(segmenter.cut(data, hmm), dtype=np.int64).tolist()
    return [data[start:end].decode("utf-8", "surrogatepass") for start, end in itertools.pairwise(bounds)]


class Tokenizer:
    """Segment and filter Chinese text.

    Parameters: ``backend`` ``"fast"`` (the C engine, or rjieba where it was not built), ``"rjieba"``
    or ``"jieba"`` (reference); :attr:`engine` says which one runs; ``userdict``,
    ``stopwords`` and ``single_chars`` paths (``None`` = none); ``lowercase`` ASCII; ``keep_emotions``
    (``[泪]`` tokens); ``drop_numbers``; ``hmm`` (jieba's HMM for unknown words).
    """

    def __init__(
        self,
        *,
        backend: str = "fast",
        userdict: str | os.PathLike | None = USERDICT,
        stopwords: str | os.PathLike | None = STOPWORDS,
        single_chars: str | os.PathLike | None = SINGLE_CHARS,
        lowercase: bool = True,
        keep_emotions: bool = True,
        drop_numbers: bool = True,
        hmm: bool = True,
    ):
        if backend not in BACKENDS:
            raise ValueError(f"unknown tokenizer backend {backend!r}; choose one of {BACKENDS}")
        self.backend = backend
        self.engine = ("jieba" if backend == "jieba"
                       else "compiled" if backend == "fast" and compiled_segmenter_built() else "rjieba")
        self.userdict = str(userdict) if userdict is not None else None
        self.stopwords = frozenset(read_word_list(stopwords)) if stopwords is not None else frozenset()
        self.single_chars = (frozenset(read_word_list(single_chars)) if single_chars is not None
                             else frozenset())
        self.lowercase = lowercase
        self.keep_emotions = keep_emotions
        self.drop_numbers = drop_numbers
        self.hmm = hmm
        self._keep_cache: dict[str, bool] = {}
        self._block_cache: dict[str, list[str]] = {}
        self._token_cache: dict[str, str] = {}  # segmented token → filtered form, "" when dropped

    # -- segmentation -------------------------------------------------------------------------

    def cut(self, text: str) -> list[str]:
        """Raw segmentation of one text (no filters, no special-token handling)."""
        if self.engine == "jieba":
            return _jieba(self.userdict).lcut(text, HMM=self.hmm)
        if self.engine == "compiled":
            return _compiled_cut(_segmenter(self.userdict), text, self.hmm)
        if OUTSIDE_BMP.search(text):
            return self._cut_by_block(text)
        return self._cut_fast(text)

    def _cut_by_block(self, text: str) -> list[str]:
        """jieba's own block loop: blocks by jieba-rs, the text between them by jieba's rules."""
        out: list[str] = []
        for i, block in enumerate(HAN_BLOCK.split(text)):
            if block:
                out += self._cut_fast(block) if i % 2 else _cut_between_blocks(block)
        return out

    def _cut_fast(self, text: str) -> list[str]:
        tokens = _rjieba(self.userdict).cut(text, self.hmm)
        if not text.isascii() and not _ASCII_PUNCT_RUN.search(text):
            return tokens
        out: list[str] = []
        fast = _rjieba(self.userdict)
        for token in tokens:
            if len(token) > 1 and token.isascii() and not token.isalnum() and not token.isspace() \
                    and not fast.has_word(token):
                out += [piece for piece in JIEBA_SKIP.split(token) if piece]
            else:
                out.append(token)
        return out

    def segments(self, text: str) -> list[str]:
        """Segmentation with ``[表情]`` codes kept whole, placeholders and @mentions removed (no filters)."""
        out: list[str] = []
        for piece, is_emotion in _special_pieces(text):
            if not is_emotion:
                out += self.cut(piece)
            elif self.keep_emotions:
                out.append(piece)
        return out

    # -- filters ----------------------------------------------------------------------------

    def keep(self, token: str) -> bool:
        """Whether a segmented token survives the filters."""
        cached = self._keep_cache.get(token)
        if cached is None:
            cached = self._keep(token)
            if len(self._keep_cache) < 1_000_000:
                self._keep_cache[token] = cached
        return cached

    def _keep(self, token: str) -> bool:
        if token.startswith("[") and _EMOTION_TOKEN.match(token):
            return self.keep_emotions
        word = token.strip()
        if not word or not HAS_WORD_CHAR.search(word):
            return False
        if self.lowercase:
            word = word.lower()
        if word in self.stopwords:
            return False
        if self.drop_numbers and NUMBER.match(word):
            return False
        return not (len(word) == 1 and word not in self.single_chars)

    def tokenize(self, text: str | None) -> list[str]:
        """Filtered tokens of one text (``None`` → ``[]``)."""
        if not text:
            return []
        out: list[str] = []
        for piece, is_emotion in _special_pieces(text):
            out += self._filter([piece]) if is_emotion else self._block_tokens(piece)
        return out

    def _block_tokens(self, text: str) -> list[str]:
        """Filtered tokens of a text without special tokens, block by block with a cache.

        jieba segments each run of :data:`HAN_BLOCK` characters on its own, so the tokens of a block
        do not depend on its neighbours: a block seen before (common phrases, copies, reposts) is
        looked up instead of segmented again.
        """
        cache = self._block_cache
        out: list[str] = []
        for block in HAN_BLOCK.split(text):
            if not block:
                continue
            tokens = cache.get(block)
            if tokens is None:
                tokens = self._filter(self._cut_block(block))
                if len(cache) < BLOCK_CACHE_SIZE:
                    cache[block] = tokens
            out += tokens
        return out

    def _cut_block(self, block: str) -> list[str]:
        """Segmentation of one block: jieba's rules for text between Han blocks, else :meth:`cut`."""
        return self.cut(block) if HAN_BLOCK.fullmatch(block) else _cut_between_blocks(block)

    def _filter(self, tokens: list[str]) -> list[str]:
        """Tokens that survive :meth:`keep`, stripped (and lower-cased when ASCII and ``lowercase``)."""
        normalised = self._token_cache
        try:
            return [t for t in map(normalised.__getitem__, tokens) if t]
        except KeyError:
            for token in tokens:
                if token not in normalised:
                    normalised[token] = self._normalise(token) if self.keep(token) else ""
            return [t for t in map(normalised.__getitem__, tokens) if t]

    def _normalise(self, token: str) -> str:
        if self.lowercase and token.isascii():
            return token.strip().lower()
        return token.strip()

    # -- many texts at once ----------------------------------------------------------------------

    def tokenize_batch(self, texts: Sequence[str | None] | pa.Array) -> pa.Array:
        """Filtered tokens of many texts as a ``list<string>`` array, in one process.

        Vectorised: placeholders and ``[表情]`` codes are marked with Arrow's regex kernels, and each
        *distinct* block is segmented once. The C engine takes the whole column
        (:meth:`_tokenize_compiled`); the others split every text into jieba's blocks at once and cut
        the blocks not seen before joined by newlines (which jieba never joins across) in one call,
        sending texts with characters outside jieba's blocks that could survive the filters (CJK
        extension characters) to the one-text path. Same tokens as :meth:`tokenize` on each text.
        """
        array = text_array(texts if isinstance(texts, pa.Array | pa.ChunkedArray)
                           else pa.array(texts, type=pa.large_string()))
        if self.engine == "compiled":
            return self._tokenize_compiled(array)
        slow = pc.match_substring_regex(array, OUTSIDE_BLOCKS_KEPT)
        if not pc.any(slow).as_py():
            return self._tokenize_blocks(array)
        slow = slow.to_numpy(zero_copy_only=False)
        if slow.all():
            return pa.array([self.tokenize(t) for t in array.to_pylist()], type=pa.list_(pa.string()))
        order = np.concatenate((np.flatnonzero(~slow), np.flatnonzero(slow)))
        result = self._tokenize_blocks(array.take(pa.array(order[:len(order) - int(slow.sum())])))
        rest = pa.array([self.tokenize(t) for t in array.filter(pa.array(slow)).to_pylist()],
                        type=pa.list_(pa.string()))
        return pa.concat_arrays([result, rest]).take(pa.array(np.argsort(order, kind="stable")))

    def _tokenize_compiled(self, array: pa.Array) -> pa.Array:
        """:meth:`tokenize_batch` by the C engine: it segments the marked texts as jieba would (each
        distinct block once) and numbers the distinct tokens; keep and form are decided once per
        distinct token."""
        bounds = np.frombuffer(array.buffers()[1], np.int64)[array.offset:array.offset + len(array) + 1]
        if bounds[-1] - bounds[0] > COMPILED_MAX_BYTES and len(array) > 1:  # halves, by bytes
            middle = int(np.clip(np.searchsorted(bounds, (bounds[0] + bounds[-1]) // 2), 1, len(array) - 1))
            return pa.concat_arrays([self._tokenize_compiled(array.slice(0, middle)),
                                     self._tokenize_compiled(array.slice(middle))])
        marked = _mark_special_tokens(array)
        offsets = np.frombuffer(marked.buffers()[1], np.int64)[marked.offset:marked.offset + len(marked) + 1]
        data = marked.buffers()[2] if marked.buffers()[2] is not None else pa.py_buffer(b"")
        ids, counts, token_bytes, token_offsets = _segmenter(self.userdict).tokenize(data, offsets, self.hmm)
        distinct = pa.Array.from_buffers(pa.large_string(), len(token_offsets) // 8 - 1,
                                         [None, pa.py_buffer(token_offsets), pa.py_buffer(token_bytes)])
        forms = self._filter_forms(distinct.cast(pa.string()))
        ids = np.frombuffer(ids, dtype=np.int32)
        kept = pc.not_equal(forms, "").to_numpy(zero_copy_only=False)[ids]
        kept_before = np.concatenate(([0], np.cumsum(kept)))
        text_ends = np.concatenate(([0], np.cumsum(np.frombuffer(counts, dtype=np.int64))))
        return pa.ListArray.from_arrays(pa.array(kept_before[text_ends].astype(np.int32)),
                                        forms.take(pa.array(ids[kept])))

    def _tokenize_blocks(self, array: pa.Array) -> pa.Array:
        """:meth:`tokenize_batch` of texts (``large_string``) whose characters outside jieba's blocks are
        all dropped by the filters."""
        pieces = pc.split_pattern_regex(_mark_special_tokens(array), BLOCK_SEPARATOR)
        encoded = pc.dictionary_encode(pieces.flatten())
        taken = self._piece_tokens(encoded.dictionary).take(encoded.indices)
        token_offsets = taken.offsets.to_numpy()
        piece_offsets = pieces.offsets.to_numpy()
        text_offsets = token_offsets[piece_offsets - piece_offsets[0]] - token_offsets[0]
        return pa.ListArray.from_arrays(pa.array(text_offsets.astype(np.int32)), taken.flatten())

    def _piece_tokens(self, pieces: pa.Array) -> pa.Array:
        """Filtered tokens (``list<string>``) of distinct pieces: blocks, ``[表情]`` codes, stray brackets.

        Blocks are segmented together (:meth:`_cut_filtered`); the other pieces take the one-text path.
        """
        plain = ~(_holds_ascii(pieces, "[]") | (pc.binary_length(pieces).to_numpy(zero_copy_only=False) == 0))
        candidates = np.flatnonzero(plain)
        batch = self._cut_filtered(pieces.take(pa.array(candidates)))
        others = np.flatnonzero(~plain)
        rest = pa.array([self.tokenize(t) for t in pieces.take(pa.array(others)).to_pylist()],
                        type=pa.list_(pa.string()))
        order = np.concatenate((candidates, others))
        return pa.concat_arrays([batch, rest]).take(pa.array(np.argsort(order, kind="stable")))

    def _cut_filtered(self, blocks: pa.Array) -> pa.Array:
        """Filtered tokens of blocks (``large_string``), segmented in one call (``list<string>``, one list
        per block).

        The blocks are joined by newlines (a block boundary for jieba and jieba-rs alike) and cut once;
        keep, form and jieba's split of mixed ASCII runs are decided once per distinct token.
        """
        if len(blocks) == 0:
            return pa.array([], type=pa.list_(pa.string()))
        whole = pa.LargeListArray.from_arrays(pa.array([0, len(blocks)], pa.int64()), blocks)
        tokens = self._cut_joined(pc.binary_join(whole, pa.scalar("\n", pa.large_string())))
        newline = pc.equal(tokens, "\n").to_numpy(zero_copy_only=False)
        if int(newline.sum()) != len(blocks) - 1:  # never seen; stay correct anyway
            return pa.array([self._filter(self.cut(block)) for block in blocks.to_pylist()],
                            type=pa.list_(pa.string()))
        encoded = pc.dictionary_encode(tokens)
        forms = self._token_forms(encoded.dictionary.cast(pa.string())).take(encoded.indices)
        per_token = np.diff(forms.offsets.to_numpy())
        per_block = np.bincount(np.cumsum(newline), weights=per_token, minlength=len(blocks))
        offsets = np.concatenate(([0], np.cumsum(per_block))).astype(np.int32)
        return pa.ListArray.from_arrays(pa.array(offsets), forms.flatten())

    def _cut_joined(self, joined: pa.Array) -> pa.Array:
        """Raw tokens of the one text of ``joined`` (``large_string``) as a ``large_string`` array.

        The tokens partition the text, so the array is its UTF-8 bytes with offsets from the token lengths
        (no conversion string by string).
        """
        end = int(np.frombuffer(joined.buffers()[1], np.int64)[joined.offset + 1])
        text = joined[0].as_py()
        if self.engine == "jieba":
            tokens = _jieba(self.userdict).lcut(text, HMM=self.hmm)
        else:
            tokens = _rjieba(self.userdict).cut(text, self.hmm)
        utf8 = np.frombuffer(joined.buffers()[2], dtype=np.uint8, count=end)
        char_starts = np.append(np.flatnonzero((utf8 & 0xC0) != 0x80), end)
        lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
        if int(lengths.sum()) != len(text):  # never seen; stay correct anyway
            return pa.array(tokens, type=pa.large_string())
        offsets = char_starts[np.concatenate(([0], np.cumsum(lengths)))]
        return pa.Array.from_buffers(pa.large_string(), len(tokens),
                                     [None, pa.py_buffer(offsets), joined.buffers()[2]])

    def _token_forms(self, tokens: pa.Array) -> pa.ListArray:
        """Filtered forms (``list<string>``) of each distinct raw token: none when dropped, one, or several
        where jieba cuts a jieba-rs token further (runs mixing ASCII letters or digits with
        ``. _ % + # & -`` that are not dictionary words)."""
        forms = self._filter_forms(tokens)
        counts = pc.not_equal(forms, "").to_numpy(zero_copy_only=False).astype(np.int64)
        cut_further: dict[int, list[str]] = {}
        if self.engine == "rjieba":  # jieba-rs keeps such runs whole
            fast = _rjieba(self.userdict)
            screen = pc.and_(pc.string_is_ascii(tokens),
                             pc.match_substring_regex(tokens, _ASCII_PUNCT_RUN.pattern))
            for index in np.flatnonzero(screen.to_numpy(zero_copy_only=False)).tolist():
                token = tokens[index].as_py()
                pieces = [piece for piece in JIEBA_SKIP.split(token) if piece]
                if len(pieces) > 1 and not fast.has_word(token):
                    cut_further[index] = self._filter(pieces)
                    counts[index] = len(cut_further[index])
        offsets = np.concatenate(([0], np.cumsum(counts)))
        source = np.zeros(offsets[-1], dtype=np.int64)  # slot → position in forms + the further cuts
        single = np.flatnonzero(counts == 1)
        source[offsets[single]] = single
        position = len(forms)
        for index, pieces in cut_further.items():
            source[offsets[index]:offsets[index + 1]] = np.arange(position, position + len(pieces))
            position += len(pieces)
        extra = pa.array([piece for pieces in cut_further.values() for piece in pieces], type=pa.string())
        values = pa.concat_arrays([forms, extra]).take(pa.array(source))
        return pa.ListArray.from_arrays(pa.array(offsets.astype(np.int32)), values)

    def _filter_forms(self, tokens: pa.Array) -> pa.Array:
        """:meth:`keep` and the normalised form, vectorised: each token's form, ``""`` when dropped."""
        word = pc.utf8_trim_whitespace(tokens)
        checked = pc.utf8_lower(word) if self.lowercase else word
        keep = pc.match_substring_regex(word, HAS_WORD_CHAR.pattern)
        keep = pc.and_(keep, pc.invert(pc.is_in(checked, pa.array(sorted(self.stopwords), type=pa.string()))))
        if self.drop_numbers:
            keep = pc.and_(keep, pc.invert(pc.match_substring_regex(checked, NUMBER.pattern)))
        lone = pc.and_(pc.equal(pc.utf8_length(checked), 1),
                       pc.invert(pc.is_in(checked, pa.array(sorted(self.single_chars), type=pa.string()))))
        keep = pc.and_(keep, pc.invert(lone))
        keep = pc.if_else(pc.match_substring_regex(tokens, _EMOTION_TOKEN.pattern), self.keep_emotions, keep)
        form = pc.if_else(pc.string_is_ascii(tokens), pc.utf8_lower(word), word) if self.lowercase else word
        return pc.if_else(keep, form, "")

    def tokenize_many(self, texts: Iterable[str | None], *, n_jobs: int | None = None) -> list[list[str]]:
        """Filtered tokens of many texts, in parallel over ``n_jobs`` processes for large inputs."""
        return self.tokenize_arrow(list(texts), n_jobs=n_jobs).to_pylist()

    def tokenize_arrow(self, texts: Sequence[str | None], *, n_jobs: int | None = None) -> pa.ChunkedArray:
        """Like :meth:`tokenize_many`, returning a pyarrow ``list<string>`` array (cheap to ship, store)."""
        jobs = parallel_jobs(n_jobs, len(texts))
        if jobs == 1:
            return pa.chunked_array([_tokenize_chunk(self, texts)], type=pa.list_(pa.string()))
        self.preload()
        chunk = -(-len(texts) // (jobs * 4))
        global _WORKER_JOB
        _WORKER_JOB = (self, texts)  # the forked workers inherit both and get only the bounds of a piece
        try:
            with multiprocessing.get_context("fork").Pool(jobs) as pool:
                arrays = pool.map(_tokenize_piece, [(i, i + chunk) for i in range(0, len(texts), chunk)])
        finally:
            _WORKER_JOB = None
        return pa.chunked_array(arrays, type=pa.list_(pa.string()))

    def preload(self) -> None:
        """Load the dictionaries now (before forking workers, so that they share them)."""
        if self.engine == "compiled":
            _segmenter(self.userdict)
        elif self.engine == "rjieba":
            _rjieba(self.userdict)  # reads jieba's dictionary only for user words without a frequency
        else:
            _jieba(self.userdict)


def _mark_special_tokens(array: pa.Array) -> pa.Array:
    """Placeholders and @mentions replaced by a space, ``[表情]`` codes set between ``\\x1f`` marks (both
    outside jieba's blocks; a ``\\x1f`` of the text itself becomes a space first); only the texts holding
    ``<``, ``@``, ``[`` or ``\\x1f`` are searched."""
    screen = _holds_ascii(array, "<@[\x1f")
    if not screen.any():
        return array
    mask = pa.array(screen)
    marked = pc.replace_substring(array.filter(mask), "\x1f", " ")
    marked = pc.replace_substring_regex(marked, PLACEHOLDER + "|" + MENTION_SPAN, " ")
    marked = pc.replace_substring_regex(marked, r"(\[" + EMOTION_NAME + r"\])", "\x1f\\1\x1f")
    return pc.replace_with_mask(array, mask, marked)


def _holds_ascii(array: pa.Array, characters: str) -> np.ndarray:
    """Which texts of a ``large_string`` array hold one of the ASCII ``characters``, found on the UTF-8
    bytes (no byte of a multi-byte character is ASCII)."""
    found = np.zeros(len(array), dtype=bool)
    data = array.buffers()[2]
    if len(array) == 0 or data is None:
        return found
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset:array.offset + len(array) + 1]
    window = np.frombuffer(data, dtype=np.uint8)[offsets[0]:offsets[-1]]
    hit = np.zeros(len(window), dtype=bool)
    for character in characters.encode("ascii"):
        hit |= window == character
    found[np.searchsorted(offsets, np.flatnonzero(hit) + offsets[0], side="right") - 1] = True
    return found


def _cut_between_blocks(text: str) -> list[str]:
    """jieba's segmentation of text between Han blocks: one token per character (``\\r\\n`` as one)."""
    out: list[str] = []
    for piece in SPACE.split(text):
        if SPACE.fullmatch(piece):
            out.append(piece)
        else:
            out += list(piece)
    return out


def _special_pieces(text: str) -> Iterator[tuple[str, bool]]:
    """``text`` split around :data:`SPECIAL` matches: (plain piece, False) and ([表情] code, True);
    placeholders and @mentions are left out."""
    if "[" not in text and "<" not in text and "@" not in text:
        yield text, False
        return
    last = 0
    for match in SPECIAL.finditer(text):
        if match.start() > last:
            yield text[last:match.start()], False
        if match.group(1):
            yield match.group(1), True
        last = match.end()
    if last < len(text):
        yield text[last:], False


_WORKER_JOB: tuple[Tokenizer, Sequence[str | None]] | None = None


def _tokenize_piece(bounds: tuple[int, int]) -> pa.Array:
    assert _WORKER_JOB is not None
    tokenizer, texts = _WORKER_JOB
    return _tokenize_chunk(tokenizer, texts[bounds[0]:bounds[1]])


def _tokenize_chunk(tokenizer: Tokenizer, texts: Sequence[str | None]) -> pa.Array:
    return tokenizer.tokenize_batch(texts)


def parallel_jobs(n_jobs: int | None, n_texts: int) -> int:
    """Processes to use: ``n_jobs`` (negative counts back from all cores), default all cores for
    at least :data:`PARALLEL_MIN_TEXTS` texts, else one."""
    cores = os.cpu_count() or 1
    if n_jobs is None:
        return cores if n_texts >= PARALLEL_MIN_TEXTS else 1
    if n_jobs < 0:
        return max(1, cores + 1 + n_jobs)
    return max(1, min(n_jobs, max(1, n_texts)))


@lru_cache(maxsize=2)
def default_tokenizer(backend: str = "fast") -> Tokenizer:
    """The shared tokenizer with the project's lexicons."""
    return Tokenizer(backend=backend)


def tokenize(
    texts: Iterable[str | None], *, backend: str = "fast", n_jobs: int | None = None
) -> list[list[str]]:
    """Filtered jieba tokens of each text (user dictionary, stop words and filters applied).

    ``backend="fast"`` (jieba-rs) gives the same tokens as ``backend="jieba"``; ``n_jobs`` processes
    (default: all cores when there are at least 20,000 texts).
    """
    return default_tokenizer(backend).tokenize_many(texts, n_jobs=n_jobs)
