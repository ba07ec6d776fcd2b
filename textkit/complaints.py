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

import math
import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from tqdm.auto import tqdm

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
_WHITESPACE = re.compile(r"\s\s+")
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


class RuleScorer:
    """Scores text with the lexicon: category and cue scores with negation/degree, and sentiment."""

    def __init__(self, lexicon: Lexicon):
        self.lexicon = lexicon
        self._terms = _alternation(lexicon.terms)
        self._sentiment = _alternation(lexicon.sentiment)
        # one pattern for both so that a degree word wins over a negator inside it (非常 is not 非)
        self._modifiers = _alternation([*lexicon.negations, *lexicon.degree])
        self._negators = frozenset(lexicon.negations) - frozenset(lexicon.degree)

    def _window(self, text: str, start: int, size: int) -> str:
        window = text[max(0, start - size):start]
        parts = _CLAUSE_BREAK.split(window)
        return parts[-1]

    def _negated(self, text: str, start: int) -> bool:
        found = self._modifiers.findall(self._window(text, start, NEGATION_WINDOW))
        return sum(w in self._negators for w in found) % 2 == 1

    def _degree_of(self, text: str, start: int) -> float:
        found = self._modifiers.findall(self._window(text, start, DEGREE_WINDOW))
        return max((self.lexicon.degree[w] for w in found if w in self.lexicon.degree), default=1.0)

    def score(self, text: str) -> dict[str, float]:
        """Category scores (problem and topic), ``problem``, ``help``, ``cue`` and ``sentiment_raw``."""
        out = dict.fromkeys(CATEGORIES, 0.0)
        out.update(problem=0.0, help=0.0, cue=0.0)
        problem_by_cat = dict.fromkeys(CATEGORIES, 0.0)
        for match in self._terms.finditer(text):
            negated = None
            for category, weight, role, negatable in self.lexicon.terms[match.group()]:
                if negatable:
                    if negated is None:
                        negated = self._negated(text, match.start())
                    if negated:
                        continue
                value = weight * (self._degree_of(text, match.start()) if role != "topic" else 1.0)
                if category == "help":
                    out["help"] += value
                elif category == "complaint":
                    out["cue"] += value
                else:
                    out[category] += value
                    if role == "problem":
                        problem_by_cat[category] += value
        out["problem"] = max(problem_by_cat.values())
        raw = 0.0
        for match in self._sentiment.finditer(text):
            value = self.lexicon.sentiment[match.group()] * self._degree_of(text, match.start())
            if self._negated(text, match.start()):
                value = -0.5 * value
            raw += value
        out["sentiment_raw"] = raw
        return out


def sentiment_score(raw: float) -> float:
    """Map a summed lexicon polarity to [-1, 1] (VADER's normalisation)."""
    return raw / math.sqrt(raw * raw + VADER_ALPHA)


@cache
def _default_scorer() -> RuleScorer:
    return RuleScorer(Lexicon.load())


RULE_COLUMNS = (*CATEGORIES, "problem", "help", "cue", "sentiment_raw")


def _score_chunk(scorer: RuleScorer, texts) -> pd.DataFrame:
    return pd.DataFrame([scorer.score(t) for t in texts], columns=list(RULE_COLUMNS), dtype=float)


def _predict_chunk(classifier: ComplaintClassifier, texts) -> pd.DataFrame:
    return classifier.predict_table(list(texts))


def _map_chunks(function, model, texts: list[str], n_jobs: int, desc: str) -> pd.DataFrame:
    """``function(model, texts)`` over chunks of 5,000, in ``n_jobs`` processes; rows keep their order."""
    chunks = [texts[i:i + 5000] for i in range(0, len(texts), 5000)] or [[]]
    progress = tqdm(total=len(texts), desc=desc, unit="text", disable=None)
    if n_jobs == 1:
        parts = []
        for chunk in chunks:
            parts.append(function(model, chunk))
            progress.update(len(chunk))
    else:
        parts = joblib.Parallel(n_jobs=n_jobs)(joblib.delayed(function)(model, chunk) for chunk in chunks)
        progress.update(len(texts))
    progress.close()
    return pd.concat(parts, ignore_index=True)


