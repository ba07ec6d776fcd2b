"""Chart kind ``coverage``: news coverage (stories and placements) beside complaint volume.

Two panels on one date axis, in the house style of :mod:`textkit.charts`: complaint posts per day on
top, articles below (bars = placements, every copy an outlet ran; dots and line = distinct stories),
with the event timeline marked on both. The headline states how the press peak relates to the
complaint peak; the subtitle names the measures, place and period; the export bundle is the same as
every other chart's (:func:`textkit.charts.export_chart`).
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pandas as pd

from textkit.charts import Chart, ChartSpec, export_chart, load_labels
from textkit.charts.export import describe_input
from textkit.charts.style import (
    INK,
    PALETTE,
    UI,
    Frame,
    Labels,
    count_axis,
    direct_labels_right,
    draw_event_marks,
    format_count,
    format_date,
    format_period,
    house_rc,
    label_events,
    local_naive,
    max_date_ticks,
    new_frame,
    prepare_events,
    set_date_axis,
    style_axes,
)
from textkit.io import read_provenance

KIND = "coverage"
EVENT_BAND = 0.32
COMPLAINT_COLOUR = PALETTE[1]
PLACEMENT_COLOUR = PALETTE[0]
STORY_COLOUR = INK
MAX_EVENTS = {"web": 4, "social": 3, "print": 3}


def _daily(coverage: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("bin_start", "placements", "stories", "complaints") if c not in coverage.columns]
    if missing:
        raise ValueError(f"coverage: missing column(s) {missing}; has {list(coverage.columns)}")
    if "freq" in coverage.columns and set(coverage["freq"].astype(str)) != {"D"}:
        raise ValueError("coverage chart needs daily bins (run `textkit news DIR --freq D`)")
    table = pd.DataFrame(
        {
            "complaints": pd.to_numeric(coverage["complaints"]).fillna(0).astype("int64").to_numpy(),
            "placements": pd.to_numeric(coverage["placements"]).astype("int64").to_numpy(),
            "stories": pd.to_numeric(coverage["stories"]).astype("int64").to_numpy(),
        },
        index=pd.DatetimeIndex(local_naive(coverage["bin_start"]), name="bin_start"),
    )
    if table.empty or table["placements"].sum() == 0:
        raise ValueError("coverage: no articles to chart")
    return table.sort_index()


def _key_events(events: pd.DataFrame, complaints: pd.Series, limit: int) -> pd.DataFrame:
    """Long periods stay as shading; of the rest, one per day (a period before a moment on the same day),
    those over the most complaints first."""
    if events.empty:
        return events
    day = pd.DatetimeIndex(events["x0"]).floor("D")
    score = complaints.reindex(day, fill_value=0).to_numpy()
    long = (events["x1"] - events["x0"]) > pd.Timedelta(days=3)
    ranked = events.assign(_score=score, _day=day, _long=long.to_numpy(), _moment=~events["kind"].eq("span"))
    short = ranked[~ranked["_long"]].sort_values(
        ["_score", "_moment", "x0"], ascending=[False, True, True], kind="stable"
    )
    chosen = pd.concat([short.drop_duplicates("_day").head(limit), ranked[ranked["_long"]]])
    return chosen.drop(columns=["_score", "_day", "_long", "_moment"]).reset_index(drop=True)


def _known_lags(lags: pd.DataFrame | None) -> pd.DataFrame:
    """The events of ``coverage_lags.csv`` that have both a complaint spike and an article."""
    if lags is None or lags.empty or "lag_hours" not in lags.columns:
        return pd.DataFrame(columns=["label_en", "label_zh", "lag_hours"])
    return lags[pd.to_numeric(lags["lag_hours"], errors="coerce").notna()]


def _texts(
    table: pd.DataFrame, lang: str, place: str | None, lags: pd.DataFrame | None
) -> tuple[str, str, str]:
    complaint_peak = table["complaints"].idxmax()
    press_peak = table["placements"].idxmax()
    period = format_period(table.index[0], table.index[-1], lang)
    cp, pp = format_date(complaint_peak, lang), format_date(press_peak, lang)
    placements = int(table["placements"].sum())
    per_day = table["placements"].sum() / max(1, table.loc[table["placements"] > 0, "stories"].sum())
    known = _known_lags(lags)
    median = float(known["lag_hours"].median()) if len(known) else None
    if lang == "en":
        if median is not None and median >= 0:
            title = f"The press followed the complaints, a median {_hours(median, lang)} after they spiked"
        elif median is not None:
            title = f"The press came first, a median {_hours(-median, lang)} before complaints spiked"
        else:
            title = f"Complaints peaked on {cp}, news coverage on {pp}"
        subtitle = (
            "Complaint posts per day (top) and news articles per day (bottom): placements, every "
            "copy an outlet ran, and distinct stories" + (f", {place}" if place else "") + f", {period}"
        )
        alt = (
            f"Two-panel chart, {period}. Top: complaint posts per day, peaking on {cp} at "
            f"{format_count(table['complaints'].max(), lang)}. Bottom: news articles per day, peaking on "
            f"{pp} at {format_count(table['placements'].max(), lang)} placements; over the period "
            f"{format_count(placements, lang)} placements, {per_day:.1f} per story on the days it ran."
        )
        for row in known.itertuples():
            lag = float(row.lag_hours)
            side = "after" if lag >= 0 else "before"
            alt += (
                f" {row.label_en}: first article {_hours(abs(lag), lang)} {side} the complaint spike began."
            )
    else:
        if median is not None and median >= 0:
            title = f"新闻报道晚于投诉：首篇报道在投诉激增后{_hours(median, lang)}出现（中位数）"
        elif median is not None:
            title = f"新闻报道先于投诉：首篇报道比投诉激增早{_hours(-median, lang)}（中位数）"
        else:
            title = f"投诉在{cp}达到高峰，新闻报道在{pp}"
        subtitle = (
            place or ""
        ) + f"每日投诉帖数（上）与每日新闻报道数（下）：刊发篇数（各媒体刊登的每一篇）及不同报道数，{period}"
        alt = (
            f"上下两栏图，{period}。上栏为每日投诉帖数，{cp}最多，为"
            f"{format_count(table['complaints'].max(), lang)}条。下栏为每日新闻报道数，{pp}最多，刊发"
            f"{format_count(table['placements'].max(), lang)}篇；整个时期共刊发"
            f"{format_count(placements, lang)}篇，每条报道在刊发当天平均{per_day:.1f}篇。"
        )
        for row in known.itertuples():
            lag = float(row.lag_hours)
            side = "后" if lag >= 0 else "前"
            alt += f"{row.label_zh}：首篇报道在投诉激增开始{side}{_hours(abs(lag), lang)}出现。"
    return title, subtitle, alt


def _hours(value: float, lang: str) -> str:
    """1.3 hours / 1.3小时 (whole hours from 10 on)."""
    number = f"{value:.1f}" if abs(value) < 10 else f"{value:.0f}"
    if lang == "zh":
        return f"{number}小时"
    return f"{number} hour" + ("" if number == "1.0" else "s")


def coverage_chart(
    coverage: pd.DataFrame,
    events: pd.DataFrame | None = None,
    spec: ChartSpec | None = None,
    *,
    lags: pd.DataFrame | None = None,
    labels: Labels | None = None,
) -> Chart:
    """Complaints per day above news placements and stories per day, with events.

    ``coverage`` is ``coverage.csv`` at daily bins (``bin_start, placements, stories, complaints``);
    ``lags`` (``coverage_lags.csv``) gives the headline (median press lag) and the alt text's lags.
    """
    spec = spec or ChartSpec()
    labels = labels or load_labels()
    lang = spec.lang
    table = _daily(coverage)
    place = labels.name("place", lang)
    place = None if place == "place" else place
    title, subtitle, alt = _texts(table, lang, place, lags)
    spec = spec.with_defaults(title=title, subtitle=subtitle)
    notes = [*(spec.pick(n) or "" for n in spec.notes), UI["tz_note"][lang]]
    start = table.index[0].to_datetime64()
    end = (table.index[-1] + pd.Timedelta(days=1)).to_datetime64()
    evts = _key_events(prepare_events(events, start, end), table["complaints"], MAX_EVENTS[spec.preset])
    x = (table.index + pd.Timedelta(hours=12)).to_numpy()
    names = (
        {"complaints": "Complaint posts", "placements": "Placements", "stories": "Stories"}
        if lang == "en"
        else {"complaints": "投诉帖", "placements": "刊发篇数", "stories": "不同报道"}
    )

    def draw(frame: Frame, numbered: set[int]) -> tuple[list[str], set[int]]:
        preset = frame.preset
        top_ax, bottom_ax = frame.fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
        for ax in (top_ax, bottom_ax):
            style_axes(ax, preset)
            draw_event_marks(ax, evts)
        top_ax.bar(x, table["complaints"], width=0.8, color=COMPLAINT_COLOUR, zorder=2, gid="complaints")
        count_axis(top_ax, max(table["complaints"].max(), 1) / (1 - EVENT_BAND), lang)
        bottom_ax.bar(x, table["placements"], width=0.8, color=PLACEMENT_COLOUR, zorder=2, gid="placements")
        bottom_ax.plot(
            x,
            table["stories"],
            color=STORY_COLOUR,
            linewidth=1.0,
            marker="o",
            markersize=preset.small_size * 0.35,
            zorder=3,
            gid="stories",
        )
        count_axis(bottom_ax, max(table["placements"].max(), 1) * 1.1, lang, nbins=4)
        set_date_axis(bottom_ax, start, end, lang, max_ticks=max_date_ticks(frame), midday=True)
        direct_labels_right(
            frame, top_ax, [(names["complaints"], table["complaints"].max() / 2, COMPLAINT_COLOUR)]
        )
        peak = table["placements"].max()
        direct_labels_right(
            frame,
            bottom_ax,
            [
                (names["placements"], peak * 0.85, PLACEMENT_COLOUR),
                (names["stories"], peak * 0.3, STORY_COLOUR),
            ],
        )
        return label_events(frame, top_ax, evts, band=EVENT_BAND, numbered=numbered)

    event_notes: list[str] = []
    numbered: set[int] = set()
    with matplotlib.rc_context(house_rc()):
        for _ in range(4):  # redraw until the footnotes match the events that needed numbers
            frame = new_frame(spec, spec.pick(spec.title), spec.pick(spec.subtitle), [*notes, *event_notes])
            new_notes, new_numbered = draw(frame, numbered)
            if new_notes == event_notes:
                break
            event_notes, numbered = new_notes, new_numbered
    data = table.copy()
    data.insert(0, "bin_start", [pd.Timestamp(t).isoformat() + "+08:00" for t in table.index.to_numpy()])
    iso = data["bin_start"]
    return Chart(
        KIND,
        spec,
        frame.fig,
        data.reset_index(drop=True),
        frame.texts,
        alt,
        {"freq": "D", "measures": ["complaints", "placements", "stories"]},
        (iso.iloc[0], iso.iloc[-1]),
    )


def coverage_chart_dir(
    analysis_dir: str | os.PathLike,
    figures_dir: str | os.PathLike,
    *,
    langs: tuple[str, ...] = ("en", "zh"),
    presets: tuple[str, ...] = ("web",),
    events_path: str | os.PathLike | None = None,
) -> dict[str, list[str]]:
    """Export the coverage chart of an analysis folder (after ``textkit news``) in each language and
    preset; return ``{stem: [file names]}``."""
    from textkit.events import load_events
    from textkit.paths import EVENTS_CSV

    folder = Path(analysis_dir)
    coverage_path = folder / "coverage.csv"
    if not coverage_path.exists():
        raise FileNotFoundError(f"{coverage_path} not found: run `textkit news {folder}` first")
    events_path = Path(events_path) if events_path is not None else EVENTS_CSV
    lags_path = folder / "coverage_lags.csv"
    coverage = pd.read_csv(coverage_path)
    lags = pd.read_csv(lags_path) if lags_path.exists() else None
    events = load_events(events_path)
    upstream = read_provenance(folder)
    inputs = [
        describe_input(p, (folder, events_path.parent))
        for p in (coverage_path, lags_path, events_path)
        if p.exists()
    ]
    written: dict[str, list[str]] = {}
    for lang in langs:
        for preset in presets:
            spec = ChartSpec(
                lang=lang, preset=preset, synthetic=bool(upstream.get("synthetic")), source=_source(lang)
            )
            chart = coverage_chart(coverage, events, spec, lags=lags)
            paths = export_chart(chart, figures_dir, inputs=inputs, upstream=upstream)
            written[chart.stem] = sorted(p.name for p in paths.values())
    return written


def _source(lang: str) -> str:
    return (
        "social-media posts and news articles; textkit analysis"
        if lang == "en"
        else "社交媒体帖子与新闻报道；textkit 分析"
    )


__all__ = ["KIND", "coverage_chart", "coverage_chart_dir"]
