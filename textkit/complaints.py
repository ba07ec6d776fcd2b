"""Complaint detection: a lexicon with negation and degree handling, a sentiment score, a classifier.

Everything incident-specific is data in ``data/lexicon/`` (see ``data/lexicon/README_complaints.md``):

* ``complaint_categories.csv`` — the six categories with Chinese and English labels;
* ``complaints.csv`` — weighted terms per category (``role`` topic / problem), help-request cues
  (``category=help``) and general complaint cues (``category=complaint``);
* ``sentiment.csv`` — polarity weights; ``negations.txt``; ``degree.csv`` — degree-adverb multipliers;
* ``complaints_train.csv`` — a small labelled set of invented texts the default classifier learns from.

:func:`detect` combines the rules with :class:`ComplaintClassifier` and returns one row per post::

    platform, post_id, created_at, complaint (0/1), category (six or none), help_request (0/1),
    complaint_score, sentiment, score_<category> for each category

A repost is judged on its whole ``text_clean`` (the author's words plus the quoted chain), so a bare
repost of a complaint counts as a complaint: amplification of that complaint.
"""

from __future__ import annotations

import os
import re
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from textkit.clean import MENTION_SPAN
from textkit.paths import LEXICON_DIR

CATEGORIES = ("outage", "medical", "supplies", "testing", "lockdown", "governance")
NONE = "none"
SCORE_COLUMNS = tuple(f"score_{c}" for c in CATEGORIES)
OUTPUT_COLUMNS = (
    "platform", "post_id", "created_at", "complaint", "category", "help_request",
    "complaint_score", "sentiment", *SCORE_COLUMNS,
)
NEGATION_WINDOW = 4  # characters before a term, within the same clause, searched for negators
DEGREE_WINDOW = 3
VADER_ALPHA = 15.0  # sentiment = raw / sqrt(raw² + alpha), as in VADER
_CLAUSE_BREAK = re.compile(r"[，。！？；、,.!?;:：\s…~～]")


def _read_lexicon_csv(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise FileNotFoundError(f"lexicon file missing: {path}") from None
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
    empty = table[required[0]].str.strip() == ""
    if empty.any():
        raise ValueError(f"{path}, line {int(empty.to_numpy().argmax()) + 2}: empty {required[0]!r}")
    return table


@dataclass(frozen=True)
class Lexicon:
    """All lexicon files of one ``data/lexicon`` folder, parsed."""

    categories: pd.DataFrame  # category, label_zh, label_en, description_en
    terms: dict[str, list[tuple[str, float, str, bool]]]  # term -> [(category, weight, role, negatable)]
    sentiment: dict[str, float]
    negations: tuple[str, ...]
    degree: dict[str, float]

    @classmethod
    def load(cls, lexicon_dir: str | os.PathLike | None = None) -> Lexicon:
        """Read the lexicon files; errors name the file, line and reason."""
        folder = Path(lexicon_dir) if lexicon_dir is not None else LEXICON_DIR
        categories = _read_lexicon_csv(
            folder / "complaint_categories.csv", ("category", "label_zh", "label_en"))
        unknown = set(categories["category"]) ^ set(CATEGORIES)
        if unknown:
            raise ValueError(f"{folder / 'complaint_categories.csv'}: categories must be exactly "
                             f"{', '.join(CATEGORIES)} (differs in {', '.join(sorted(unknown))})")
        path = folder / "complaints.csv"
        table = _read_lexicon_csv(path, ("term", "category", "weight", "role", "negatable"))
        allowed = {*CATEGORIES, "help", "complaint"}
        terms: dict[str, list[tuple[str, float, str, bool]]] = {}
        for number, row in enumerate(table.itertuples(index=False), start=2):
            if row.category not in allowed:
                raise ValueError(f"{path}, line {number}: unknown category {row.category!r}")
            if row.role not in ("topic", "problem", "cue"):
                raise ValueError(
                    f"{path}, line {number}: role must be topic, problem or cue, not {row.role!r}")
            terms.setdefault(row.term.strip(), []).append(
                (row.category, _number(row.weight, path, number), row.role, row.negatable.strip() == "1")
            )
        path = folder / "sentiment.csv"
        sentiment = {
            row.term.strip(): _number(row.weight, path, number)
            for number, row in enumerate(
                _read_lexicon_csv(path, ("term", "weight")).itertuples(index=False), 2)
        }
        path = folder / "degree.csv"
        degree = {
            row.term.strip(): _number(row.multiplier, path, number)
            for number, row in enumerate(
                _read_lexicon_csv(path, ("term", "multiplier")).itertuples(index=False), 2)
        }
        lines = (folder / "negations.txt").read_text(encoding="utf-8").splitlines()
        negations = tuple(w.strip() for w in lines if w.strip() and not w.startswith("#"))
        return cls(categories, terms, sentiment, negations, degree)


def _number(value: str, path: Path, line: int) -> float:
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"{path}, line {line}: {value!r} is not a number") from None


