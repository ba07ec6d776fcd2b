"""Complaint detector quality: precision / recall on synthetic ground truth and on two real corpora.

    python bench/complaint_quality.py [--sample data/raw/sample] [--shared ../shared]

Three detectors are measured in the same run, so each figure can be read against the others: the
lexicon rules alone (``rule_weight=1``), the classifier alone trained on the bundled invented set
(``rule_weight=0``) and the combination that :func:`textkit.complaints.detect` uses (``0.5``).

* **synthetic** — the bundled sample's ``truth/ground_truth.csv.gz`` (complaint, category, help_request),
  texts read by :func:`textkit.ingest.read_posts` (``text``; the author's words plus the repost chain).
* **zhengwu** — ``zhengwu-citizen-messages/fujian2``: 495 citizen messages to a government board. All
  are requests or complaints, so only recall of ``complaint`` is measured; its 一级分类 maps to our
  taxonomy only partly (卫生计生 → medical, 劳动和社会保障 → lockdown (income), 商贸旅游 → supplies);
  the rest (城乡建设, 交通运输, 教育文体, 环境保护) has no counterpart and is reported as a distribution.
* **emotion7** — ``covid19-weibo-emotion7``: negative (fear, disgust, sadness, anger) vs not (optimism,
  surprise, gratitude) as a sanity check of ``sentiment < 0`` and of ``complaint``.

Prints a table and writes ``bench/results/complaint_quality.json``. Only numbers leave this script.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import precision_recall_fscore_support, roc_auc_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textkit.complaints import CATEGORIES, score_texts  # noqa: E402
from textkit.paths import SAMPLE_DIR, SHARED_DIR  # noqa: E402

RESULTS = ROOT / "bench" / "results"
DETECTORS = {"rules": 1.0, "classifier": 0.0, "combined": 0.5}
ZHENGWU_MAP = {"卫生计生": "medical", "劳动和社会保障": "lockdown", "商贸旅游": "supplies"}
NEGATIVE_EMOTIONS = {0, 1, 5, 6}


def _pr(truth, predicted) -> dict:
    p, r, f, _ = precision_recall_fscore_support(truth, predicted, average="binary", zero_division=0)
    return {"precision": round(float(p), 3), "recall": round(float(r), 3), "f1": round(float(f), 3),
            "support": int(np.sum(truth))}


def synthetic(sample: Path) -> dict:
    from textkit.ingest import read_posts

    truth = pd.read_csv(sample / "truth" / "ground_truth.csv.gz", dtype={"post_id": str})
    posts, _ = read_posts([sample])
    table = posts[["platform", "post_id", "text"]].merge(truth, on=["platform", "post_id"], how="inner")
    out = {"records": len(table)}
    for name, weight in DETECTORS.items():
        scored = score_texts(table["text"].fillna(""), rule_weight=weight)
        result = {"complaint": _pr(table["complaint"], scored["complaint"]),
                  "help_request": _pr(table["help_request"], scored["help_request"])}
        complaints = table["complaint"].to_numpy() == 1
        agree = scored["category"].to_numpy()[complaints] == table["category"].to_numpy()[complaints]
        result["category_accuracy_on_true_complaints"] = round(float(agree.mean()), 3)
        for category in CATEGORIES:
            result[category] = _pr(table["category"] == category, scored["category"] == category)
        out[name] = result
    return out


def zhengwu(shared: Path) -> dict:
    path = shared / "data" / "real" / "zhengwu-citizen-messages" / "fujian2_labeled_messages_subset.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    texts = (table["留言主题"] + "。" + table["留言详情"]).tolist()
    labels = table["一级分类"]
    out = {"records": len(table)}
    for name, weight in DETECTORS.items():
        scored = score_texts(texts, rule_weight=weight)
        result = {"complaint_recall": round(float(scored["complaint"].mean()), 3)}
        for source, category in ZHENGWU_MAP.items():
            result[f"{source}->{category}"] = _pr(labels == source, scored["category"] == category)
        unmapped = ~labels.isin(list(ZHENGWU_MAP))
        predicted = scored.loc[unmapped.to_numpy(), "category"].value_counts().sort_index()
        result["unmapped_predicted_categories"] = {k: int(v) for k, v in predicted.items()}
        out[name] = result
    return out


def emotion7(shared: Path) -> dict:
    path = shared / "data" / "real" / "covid19-weibo-emotion7" / "labeledData.csv"
    table = pd.read_csv(path, encoding="utf-8-sig")
    negative = table["label"].isin(NEGATIVE_EMOTIONS).to_numpy()
    out = {"records": len(table), "negative_share": round(float(negative.mean()), 3)}
    for name, weight in DETECTORS.items():
        scored = score_texts(table["review"].fillna("").astype(str), rule_weight=weight)
        out[name] = {
            "sentiment_lt_0": _pr(negative, scored["sentiment"] < 0),
            "sentiment_auc": round(float(roc_auc_score(negative, -scored["sentiment"])), 3),
            "complaint": _pr(negative, scored["complaint"] == 1),
            "complaint_score_auc": round(float(roc_auc_score(negative, scored["complaint_score"])), 3),
        }
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=Path, default=SAMPLE_DIR)
    parser.add_argument("--shared", type=Path, default=SHARED_DIR)
    args = parser.parse_args(argv)
    results: dict = {}
    if (args.sample / "truth" / "ground_truth.csv.gz").exists():
        results["synthetic"] = synthetic(args.sample)
    if (args.shared / "data" / "real").is_dir():
        results["zhengwu"] = zhengwu(args.shared)
        results["emotion7"] = emotion7(args.shared)
    rows = []
    for corpus, metrics in results.items():
        for detector in DETECTORS:
            for measure, value in metrics[detector].items():
                if isinstance(value, dict) and "precision" in value:
                    rows.append((corpus, detector, measure, value["precision"], value["recall"], value["f1"],
                                 value["support"]))
                elif isinstance(value, float):
                    rows.append((corpus, detector, measure, None, None, value, None))
    table = pd.DataFrame(rows, columns=["corpus", "detector", "measure", "precision", "recall", "f1/value",
                                        "support"])
    with pd.option_context("display.max_rows", None, "display.width", 160):
        print(table.to_string(index=False))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "complaint_quality.json").write_text(
        json.dumps(results, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
