"""The coverage-vs-complaints chart passes the export checks every chart passes."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest
from PIL import Image
from pypdf import PdfReader

import textkit.ingest.news  # noqa: F401  (registers the article readers)
from textkit import news, synth_news
from textkit.charts import ChartSpec, export_chart
from textkit.charts_news import coverage_chart
from textkit.events import load_events
from textkit.ingest import read_posts


@pytest.fixture(scope="module")
def coverage(tmp_path_factory) -> pd.DataFrame:
    folder = tmp_path_factory.mktemp("coverage")
    synth_news.generate_articles(folder, n_stories=50)
    posts, _ = read_posts([folder / "news"])
    articles = news.assign_stories(news.merge_articles(posts))
    hours = pd.date_range("2021-12-18T00:00:00+08:00", "2022-01-10T00:00:00+08:00", freq="h")
    weights = [40 if t.date() in (pd.Timestamp("2021-12-20").date(), pd.Timestamp("2022-01-04").date())
               else (t.hour % 5) for t in hours]
    times = [t for t, w in zip(hours, weights, strict=True) for _ in range(w)]
    complaints = pd.DataFrame({"platform": "weibo", "created_at": times, "complaint": 1})
    return news.coverage_timeline(articles, complaints, freq="D")


@pytest.fixture(scope="module")
def lags() -> pd.DataFrame:
    return pd.DataFrame({"label_en": ["Example crash"], "label_zh": ["示例崩溃"], "lag_hours": [7.25]})


def _export(coverage, lags, out, lang):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph is a warning: fail on it
        chart = coverage_chart(coverage, load_events(), ChartSpec(lang=lang, preset="web", synthetic=True),
                               lags=lags)
        return chart, export_chart(chart, out, inputs=[{"path": "coverage.csv", "sha256": "0" * 64,
                                                        "bytes": 1}])


def test_chinese_chart_bundle(coverage, lags, tmp_path):
    chart, paths = _export(coverage, lags, tmp_path / "a", "zh")
    assert chart.title.startswith("新闻报道晚于投诉") and "7.2小时" in chart.title  # median lag 7.25 h
    assert chart.texts["source"].startswith("来源：合成示例数据")
    pdf_text = "".join(page.extract_text() for page in PdfReader(paths[".pdf"]).pages)
    assert chart.title.replace(" ", "")[:10] in pdf_text.replace(" ", "").replace("\n", "")
    alt = paths[".alt.txt"].read_text(encoding="utf-8").strip()
    assert alt == chart.alt_text and "示例崩溃" in alt
    assert Image.open(paths[".png"]).info["Description"] == alt
    assert Image.open(paths[".png"]).size == (1400, 1000)
    assert alt in paths[".svg"].read_text(encoding="utf-8")
    provenance = json.loads(paths[".provenance.json"].read_text(encoding="utf-8"))
    assert provenance["synthetic"] is True and provenance["chart"]["kind"] == "coverage"
    assert provenance["time_range"]["start"] == coverage["bin_start"].iloc[0]
    _, again = _export(coverage, lags, tmp_path / "b", "zh")
    for suffix, path in paths.items():
        assert path.read_bytes() == again[suffix].read_bytes(), suffix


def test_csv_holds_the_plotted_values(coverage, lags, tmp_path):
    chart, paths = _export(coverage, lags, tmp_path, "en")
    table = pd.read_csv(paths[".csv"])
    assert table["bin_start"].tolist() == coverage["bin_start"].tolist()
    for column in ("complaints", "placements", "stories"):
        assert table[column].tolist() == coverage[column].astype(int).tolist()
    top, bottom = chart.figure.axes[:2]
    bars = {c.patches[0].get_gid(): [round(p.get_height()) for p in c.patches] for ax in (top, bottom)
            for c in ax.containers}
    assert bars["complaints"] == table["complaints"].tolist()
    assert bars["placements"] == table["placements"].tolist()
    line = next(line for line in bottom.lines if line.get_gid() == "stories")
    assert [round(v) for v in line.get_ydata()] == table["stories"].tolist()


def test_chart_needs_daily_bins_with_articles(coverage):
    with pytest.raises(ValueError, match="daily bins"):
        coverage_chart(coverage.assign(freq="H"))
    with pytest.raises(ValueError, match="no articles"):
        coverage_chart(coverage.assign(placements=0))
