"""Chart kinds. Each takes plain DataFrames (the pipeline's artefacts) and a :class:`ChartSpec` and
returns a :class:`Chart`: the drawn figure, the plotted values as a table, its texts and alt text.

=================  =====================================================================================
kind               input
=================  =====================================================================================
``timeline``       ``timeline.csv`` rows (``bin_start``, ``freq``, ``category``, ``posts``,
                   ``unique_voices``) and events (``start``, ``end``, ``label_zh``, ``label_en``, ``kind``)
``amplification``  the same, series ``all_complaints`` (``posts`` vs ``unique_voices``)
``spike``          one spike of ``spikes.json`` (``start``, ``peak``, ``end``, ``size``, ``ratio``,
                   ``explanation.terms`` = ``[{term, z, count}]``)
``clusters``       ``clusters_over_time.csv`` (``bin_start``, ``cluster``, ``posts``, ``unique_voices``)
                   and ``cluster_labels.csv`` (``cluster``, ``label_zh``, ``label_en``)
``terms``          a table ``term``, ``posts`` (see :func:`top_terms`)
=================  =====================================================================================
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from textkit.charts.style import (
    BASELINE,
    INK,
    PALETTE,
    UI,
    ChartSpec,
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
    load_labels,
    local_naive,
    max_date_ticks,
    new_frame,
    prepare_events,
    set_date_axis,
    style_axes,
)

KINDS = ("timeline", "amplification", "spike", "clusters", "terms", "coverage")
AGGREGATE_SERIES = ("none", "all_complaints", "all_posts")
EVENT_BAND = 0.30  # top share of a timeline kept free for event labels
DAILY_AFTER_DAYS = 4  # hourly series longer than this are summed to days


@dataclass
class Chart:
    """A drawn chart: ``figure``, the plotted values ``data`` (one row per plotted value or bin),
    its ``texts`` (title, subtitle, source, credit, notes) and ``alt_text``."""

    kind: str
    spec: ChartSpec
    figure: Figure
    data: pd.DataFrame
    texts: dict[str, str]
    alt_text: str
    params: dict = field(default_factory=dict)
    time_range: tuple[str, str] | None = None
    name: str | None = None  # file-name part for charts drawn more than once per folder (spike-1)

    @property
    def title(self) -> str:
        return self.texts["title"]

    @property
    def stem(self) -> str:
        return f"{self.name or self.kind}_{self.spec.lang}_{self.spec.preset}"


# --- shared pieces -------------------------------------------------------------------------------


def _render(spec: ChartSpec, title: str, subtitle: str, notes: Sequence[str],
            draw: Callable[[Frame, set[int]], tuple[list[str], set[int]]]) -> Frame:
    """Draw until the event footnotes the plot needs are the ones the footer shows."""
    event_notes: list[str] = []
    numbered: set[int] = set()
    with matplotlib.rc_context(house_rc()):
        for _ in range(4):
            frame = new_frame(spec, title, subtitle, [*notes, *event_notes])
            new_notes, new_numbered = draw(frame, numbered)
            if new_notes == event_notes:
                break
            event_notes, numbered = new_notes, new_numbered
    return frame


def _notes(spec: ChartSpec, *extra: str) -> list[str]:
    return [*(spec.pick(n) or "" for n in spec.notes), *extra]


def _check_columns(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what}: missing column(s) {missing}; has {list(frame.columns)}")


def _iso(times: np.ndarray) -> list[str]:
    """China-time ISO 8601 strings for tz-naive local times."""
    return [pd.Timestamp(t).isoformat() + "+08:00" for t in times]


def _bin_label(freq: str, lang: str) -> str:
    return {("D", "en"): "day", ("H", "en"): "hour", ("D", "zh"): "日", ("H", "zh"): "小时"}[(freq, lang)]


def _pct(value: float) -> str:
    return f"{100 * value:.0f}%"


def _place(labels: Labels, lang: str) -> str | None:
    place = labels.name("place", lang)
    return None if place == "place" else place


def _wide_series(rows: pd.DataFrame, key: str, value: str, freq: str | None, known_freq: str | None,
                 what: str) -> tuple[pd.DataFrame, str, pd.DataFrame]:
    """Pivot long rows to a wide table indexed by local bin start; hourly → daily when long.

    Returns the table, its bin size and the table at the input's own bin size (for finer look-ups)."""
    _check_columns(rows, ("bin_start", key, value), what)
    times = pd.DatetimeIndex(local_naive(rows["bin_start"]))
    wide = pd.pivot_table(
        pd.DataFrame({"t": times, "k": rows[key].to_numpy(), "v": pd.to_numeric(rows[value]).to_numpy()}),
        index="t", columns="k", values="v", aggfunc="sum", fill_value=0, sort=True,
    )
    if known_freq is None:
        steps = np.diff(wide.index.values).astype("timedelta64[m]").astype(int)
        known_freq = "H" if len(steps) and steps.min() < 24 * 60 else "D"
    step = {"H": "h", "D": "D"}[known_freq]
    if len(wide):
        wide = wide.reindex(pd.date_range(wide.index[0], wide.index[-1], freq=step), fill_value=0)
    span_days = (wide.index[-1] - wide.index[0]) / pd.Timedelta(days=1) if len(wide) else 0
    use = freq or ("D" if known_freq == "H" and span_days > DAILY_AFTER_DAYS else known_freq)
    wide.columns = [str(c) for c in wide.columns]
    fine = wide
    if use == "D" and known_freq == "H":
        wide = wide.resample("D").sum()
    elif use == "H" and known_freq == "D":
        raise ValueError(f"{what}: hourly chart asked for, but the bins are days")
    wide.index.name = "bin_start"
    return wide.astype("int64"), use, fine


