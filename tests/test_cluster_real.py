"""Clustering quality floor on real labelled Chinese headlines (THUCNews), read in place from ../shared."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import normalized_mutual_info_score

from textkit.cluster import OUTLIER, PostClusterer
from textkit.tokenize import tokenize

pytestmark = pytest.mark.shared


def thucnews_titles(shared, n: int = 3000, seed: int = 0) -> pd.DataFrame:
    path = shared / "data" / "real" / "thucnews-titles-10cls" / "test.txt"
    rows = [line.rstrip("\n").rsplit("\t", 1) for line in path.read_text(encoding="utf-8").splitlines()]
    table = pd.DataFrame(rows, columns=["title", "label"])
    return table.sample(n=n, random_state=seed).reset_index(drop=True)


def test_beats_plain_tfidf_kmeans_on_thucnews(shared):
    titles = thucnews_titles(shared)
    tokens = tokenize(titles["title"].tolist())
    truth = titles["label"].to_numpy()
    plain = TfidfVectorizer(analyzer=lambda t: t).fit_transform(tokens)
    baseline = normalized_mutual_info_score(truth, KMeans(10, n_init=1, random_state=0).fit_predict(plain))
    model = PostClusterer(n_clusters=10).fit(tokens)
    kept = model.labels_ != OUTLIER
    score = normalized_mutual_info_score(truth[kept], model.labels_[kept])
    assert score > baseline + 0.1, (score, baseline)
    assert score > 0.3
    again = PostClusterer(n_clusters=10).fit(tokens)
    assert np.array_equal(model.labels_, again.labels_)
