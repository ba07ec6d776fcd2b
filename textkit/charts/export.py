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
from collections.abc import Iterable, Mapping
from pathlib import Path

import matplotlib
from matplotlib.text import Text

from textkit import __version__
from textkit.charts.fonts import register_cjk_fonts
from textkit.charts.kinds import Chart
from textkit.charts.style import house_rc
from textkit.io import atomic_path, sha256_file, write_csv, write_json, write_text

SUFFIXES = (".png", ".svg", ".outlined.svg", ".pdf", ".csv", ".alt.txt", ".provenance.json")
HASH_SALT = "textkit"


def _creator() -> str:
    return f"textkit {__version__} (matplotlib {matplotlib.__version__})"


def _save(fig, path: Path, fmt: str, rc: Mapping, **kwargs) -> None:
    with matplotlib.rc_context(dict(rc)), atomic_path(path) as tmp:
        fig.savefig(tmp, format=fmt, **kwargs)


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