def _timeline_rows(timeline: pd.DataFrame, freq: str | None) -> tuple[pd.DataFrame, str | None]:
    """Rows of one bin size from a timeline table that may hold both (prefer what ``freq`` asks)."""
    _check_columns(timeline, ("bin_start", "category", "posts"), "timeline")
    if "freq" not in timeline.columns:
        return timeline, None
    available = sorted(set(timeline["freq"].astype(str)))
    chosen = freq if freq in available else ("D" if "D" in available and freq != "H" else available[0])
    return timeline[timeline["freq"].astype(str) == chosen], chosen


def _x_positions(index: pd.DatetimeIndex, freq: str) -> np.ndarray:
    """Bin centres, so a day's count sits over its day and events fall in the right bin."""
    half = pd.Timedelta(hours=12) if freq == "D" else pd.Timedelta(minutes=30)
    return (index + half).to_numpy()


def _x_limits(index: pd.DatetimeIndex, freq: str) -> tuple[np.datetime64, np.datetime64]:
    step = pd.Timedelta(days=1) if freq == "D" else pd.Timedelta(hours=1)
    return index[0].to_datetime64(), (index[-1] + step).to_datetime64()


def _event_at(events: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series | None:
    """The shortest event overlapping a bin (None when there is none)."""
    if events.empty:
        return None
    hit = events[(events["x0"] < end.to_datetime64()) & (events["x1"] >= start.to_datetime64())]
    if hit.empty:
        return None
    return hit.assign(_d=hit["x1"] - hit["x0"]).sort_values("_d", kind="stable").iloc[0]


MAX_EVENTS = {"web": 3, "social": 2, "print": 2}
LONG_SPAN = pd.Timedelta(days=3)


def key_events(events: pd.DataFrame, total: pd.Series, max_events: int) -> pd.DataFrame:
    """The events worth marking on a timeline, most relevant first.

    Periods longer than three days are kept as background shading. Of the others, one per day is kept
    (the one over the most posts), ranked by the highest count of ``total`` (at its finest bin size)
    in the bins around the event, at most ``max_events``.
    """
    if events.empty:
        return events
    times = total.index
    step = (times[1] - times[0]) if len(times) > 1 else pd.Timedelta(hours=1)
    scores = []
    for row in events.itertuples():
        around = total[(times >= pd.Timestamp(row.x0) - step) & (times <= pd.Timestamp(row.x1) + step)]
        scores.append(float(around.max()) if len(around) else 0.0)
    ranked = events.assign(_score=scores, _long=(events["x1"] - events["x0"]) > LONG_SPAN,
                           _day=pd.DatetimeIndex(events["x0"]).floor("D"))
    short = ranked[~ranked["_long"]].sort_values(["_score", "x0"], ascending=[False, True], kind="stable")
    short = short.drop_duplicates("_day").head(max_events)
    chosen = pd.concat([short, ranked[ranked["_long"]]])
    return chosen.drop(columns=["_score", "_long", "_day"]).reset_index(drop=True)


def category_colours(labels: Labels, categories: Sequence[str]) -> dict[str, str]:
    """A fixed colour per category (taxonomy order), the same in every chart."""
    order = [k for k in labels.names if k not in AGGREGATE_SERIES and k != "place"]
    order += [c for c in categories if c not in order]
    return {c: PALETTE[order.index(c) % len(PALETTE)] for c in categories}


def _stacked_area(frame: Frame, wide: pd.DataFrame, order: Sequence[str], colours: Mapping[str, str],
                  names: Mapping[str, str], freq: str, events: pd.DataFrame, numbered: set[int],
                  hatch: Mapping[str, str] | None = None) -> tuple[list[str], set[int]]:
    """Stacked areas with direct labels, zero baseline, date axis and events."""
    preset, lang = frame.preset, frame.spec.lang
    ax = frame.fig.add_subplot()
    style_axes(ax, preset)
    x = _x_positions(wide.index, freq)
    bottom = np.zeros(len(wide))
    for key in order:
        top = bottom + wide[key].to_numpy(float)
        ax.fill_between(x, bottom, top, facecolor=colours[key], edgecolor="white", linewidth=0.4,
                        hatch=(hatch or {}).get(key), zorder=2, gid=f"area:{key}")
        bottom = top
    ax.plot(x, bottom, color=BASELINE, linewidth=0.7, zorder=3, gid="total")
    count_axis(ax, max(bottom.max(), 1) / (1 - EVENT_BAND), lang)
    start, end = _x_limits(wide.index, freq)
    set_date_axis(ax, start, end, lang, max_ticks=max_date_ticks(frame), midday=freq == "D")
    cumulative = wide[list(order)].cumsum(axis=1).iloc[-1].to_numpy(float)
    mids = cumulative - wide[list(order)].iloc[-1].to_numpy(float) / 2
    direct_labels_right(frame, ax, [(names[k], m, colours[k]) for k, m in zip(order, mids, strict=True)])
    draw_event_marks(ax, events)
    return label_events(frame, ax, events, band=EVENT_BAND, numbered=numbered)


# --- complaint timeline by category ---------------------------------------------------------------


def timeline_chart(
    timeline: pd.DataFrame,
    events: pd.DataFrame | None = None,
    spec: ChartSpec | None = None,
    *,
    labels: Labels | None = None,
    measure: str = "posts",
    freq: str | None = None,
    categories: Sequence[str] | None = None,
) -> Chart:
    """Stacked areas of complaints per bin by category, with events; the headline names the peak.

    ``measure`` is ``posts`` (all records, reposts included) or ``unique_voices``; ``freq`` ``H``/``D``
    (default: days when an hourly series spans more than four days).
    """
    spec = spec or ChartSpec()
    labels = labels or load_labels()
    lang = spec.lang
    if measure not in ("posts", "unique_voices"):
        raise ValueError(f"measure must be posts or unique_voices, not {measure!r}")
    rows, known = _timeline_rows(timeline, freq)
    _check_columns(rows, (measure,), "timeline")
    present = list(dict.fromkeys(rows["category"].astype(str)))
    if categories is None:
        categories = [c for c in labels.names if c in present and c not in AGGREGATE_SERIES]
        categories += [c for c in present if c not in categories and c not in AGGREGATE_SERIES
                       and c != "place"]
    rows = rows[rows["category"].astype(str).isin(categories)]
    if rows.empty:
        raise ValueError(f"timeline: no rows for the categories {list(categories)}")
    wide, freq, fine = _wide_series(rows, "category", measure, freq, known, "timeline")
    wide = wide.reindex(columns=list(categories), fill_value=0)
    totals = wide.sum()
    order = [c for c in totals.sort_values(ascending=False, kind="stable").index if totals[c] > 0]
    if not order:
        raise ValueError("timeline: every category is zero over the whole period")
    colours = category_colours(labels, order)
    names = {c: labels.name(c, lang) for c in order}
    total = wide[order].sum(axis=1)
    peak = total.idxmax()
    step = pd.Timedelta(days=1) if freq == "D" else pd.Timedelta(hours=1)
    start, end = _x_limits(wide.index, freq)
    fine_total = fine.reindex(columns=order, fill_value=0).sum(axis=1)
    evts = key_events(prepare_events(events, start, end), fine_total, MAX_EVENTS[spec.preset])
    peak_event = _event_at(evts, peak, peak + step)
    top_cat = wide.loc[peak, order].idxmax()
    top_share = wide.loc[peak, top_cat] / max(total[peak], 1)
    hourly = freq == "H"
    peak_date = format_date(peak, lang, hour=hourly)
    place = _place(labels, lang)
    period = format_period(wide.index[0], wide.index[-1], lang)
    unit = _bin_label(freq, lang)
    overall_top = order[0]
    overall_share = totals[overall_top] / totals.sum()
    if lang == "en":
        if top_share >= 0.5:
            title = f"{names[top_cat]} complaints drove the peak on {peak_date}"
        else:
            title = f"Complaints peaked on {peak_date}, most often about {names[top_cat].lower()}"
        what = "complaint posts incl. reposts" if measure == "posts" else "unique complaint voices"
        subtitle = (f"Number of {what} per {unit}, by category" + (f", {place}" if place else "")
                    + f", {period}")
        alt = (f"Stacked area chart of {what} per {unit} by category, {period}. Complaints peak on "
               f"{peak_date} at {format_count(total[peak], lang)} posts, {_pct(top_share)} of them about "
               f"{names[top_cat].lower()}. Over the whole period {names[overall_top].lower()} is the largest "
               f"category with {_pct(overall_share)} of complaints.")
        if peak_event is not None:
            alt += f" The peak coincides with the event: {peak_event['label_en']}."
    else:
        if top_share >= 0.5:
            title = f"{peak_date}投诉达到高峰，以{names[top_cat]}类为主"
        else:
            title = f"{peak_date}投诉达到高峰，{names[top_cat]}类最多"
        what = "投诉帖数（含转发）" if measure == "posts" else "独立投诉发声数"
        subtitle = (place or "") + f"每{unit}{what}，按类别，{period}"
        alt = (f"堆叠面积图：{period}每{unit}{what}，按类别。投诉在{peak_date}达到高峰，共"
               f"{format_count(total[peak], lang)}条，其中{_pct(top_share)}涉及{names[top_cat]}。整个时期"
               f"{names[overall_top]}类最多，占投诉的{_pct(overall_share)}。")
        if peak_event is not None:
            alt += f"高峰与事件同时出现：{peak_event['label_zh']}。"
    spec = spec.with_defaults(title=title, subtitle=subtitle)
    notes = _notes(spec, UI["tz_note"][lang])

    def draw(frame: Frame, numbered: set[int]) -> tuple[list[str], set[int]]:
        return _stacked_area(frame, wide, order, colours, names, freq, evts, numbered)

    frame = _render(spec, spec.pick(spec.title), spec.pick(spec.subtitle), notes, draw)
    data = wide[order].copy()
    data["total"] = total
    data.insert(0, "bin_start", _iso(wide.index.to_numpy()))
    return Chart("timeline", spec, frame.fig, data.reset_index(drop=True), frame.texts, alt,
                 {"measure": measure, "freq": freq, "categories": list(order)},
                 (_iso(wide.index[:1].to_numpy())[0], _iso(wide.index[-1:].to_numpy())[0]))


# --- breadth vs amplification ---------------------------------------------------------------------


def amplification_chart(
    timeline: pd.DataFrame,
    events: pd.DataFrame | None = None,
    spec: ChartSpec | None = None,
    *,
    labels: Labels | None = None,
    series: str = "all_complaints",
    freq: str | None = None,
) -> Chart:
    """Unique voices (one per group of reposts/near-duplicates) with the copies stacked on top."""
    spec = spec or ChartSpec()
    labels = labels or load_labels()
    lang = spec.lang
    rows, known = _timeline_rows(timeline, freq)
    _check_columns(rows, ("unique_voices",), "timeline")
    rows = rows[rows["category"].astype(str) == series]
    if rows.empty:
        raise ValueError(f"timeline: no rows for series {series!r}")
    posts, freq_used, fine = _wide_series(rows, "category", "posts", freq, known, "timeline")
    unique, _, _ = _wide_series(rows, "category", "unique_voices", freq, known, "timeline")
    wide = pd.DataFrame({"unique_voices": unique[series], "amplified": posts[series] - unique[series]})
    if (wide["amplified"] < 0).any():
        raise ValueError(f"timeline: unique_voices exceeds posts for series {series!r}")
    freq = freq_used
    total = wide.sum(axis=1)
    if total.max() <= 0:
        raise ValueError(f"timeline: series {series!r} is zero over the whole period")
    peak = total.idxmax()
    peak_share = wide.loc[peak, "amplified"] / total[peak]
    overall = wide["amplified"].sum() / total.sum()
    names = ({"unique_voices": "Unique voices", "amplified": "Reposts and copies"} if lang == "en"
             else {"unique_voices": "独立发声", "amplified": "转发与重复"})
    colours = {"unique_voices": PALETTE[0], "amplified": PALETTE[3]}
    start, end = _x_limits(wide.index, freq)
    evts = key_events(prepare_events(events, start, end), fine[series], MAX_EVENTS[spec.preset])
    place = _place(labels, lang)
    period = format_period(wide.index[0], wide.index[-1], lang)
    unit = _bin_label(freq, lang)
    peak_date = format_date(peak, lang, hour=freq == "H")
    series_name = labels.name(series, lang)
    if lang == "en":
        noun = "complaint posts" if series == "all_complaints" else f"posts ({series_name})"
        if peak_share >= 0.5:
            title = f"Reposts and copies made up {_pct(peak_share)} of {noun} at the {peak_date} peak"
        else:
            title = f"At the {peak_date} peak, {_pct(1 - peak_share)} of {noun} were original"
        subtitle = (f"Number of {noun} per {unit}: unique voices, counting each group of reposts and "
                    f"near-duplicates once, and the copies on top" + (f", {place}" if place else "")
                    + f", {period}")
        alt = (f"Stacked area chart of {noun} per {unit}, {period}, split into unique voices and reposts "
               f"or copies. At the peak on {peak_date}, {format_count(total[peak], lang)} posts came from "
               f"{format_count(wide.loc[peak, 'unique_voices'], lang)} unique voices; reposts and copies "
               f"were {_pct(peak_share)} of the peak and {_pct(overall)} over the whole period.")
    else:
        noun = "投诉帖" if series == "all_complaints" else f"帖子（{series_name}）"
        if peak_share >= 0.5:
            title = f"{peak_date}高峰时，{_pct(peak_share)}的{noun}是转发或重复内容"
        else:
            title = f"{peak_date}高峰时，{_pct(1 - peak_share)}的{noun}是独立发声"
        subtitle = ((place or "") + f"每{unit}{noun}数：独立发声（每组转发和近似重复只计一次）"
                    f"及其上叠加的转发与重复，{period}")
        alt = (f"堆叠面积图：{period}每{unit}{noun}数，分为独立发声与转发或重复内容。{peak_date}高峰时共"
               f"{format_count(total[peak], lang)}条，来自"
               f"{format_count(wide.loc[peak, 'unique_voices'], lang)}"
               f"个独立发声；转发与重复占高峰的{_pct(peak_share)}，占整个时期的{_pct(overall)}。")
    spec = spec.with_defaults(title=title, subtitle=subtitle)
    notes = _notes(spec, UI["tz_note"][lang])
    order = ["unique_voices", "amplified"]

    def draw(frame: Frame, numbered: set[int]) -> tuple[list[str], set[int]]:
        return _stacked_area(frame, wide, order, colours, names, freq, evts, numbered,
                             hatch={"amplified": "////"})

    frame = _render(spec, spec.pick(spec.title), spec.pick(spec.subtitle), notes, draw)
    data = wide.copy()
    data["posts"] = total
    data.insert(0, "bin_start", _iso(wide.index.to_numpy()))
    return Chart("amplification", spec, frame.fig, data.reset_index(drop=True), frame.texts, alt,
                 {"series": series, "freq": freq},
                 (_iso(wide.index[:1].to_numpy())[0], _iso(wide.index[-1:].to_numpy())[0]))


# --- bar charts: a spike's distinguishing terms, top terms ----------------------------------------


def _bars(frame: Frame, names: Sequence[str], values: Sequence[float], value_text: Sequence[str],
          colour: str) -> None:
    preset = frame.preset
    ax = frame.fig.add_subplot()
    style_axes(ax, preset, grid_axis="x")
    y = np.arange(len(values))[::-1]
    ax.barh(y, values, height=0.68, color=colour, zorder=2, gid="bars")
    ax.set_yticks(y, list(names))
    ax.tick_params(axis="y", labelsize=preset.text_size, pad=4)
    top = max(max(values), 1e-9)
    count_axis(ax, top * 1.12, frame.spec.lang, axis="x", nbins=4)
    ax.set_ylim(-0.6, len(values) - 0.4)
    ax.xaxis.set_ticks_position("top")
    ax.tick_params(axis="x", labelsize=preset.small_size, colors="#777777")
    for yi, v, text in zip(y, values, value_text, strict=True):
        ax.annotate(text, xy=(v, yi), xytext=(3, 0), textcoords="offset points", va="center", ha="left",
                    fontsize=preset.small_size, color=INK, zorder=5)


def _spike_terms(spike: Mapping, n_terms: int) -> pd.DataFrame:
    terms = (spike.get("explanation") or {}).get("terms") or []
    table = pd.DataFrame(terms, columns=["term", "z", "count"])
    table = table[pd.to_numeric(table["z"]) > 0]
    table = table.sort_values(["z", "term"], ascending=[False, True], kind="stable").head(n_terms)
    if table.empty:
        raise ValueError(f"spike {spike.get('id')}: no distinguishing terms in its explanation")
    return table.reset_index(drop=True)


def _quoted(terms: Sequence[str], lang: str) -> str:
    """“A”、“B”和“C” in Chinese; "A", "B" and "C" in English (CJK curly quotes are full-width)."""
    if lang == "zh":
        return "、".join(f"“{t}”" for t in terms[:-1]) + ("和" if len(terms) > 1 else "") + f"“{terms[-1]}”"
    quoted = [f'"{t}"' for t in terms]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _window(start: pd.Timestamp, end: pd.Timestamp, lang: str, hourly: bool) -> str:
    """20 Dec, 08:00–20:00 / 12月20日8时至20时; days when the bins are days."""
    if not hourly:
        last = end - pd.Timedelta(days=1)
        if last.normalize() == start.normalize():
            return format_date(start, lang)
        return (f"{format_date(start, lang)}–{format_date(last, lang)}" if lang == "en"
                else f"{format_date(start, lang)}至{format_date(last, lang)}")
    same_day = start.normalize() == (end - pd.Timedelta(minutes=1)).normalize()
    if lang == "en":
        right = f"{end:%H:%M}" if same_day else format_date(end, lang, hour=True)
        return f"{format_date(start, lang, hour=True)}–{right}"
    right = f"{end.hour}时" if same_day else format_date(end, lang, hour=True)
    return f"{format_date(start, lang, hour=True)}至{right}"


def spike_chart(
    spike: Mapping,
    spec: ChartSpec | None = None,
    *,
    labels: Labels | None = None,
    n_terms: int = 12,
    freq: str = "H",
) -> Chart:
    """The words that set a spike apart from the days before it (log-odds z-scores), as bars."""
    spec = spec or ChartSpec()
    labels = labels or load_labels()
    lang = spec.lang
    table = _spike_terms(spike, n_terms)
    peak = pd.Timestamp(local_naive(pd.Series([spike["peak"]]))[0])
    start = pd.Timestamp(local_naive(pd.Series([spike["start"]]))[0])
    end = pd.Timestamp(local_naive(pd.Series([spike["end"]]))[0])
    end_excl = end + (pd.Timedelta(hours=1) if freq == "H" else pd.Timedelta(days=1))
    terms = list(table["term"].astype(str))
    shown = [labels.term(t, lang) for t in terms]
    headline_terms = [labels.term_short(t, lang) for t in terms[:3]]
    place = _place(labels, lang)
    series_key = str(spike.get("series", "all_complaints"))
    if series_key == "all_complaints":
        series_noun = "complaint posts" if lang == "en" else "投诉帖"
    elif series_key == "all_posts":
        series_noun = "posts" if lang == "en" else "帖子"
    else:
        name = labels.name(series_key, lang)
        series_noun = f"{name.lower()} complaints" if lang == "en" else f"{name}类投诉"
    size = format_count(spike.get("size", 0), lang)
    ratio = float(spike.get("ratio", 0) or 0)
    peak_date = format_date(peak, lang)
    hourly = freq == "H"
    window = _window(start, end_excl, lang, hourly)
    if lang == "en":
        title = f"The {peak_date} spike was about {_quoted(headline_terms, lang)}"
        subtitle = (f"Words most over-represented in {series_noun} on {window}, against the week before; "
                    f"{size} posts above the usual level ({ratio:.1f}× the baseline)"
                    + (f", {place}" if place else ""))
        note = ("Bars: log-odds z-score with an informative Dirichlet prior; above 1.96 is significant "
                "at the 5% level. Terms missing from the glossary are shown in Chinese.")
        alt = (f"Bar chart of the {len(terms)} words that most distinguish posts in the spike of "
               f"{window} from the week before. The most distinctive are "
               + ", ".join(f"{shown[i]} (z = {table['z'][i]:.1f})" for i in range(min(3, len(terms))))
               + ".")
    else:
        title = f"{peak_date}的高峰集中在{_quoted(headline_terms, lang)}"
        subtitle = ((place or "") + f"{window}{series_noun}中相对前一周最突出的词；"
                    f"比平常多{size}条（为基线的{ratio:.1f}倍）")
        note = "条形为对数几率 z 值（信息性狄利克雷先验），大于1.96即在5%水平上显著。"
        alt = (f"条形图：{window}高峰期间与前一周相比最突出的{len(terms)}个词。最突出的是"
               + "、".join(f"{shown[i]}（z = {table['z'][i]:.1f}）" for i in range(min(3, len(terms))))
               + "。")
    spec = spec.with_defaults(title=title, subtitle=subtitle)
    notes = _notes(spec, note, UI["tz_note"][lang])
    values = [float(v) for v in table["z"]]

    def draw(frame: Frame, numbered: set[int]) -> tuple[list[str], set[int]]:
        _bars(frame, shown, values, [f"{v:.1f}" for v in values], PALETTE[0])
        return [], set()

    frame = _render(spec, spec.pick(spec.title), spec.pick(spec.subtitle), notes, draw)
    data = pd.DataFrame({
        "rank": np.arange(1, len(table) + 1), "term": terms,
        "term_en": [labels.glossary.get(t, "") for t in terms], "z": values,
        "count": table["count"].astype("int64").to_numpy(),
    })
    return Chart("spike", spec, frame.fig, data, frame.texts, alt,
                 {"spike_id": spike.get("id"), "n_terms": n_terms, "series": spike.get("series")},
                 (_iso(np.array([start.to_datetime64()]))[0], _iso(np.array([end.to_datetime64()]))[0]),
                 name=f"spike-{spike.get('id')}")


def top_terms(tokens: pd.Series, *, n: int = 30, exclude: Collection[str] = ()) -> pd.DataFrame:
    """Number of posts using each term (each post counted once per term): ``term``, ``posts``.

    ``exclude`` drops terms that say nothing in this corpus (e.g. the place's own name)."""
    counts: dict[str, int] = {}
    for post_tokens in tokens:
        if post_tokens is None:
            continue
        for term in set(post_tokens).difference(exclude):
            counts[term] = counts.get(term, 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
    table = pd.DataFrame(ranked, columns=["term", "posts"])
    return table.astype({"posts": "int64"})


def terms_chart(
    terms: pd.DataFrame,
    spec: ChartSpec | None = None,
    *,
    labels: Labels | None = None,
    n: int = 15,
    period: tuple[pd.Timestamp, pd.Timestamp] | None = None,
    corpus: Mapping[str, str] | None = None,
) -> Chart:
    """The most used words (``terms``: ``term``, ``posts``) as bars labelled with their counts.

    ``corpus`` names what was counted, e.g. ``{"en": "complaint posts", "zh": "投诉帖"}``.
    """
    spec = spec or ChartSpec()
    labels = labels or load_labels()
    lang = spec.lang
    _check_columns(terms, ("term", "posts"), "terms")
    table = terms.sort_values(["posts", "term"], ascending=[False, True], kind="stable").head(n)
    if table.empty:
        raise ValueError("terms: no terms to chart")
    corpus = corpus or {"en": "complaint posts", "zh": "投诉帖"}
    words = list(table["term"].astype(str))
    values = [int(v) for v in table["posts"]]
    shown = [labels.term(t, lang) for t in words]
    place = _place(labels, lang)
    when = format_period(*period, lang) if period else None
    first = labels.term_short(words[0], lang)
    if lang == "en":
        title = f'"{first}" was the word used most in {corpus["en"]}'
        subtitle = (f"Number of {corpus['en']} (unique voices) using each word, top {len(words)}"
                    + (f", {place}" if place else "") + (f", {when}" if when else ""))
        note = "Each post counts once per word; reposts and near-duplicates count once. Terms missing " \
               "from the glossary are shown in Chinese."
        alt = (f"Bar chart of the {len(words)} words used in the most {corpus['en']}"
               + (f", {when}" if when else "") + ". The top three are "
               + ", ".join(f"{shown[i]} ({format_count(values[i], lang)} posts)"
                           for i in range(min(3, len(words))))
               + ".")
    else:
        title = f"{corpus['zh']}中出现最多的词是“{first}”"
        subtitle = ((place or "") + f"使用各词的{corpus['zh']}数（独立发声），前{len(words)}个"
                    + (f"，{when}" if when else ""))
        note = "每条帖子每个词只计一次；转发和近似重复只计一次。"
        alt = (f"条形图：{when + '，' if when else ''}{corpus['zh']}中使用最多的{len(words)}个词。前三位是"
               + "、".join(f"{shown[i]}（{format_count(values[i], lang)}条）"
                          for i in range(min(3, len(words))))
               + "。")
    spec = spec.with_defaults(title=title, subtitle=subtitle)
    notes = _notes(spec, note)

    def draw(frame: Frame, numbered: set[int]) -> tuple[list[str], set[int]]:
        _bars(frame, shown, values, [format_count(v, lang) for v in values], PALETTE[2])
        return [], set()

    frame = _render(spec, spec.pick(spec.title), spec.pick(spec.subtitle), notes, draw)
    data = pd.DataFrame({"rank": np.arange(1, len(words) + 1), "term": words,
                         "term_en": [labels.glossary.get(t, "") for t in words], "posts": values})
    time_range = None
    if period:
        time_range = tuple(_iso(np.array([pd.Timestamp(p).to_datetime64()]))[0] for p in period)
    return Chart("terms", spec, frame.fig, data, frame.texts, alt, {"n": n, "corpus": dict(corpus)},
                 time_range)


# --- clusters over time ---------------------------------------------------------------------------


def _grid(preset: str, n: int) -> tuple[int, int]:
    cols = 2 if preset == "social" else 3
    cols = min(cols, n)
    return -(-n // cols), cols


def clusters_chart(
    clusters_over_time: pd.DataFrame,
    cluster_labels: pd.DataFrame,
    spec: ChartSpec | None = None,
    *,
    labels: Labels | None = None,
    top: int = 6,
    measure: str = "posts",
    freq: str | None = None,
) -> Chart:
    """Small multiples of the largest clusters over time, one panel each on the same scale."""
    spec = spec or ChartSpec()
    labels = labels or load_labels()
    lang = spec.lang
    _check_columns(cluster_labels, ("cluster", "label_zh", "label_en"), "cluster_labels")
    rows = clusters_over_time[pd.to_numeric(clusters_over_time["cluster"]) >= 0]
    wide, freq, _ = _wide_series(rows, "cluster", measure, freq, None, "clusters_over_time")
    totals = wide.sum().sort_values(ascending=False, kind="stable")
    chosen = [c for c in totals.index[:top] if totals[c] > 0]
    if not chosen:
        raise ValueError("clusters_over_time: no posts in any cluster")
    names_table = cluster_labels.assign(cluster=cluster_labels["cluster"].astype(str)).set_index("cluster")
    column = f"label_{lang}"

    def cluster_name(c: str) -> str:
        if c in names_table.index and str(names_table.loc[c, column]).strip() not in ("", "nan", "<NA>"):
            return str(names_table.loc[c, column])
        return f"Cluster {c}" if lang == "en" else f"第{c}类"

    names = {c: cluster_name(c) for c in chosen}
    biggest = chosen[0]
    peak = wide[biggest].idxmax()
    peak_date = format_date(peak, lang, hour=freq == "H")
    place = _place(labels, lang)
    period = format_period(wide.index[0], wide.index[-1], lang)
    unit = _bin_label(freq, lang)
    share = totals[biggest] / totals.sum()
    what = {"posts": ("posts", "帖子数"), "unique_voices": ("unique voices", "独立发声数")}[measure]
    if lang == "en":
        title = f'"{names[biggest]}" was the biggest topic, peaking on {peak_date}'
        subtitle = (f"Number of {what[0]} per {unit} in the {len(chosen)} largest topic clusters "
                    f"(of {len(totals)})" + (f", {place}" if place else "") + f", {period}; same scale in "
                    "every panel")
        note = ("Topics are clusters of similar posts (TF-IDF and k-means, textkit); each is named by its "
                "most characteristic words.")
        alt = (f"Small-multiple area charts of {what[0]} per {unit} in the {len(chosen)} largest topic "
               f"clusters, {period}. The biggest, {names[biggest]}, holds {_pct(share)} of clustered posts "
               f"and peaks on {peak_date}. The others are " + ", ".join(names[c] for c in chosen[1:]) + ".")
    else:
        title = f"讨论最多的话题“{names[biggest]}”在{peak_date}达到高峰"
        subtitle = ((place or "") + f"帖子最多的{len(chosen)}个话题（共{len(totals)}个）每{unit}{what[1]}，"
                    f"{period}；各图刻度相同")
        note = "话题为相似帖子的聚类（TF-IDF 与 k-means，textkit），以其最具代表性的词命名。"
        alt = (f"小多图面积图：{period}帖子最多的{len(chosen)}个话题每{unit}{what[1]}。"
               f"最大的话题“{names[biggest]}”占聚类帖子的{_pct(share)}，于{peak_date}达到高峰。其余为"
               + "、".join(names[c] for c in chosen[1:])
               + "。")
    spec = spec.with_defaults(title=title, subtitle=subtitle)
    notes = _notes(spec, note, UI["tz_note"][lang])
    nrows, ncols = _grid(spec.preset, len(chosen))
    x = _x_positions(wide.index, freq)
    start, end = _x_limits(wide.index, freq)
    ymax = wide[chosen].to_numpy().max()

    def draw(frame: Frame, numbered: set[int]) -> tuple[list[str], set[int]]:
        preset = frame.preset
        axes = frame.fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False)
        panel_px = frame.plot_width_px() / ncols * 0.92
        for i, ax in enumerate(axes.flat):
            if i >= len(chosen):
                ax.set_visible(False)
                continue
            c = chosen[i]
            style_axes(ax, preset)
            y = wide[c].to_numpy(float)
            ax.fill_between(x, 0, y, facecolor=PALETTE[0], alpha=0.25, linewidth=0, zorder=2)
            ax.plot(x, y, color=PALETTE[0], linewidth=1.1, zorder=3, gid=f"cluster:{c}")
            title_text = frame.measure.wrap(names[c], panel_px, preset.text_size, "bold", max_lines=2)
            ax.set_title(title_text, loc="left", fontsize=preset.text_size, fontweight="bold", color=INK,
                         pad=3)
            count_axis(ax, ymax * 1.1, lang, nbins=3)
            set_date_axis(ax, start, end, lang, max_ticks=max(2, max_date_ticks(frame, ncols)),
                          midday=freq == "D")
            if i % ncols:
                ax.tick_params(axis="y", labelleft=False)
            last_in_column = i + ncols >= len(chosen)
            ax.tick_params(axis="x", labelbottom=last_in_column)
        return [], set()

    frame = _render(spec, spec.pick(spec.title), spec.pick(spec.subtitle), notes, draw)
    long = wide[chosen].copy()
    long.index = _iso(wide.index.to_numpy())
    long.index.name = "bin_start"
    data = long.reset_index().melt(id_vars="bin_start", var_name="cluster", value_name=measure)
    data.insert(2, "label", data["cluster"].map(names))
    data["cluster"] = data["cluster"].astype("int64")
    return Chart("clusters", spec, frame.fig, data, frame.texts, alt,
                 {"top": top, "measure": measure, "freq": freq, "clusters": [int(c) for c in chosen]},
                 (_iso(wide.index[:1].to_numpy())[0], _iso(wide.index[-1:].to_numpy())[0]))


__all__ = ["KINDS", "Chart", "amplification_chart", "clusters_chart", "spike_chart", "terms_chart",
           "timeline_chart", "top_terms"]