def rule_scores(texts, scorer: RuleScorer | None = None, *, n_jobs: int = 1) -> pd.DataFrame:
    """Lexicon scores for each text (one row per text, same order); each distinct text scored once.

    ``n_jobs`` > 1 scores in worker processes (joblib); it pays only on an otherwise idle machine.
    """
    scorer = scorer or _default_scorer()
    texts = pd.Series(list(texts), dtype=object).fillna("").astype(str)
    codes, uniques = pd.factorize(texts)
    table = _map_chunks(_score_chunk, scorer, list(uniques), n_jobs, "complaint rules")
    return table.iloc[codes].reset_index(drop=True)


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

    def _features(self, texts: list[str]):
        """TF-IDF features, same values as ``vectorizer_.transform`` but counting only n-grams of the
        fitted vocabulary (sklearn's transform is slow when most n-grams of a text are unknown)."""
        vocabulary = self.vectorizer_.vocabulary_
        low, high = self.ngram_range
        indices: list[int] = []
        indptr = [0]
        for text in texts:
            text = _WHITESPACE.sub(" ", text.lower())
            get = vocabulary.get
            for n in range(low, high + 1):
                for i in range(len(text) - n + 1):
                    j = get(text[i:i + n])
                    if j is not None:
                        indices.append(j)
            indptr.append(len(indices))
        counts = sparse.csr_matrix(
            (np.ones(len(indices), dtype=np.float32), np.array(indices, dtype=np.int64), np.array(indptr)),
            shape=(len(texts), len(vocabulary)))
        counts.sum_duplicates()
        return self.vectorizer_._tfidf.transform(counts, copy=False)

    def predict_proba(self, texts) -> np.ndarray:
        """Probability of [not complaint, complaint] per text."""
        return self.complaint_model_.predict_proba(self._features(list(texts)))

    def predict(self, texts) -> np.ndarray:
        return (self.predict_proba(texts)[:, 1] >= 0.5).astype(int)

    def predict_table(self, texts) -> pd.DataFrame:
        """Complaint, per-category and help probabilities (columns ``complaint``, the six, ``help``)."""
        features = self._features(list(texts))
        table = pd.DataFrame({"complaint": self.complaint_model_.predict_proba(features)[:, 1]})
        probs = self.category_model_.predict_proba(features)
        for category in CATEGORIES:
            index = np.flatnonzero(self.categories_ == category)
            table[category] = probs[:, index[0]] if len(index) else 0.0
        has_help = self.help_model_ is not None
        table["help"] = self.help_model_.predict_proba(features)[:, 1] if has_help else 0.0
        return table

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
    texts = pd.Series(list(texts), dtype=object).fillna("").astype(str)
    classifier = classifier if classifier is not None else default_classifier()
    rules = rule_scores(texts, scorer, n_jobs=n_jobs)
    codes, uniques = pd.factorize(texts)
    if len(uniques):
        learned = _map_chunks(_predict_chunk, classifier, list(uniques), n_jobs, "complaint classifier")
        learned = learned.iloc[codes].reset_index(drop=True)
    else:
        learned = pd.DataFrame(columns=["complaint", *CATEGORIES, "help"], dtype=float)
    raw = rules["sentiment_raw"].to_numpy(float)
    evidence = (rules["problem"].to_numpy(float) + 0.5 * rules["cue"].to_numpy(float)
                + 0.5 * np.clip(-raw, 0, None))
    rule_complaint = 1 - np.exp(-evidence / 1.5)
    complaint_score = rule_weight * rule_complaint + (1 - rule_weight) * learned["complaint"].to_numpy(float)
    cat_rules = rules[list(CATEGORIES)].to_numpy(float)
    totals = cat_rules.sum(axis=1, keepdims=True)
    shares = np.divide(cat_rules, totals, out=np.zeros_like(cat_rules), where=totals > 0)
    cat_scores = rule_weight * shares + (1 - rule_weight) * learned[list(CATEGORIES)].to_numpy(float)
    is_complaint = complaint_score >= threshold
    help_rule = 1 - np.exp(-rules["help"].to_numpy(float) / 1.5)
    help_score = rule_weight * help_rule + (1 - rule_weight) * learned["help"].to_numpy(float)
    out = pd.DataFrame({
        "complaint": is_complaint.astype(int),
        "category": np.where(is_complaint, np.array(CATEGORIES)[cat_scores.argmax(axis=1)], NONE),
        "help_request": (help_score >= threshold).astype(int),
        "complaint_score": complaint_score.round(6),
        "sentiment": np.array([sentiment_score(r) for r in raw]).round(6),
    })
    for i, column in enumerate(SCORE_COLUMNS):
        out[column] = cat_scores[:, i].round(6)
    return out


def detect(df: pd.DataFrame, *, classifier: ComplaintClassifier | None = None, **options) -> pd.DataFrame:
    """Complaints in a prepared table (needs ``platform``, ``post_id``, ``created_at``, ``text_clean``).

    Returns one row per input row, in input order, with the columns listed in :data:`OUTPUT_COLUMNS`.
    """
    missing = [c for c in ("platform", "post_id", "created_at", "text_clean") if c not in df.columns]
    if missing:
        raise ValueError(f"detect needs column(s) {', '.join(missing)} (a prepared.parquet table)")
    scored = score_texts(df["text_clean"].astype(object).where(df["text_clean"].notna(), ""),
                         classifier=classifier, **options)
    keys = df[["platform", "post_id", "created_at"]].reset_index(drop=True)
    out = pd.concat([keys, scored], axis=1)
    out["complaint"] = out["complaint"].astype("Int64")
    out["help_request"] = out["help_request"].astype("Int64")
    return out[list(OUTPUT_COLUMNS)]


def category_labels() -> dict[str, dict[str, str]]:
    """category -> {"zh": ..., "en": ...} from ``complaint_categories.csv``."""
    table = Lexicon.load().categories
    return {r.category: {"zh": r.label_zh, "en": r.label_en} for r in table.itertuples(index=False)}