def _alternation(words) -> re.Pattern:
    ordered = sorted(set(words), key=lambda w: (-len(w), w))
    return re.compile("|".join(map(re.escape, ordered))) if ordered else re.compile(r"(?!x)x")


# --- texts as code-point arrays -------------------------------------------------------------------------

UNICODE_SIZE = 0x110000
SEPARATOR = UNICODE_SIZE  # the code between texts: no character has it
TABLE_SIZE = UNICODE_SIZE + 1  # tables indexed by code point or separator


def as_strings(texts) -> pa.Array:
    """Texts as one Arrow ``large_string`` array; missing values become ``""``, other values ``str``."""
    if isinstance(texts, pa.ChunkedArray | pa.Array):
        array = texts
    else:
        series = texts if isinstance(texts, pd.Series) else pd.Series(list(texts), dtype=object)
        try:
            array = pa.array(series, type=pa.large_string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            array = pa.array(series.fillna("").astype(str), type=pa.large_string())
    if isinstance(array, pa.ChunkedArray):
        array = pa.chunked_array([c.cast(pa.large_string()) for c in array.chunks], pa.large_string())
        array = array.combine_chunks()
    return array.cast(pa.large_string()).fill_null("")


def codepoints(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The code points of all texts of a ``large_string`` array without nulls, in one uint32 array
    with :data:`SEPARATOR` before each text and after the last, and the separators' positions
    (``len(array) + 1`` values: text i lies between separators i and i + 1)."""
    lengths = pc.utf8_length(array).to_numpy(zero_copy_only=False)
    separators = np.zeros(len(array) + 1, np.int64)
    np.cumsum(lengths + 1, out=separators[1:])
    codes = np.full(separators[-1] + 1, SEPARATOR, np.uint32)
    if separators[-1] > len(array):
        _, byte_offsets, data = array.buffers()
        first, last = np.frombuffer(byte_offsets, np.int64)[[array.offset, array.offset + len(array)]]
        utf8 = data.slice(int(first), int(last - first)).to_pybytes()
        is_char = np.ones(len(codes), bool)
        is_char[separators] = False
        codes[is_char] = np.frombuffer(utf8.decode("utf-8").encode("utf-32-le"), np.uint32)
    return codes, separators


def run_starts(values: np.ndarray) -> np.ndarray:
    """Where each run of equal values of a sorted array starts (the first value always does)."""
    starts = np.empty(len(values), bool)
    starts[:1] = True
    np.not_equal(values[1:], values[:-1], out=starts[1:])
    return starts


def _members(keys: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """Index of each key in ``sorted_keys``, −1 where absent."""
    if not len(sorted_keys):
        return np.full(len(keys), -1, np.int64)
    index = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return np.where(sorted_keys[index] == keys, index, -1)


@cache
def _lowercase_table() -> np.ndarray:
    """Code point → the code point of its lower case; U+0130 (lower case of two characters) and the
    separator → themselves."""
    every = np.arange(UNICODE_SIZE, dtype=np.uint32).tobytes().decode("utf-32-le", "surrogatepass")
    lower = every.replace("\u0130", "\u0000").lower()
    table = np.frombuffer(lower.encode("utf-32-le", "surrogatepass"), np.uint32).astype(np.int64)
    table[0x130] = 0x130
    return np.append(table, SEPARATOR)


DENSE_TRIE_LIMIT = 1 << 24  # transitions kept as a dense table up to this many cells


class _Trie:
    """Strings as a transition table over their characters, walked for many text positions at once.

    Nodes are numbered from 1 (0: no such prefix, 1: the empty prefix), ``node_of[prefix]``.
    :meth:`start` gives the node after one code point, :meth:`step` the next nodes after more; steps
    go through a dense table when it is small enough, else through sorted edge keys. With
    ``lowercase`` each code point is read as its lower case (none when that is two characters, U+0130).
    """

    def __init__(self, strings, *, lowercase: bool = False):
        self.strings = list(dict.fromkeys(strings))
        characters = sorted({c for s in self.strings for c in s})
        number = {c: i for i, c in enumerate(characters, start=1)}
        self.base = len(characters) + 1
        self.longest = max(map(len, self.strings), default=0)
        self.node_of = {"": 1}
        for s in self.strings:
            for end in range(1, len(s) + 1):
                self.node_of.setdefault(s[:end], len(self.node_of) + 1)
        prefixes = [p for p in self.node_of if p]
        edges = np.array([self.node_of[p[:-1]] * self.base + number[p[-1]] for p in prefixes], np.int64)
        children = np.array([self.node_of[p] for p in prefixes], np.int64)
        order = np.argsort(edges)
        self.edges, self.children = edges[order], children[order]
        self.table = None
        if (len(self.node_of) + 1) * self.base <= DENSE_TRIE_LIMIT:
            self.table = np.zeros((len(self.node_of) + 1) * self.base, np.int32)
            self.table[self.edges] = self.children
        # code point -> character number, and -> node after the empty prefix
        self.char_ids = np.zeros(TABLE_SIZE, np.int32)
        self.char_ids[[ord(c) for c in characters]] = np.arange(1, self.base)
        if lowercase:
            self.char_ids = self.char_ids[_lowercase_table()]
            self.char_ids[0x130] = 0
        roots = np.zeros(self.base, np.int64)
        roots[1:] = self._step(np.ones(self.base - 1, np.int64), np.arange(1, self.base))
        self.first = roots[self.char_ids].astype(np.int32)

    def labels(self, values: dict[str, int]) -> np.ndarray:
        """Per node: the value of the string ending there, −1 for other nodes (and node 0)."""
        out = np.full(len(self.node_of) + 1, -1, np.int64)
        for string, value in values.items():
            out[self.node_of[string]] = value
        return out

    def start(self, codes: np.ndarray) -> np.ndarray:
        """The node of each code point as a one-character prefix (0: none)."""
        return self.first[codes]

    def step(self, nodes: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """The nodes reached from ``nodes`` by the next code points ``codes`` (0: no such prefix)."""
        return self._step(nodes, self.char_ids[codes])

    def _step(self, nodes: np.ndarray, chars: np.ndarray) -> np.ndarray:
        keys = nodes * np.int64(self.base) + chars
        if self.table is not None:
            return self.table[keys]
        found = _members(keys, self.edges)
        return np.where(found >= 0, self.children[np.maximum(found, 0)], 0)


class _WordMatcher:
    """Finds the words of one or more lists in many texts at once, for each list as ``re.finditer`` over
    its alternation sorted longest first does in each text: at a position the longest word wins, and
    scanning goes on after it. The lists share one trie, walked once."""

    def __init__(self, *word_lists):
        self.lists = [list(dict.fromkeys(words)) for words in word_lists]
        self.trie = _Trie([w for words in self.lists for w in words])
        self.words = self.lists[0]
        self.longest = self.trie.longest
        self.word_at = [self.trie.labels({w: i for i, w in enumerate(words)}) for words in self.lists]

    def find(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Start positions and word indices (into :attr:`words`, the first list) of the matches in
        :func:`codepoints`, in position order."""
        return self.find_each(codes)[0]

    def find_each(self, codes: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """:meth:`find` for each list, from one walk."""
        nodes = self.trie.start(codes)
        position = np.flatnonzero(nodes)
        nodes = nodes[position]
        alive = np.arange(len(position))
        best_length = [np.zeros(len(position), np.int64) for _ in self.lists]
        best_word = [np.zeros(len(position), np.int64) for _ in self.lists]
        for length in range(1, self.longest + 1):
            if length > 1:  # never past the end: the last code is a separator, which ends every walk
                nodes = self.trie.step(nodes, codes[position[alive] + length - 1])
                ok = nodes != 0
                alive, nodes = alive[ok], nodes[ok]
            for word_at, lengths, words in zip(self.word_at, best_length, best_word, strict=True):
                word = word_at[nodes]
                hit = word >= 0
                lengths[alive[hit]] = length
                words[alive[hit]] = word[hit]
        found = []
        for lengths, words in zip(best_length, best_word, strict=True):
            matched = lengths > 0
            start, length, word = position[matched], lengths[matched], words[matched]
            keep = _scan_order(start, start + length)
            found.append((start[keep], word[keep]))
        return found


def _scan_order(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Which candidate matches (sorted by start) a left-to-right scan keeps: those starting at or after
    the end of the previous kept one."""
    keep = np.ones(len(start), bool)
    if len(start) < 2:
        return keep
    reach = np.maximum.accumulate(end)
    overlapping = np.zeros(len(start), bool)
    overlapping[1:] = start[1:] < reach[:-1]
    # a candidate starting past every earlier end is kept; only the ones after it need a scan
    index = np.flatnonzero(overlapping)
    after_kept = ~overlapping[index - 1]
    dropped = []
    last_end = 0
    candidates = zip(index.tolist(), start[index].tolist(), end[index].tolist(), end[index - 1].tolist(),
                     after_kept.tolist(), strict=True)
    for i, begins, ends, previous_end, fresh in candidates:
        if fresh:
            last_end = previous_end
        if begins >= last_end:
            last_end = ends
        else:
            dropped.append(i)
    keep[dropped] = False
    return keep


@cache
def _clause_break_codepoints() -> np.ndarray:
    return np.array([c for c in range(0x10000) if _CLAUSE_BREAK.fullmatch(chr(c))], np.int64)


@cache
def _whitespace_table() -> np.ndarray:
    table = np.zeros(TABLE_SIZE, bool)
    table[[c for c in range(0x10000) if chr(c).isspace()]] = True
    return table


# --- lexicon rules ----------------------------------------------------------------------------------------

RULE_COLUMNS = (*CATEGORIES, "problem", "help", "cue", "sentiment_raw")
LEARNED_COLUMNS = ("complaint", *CATEGORIES, "help")
_HELP, _CUE = len(CATEGORIES), len(CATEGORIES) + 1  # columns of the per-text sums next to the categories


class RuleScorer:
    """Scores text with the lexicon: category and cue scores with negation/degree, and sentiment.

    Terms and sentiment words match as plain substrings, longest first, without overlaps. A negator in
    the ``NEGATION_WINDOW`` characters before a term (same clause) cancels a negatable term and flips
    and halves a sentiment word (two negators cancel); the strongest degree adverb in the
    ``DEGREE_WINDOW`` characters before scales problem, cue and sentiment terms.
    """

    def __init__(self, lexicon: Lexicon):
        self.lexicon = lexicon
        self._words = _WordMatcher(lexicon.terms, lexicon.sentiment)  # terms, sentiment words
        terms, sentiment_words = self._words.lists
        # one pattern for both so that a degree word wins over a negator inside it (非常 is not 非)
        self._modifiers = _alternation([*lexicon.negations, *lexicon.degree])
        self._negators = frozenset(lexicon.negations) - frozenset(lexicon.degree)
        entries = [(word, category, weight, role, negatable)
                   for word, term in enumerate(terms)
                   for category, weight, role, negatable in lexicon.terms[term]]
        column = {**{c: i for i, c in enumerate(CATEGORIES)}, "help": _HELP, "complaint": _CUE}
        entry_word = np.array([e[0] for e in entries], np.int64)
        self._entry_first = np.searchsorted(entry_word, np.arange(len(terms)))
        self._entry_count = np.searchsorted(entry_word, np.arange(len(terms)), side="right") - (
            self._entry_first)
        self._entry_column = np.array([column[e[1]] for e in entries], np.int64)
        self._entry_weight = np.array([e[2] for e in entries], float)
        self._entry_topic = np.array([e[3] == "topic" for e in entries], bool)
        self._entry_problem = np.array([e[3] == "problem" and e[1] in CATEGORIES for e in entries], bool)
        self._entry_negatable = np.array([e[4] for e in entries], bool)
        self._sentiment_weight = np.array([lexicon.sentiment[w] for w in sentiment_words], float)
        # what matters in the characters before a match: modifier characters and clause breaks
        characters = sorted({c for w in [*lexicon.negations, *lexicon.degree] for c in w})
        self._window_chars = ("\x00", *characters, "，")  # other character, modifier characters, break
        self._window_class = np.zeros(TABLE_SIZE, np.int64)
        self._window_class[[ord(c) for c in characters]] = np.arange(1, len(characters) + 1)
        self._window_class[[*_clause_break_codepoints(), SEPARATOR]] = len(self._window_chars) - 1

    def _effects(self, window: str) -> tuple[bool, float]:
        """(negated, degree multiplier) of a match preceded by ``window``."""
        clause = _CLAUSE_BREAK.split(window[-NEGATION_WINDOW:])[-1]
        negators = sum(w in self._negators for w in self._modifiers.findall(clause))
        clause = _CLAUSE_BREAK.split(window[-DEGREE_WINDOW:])[-1]
        found = self._modifiers.findall(clause)
        degree = max((self.lexicon.degree[w] for w in found if w in self.lexicon.degree), default=1.0)
        return negators % 2 == 1, degree

    def _modified(self, positions: np.ndarray, codes: np.ndarray):
        """Negation flags and degree multipliers of matches at ``positions``.

        The characters before each match are reduced to their class (other, a modifier character,
        clause break — text boundaries included); each distinct window is then judged once.
        """
        size = max(NEGATION_WINDOW, DEGREE_WINDOW)
        base, outside = len(self._window_chars), len(self._window_chars) - 1
        key = np.zeros(len(positions), np.int64)
        clause = np.ones(len(positions), bool)  # still in the match's clause
        modified = np.zeros(len(positions), bool)
        for back in range(1, size + 1):
            klass = self._window_class[codes[np.maximum(positions - back, 0)]]
            clause &= klass != outside
            klass = np.where(clause, klass, outside)
            key += klass * base ** (back - 1)
            modified |= clause & (klass != 0)
        negated = np.zeros(len(positions), bool)
        degree = np.ones(len(positions))
        modified = np.flatnonzero(modified)  # windows with no modifier character change nothing
        windows, inverse = np.unique(key[modified], return_inverse=True)
        effects = [self._effects("".join(self._window_chars[k // base ** (back - 1) % base]
                                         for back in range(size, 0, -1)))
                   for k in windows.tolist()]
        negated[modified] = np.array([e[0] for e in effects], bool).reshape(-1)[inverse]
        degree[modified] = np.array([e[1] for e in effects], float).reshape(-1)[inverse]
        return negated, degree

    def score_codepoints(self, codes: np.ndarray, separators: np.ndarray) -> np.ndarray:
        """Rule scores (columns :data:`RULE_COLUMNS`) of the texts given as :func:`codepoints`."""
        n_texts = len(separators) - 1
        (term_at, term), (word_at, word) = self._words.find_each(codes)
        negated, degree = self._modified(np.concatenate([term_at, word_at]), codes)
        term_negated, word_negated = negated[:len(term_at)], negated[len(term_at):]
        term_degree, word_degree = degree[:len(term_at)], degree[len(term_at):]

        first, count = self._entry_first[term], self._entry_count[term]  # a term's entries are consecutive
        match = np.repeat(np.arange(len(term)), count)
        entry = first[match] + np.arange(len(match)) - np.repeat(np.cumsum(count) - count, count)
        used = ~(self._entry_negatable[entry] & term_negated[match])
        match, entry = match[used], entry[used]
        value = self._entry_weight[entry] * np.where(self._entry_topic[entry], 1.0, term_degree[match])
        text = np.searchsorted(separators, term_at[match]) - 1
        width = len(CATEGORIES) + 2
        sums = np.bincount(text * width + self._entry_column[entry], weights=value,
                           minlength=n_texts * width).reshape(n_texts, width)
        problem = self._entry_problem[entry]
        by_category = np.bincount(text[problem] * len(CATEGORIES) + self._entry_column[entry[problem]],
                                  weights=value[problem], minlength=n_texts * len(CATEGORIES))

        value = self._sentiment_weight[word] * word_degree
        value = np.where(word_negated, -0.5 * value, value)
        text = np.searchsorted(separators, word_at) - 1
        sentiment = np.bincount(text, weights=value, minlength=n_texts)

        out = np.zeros((n_texts, len(RULE_COLUMNS)))
        out[:, :len(CATEGORIES)] = sums[:, :len(CATEGORIES)]
        by_category = by_category.reshape(n_texts, len(CATEGORIES))
        out[:, RULE_COLUMNS.index("problem")] = by_category.max(axis=1, initial=0.0)
        out[:, RULE_COLUMNS.index("help")] = sums[:, _HELP]
        out[:, RULE_COLUMNS.index("cue")] = sums[:, _CUE]
        out[:, RULE_COLUMNS.index("sentiment_raw")] = sentiment
        return out

    def score_many(self, texts) -> pd.DataFrame:
        """:meth:`score` of each text, one row per text (columns :data:`RULE_COLUMNS`)."""
        return pd.DataFrame(self.score_codepoints(*codepoints(as_strings(texts))), columns=list(RULE_COLUMNS))

    def score(self, text: str) -> dict[str, float]:
        """Category scores (problem and topic), ``problem``, ``help``, ``cue`` and ``sentiment_raw``."""
        return {k: float(v) for k, v in self.score_many([text]).iloc[0].items()}


def sentiment_score(raw):
    """Map a summed lexicon polarity to [-1, 1] (VADER's normalisation); scalar or array."""
    return raw / np.sqrt(np.multiply(raw, raw) + VADER_ALPHA)


@cache
def _default_scorer() -> RuleScorer:
    return RuleScorer(Lexicon.load())


def rule_scores(texts, scorer: RuleScorer | None = None, *, n_jobs: int = 1) -> pd.DataFrame:
    """Lexicon scores for each text (one row per text, same order); each distinct text scored once."""
    scorer = scorer or _default_scorer()
    codes, uniques = _factorize(texts)
    table = _map_chunks(lambda part: scorer.score_codepoints(*codepoints(part)), uniques, n_jobs,
                        "complaint rules")
    return pd.DataFrame(table[codes], columns=list(RULE_COLUMNS))


def _without_user_names(texts: pa.Array) -> pa.Array:
    """``@name`` mentions (those of repost chains too) as a bare ``@``: a user name, pseudonymised with the
    project's key or not, is no evidence of a complaint, and scores must not change with the key."""
    return pc.replace_substring_regex(texts, MENTION_SPAN, "@")


def _factorize(texts) -> tuple[np.ndarray, pa.Array]:
    """Codes into the distinct texts, and the distinct texts (Arrow)."""
    shared = _shared_dictionary(texts)
    if shared is not None:
        return shared
    encoded = pc.dictionary_encode(as_strings(texts))
    return encoded.indices.to_numpy(zero_copy_only=False), encoded.dictionary


def _same_array(left: pa.Array, right: pa.Array) -> bool:
    """Equal arrays; at once when both are views of the same memory."""
    def memory(array: pa.Array) -> tuple:
        addresses = [b.address if b is not None else None for b in array.buffers()]
        return array.type, array.offset, len(array), addresses

    return memory(left) == memory(right) or left.equals(right)


def _shared_dictionary(texts) -> tuple[np.ndarray, pa.Array] | None:
    """Codes and texts of dictionary-encoded texts without nulls whose chunks share one dictionary
    (as Parquet's reader gives a column read with ``read_dictionary``), else None.

    The Parquet reader has already hashed the texts then; a dictionary that repeats a text only costs
    that text being scored twice."""
    if isinstance(texts, pd.Series) and isinstance(texts.dtype, pd.ArrowDtype):
        texts = pa.array(texts)
    if not isinstance(texts, pa.ChunkedArray | pa.Array) or not pa.types.is_dictionary(texts.type):
        return None
    chunks = texts.chunks if isinstance(texts, pa.ChunkedArray) else [texts]
    if not chunks or texts.null_count:
        return None
    dictionary = chunks[0].dictionary
    if not (pa.types.is_string(dictionary.type) or pa.types.is_large_string(dictionary.type)):
        return None
    if dictionary.null_count or not all(_same_array(c.dictionary, dictionary) for c in chunks[1:]):
        return None
    codes = np.concatenate([c.indices.to_numpy(zero_copy_only=False) for c in chunks]).astype(np.int64)
    return codes, dictionary.cast(pa.large_string())


CHUNK_TEXTS = 10_000


def _map_chunks(function, texts: pa.Array, n_jobs: int, desc: str, axis: int = 0) -> np.ndarray:
    """``function(chunk)`` (an array with one row per text, or with ``axis=1`` one column per text) over
    chunks of ``texts``, joined in order; ``n_jobs`` > 1 runs chunks on that many threads (the work is
    mostly in numpy, which releases the GIL)."""
    chunks = [texts.slice(i, CHUNK_TEXTS) for i in range(0, len(texts), CHUNK_TEXTS)] or [texts]
    progress = tqdm(total=len(texts), desc=desc, unit="text", disable=None)

    def run(chunk):
        result = function(chunk)
        progress.update(len(chunk))
        return result

    if n_jobs == 1 or len(chunks) == 1:
        parts = [run(chunk) for chunk in chunks]
    else:
        with ThreadPoolExecutor(max_workers=n_jobs) as pool:
            parts = list(pool.map(run, chunks))
    progress.close()
    return np.concatenate(parts, axis=axis)


def _collapse_whitespace(codes: np.ndarray) -> np.ndarray:
    """Runs of two or more whitespace characters become one space (as sklearn does); a run never
    crosses the separator between texts."""
    space = _whitespace_table()[codes]
    if not (space[1:] & space[:-1]).any():
        return codes
    after_space = np.zeros(len(codes), bool)
    after_space[1:] = space[:-1]
    before_space = np.zeros(len(codes), bool)
    before_space[:-1] = space[1:]
    codes = codes.copy()
    codes[space & ~after_space & before_space] = ord(" ")
    return codes[~(space & after_space)]


class _NgramVocabulary:
    """A fitted character n-gram vocabulary as a lower-casing :class:`_Trie` with each node's column."""

    def __init__(self, vocabulary: dict[str, int]):
        self.trie = _Trie(vocabulary, lowercase=True)
        self.column_at = self.trie.labels(vocabulary)


_VOCABULARIES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _ngram_vocabulary(vectorizer: TfidfVectorizer) -> _NgramVocabulary:
    """The :class:`_NgramVocabulary` of a fitted vectorizer, built once."""
    if vectorizer not in _VOCABULARIES:
        _VOCABULARIES[vectorizer] = _NgramVocabulary(vectorizer.vocabulary_)
    return _VOCABULARIES[vectorizer]


class ComplaintClassifier(ClassifierMixin, BaseEstimator):
    """TF-IDF over character n-grams + logistic regression, for complaint, category and help request.

    ``fit(df)`` takes a labelled table with columns ``text``, ``complaint`` (0/1), ``category`` (one of
    the six or ``none``) and ``help_request`` (0/1); ``predict(texts)`` returns the complaint label;
    ``predict_table(texts)`` returns the complaint probability, each category's probability and the
    help-request probability. Save with :meth:`save`, load with :meth:`load`.
    """

    def __init__(self, ngram_range=(1, 3), min_df=1, C=4.0, random_state=0):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.C = C
        self.random_state = random_state

    def _head(self) -> LogisticRegression:
        return LogisticRegression(C=self.C, class_weight="balanced", max_iter=2000,
                                  random_state=self.random_state)

    def fit(self, X, y=None):
        """Fit on a labelled DataFrame (``text``, ``complaint``, ``category``, ``help_request``).

        One TF-IDF vocabulary is shared by three logistic-regression heads (complaint, category
        among complaints, help request), so predicting vectorises each text once.
        """
        table = _check_training_table(X)
        with threadpool_limits(1):  # a small training set: BLAS threads would only cost time
            return self._fit(table)

    def _fit(self, table: pd.DataFrame) -> ComplaintClassifier:
        self.vectorizer_ = TfidfVectorizer(analyzer="char", ngram_range=self.ngram_range, min_df=self.min_df,
                                           sublinear_tf=True, dtype=np.float32)
        self.vectorizer_.fit(table["text"].tolist())
        features = self._features(table["text"].tolist())
        self.complaint_model_ = self._head().fit(features, table["complaint"].to_numpy())
        is_complaint = (table["complaint"] == 1).to_numpy()
        self.category_model_ = self._head().fit(features[is_complaint], table.loc[is_complaint, "category"])
        if table["help_request"].nunique() == 2:
            self.help_model_ = self._head().fit(features, table["help_request"].to_numpy())
        else:
            self.help_model_ = None
        self.classes_ = np.array([0, 1])
        self.categories_ = np.array(self.category_model_.classes_)
        return self

    def _features(self, texts):
        """TF-IDF features, the same values as ``vectorizer_.transform`` computed on arrays."""
        return self._features_of(*codepoints(as_strings(texts)))

    def _features_of(self, codes: np.ndarray, separators: np.ndarray):
        """TF-IDF features of texts given as :func:`codepoints`: lower case, whitespace runs as one
        space, character n-grams of the fitted vocabulary counted per text (sklearn's char analyzer)."""
        codes = _collapse_whitespace(codes)
        grams = _ngram_vocabulary(self.vectorizer_)
        n_texts, width = len(separators) - 1, len(self.vectorizer_.vocabulary_)
        key_type = np.int32 if (n_texts + 1) * width < 2 ** 31 else np.int64
        text_of = (np.cumsum(codes == SEPARATOR, dtype=key_type) - 1) * key_type(width)
        low, high = self.ngram_range
        nodes = grams.trie.start(codes)
        position = np.flatnonzero(nodes)
        nodes = nodes[position]
        keys = []  # text × width + column of each n-gram found
        for n in range(1, high + 1):
            if n > 1:  # never past the end: the last code is a separator, which ends every walk
                nodes = grams.trie.step(nodes, codes[position + n - 1])
                alive = nodes != 0
                position, nodes = position[alive], nodes[alive]
            if n >= low:
                column = grams.column_at[nodes]
                hit = column >= 0
                keys.append(text_of[position[hit]] + column[hit].astype(key_type))
        keys = np.concatenate(keys)
        keys.sort()
        first = np.flatnonzero(run_starts(keys))
        found = np.diff(np.append(first, len(keys))).astype(np.float32)
        keys = keys[first]
        indptr = np.searchsorted(keys, np.arange(n_texts + 1, dtype=key_type) * key_type(width))
        counts = sparse.csr_matrix((found, keys % key_type(width), indptr), shape=(n_texts, width))
        return self.vectorizer_._tfidf.transform(counts, copy=False)

    def predict_proba(self, texts) -> np.ndarray:
        """Probability of [not complaint, complaint] per text."""
        return self.complaint_model_.predict_proba(self._features(texts))

    def predict(self, texts) -> np.ndarray:
        return (self.predict_proba(texts)[:, 1] >= 0.5).astype(int)

    def predict_table(self, texts) -> pd.DataFrame:
        """Complaint, per-category and help probabilities (columns ``complaint``, the six, ``help``)."""
        return pd.DataFrame(self.predict_codepoints(*codepoints(as_strings(texts))),
                            columns=list(LEARNED_COLUMNS))

    def predict_codepoints(self, codes: np.ndarray, separators: np.ndarray) -> np.ndarray:
        """:meth:`predict_table` as an array, for texts given as :func:`codepoints`."""
        features = self._features_of(codes, separators)
        out = np.zeros((features.shape[0], len(LEARNED_COLUMNS)))
        out[:, 0] = self.complaint_model_.predict_proba(features)[:, 1]
        probs = self.category_model_.predict_proba(features)
        for i, category in enumerate(CATEGORIES, start=1):
            index = np.flatnonzero(self.categories_ == category)
            if len(index):
                out[:, i] = probs[:, index[0]]
        if self.help_model_ is not None:
            out[:, -1] = self.help_model_.predict_proba(features)[:, 1]
        return out

    def save(self, path: str | os.PathLike) -> Path:
        """Pickle the fitted classifier with joblib (only load files you made yourself)."""
        from textkit.io import atomic_path

        with atomic_path(path) as tmp:
            joblib.dump(self, tmp)
        return Path(path)

    @classmethod
    def load(cls, path: str | os.PathLike) -> ComplaintClassifier:
        model = joblib.load(path)
        if not isinstance(model, cls):
            raise TypeError(f"{path}: not a ComplaintClassifier but {type(model).__name__}")
        return model


def _check_training_table(table: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("text", "complaint", "category", "help_request") if c not in table.columns]
    if missing:
        raise ValueError(f"training table lacks column(s) {', '.join(missing)}")
    table = table.reset_index(drop=True)
    for row in table.itertuples():
        where = f"training row {row.Index + 1}"
        if row.category not in (*CATEGORIES, NONE):
            raise ValueError(f"{where}: unknown category {row.category!r}")
        if int(row.complaint) not in (0, 1) or int(row.help_request) not in (0, 1):
            raise ValueError(f"{where}: complaint and help_request must be 0 or 1")
        if int(row.complaint) != int(row.category != NONE):
            raise ValueError(f"{where}: complaint={row.complaint} contradicts category {row.category!r}")
    return table.astype({"complaint": int, "help_request": int, "text": str})


def load_training(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The labelled training CSV (default: the bundled ``data/lexicon/complaints_train.csv``)."""
    path = Path(path) if path is not None else LEXICON_DIR / "complaints_train.csv"
    return _check_training_table(pd.read_csv(path, dtype={"text": str, "category": str}))


@cache
def default_classifier() -> ComplaintClassifier:
    """A classifier fitted on the bundled invented training set (deterministic)."""
    return ComplaintClassifier().fit(load_training())


def score_texts(
    texts,
    *,
    classifier: ComplaintClassifier | None = None,
    scorer: RuleScorer | None = None,
    rule_weight: float = 0.5,
    threshold: float = 0.5,
    n_jobs: int = 1,
) -> pd.DataFrame:
    """Complaint labels and scores for plain texts (columns as :func:`detect` minus the keys).

    ``complaint_score`` = ``rule_weight`` × rule evidence + (1 − ``rule_weight``) × classifier
    probability. Rule evidence is ``1 − exp(−E/1.5)`` with E the strongest category's problem terms plus
    complaint cues plus half the negative sentiment. Category scores mix the rules' category shares and
    the classifier's category probabilities the same way.
    """
    classifier = classifier if classifier is not None else default_classifier()
    scorer = scorer or _default_scorer()
    codes, uniques = _factorize(texts)
    uniques = _without_user_names(uniques)

    def scored(chunk: pa.Array) -> np.ndarray:
        points = codepoints(chunk)
        combined = _combined(scorer.score_codepoints(*points), classifier.predict_codepoints(*points),
                             rule_weight, threshold)
        return combined.T  # one row per column, for the gathers below

    if len(uniques):  # per distinct text (in chunks, on n_jobs threads), then per text
        table = _map_chunks(scored, uniques, n_jobs, "complaints", axis=1)
    else:
        table = np.zeros((len(_COMBINED_COLUMNS), 0))
    per_text = dict(zip(_COMBINED_COLUMNS, table, strict=True))
    category = per_text["category"].astype(np.int64)[codes]
    out = pd.DataFrame({
        "complaint": per_text["complaint"].astype(int)[codes],
        "category": pa.array([*CATEGORIES, NONE]).take(category).to_pandas(),
        "help_request": per_text["help_request"].astype(int)[codes],
        "complaint_score": per_text["complaint_score"][codes],
        "sentiment": per_text["sentiment"][codes],
    })
    for column in SCORE_COLUMNS:
        out[column] = per_text[column][codes]
    return out


_COMBINED_COLUMNS = ("complaint", "category", "help_request", "complaint_score", "sentiment", *SCORE_COLUMNS)


def _combined(rules: np.ndarray, learned: np.ndarray, rule_weight: float, threshold: float) -> np.ndarray:
    """The rule scores (:data:`RULE_COLUMNS`) and classifier probabilities (:data:`LEARNED_COLUMNS`) of
    texts combined as :func:`score_texts` describes: columns :data:`_COMBINED_COLUMNS`, the category as its
    position in ``(*CATEGORIES, NONE)``, the scores rounded to 6 decimals."""
    rules = dict(zip(RULE_COLUMNS, rules.T, strict=True))
    learned = dict(zip(LEARNED_COLUMNS, learned.T, strict=True))
    raw = rules["sentiment_raw"]
    evidence = rules["problem"] + 0.5 * rules["cue"] + 0.5 * np.clip(-raw, 0, None)
    rule_complaint = 1 - np.exp(-evidence / 1.5)
    complaint_score = rule_weight * rule_complaint + (1 - rule_weight) * learned["complaint"]
    cat_rules = np.column_stack([rules[c] for c in CATEGORIES])
    totals = cat_rules.sum(axis=1, keepdims=True)
    shares = np.divide(cat_rules, totals, out=np.zeros_like(cat_rules), where=totals > 0)
    cat_scores = rule_weight * shares + (1 - rule_weight) * np.column_stack([learned[c] for c in CATEGORIES])
    is_complaint = complaint_score >= threshold
    help_rule = 1 - np.exp(-rules["help"] / 1.5)
    help_score = rule_weight * help_rule + (1 - rule_weight) * learned["help"]
    category = np.where(is_complaint, cat_scores.argmax(axis=1), len(CATEGORIES))
    return np.column_stack([is_complaint, category, help_score >= threshold, complaint_score.round(6),
                            sentiment_score(raw).round(6), cat_scores.round(6)]).astype(float)


def detect(df: pd.DataFrame, *, classifier: ComplaintClassifier | None = None, **options) -> pd.DataFrame:
    """Complaints in a prepared table (needs ``platform``, ``post_id``, ``created_at``, ``text_clean``).

    Returns one row per input row, in input order, with the columns listed in :data:`OUTPUT_COLUMNS`.
    """
    missing = [c for c in ("platform", "post_id", "created_at", "text_clean") if c not in df.columns]
    if missing:
        raise ValueError(f"detect needs column(s) {', '.join(missing)} (a prepared.parquet table)")
    scored = score_texts(df["text_clean"], classifier=classifier, **options)
    keys = df[["platform", "post_id", "created_at"]].reset_index(drop=True)
    out = pd.concat([keys, scored], axis=1)
    out["complaint"] = out["complaint"].astype("Int64")
    out["help_request"] = out["help_request"].astype("Int64")
    return out[list(OUTPUT_COLUMNS)]


def category_labels() -> dict[str, dict[str, str]]:
    """category -> {"zh": ..., "en": ...} from ``complaint_categories.csv``."""
    table = Lexicon.load().categories
    return {r.category: {"zh": r.label_zh, "en": r.label_en} for r in table.itertuples(index=False)}
