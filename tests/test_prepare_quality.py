"""Prepare scored against the sample's ground truth and on real text (redaction, tokens)."""

from __future__ import annotations

import json
import re
from collections import Counter

import pandas as pd
import pytest

from textkit.ingest import read_posts
from textkit.paths import SAMPLE_DIR
from textkit.redact import find_pii, redact_series
from textkit.tokenize import Tokenizer

TRUTH_TYPES = {"phone": "PHONE", "landline": "PHONE", "id_card": "ID", "email": "EMAIL", "qq": "QQ",
               "wechat": "WECHAT", "plate": "PLATE", "bank_card": "CARD"}
PHONE_OR_ID = re.compile(r"(?<![0-9])(?:1[3-9][0-9]{9}|[1-9][0-9]{16}[0-9Xx])(?![0-9])")


@pytest.fixture(scope="module")
def sample_posts_with_truth():
    posts, _ = read_posts([SAMPLE_DIR])
    truth = pd.read_csv(SAMPLE_DIR / "truth" / "ground_truth.csv.gz", dtype=str, keep_default_na=False)
    merged = posts[["platform", "post_id", "text"]].astype(str).merge(truth, on=["platform", "post_id"])
    assert len(merged) > 0.9 * len(truth)
    return merged


def test_pii_recall_and_precision_per_type_on_the_ground_truth(sample_posts_with_truth):
    true_spans, found_spans = Counter(), Counter()
    hits = Counter()
    for text, pii in zip(sample_posts_with_truth["text"], sample_posts_with_truth["pii"], strict=True):
        expected = {(TRUTH_TYPES[s["type"]], s["value"]) for s in json.loads(pii)}
        found = {(kind, text[start:end]) for kind, start, end in find_pii(text)}
        for kind, value in expected:
            true_spans[kind] += 1
            # a match is the right type covering the true value (separators may widen the span)
            hits[kind] += any(k == kind and (value in v or v in value) for k, v in found)
        for kind, value in found:
            found_spans[kind] += 1
            hits[kind + ":tp"] += any(k == kind and (value in v or v in value) for k, v in expected)
    for kind in sorted(true_spans):
        recall = hits[kind] / true_spans[kind]
        precision = hits[kind + ":tp"] / max(found_spans[kind], 1)
        assert recall >= 0.99, f"{kind}: recall {recall:.3f}"
        assert precision >= 0.95, f"{kind}: precision {precision:.3f}"


@pytest.mark.parametrize("relative, column", [
    ("data/real/wuhan-helpseeking-2020/helpseeking_posts_2020_masked.csv", "post"),
    ("data/real/guangzhou-2022-weibo/guangzhou_weibo_2022.csv", "text"),
])
def test_no_phone_or_id_shaped_string_survives_redaction_in_real_posts(shared, relative, column):
    texts = pd.read_csv(shared / relative, dtype=str, keep_default_na=False)[column]
    redacted, _, _ = redact_series(texts)
    survivors = int(redacted.str.count(PHONE_OR_ID.pattern).sum())
    assert survivors == 0, f"{survivors} phone- or ID-shaped strings left after redaction"


@pytest.mark.parametrize("backend", ["fast", "rjieba"])
def test_fast_tokens_equal_jieba_tokens_on_real_posts(shared, backend):
    texts = pd.read_csv(shared / "data/real/guangzhou-2022-weibo/guangzhou_weibo_2022.csv", dtype=str,
                        keep_default_na=False)["text"].head(3000).tolist()
    fast = Tokenizer(backend=backend)
    reference = Tokenizer(backend="jieba")
    assert sum(fast.cut(text) != reference.cut(text) for text in texts) == 0
    tokens = fast.tokenize_many(texts, n_jobs=1)
    expected = reference.tokenize_many(texts, n_jobs=1)
    assert sum(a != b for a, b in zip(tokens, expected, strict=True)) == 0
