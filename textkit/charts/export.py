"""The export bundle: every chart as PNG (2×), editable SVG, outlined SVG, PDF, CSV, alt text and
provenance, with deterministic bytes so that re-running gives identical files.

Files for a chart with stem ``timeline_zh_web``::

    timeline_zh_web.png            2 × the preset's pixels, alt text in the PNG "Description" chunk
    timeline_zh_web.svg            text kept as <text> (editable; needs the fonts on the viewer's machine)
    timeline_zh_web.outlined.svg   glyphs as paths (looks the same everywhere)
    timeline_zh_web.pdf            Chinese text extractable; Type 42 (WenQuanYi) or Type 3 (Noto)
    timeline_zh_web.csv            the plotted values
    timeline_zh_web.alt.txt        alt text for the CMS
    timeline_zh_web.provenance.json  inputs + sha256, parameters, versions, time range, synthetic flag
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path

import matplotlib
import pandas as pd
from matplotlib.text import Text
from tqdm.auto import tqdm

from textkit import __version__
from textkit.charts.fonts import register_cjk_fonts
from textkit.charts.kinds import (
    KINDS,
    Chart,
    amplification_chart,
    clusters_chart,
    spike_chart,
    terms_chart,
    timeline_chart,
    top_terms,
)
from textkit.charts.style import (
    CATEGORIES_CSV,
    CHART_LABELS_CSV,
    GLOSSARY_CSV,
    ChartSpec,
    house_rc,
    load_labels,
)
from textkit.io import (
    atomic_path,
    read_json,
    read_provenance,
    record_stage,
    sha256_file,
    write_csv,
    write_json,
    write_text,
)
from textkit.paths import EVENTS_CSV, PROJECT_ROOT

SUFFIXES = (".png", ".svg", ".outlined.svg", ".pdf", ".csv", ".alt.txt", ".provenance.json")
HASH_SALT = "textkit"


def _creator() -> str:
    return f"textkit {__version__} (matplotlib {matplotlib.__version__})"


def _save(fig, path: Path, fmt: str, rc: Mapping, **kwargs) -> None:
    with matplotlib.rc_context(dict(rc)), atomic_path(path) as tmp:
        fig.savefig(tmp, format=fmt, **kwargs)


def freeze_layout(fig) -> None:
    """Run the layout once and pin every axes at its position rounded to 1e-6 of the figure.

    The constrained layout can differ in the last bit between two runs in one process; pinned, rounded
    positions make every format's bytes identical across runs (and all formats share one layout).
    """
    if fig.get_layout_engine() is None:
        return
    with matplotlib.rc_context(house_rc()):
        fig.draw_without_rendering()
    positions = [(ax, [round(float(v), 6) for v in ax.get_position().bounds]) for ax in fig.axes]
    fig.set_layout_engine("none")
    for ax, bounds in positions:
        ax.set_position(bounds)


def describe_input(path: str | os.PathLike, relative_to: Iterable[str | os.PathLike] = ()) -> dict:
    """``{path, sha256, bytes}`` of an input file, its path relative to the first folder that holds it."""
    path = Path(path)
    shown = path.name
    for base in relative_to:
        try:
            shown = path.resolve().relative_to(Path(base).resolve()).as_posix()
            break
        except ValueError:
            continue
    return {"path": shown, "sha256": sha256_file(path), "bytes": path.stat().st_size}


def export_chart(
    chart: Chart,
    out_dir: str | os.PathLike,
    *,
    inputs: Iterable[dict] = (),
    upstream: Mapping | None = None,
    stem: str | None = None,
) -> dict[str, Path]:
    """Write the bundle for ``chart`` into ``out_dir``; returns ``{suffix: path}``.

    ``inputs`` are ``{path, sha256, bytes}`` records of the files the chart was drawn from (see
    :func:`describe_input`); ``upstream`` the analysis folder's provenance (its inputs and stages are
    carried into the chart's provenance).
    """
    out_dir = Path(out_dir)
    stem = stem or chart.stem
    fonts = register_cjk_fonts()
    fig = chart.figure
    texts = chart.texts
    alt = chart.alt_text
    paths = {suffix: out_dir / f"{stem}{suffix}" for suffix in SUFFIXES}
    freeze_layout(fig)
    keywords = f"textkit, {chart.kind}, {chart.spec.lang}"
    base_rc = {**house_rc(fonts.families), "svg.hashsalt": HASH_SALT}
    png_dpi = 2 * chart.spec.preset_.dpi

    _save(fig, paths[".png"], "png", base_rc, dpi=png_dpi, metadata={
        "Title": texts["title"], "Description": alt, "Source": texts["source"], "Software": _creator(),
        "Author": texts["credit"]})
    svg_meta = {"Title": texts["title"], "Description": alt, "Source": texts["source"],
                "Creator": _creator(), "Date": None, "Keywords": keywords}
    _save(fig, paths[".svg"], "svg", {**base_rc, "svg.fonttype": "none"}, metadata=svg_meta)
    _save(fig, paths[".outlined.svg"], "svg", {**base_rc, "svg.fonttype": "path"}, metadata=svg_meta)

    families = {t: t.get_fontfamily() for t in fig.findobj(Text)}
    try:
        for artist in families:
            artist.set_fontfamily(list(fonts.pdf_families))
        _save(fig, paths[".pdf"], "pdf", {**house_rc(fonts.pdf_families), "svg.hashsalt": HASH_SALT,
                                          "pdf.fonttype": fonts.pdf_fonttype}, metadata={
            "Title": texts["title"], "Subject": alt, "Author": texts["credit"], "Keywords": keywords,
            "Creator": _creator(), "CreationDate": None, "ModDate": None})
    finally:
        for artist, family in families.items():
            artist.set_fontfamily(family)

    write_csv(paths[".csv"], chart.data)
    write_text(paths[".alt.txt"], alt + "\n")
    upstream = dict(upstream or {})
    provenance = {
        "chart": {"kind": chart.kind, "stem": stem, "lang": chart.spec.lang, "preset": chart.spec.preset,
                  "png_pixels": list(chart.spec.preset_.png_pixels), **texts},
        "parameters": chart.params,
        "inputs": list(inputs),
        "time_range": ({"start": chart.time_range[0], "end": chart.time_range[1]}
                       if chart.time_range else None),
        "synthetic": bool(chart.spec.synthetic),
        "textkit_version": __version__,
        "matplotlib_version": matplotlib.__version__,
        "fonts": {"families": list(fonts.families), "pdf_families": list(fonts.pdf_families),
                  "pdf_fonttype": fonts.pdf_fonttype},
        "upstream": {"inputs": upstream.get("inputs", []), "stages": upstream.get("stages", {}),
                     "textkit_version": upstream.get("textkit_version")},
        "files": {suffix: paths[suffix].name for suffix in SUFFIXES},
    }
    write_json(paths[".provenance.json"], provenance)
    return paths


# --- the full set for an analysis folder ----------------------------------------------------------

MAX_SPIKE_CHARTS = 2
PLATFORM_NAMES = {"weibo": ("Weibo", "微博"), "xhs": ("Xiaohongshu", "小红书"), "douyin": ("Douyin", "抖音"),
                  "bilibili": ("Bilibili", "哔哩哔哩")}


def _source_text(provenance: Mapping) -> dict[str, str]:
    """What the posts were, for the source line (platforms when ingest recorded them)."""
    ingest = (provenance.get("stages") or {}).get("ingest") or {}
    platforms = ingest.get("platforms") or []
    if isinstance(platforms, Mapping):
        platforms = list(platforms)
    names = [PLATFORM_NAMES.get(str(p).lower(), (str(p), str(p))) for p in sorted(platforms)]
    if names:
        return {"en": " and ".join(n[0] for n in names) + " posts collected with open-source scrapers; "
                "textkit analysis",
                "zh": "、".join(n[1] for n in names) + "帖子（开源爬虫采集）；textkit 分析"}
    return {"en": "social-media posts collected with open-source scrapers; textkit analysis",
            "zh": "社交媒体帖子（开源爬虫采集）；textkit 分析"}


def _timeline_freq(provenance: Mapping, timeline: pd.DataFrame | None) -> str:
    freq = ((provenance.get("stages") or {}).get("timeline") or {}).get("freq")
    if freq in ("H", "D"):
        return freq
    if timeline is not None and "freq" in timeline.columns:
        values = sorted(set(timeline["freq"].astype(str)))
        if len(values) == 1 and values[0] in ("H", "D"):
            return values[0]
    return "H"


def _complaint_terms(analysis_dir: Path, exclude: Collection[str] = ()
                     ) -> tuple[pd.DataFrame, tuple[pd.Timestamp, pd.Timestamp], list[Path]]:
    """Top terms among canonical complaint posts (prepared.parquet tokens × complaints.parquet),
    leaving out ``exclude`` (the place's name: every post is about it)."""
    prepared_path = analysis_dir / "prepared.parquet"
    columns = ["platform", "post_id", "created_at", "tokens", "is_canonical"]
    prepared = pd.read_parquet(prepared_path, columns=columns)
    used = [prepared_path]
    complaints_path = analysis_dir / "complaints.parquet"
    if complaints_path.exists():
        flags = pd.read_parquet(complaints_path, columns=["platform", "post_id", "complaint"])
        prepared = prepared.merge(flags, on=["platform", "post_id"], how="inner", validate="one_to_one")
        prepared = prepared[prepared["complaint"] == 1]
        used.append(complaints_path)
    prepared = prepared[prepared["is_canonical"].fillna(False).astype(bool)]
    if prepared.empty:
        raise ValueError(f"{prepared_path}: no canonical complaint posts to count terms in")
    period = (prepared["created_at"].min(), prepared["created_at"].max())
    return top_terms(prepared["tokens"], n=30, exclude=exclude), period, used


def charts_dir(
    analysis_dir: str | os.PathLike,
    out_dir: str | os.PathLike | None = None,
    *,
    langs: Sequence[str] = ("zh", "en"),
    presets: Sequence[str] = ("web",),
    kinds: Sequence[str] = KINDS,
    events: pd.DataFrame | None = None,
) -> dict:
    """Stage ``chart``: write the bundle of every chart kind × language × preset for an analysis folder.

    Reads ``timeline.csv``, ``spikes.json``, ``clusters_over_time.csv``, ``cluster_labels.csv``,
    ``prepared.parquet`` + ``complaints.parquet`` (top terms), ``provenance.json`` and ``data/events.csv``;
    writes ``out_dir`` (default ``<analysis_dir>/figures``) with one bundle per chart and a ``README.md``
    listing each chart. Kinds whose inputs are missing are skipped and named in the report.
    """
    analysis_dir = Path(analysis_dir)
    out_dir = Path(out_dir) if out_dir is not None else analysis_dir / "figures"
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise ValueError(f"unknown chart kind(s) {unknown}; kinds are {', '.join(KINDS)}")
    provenance = read_provenance(analysis_dir)
    synthetic = bool(provenance.get("synthetic", False))
    upstream = {**provenance, "stages": {k: v for k, v in (provenance.get("stages") or {}).items()
                                         if k != "charts"}}
    labels = load_labels()
    bases = (analysis_dir, PROJECT_ROOT)
    source = _source_text(provenance)
    label_files = [p for p in (CATEGORIES_CSV, CHART_LABELS_CSV, GLOSSARY_CSV) if p.exists()]

    def path_of(name: str) -> Path:
        return analysis_dir / name

    if events is None and EVENTS_CSV.exists():
        from textkit.events import load_events

        events = load_events()
        event_files = [EVENTS_CSV]
    else:
        event_files = []
    timeline = pd.read_csv(path_of("timeline.csv")) if path_of("timeline.csv").exists() else None
    freq = _timeline_freq(provenance, timeline)

    # kind -> list of (builder(spec) -> Chart, input files); a reason string when it cannot be drawn
    plans: dict[str, list | str] = {}
    if timeline is not None:
        inputs = [path_of("timeline.csv"), *event_files]
        plans["timeline"] = [(lambda spec: timeline_chart(timeline, events, spec, labels=labels), inputs)]
        plans["amplification"] = [(lambda spec: amplification_chart(timeline, events, spec, labels=labels),
                                   inputs)]
    else:
        plans["timeline"] = plans["amplification"] = "timeline.csv not found (run `textkit timeline DIR`)"
    if path_of("spikes.json").exists():
        spikes = read_json(path_of("spikes.json"))
        with_terms = [s for s in spikes if s.get("series") == "all_complaints"
                      and any(t.get("z", 0) > 0 for t in (s.get("explanation") or {}).get("terms", []))]
        with_terms = sorted(with_terms, key=lambda s: (-float(s.get("size", 0)), str(s.get("peak"))))
        chosen = with_terms[:MAX_SPIKE_CHARTS]
        plans["spike"] = [((lambda spec, s=s: spike_chart(s, spec, labels=labels, freq=freq)),
                           [path_of("spikes.json")]) for s in chosen] or "no complaint spike with terms"
    else:
        plans["spike"] = "spikes.json not found (run `textkit timeline DIR`)"
    if path_of("clusters_over_time.csv").exists() and path_of("cluster_labels.csv").exists():
        over_time = pd.read_csv(path_of("clusters_over_time.csv"))
        cluster_labels = pd.read_csv(path_of("cluster_labels.csv"))
        plans["clusters"] = [(lambda spec: clusters_chart(over_time, cluster_labels, spec, labels=labels),
                              [path_of("clusters_over_time.csv"), path_of("cluster_labels.csv")])]
    else:
        plans["clusters"] = ("clusters_over_time.csv / cluster_labels.csv not found "
                             "(run `textkit cluster DIR`)")
    if path_of("prepared.parquet").exists():
        try:
            place = labels.names.get("place", {}).get("zh")
            terms, period, used = _complaint_terms(analysis_dir, exclude={place} if place else ())
            plans["terms"] = [(lambda spec: terms_chart(terms, spec, labels=labels, period=period), used)]
        except ValueError as exc:
            plans["terms"] = str(exc)
    else:
        plans["terms"] = "prepared.parquet not found (run `textkit prepare DIR`)"
    if path_of("coverage.csv").exists():
        from textkit.charts_news import coverage_chart

        coverage = pd.read_csv(path_of("coverage.csv"))
        lags = pd.read_csv(path_of("coverage_lags.csv")) if path_of("coverage_lags.csv").exists() else None
        used = [p for p in (path_of("coverage.csv"), path_of("coverage_lags.csv"), *event_files)
                if p.exists()]
        plans["coverage"] = [
            (lambda spec: coverage_chart(coverage, events, spec, lags=lags, labels=labels), used)]
    else:
        plans["coverage"] = "coverage.csv not found (run `textkit news DIR`)"

    hashes: dict[Path, dict] = {}
    charts: list[dict] = []
    skipped: dict[str, str] = {}
    jobs = [(kind, build, files, lang, preset)
            for kind in kinds if not isinstance(plans[kind], str)
            for build, files in plans[kind] for lang in langs for preset in presets]
    for kind in kinds:
        if isinstance(plans[kind], str):
            skipped[kind] = plans[kind]
    for kind, build, files, lang, preset in tqdm(jobs, desc="charts", unit="chart", disable=None):
        spec = ChartSpec(lang=lang, preset=preset, synthetic=synthetic, source=source)
        try:
            chart = build(spec)
        except ValueError as exc:
            skipped[kind] = str(exc)
            continue
        for f in [*files, *label_files]:
            if f not in hashes:
                hashes[f] = describe_input(f, bases)
        paths = export_chart(chart, out_dir, inputs=[hashes[f] for f in [*files, *label_files]],
                             upstream=upstream)
        plt_close(chart)
        charts.append({"stem": chart.stem, "kind": kind, "lang": lang, "preset": preset, "title": chart.title,
                       "alt_text": chart.alt_text, "files": [p.name for p in paths.values()]})
    if not charts:
        raise ValueError(f"{analysis_dir}: no chart could be drawn: " +
                         "; ".join(f"{k}: {v}" for k, v in skipped.items()))
    write_text(out_dir / "README.md", _readme(charts, skipped, synthetic))
    report = {"out_dir": os.path.relpath(out_dir, analysis_dir), "langs": list(langs),
              "presets": list(presets), "charts": [c["stem"] for c in charts], "skipped": skipped}
    record_stage(analysis_dir, "charts", report)
    return {**report, "out_dir": str(out_dir), "details": charts}


def plt_close(chart: Chart) -> None:
    """Free a chart's figure (figures are not registered with pyplot; clearing drops the artists)."""
    chart.figure.clear()


def _readme(charts: list[dict], skipped: Mapping[str, str], synthetic: bool) -> str:
    lines = ["# Figures", "",
             "Charts exported by `textkit chart`. Each chart comes as a bundle with one stem: `.png` (2×), "
             "`.svg` (editable text), `.outlined.svg` (text as outlines), `.pdf`, `.csv` (the plotted "
             "values), `.alt.txt` (alt text, also embedded in the PNG, SVG and PDF) and `.provenance.json` "
             "(inputs with sha256, parameters, versions, time range).", ""]
    if synthetic:
        lines += ["**Synthetic demo data**: these charts show the generated sample corpus, not real posts.",
                  ""]
    for chart in charts:
        lines += [f"## {chart['title']}", "",
                  f"`{chart['stem']}` · kind `{chart['kind']}` · language `{chart['lang']}` · "
                  f"preset `{chart['preset']}`", "",
                  f"Alt text: {chart['alt_text']}", "",
                  "Files: " + " · ".join(f"[{name}]({name})" for name in chart["files"]), ""]
    if skipped:
        lines += ["## Not drawn", ""] + [f"- `{kind}`: {reason}" for kind, reason in sorted(skipped.items())]
        lines.append("")
    return "\n".join(lines)
