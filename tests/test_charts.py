"""Chart export: CJK glyphs, extractable PDF text, alt text, plotted data, determinism, presets, layout."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pymupdf
import pytest
from PIL import Image
from pypdf import PdfReader

from textkit import io as tkio
from textkit.charts import (
    KINDS,
    PRESETS,
    ChartSpec,
    FontError,
    amplification_chart,
    charts_dir,
    clusters_chart,
    export_chart,
    load_labels,
    register_cjk_fonts,
    spike_chart,
    terms_chart,
    timeline_chart,
)
from textkit.charts.export import SUFFIXES
from textkit.charts.style import _break_units, format_count
from textkit.cli import main as cli_main

CATEGORIES = ("outage", "medical", "supplies", "testing", "lockdown", "governance")
TERMS = ("一码通", "崩溃", "核酸", "排队", "扫码", "健康码", "卡顿", "买菜")


def make_timeline(days: int = 12, seed: int = 1) -> pd.DataFrame:
    """Hourly long-format timeline with an outage spike on day 5 (numbers only)."""
    rng = np.random.default_rng(seed)
    hours = pd.date_range("2021-12-15", periods=days * 24, freq="h", tz="Asia/Shanghai")
    rows = []
    totals_posts = np.zeros(len(hours), int)
    totals_unique = np.zeros(len(hours), int)
    for i, category in enumerate(CATEGORIES):
        posts = rng.poisson(2 + i, len(hours))
        if category == "outage":
            posts[5 * 24 + 8: 5 * 24 + 18] += 40
        unique = posts // 2
        totals_posts += posts
        totals_unique += unique
        rows += [(t.isoformat(), "H", category, int(p), int(u)) for t, p, u in zip(hours, posts, unique,
                                                                                      strict=True)]
    rows += [(t.isoformat(), "H", "all_complaints", int(p), int(u))
             for t, p, u in zip(hours, totals_posts, totals_unique, strict=True)]
    frame = pd.DataFrame(rows, columns=["bin_start", "freq", "category", "posts", "unique_voices"])
    frame["amplified"] = frame["posts"] - frame["unique_voices"]
    return frame


def make_events() -> pd.DataFrame:
    times = pd.to_datetime(["2021-12-20T08:00:00+08:00", "2021-12-23T00:00:00+08:00"])
    times = times.tz_convert("Asia/Shanghai")
    return pd.DataFrame({
        "start": times, "end": [pd.NaT, pd.Timestamp("2022-01-24T00:00:00+08:00")],
        "label_zh": ["测试事件甲", "测试时期乙"], "label_en": ["Test event A", "Test period B"],
        "kind": ["moment", "span"],
    })


def make_spike() -> dict:
    return {"id": 7, "series": "all_complaints", "start": "2021-12-20T08:00:00+08:00",
            "peak": "2021-12-20T12:00:00+08:00", "end": "2021-12-20T17:00:00+08:00", "size": 380.0,
            "ratio": 5.5, "events": [],
            "explanation": {"terms": [{"term": t, "z": 9.0 - i, "count": 100 - 7 * i}
                                      for i, t in enumerate(TERMS)]
                                     + [{"term": "无关", "z": -2.0, "count": 3}]}}


def make_clusters(days: int = 12) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(3)
    hours = pd.date_range("2021-12-15", periods=days * 24, freq="h", tz="Asia/Shanghai")
    rows = [(t.isoformat(), c, int(p), int(p) // 2) for c in range(-1, 5)
            for t, p in zip(hours, rng.poisson(1 + max(c, 0), len(hours)), strict=True)]
    over_time = pd.DataFrame(rows, columns=["bin_start", "cluster", "posts", "unique_voices"])
    labels = pd.DataFrame({"cluster": range(5),
                           "label_zh": ["主题甲", "主题乙", "主题丙", "主题丁", "主题戊"],
                           "label_en": ["Topic A", "Topic B", "Topic C", "Topic D", "Topic E"]})
    return over_time, labels


def make_terms() -> pd.DataFrame:
    return pd.DataFrame({"term": list(TERMS), "posts": [90, 80, 70, 60, 50, 40, 30, 20]})


def build(kind: str, spec: ChartSpec):
    labels = load_labels()
    if kind == "timeline":
        return timeline_chart(make_timeline(), make_events(), spec, labels=labels)
    if kind == "amplification":
        return amplification_chart(make_timeline(), make_events(), spec, labels=labels)
    if kind == "spike":
        return spike_chart(make_spike(), spec, labels=labels)
    if kind == "clusters":
        return clusters_chart(*make_clusters(), spec, labels=labels)
    return terms_chart(make_terms(), spec, labels=labels)


@pytest.fixture(scope="module")
def analysis_dir(tmp_path_factory) -> Path:
    return make_analysis_dir(tmp_path_factory.mktemp("analysis"))


def make_analysis_dir(folder: Path) -> Path:
    """A small synthetic analysis folder with the artefacts the chart stage reads."""
    tkio.write_csv(folder / "timeline.csv", make_timeline())
    tkio.write_json(folder / "spikes.json", [make_spike()])
    over_time, labels = make_clusters()
    tkio.write_csv(folder / "clusters_over_time.csv", over_time)
    tkio.write_csv(folder / "cluster_labels.csv", labels)
    n = 40
    prepared = pd.DataFrame({
        "platform": "weibo", "post_id": [f"fake-{i:03d}" for i in range(n)],
        "created_at": pd.date_range("2021-12-15", periods=n, freq="7h", tz="Asia/Shanghai"),
        "tokens": [[TERMS[i % 8], TERMS[(i * 3) % 8]] for i in range(n)],
        "is_canonical": [i % 5 != 0 for i in range(n)],
    })
    tkio.write_parquet(folder / "prepared.parquet", prepared)
    tkio.write_parquet(folder / "complaints.parquet", prepared[["platform", "post_id"]].assign(
        complaint=[int(i % 4 != 0) for i in range(n)]))
    tkio.record_stage(folder, "ingest", {"total": n}, inputs=[], synthetic=True)
    return folder


# --- one exported bundle per kind and language, rendered with every warning recorded -------------


@pytest.fixture(scope="module")
def bundles(tmp_path_factory) -> dict:
    """``{(kind, lang): (chart, paths, warnings)}`` for every kind in both languages (web preset)."""
    out = tmp_path_factory.mktemp("bundles")
    result = {}
    for kind in KINDS:
        for lang in ("zh", "en"):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                chart = build(kind, ChartSpec(lang=lang, synthetic=lang == "zh"))
                paths = export_chart(chart, out)
            result[kind, lang] = (chart, paths, [str(w.message) for w in caught])
    return result


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("kind", KINDS)
def test_no_missing_glyph_warning(bundles, kind, lang):
    _, _, caught = bundles[kind, lang]
    assert [m for m in caught if "missing from font" in m or "findfont" in m] == []


def test_font_error_names_the_override(monkeypatch, tmp_path):
    monkeypatch.setenv("TEXTKIT_CJK_FONT", str(tmp_path / "missing.ttc"))
    with pytest.raises(FontError, match=r"missing\.ttc"):
        register_cjk_fonts.__wrapped__()


def test_cjk_face_is_simplified_chinese():
    fonts = register_cjk_fonts()
    assert fonts.families[0] in ("Noto Sans CJK SC", "WenQuanYi Micro Hei")
    assert fonts.pdf_fonttype == (3 if fonts.families[0] == "Noto Sans CJK SC" else 42)


# --- the bundle ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_bundle_has_every_file_with_alt_text_everywhere(bundles, kind):
    for lang in ("zh", "en"):
        chart, paths, _ = bundles[kind, lang]
        assert set(paths) == set(SUFFIXES)
        assert all(p.stat().st_size > 0 and p.name.startswith(chart.stem) for p in paths.values())
        alt = chart.alt_text
        assert len(alt) > 40
        assert paths[".alt.txt"].read_text(encoding="utf-8") == alt + "\n"
        assert Image.open(paths[".png"]).text["Description"] == alt
        svg = paths[".svg"].read_text(encoding="utf-8")
        assert f"<dc:description>{alt}</dc:description>" in svg
        assert PdfReader(paths[".pdf"]).metadata["/Subject"] == alt


@pytest.mark.parametrize("kind", KINDS)
def test_pdf_text_contains_chinese_title(bundles, kind):
    chart, paths, _ = bundles[kind, "zh"]
    with pymupdf.open(paths[".pdf"]) as doc:
        text = "".join(page.get_text() for page in doc)
        fonts = {f[3] for page in doc for f in page.get_fonts()}
    squeeze = lambda s: "".join(s.split())  # noqa: E731
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chart.title)
    assert squeeze(chart.title) in squeeze(text)
    assert any("CJK" in f or "WenQuanYi" in f for f in fonts)


def test_svg_text_editable_and_outlined(bundles):
    chart, paths, _ = bundles["timeline", "zh"]
    editable = paths[".svg"].read_text(encoding="utf-8")
    outlined = paths[".outlined.svg"].read_text(encoding="utf-8")
    assert "<text" in editable and chart.texts["title"][:4] in editable
    assert "<text" not in outlined


def test_synthetic_source_line(bundles):
    chart, paths, _ = bundles["timeline", "zh"]
    assert chart.texts["source"].startswith("来源：合成示例数据")
    assert "合成示例数据" in paths[".svg"].read_text(encoding="utf-8")
    assert json.loads(paths[".provenance.json"].read_text(encoding="utf-8"))["synthetic"] is True
    assert "Synthetic" not in bundles["timeline", "en"][0].texts["source"]  # that one is not synthetic
    en = build("terms", ChartSpec(lang="en", synthetic=True))
    assert en.texts["source"].startswith("Source: Synthetic demo data")
    real = build("terms", ChartSpec(lang="en", synthetic=False, source="Weibo posts"))
    assert real.texts["source"] == "Source: Weibo posts"


def test_provenance_record(bundles):
    _, paths, _ = bundles["timeline", "zh"]
    record = json.loads(paths[".provenance.json"].read_text(encoding="utf-8"))
    assert record["chart"]["kind"] == "timeline" and record["chart"]["lang"] == "zh"
    assert record["time_range"]["start"].startswith("2021-12-15T00:00:00")
    assert record["time_range"]["start"].endswith("+08:00")
    assert record["parameters"]["freq"] == "D"
    assert record["textkit_version"]


@pytest.mark.parametrize("kind", KINDS)
def test_rerun_gives_byte_identical_files(bundles, kind, tmp_path):
    _, paths, _ = bundles[kind, "zh"]
    again = export_chart(build(kind, ChartSpec(lang="zh", synthetic=True)), tmp_path)
    for suffix, path in paths.items():
        assert path.read_bytes() == again[suffix].read_bytes(), path.name


# --- plotted values = CSV ------------------------------------------------------------------------


def _gid(ax, prefix):
    return {a.get_gid(): a for a in ax.get_children() if (a.get_gid() or "").startswith(prefix)}


def test_timeline_csv_equals_plotted_values(bundles):
    chart, paths, _ = bundles["timeline", "en"]
    csv = pd.read_csv(paths[".csv"])
    ax = chart.figure.axes[0]
    total = _gid(ax, "total")["total"]
    np.testing.assert_array_equal(total.get_ydata(), csv["total"].to_numpy())
    categories = chart.params["categories"]
    np.testing.assert_array_equal(csv[categories].sum(axis=1), csv["total"])
    assert set(_gid(ax, "area:")) == {f"area:{c}" for c in categories}
    hourly = make_timeline()
    hourly = hourly[hourly["category"].isin(CATEGORIES)]
    assert csv["total"].sum() == hourly["posts"].sum()  # hourly → daily sums lose nothing
    assert len(csv) == 12


def test_amplification_csv(bundles):
    chart, paths, _ = bundles["amplification", "zh"]
    csv = pd.read_csv(paths[".csv"])
    total = _gid(chart.figure.axes[0], "total")["total"]
    np.testing.assert_array_equal(total.get_ydata(), csv["posts"].to_numpy())
    np.testing.assert_array_equal(csv["unique_voices"] + csv["amplified"], csv["posts"])


@pytest.mark.parametrize("kind", ["spike", "terms"])
def test_bar_csv_equals_bar_lengths(bundles, kind):
    chart, paths, _ = bundles[kind, "en"]
    csv = pd.read_csv(paths[".csv"])
    ax = chart.figure.axes[0]
    value = "z" if kind == "spike" else "posts"
    bars = sorted(ax.containers[0], key=lambda p: -p.get_y())  # top bar first
    assert len(bars) == len(csv)
    np.testing.assert_allclose([p.get_width() for p in bars], csv[value].to_numpy())
    assert list(csv["rank"]) == list(range(1, len(csv) + 1))
    if kind == "spike":
        assert (csv["z"] > 0).all() and "无关" not in set(csv["term"])


def test_clusters_csv_equals_panels(bundles):
    chart, paths, _ = bundles["clusters", "en"]
    csv = pd.read_csv(paths[".csv"])
    assert -1 not in set(csv["cluster"])
    lines = {}
    for ax in chart.figure.axes:
        lines.update(_gid(ax, "cluster:"))
    assert len(lines) == csv["cluster"].nunique() == 5
    for gid, line in lines.items():
        cluster = int(gid.split(":")[1])
        np.testing.assert_array_equal(line.get_ydata(), csv.loc[csv["cluster"] == cluster, "posts"])


# --- presets and layout --------------------------------------------------------------------------


@pytest.mark.parametrize("preset", list(PRESETS))
def test_png_size_is_twice_the_preset(preset, tmp_path):
    chart = build("spike", ChartSpec(lang="zh", preset=preset))
    paths = export_chart(chart, tmp_path)
    assert export_chart(chart, tmp_path / "again")[".pdf"].read_bytes() == paths[".pdf"].read_bytes()
    assert Image.open(paths[".png"]).size == PRESETS[preset].png_pixels
    expected = {"web": (1400, 1000), "social": (1080, 1350)}.get(preset)
    if expected:
        assert PRESETS[preset].png_pixels == expected
    else:
        assert abs(PRESETS[preset].width_in * 25.4 - 112) < 0.01


@pytest.mark.parametrize(("kind", "lang", "preset"), [
    *(("timeline", lang, preset) for lang in ("zh", "en") for preset in PRESETS),
    ("clusters", "zh", "social"), ("clusters", "en", "print"), ("amplification", "en", "social"),
])
def test_text_stays_inside_the_canvas_and_labels_do_not_collide(kind, lang, preset):
    chart = build(kind, ChartSpec(lang=lang, preset=preset, synthetic=True,
                                  title="一个很长的标题" * 6 if lang == "zh" else "A long headline " * 8))
    fig = chart.figure
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    canvas = fig.bbox
    boxes = []
    for text in fig.findobj(lambda a: hasattr(a, "get_text") and a.get_visible()):
        if not text.get_text().strip():
            continue
        box = text.get_window_extent(renderer)
        assert box.x0 >= canvas.x0 - 0.5 and box.x1 <= canvas.x1 + 0.5, text.get_text()
        assert box.y0 >= canvas.y0 - 0.5 and box.y1 <= canvas.y1 + 0.5, text.get_text()
        if text.axes is not None and text in text.axes.texts:
            boxes.append((text.get_text(), box))
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1:]:
            if "■" in (a, b):
                continue
            assert not box_a.overlaps(box_b), (a, b)


def test_headline_wraps_within_three_lines():
    chart = build("terms", ChartSpec(lang="zh", preset="social", title="很长" * 80))
    assert chart.figure.texts[0].get_text().count("\n") == 2


def test_line_breaking_units():
    assert _break_units("Complaints on 20 Dec") == ["Complaints ", "on ", "20 ", "Dec"]
    assert _break_units("投诉，高峰") == ["投", "诉，", "高", "峰"]  # no line starts with ，
    assert _break_units("about 一码通 and", cjk=False) == ["about ", "一码通 ", "and"]


def test_chinese_numbers():
    assert format_count(12345, "zh") == "1.2万"
    assert format_count(12345, "en") == "12,345"
    assert format_count(999, "zh") == "999"


def test_english_labels_from_glossary(tmp_path):
    glossary = tmp_path / "glossary.csv"
    glossary.write_text("zh,en\n一码通,health code app\n", encoding="utf-8")
    labels = load_labels(glossary=glossary)
    chart = spike_chart(make_spike(), ChartSpec(lang="en"), labels=labels)
    assert "health code app" in chart.title
    assert "health code app (一码通)" in [t.get_text() for t in chart.figure.axes[0].get_yticklabels()]
    assert chart.data.loc[0, "term_en"] == "health code app"


def test_bad_input_names_the_columns():
    with pytest.raises(ValueError, match="posts"):
        timeline_chart(make_timeline().drop(columns=["posts"]), None, ChartSpec())
    with pytest.raises(ValueError, match="language"):
        ChartSpec(lang="fr")


# --- the folder stage and the CLI ----------------------------------------------------------------


def test_charts_dir_writes_every_kind_and_readme(analysis_dir, tmp_path):
    report = charts_dir(analysis_dir, tmp_path / "figures", langs=("zh", "en"), presets=("web",))
    assert set(report["skipped"]) <= {"coverage"}  # coverage is drawn only when articles were ingested
    assert {c["kind"] for c in report["details"]} == set(KINDS) - {"coverage"}
    readme = (tmp_path / "figures" / "README.md").read_text(encoding="utf-8")
    for chart in report["details"]:
        assert chart["title"] in readme and chart["alt_text"] in readme
        for name in chart["files"]:
            assert (tmp_path / "figures" / name).exists()
            assert f"({name})" in readme
    assert "合成示例数据" in (tmp_path / "figures" / "timeline_zh_web.svg").read_text(encoding="utf-8")
    record = json.loads((tmp_path / "figures" / "terms_en_web.provenance.json").read_text(encoding="utf-8"))
    assert {i["path"] for i in record["inputs"]} >= {"prepared.parquet", "complaints.parquet"}
    assert all(len(i["sha256"]) == 64 for i in record["inputs"])
    assert "charts" in tkio.read_provenance(analysis_dir)["stages"]
    # a second run over the same folder writes the same bytes (README aside: it lists fewer charts)
    again = charts_dir(analysis_dir, tmp_path / "again", langs=("en",), kinds=("spike", "terms"))
    for chart in again["details"]:
        for name in chart["files"]:
            first, second = tmp_path / "figures" / name, tmp_path / "again" / name
            assert first.read_bytes() == second.read_bytes(), name


def test_charts_dir_skips_kinds_without_inputs(tmp_path):
    tkio.write_csv(tmp_path / "timeline.csv", make_timeline(days=6))
    report = charts_dir(tmp_path, langs=("en",), kinds=("timeline", "clusters"))
    assert [c["kind"] for c in report["details"]] == ["timeline"]
    assert "clusters_over_time.csv" in report["skipped"]["clusters"]
    assert "Not drawn" in (tmp_path / "figures" / "README.md").read_text(encoding="utf-8")


def test_cli_chart(analysis_dir, tmp_path, capsys):
    assert cli_main(["chart", "spike", str(analysis_dir), "--lang", "en", "--preset", "social",
                     "--out", str(tmp_path)]) == 0
    assert (tmp_path / "spike-7_en_social.png").exists()
    assert "spike-7_en_social" in capsys.readouterr().out
