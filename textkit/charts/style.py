"""House style: presets, the chart spec, the frame (headline, subtitle, notes, source line) and helpers.

Every chart is drawn on a fixed canvas (a :class:`Preset`): a left-aligned headline that states the
finding, a subtitle with measure, unit, place and period, the plot, then notes and a footer with the
source line (``Source:`` / ``来源：``) and the credit. Counts start at a zero baseline with light
gridlines; series use the Okabe-Ito palette and are labelled directly, events are a dashed line (a
moment) or a shaded span (a period) with a short label.
"""

from __future__ import annotations

import csv
import os
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.transforms import Bbox

from textkit.charts.fonts import register_cjk_fonts
from textkit.paths import LEXICON_DIR

LANGS = ("zh", "en")
INK = "#222222"
MUTED = "#5f5f5f"
GRID = "#dddddd"
BASELINE = "#333333"
EVENT_INK = "#444444"
SPAN_FILL = "#ececec"
SHORT_SPAN_FILL = "#d9d9d9"
# Okabe-Ito (matplotlib's ``okabe_ito`` sequence) without black and yellow, darkest first
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9")
CHART_LABELS_CSV = LEXICON_DIR / "chart_labels.csv"
CATEGORIES_CSV = LEXICON_DIR / "complaint_categories.csv"
GLOSSARY_CSV = LEXICON_DIR / "glossary.csv"

Text = str | Mapping[str, str]


@dataclass(frozen=True)
class Preset:
    """A fixed canvas: size in inches at ``dpi`` pixels per inch (the PNG is saved at 2 × dpi)."""

    name: str
    width_in: float
    height_in: float
    dpi: int
    title_size: float
    subtitle_size: float
    text_size: float
    small_size: float
    margin_in: float

    @property
    def png_pixels(self) -> tuple[int, int]:
        return int(self.width_in * self.dpi * 2), int(self.height_in * self.dpi * 2)


PRESETS: dict[str, Preset] = {
    # 700 × 500 px web frame (FT "web M"); PNG 1400 × 1000
    "web": Preset("web", 7.0, 5.0, 100, 15.5, 11.0, 9.5, 8.0, 0.22),
    # portrait for social feeds; PNG 1080 × 1350, text sized to stay legible on a phone
    "social": Preset("social", 5.4, 6.75, 100, 19.0, 12.5, 11.0, 9.5, 0.28),
    # one print column, 112 mm × 84 mm; PNG at 600 dpi, PDF for the page
    "print": Preset("print", 112 / 25.4, 84 / 25.4, 300, 9.5, 7.5, 6.5, 5.5, 0.08),
}

UI = {
    "source": {"en": "Source: ", "zh": "来源："},
    "synthetic": {"en": "Synthetic demo data", "zh": "合成示例数据"},
    "default_source": {"en": "social-media posts; textkit analysis", "zh": "社交媒体帖子；textkit 分析"},
    "credit": {"en": "Chart: textkit", "zh": "制图：textkit"},
    "tz_note": {"en": "Times are China Standard Time (UTC+8).", "zh": "时间为北京时间（UTC+8）。"},
    "sep": {"en": "; ", "zh": "；"},
}


@dataclass(frozen=True)
class ChartSpec:
    """What a chart says and how it is framed; text fields take a string or ``{"zh": ..., "en": ...}``.

    Fields left ``None`` are written by the chart kind from the data (the headline states the
    finding). ``synthetic`` puts "Synthetic demo data" / "合成示例数据" into the source line.
    """

    title: Text | None = None
    subtitle: Text | None = None
    source: Text | None = None
    notes: Sequence[Text] = ()
    credit: Text | None = None
    lang: str = "en"
    preset: str = "web"
    synthetic: bool = False

    def __post_init__(self) -> None:
        if self.lang not in LANGS:
            raise ValueError(f"chart language {self.lang!r} must be one of {LANGS}")
        if self.preset not in PRESETS:
            raise ValueError(f"chart preset {self.preset!r} must be one of {tuple(PRESETS)}")

    def pick(self, value: Text | None) -> str | None:
        """The text for this spec's language (a mapping without it falls back to the other language)."""
        if value is None or isinstance(value, str):
            return value
        if self.lang in value:
            return value[self.lang]
        return next(iter(value.values()), None)

    def with_defaults(self, **texts: Text | None) -> ChartSpec:
        """A copy with the given text fields filled in where this spec left them ``None``."""
        return replace(self, **{k: v for k, v in texts.items() if getattr(self, k) is None})

    def source_line(self) -> str:
        """The footer's source line, starting ``Source:`` / ``来源：`` and naming synthetic data."""
        lang = self.lang
        source = self.pick(self.source) or UI["default_source"][lang]
        prefix = UI["source"][lang]
        for start in (UI["source"]["en"].strip(), UI["source"]["zh"]):
            if source.startswith(start):
                source = source[len(start):].strip()
        if self.synthetic and UI["synthetic"][lang] not in source:
            source = UI["synthetic"][lang] + UI["sep"][lang] + source
        return (prefix + source).rstrip("。.")

    @property
    def preset_(self) -> Preset:
        return PRESETS[self.preset]


# --- bilingual labels ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Labels:
    """Display names for series keys (``data/lexicon/chart_labels.csv``) and the zh→en glossary."""

    names: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    glossary: Mapping[str, str] = field(default_factory=dict)

    def name(self, key: str, lang: str) -> str:
        entry = self.names.get(key)
        return entry[lang] if entry and entry.get(lang) else key

    def term(self, term: str, lang: str) -> str:
        """A Chinese term for display: as is in zh; in en its gloss with the original, or itself."""
        if lang == "zh":
            return term
        gloss = self.glossary.get(term)
        return f"{gloss} ({term})" if gloss else term

    def term_short(self, term: str, lang: str) -> str:
        """The gloss alone in en when there is one (for headlines), else the term."""
        return self.glossary.get(term, term) if lang == "en" else term


def _read_csv_rows(path: Path, columns: Sequence[str]) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: row 1: missing column(s) {missing}; expected {list(columns)}")
        return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]


def load_labels(
    chart_labels: str | os.PathLike | None = None,
    glossary: str | os.PathLike | None = None,
    categories: str | os.PathLike | None = None,
) -> Labels:
    """Read category names (``complaint_categories.csv``: category,label_zh,label_en), other series
    names and the place (``chart_labels.csv``: key,zh,en) and the glossary (``glossary.csv``: zh,en).

    Missing files give no names (keys are shown as they are) or no glosses (terms stay in Chinese).
    """
    names: dict[str, dict[str, str]] = {}
    categories_path = Path(categories) if categories is not None else CATEGORIES_CSV
    if categories_path.exists():
        for row in _read_csv_rows(categories_path, ("category", "label_zh", "label_en")):
            names[row["category"]] = {"zh": row["label_zh"], "en": row["label_en"]}
    names_path = Path(chart_labels) if chart_labels is not None else CHART_LABELS_CSV
    if names_path.exists():
        for row in _read_csv_rows(names_path, ("key", "zh", "en")):
            names[row["key"]] = {"zh": row["zh"], "en": row["en"]}
    glossary_path = Path(glossary) if glossary is not None else GLOSSARY_CSV
    terms = {}
    if glossary_path.exists():
        for row in _read_csv_rows(glossary_path, ("zh", "en")):
            if row["zh"] and row["en"]:
                terms.setdefault(row["zh"], row["en"])
    return Labels(names, terms)


# --- numbers and dates ---------------------------------------------------------------------------


def format_count(value: float, lang: str) -> str:
    """1,234 / 12,345 in English; 1,234 / 1.2万 in Chinese."""
    value = float(value)
    if lang == "zh" and abs(value) >= 10_000:
        return f"{value / 10_000:.1f}".rstrip("0").rstrip(".") + "万"
    return f"{value:,.0f}"


def format_date(ts: pd.Timestamp, lang: str, *, year: bool = False, hour: bool = False) -> str:
    """20 Dec (2021) [09:00] / (2021年)12月20日[9时]."""
    ts = pd.Timestamp(ts)
    if lang == "zh":
        text = (f"{ts.year}年" if year else "") + f"{ts.month}月{ts.day}日"
        return text + (f"{ts.hour}时" if hour else "")
    text = f"{ts.day}\u00a0{ts.strftime('%b')}" + (f"\u00a0{ts.year}" if year else "")
    return text + (f", {ts.hour:02d}:00" if hour else "")


def format_period(start: pd.Timestamp, end: pd.Timestamp, lang: str) -> str:
    """The plotted period for a subtitle, e.g. 15 Dec 2021 – 10 Jan 2022 / 2021年12月15日至2022年1月10日."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    if lang == "zh":
        right = format_date(end, lang, year=end.year != start.year)
        return f"{format_date(start, lang, year=True)}至{right}"
    left = format_date(start, lang, year=start.year != end.year)
    return f"{left}\u00a0– {format_date(end, lang, year=True)}"


def local_naive(times: pd.Series | pd.Index) -> np.ndarray:
    """China-time wall clock as tz-naive datetime64 (what the date axis shows)."""
    times = pd.to_datetime(pd.Series(times).astype(str), utc=False)
    if getattr(times.dt, "tz", None) is None:
        return times.to_numpy(dtype="datetime64[ns]")
    return times.dt.tz_convert("Asia/Shanghai").dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")


def set_date_axis(ax, start: np.datetime64, end: np.datetime64, lang: str, *, max_ticks: int,
                  midday: bool = False) -> None:
    """Evenly spaced day (or hour) ticks labelled 20 Dec / 12月20日, the year on the first tick.

    ``midday`` puts day ticks at noon, over the middle of a daily bin."""
    start_ts, end_ts = pd.Timestamp(start), pd.Timestamp(end)
    span_hours = max((end_ts - start_ts) / pd.Timedelta(hours=1), 1.0)
    if span_hours <= 72:
        step = next(h for h in (1, 2, 3, 6, 12, 24) if span_hours / h <= max_ticks)
        first = start_ts.ceil(f"{step}h")
        ticks = pd.date_range(first, end_ts, freq=f"{step}h")

        def label(ts: pd.Timestamp, i: int) -> str:
            if i == 0 or (ts.hour == 0):
                return format_date(ts, lang, year=i == 0) + f"\n{ts.hour:02d}:00"
            return f"{ts.hour:02d}:00"
    else:
        span_days = span_hours / 24
        step = next((d for d in (1, 2, 3, 4, 7, 14, 21, 28) if span_days / d <= max_ticks), 35)
        ticks = pd.date_range(start_ts.ceil("D"), end_ts, freq=f"{step}D")

        def label(ts: pd.Timestamp, i: int) -> str:
            new_year = i == 0 or ticks[i - 1].year != ts.year
            text = format_date(ts, lang)
            return text + (f"\n{ts.year}" + ("年" if lang == "zh" else "") if new_year else "")

        if midday:
            ticks = pd.date_range(start_ts.floor("D") + pd.Timedelta(hours=12), end_ts, freq=f"{step}D")
    ax.set_xlim(start, end)
    ax.xaxis.set_major_locator(ticker.FixedLocator(mdates.date2num(ticks.to_numpy())))
    ax.xaxis.set_major_formatter(ticker.FixedFormatter([label(t, i) for i, t in enumerate(ticks)]))
    ax.xaxis.set_minor_locator(ticker.NullLocator())


def count_axis(ax, top: float, lang: str, *, axis: str = "y", nbins: int = 5) -> None:
    """Zero baseline, integer ticks with thousands separators (万 in Chinese), light grid."""
    locator = ticker.MaxNLocator(nbins=nbins, integer=True, min_n_ticks=3)
    formatter = ticker.FuncFormatter(lambda v, _pos: format_count(v, lang))
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_locator(locator)
    target.set_major_formatter(formatter)
    if axis == "y":
        ax.set_ylim(0, max(top, 1))
        ax.axhline(0, color=BASELINE, linewidth=1.0, zorder=4)
    else:
        ax.set_xlim(0, max(top, 1))
        ax.axvline(0, color=BASELINE, linewidth=1.0, zorder=4)


# --- text measurement and wrapping -------------------------------------------------------------

_NO_BREAK_BEFORE = set("，。、：；！？）」』”’》〉】,.;:!?)%·")
_NO_BREAK_AFTER = set("（「『“‘《〈【(")


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _break_units(text: str, cjk: bool = True) -> list[str]:
    """Split into pieces a line may break between: after spaces and, in Chinese text (``cjk``),
    around CJK characters (English text keeps a quoted Chinese term on one line)."""
    units: list[str] = []
    buf = ""
    for ch in text:
        can_break = bool(buf) and (
            buf[-1] == " " or (cjk and (_is_wide(ch) or _is_wide(buf[-1])) and ch != " ")
        )
        if can_break and (ch in _NO_BREAK_BEFORE or buf[-1] in _NO_BREAK_AFTER):
            can_break = False
        if can_break and buf[-1] != " " and (
            (ch.isascii() and ch.isalnum() and buf[-1] not in _NO_BREAK_BEFORE)
            or (buf[-1].isascii() and buf[-1].isalnum())
        ):
            can_break = False  # keep 2021年, 12月 and 48小时 together
        if can_break:
            units.append(buf)
            buf = ""
        buf += ch
    if buf:
        units.append(buf)
    return units


class Measure:
    """Width of a string in pixels for a figure's fonts (at the figure's dpi)."""

    def __init__(self, fig: Figure) -> None:
        self.fig = fig
        self.renderer = fig.canvas.get_renderer()

    def width(self, text: str, size: float, weight: str = "normal") -> float:
        prop = FontProperties(family=list(register_cjk_fonts().families), size=size, weight=weight)
        return max(
            (self.renderer.get_text_width_height_descent(line, prop, ismath=False)[0]
             for line in text.split("\n") if line),
            default=0.0,
        )

    def wrap(self, text: str, max_px: float, size: float, weight: str = "normal", max_lines: int = 6,
             *, cjk: bool = True) -> str:
        """Greedy line breaking so that no line is wider than ``max_px`` (``cjk``: may break between
        Chinese characters, as Chinese text does)."""
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line = ""
            for unit in _break_units(paragraph, cjk):
                candidate = line + unit
                if line and self.width(candidate.rstrip(), size, weight) > max_px:
                    lines.append(line.rstrip())
                    line = unit.lstrip()
                else:
                    line = candidate
            lines.append(line.rstrip())
        if len(lines) > max_lines:
            lines = [*lines[: max_lines - 1], lines[max_lines - 1] + "…"]
        return "\n".join(lines)


def house_rc(families: Sequence[str] | None = None) -> dict:
    """rcParams for drawing (tick labels are made at draw time, so saving needs them too)."""
    return {
        "font.family": list(families or register_cjk_fonts().families),
        "axes.unicode_minus": True,
        "svg.hashsalt": "textkit",
        "hatch.linewidth": 0.8,
    }


# --- the frame ---------------------------------------------------------------------------------


@dataclass
class Frame:
    """A figure with its header and footer drawn; ``rect`` is the plot area in figure fractions."""

    fig: Figure
    spec: ChartSpec
    measure: Measure
    rect: tuple[float, float, float, float]
    texts: dict[str, str]

    @property
    def preset(self) -> Preset:
        return self.spec.preset_

    def plot_width_px(self) -> float:
        return self.rect[2] * self.fig.bbox.width


def new_frame(spec: ChartSpec, title: str, subtitle: str, notes: Sequence[str]) -> Frame:
    """Draw the headline, subtitle, notes and footer on a fresh figure; return the frame."""
    fonts = register_cjk_fonts()
    preset = spec.preset_
    fig = Figure(figsize=(preset.width_in, preset.height_in), dpi=preset.dpi, facecolor="white")
    FigureCanvasAgg(fig)
    measure = Measure(fig)
    width_px, height_px = fig.bbox.width, fig.bbox.height
    margin = preset.margin_in * preset.dpi
    usable = (width_px - 2 * margin) * 0.985
    pt = preset.dpi / 72
    family = list(fonts.families)

    def place(text: str, y_px: float, size: float, *, va: str, color: str = INK, weight: str = "normal",
              x_px: float = margin, ha: str = "left") -> float:
        artist = fig.text(x_px / width_px, y_px / height_px, text, ha=ha, va=va, fontsize=size,
                          color=color, fontweight=weight, family=family, linespacing=1.25)
        return artist.get_window_extent(measure.renderer).height

    y = height_px - margin
    cjk = spec.lang == "zh"
    title_text = measure.wrap(title, usable, preset.title_size, "bold", max_lines=3, cjk=cjk)
    y -= place(title_text, y, preset.title_size, va="top", weight="bold") + 0.45 * preset.subtitle_size * pt
    subtitle_text = measure.wrap(subtitle, usable, preset.subtitle_size, max_lines=3, cjk=cjk)
    y -= place(subtitle_text, y, preset.subtitle_size, va="top", color=MUTED)
    top = y - 0.5 * preset.text_size * pt

    lang = spec.lang
    source = spec.source_line()
    credit = spec.pick(spec.credit) or UI["credit"][lang]
    y = margin * 0.9
    gap = 2.5 * preset.small_size * pt
    if measure.width(source, preset.small_size) + measure.width(credit, preset.small_size) + gap <= usable:
        place(credit, y, preset.small_size, va="bottom", color=MUTED, x_px=width_px - margin, ha="right")
        source_text = source
    else:
        y += place(credit, y, preset.small_size, va="bottom", color=MUTED)
        source_text = measure.wrap(source, usable, preset.small_size, max_lines=3, cjk=cjk)
    y += place(source_text, y, preset.small_size, va="bottom", color=MUTED)
    notes_text = measure.wrap(("" if cjk else " ").join(n for n in notes if n), usable, preset.small_size,
                              max_lines=4, cjk=cjk)
    if notes_text:
        y += place(notes_text, y + 0.35 * preset.small_size * pt, preset.small_size, va="bottom", color=MUTED)
    bottom = y + 1.1 * preset.text_size * pt

    rect = (margin / width_px, bottom / height_px, (width_px - 2 * margin) / width_px,
            (top - bottom) / height_px)
    pad = 0.02 * preset.width_in
    fig.set_layout_engine("constrained", rect=rect, w_pad=pad, h_pad=pad)
    joiner = "" if cjk else " "
    texts = {"title": title_text.replace("\n", joiner), "subtitle": subtitle, "source": source,
             "credit": credit, "notes": notes_text.replace("\n", joiner)}
    return Frame(fig, spec, measure, rect, texts)


def style_axes(ax, preset: Preset, *, grid_axis: str = "y") -> None:
    """Light grid on one axis, no frame except the baseline, ticks in the house sizes."""
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_facecolor("white")
    ax.grid(axis=grid_axis, color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    ax.tick_params(axis="both", length=0, labelsize=preset.text_size, colors=INK, pad=3)
    if grid_axis == "y":
        ax.tick_params(axis="x", length=3, color=BASELINE, width=0.6)


def max_date_ticks(frame: Frame, ncols: int = 1) -> int:
    """How many date labels fit along one panel's width."""
    label_px = frame.measure.width("30 Dec", frame.preset.text_size) * 2.1
    return max(2, int(frame.plot_width_px() / ncols / label_px))


# --- direct labels and events -------------------------------------------------------------------


def _spread(positions: list[float], height: float, low: float, high: float) -> list[float]:
    """Move label centres apart so that neighbours are at least ``height`` apart, within [low, high]."""
    order = sorted(range(len(positions)), key=lambda i: positions[i])
    placed = [positions[i] for i in order]
    for _ in range(50):
        moved = False
        for j in range(1, len(placed)):
            overlap = placed[j - 1] + height - placed[j]
            if overlap > 1e-9:
                placed[j - 1] -= overlap / 2
                placed[j] += overlap / 2
                moved = True
        placed = [min(max(p, low + height / 2), high - height / 2) for p in placed]
        if not moved:
            break
    result = [0.0] * len(positions)
    for rank, i in enumerate(order):
        result[i] = placed[rank]
    return result


def direct_labels_right(frame: Frame, ax, items: Sequence[tuple[str, float, str]]) -> None:
    """Label series at the right edge of ``ax``: (text, y in data units, colour), with a colour key.

    Labels sit at their series' last value and are pushed apart vertically so that they never collide.
    """
    frame.fig.draw_without_rendering()
    preset = frame.preset
    pt = preset.dpi / 72
    axes_px = ax.get_window_extent().height
    line_h = 1.35 * preset.text_size * pt / axes_px
    ymin, ymax = ax.get_ylim()
    wanted = [(y - ymin) / (ymax - ymin) for _, y, _ in items]
    placed = _spread(wanted, line_h, 0.0, 1.0)
    for (text, _, colour), y in zip(items, placed, strict=True):
        ax.annotate(text, xy=(1, y), xycoords="axes fraction", xytext=(preset.text_size * 1.3, 0),
                    textcoords="offset points", va="center", ha="left", fontsize=preset.text_size,
                    color=INK, annotation_clip=False)
        ax.annotate("■", xy=(1, y), xycoords="axes fraction", xytext=(preset.text_size * 0.25, 0),
                    textcoords="offset points", va="center", ha="left", fontsize=preset.text_size,
                    color=colour, annotation_clip=False)


NARROW_SPAN = 0.015  # spans narrower than this share of the x range are drawn as a line


def prepare_events(events: pd.DataFrame | None, start: np.datetime64, end: np.datetime64) -> pd.DataFrame:
    """Events overlapping the plotted window, with tz-naive China-time ``x0``/``x1`` and ``as_line``
    (a moment, or a period too short to show as a band at this scale)."""
    columns = ["start", "end", "label_zh", "label_en", "kind", "x0", "x1", "as_line"]
    if events is None or events.empty:
        return pd.DataFrame(columns=columns)
    missing = [c for c in ("start", "end", "label_zh", "label_en", "kind") if c not in events.columns]
    if missing:
        raise ValueError(f"events: missing column(s) {missing}; expected start, end, label_zh, label_en, "
                         "kind")
    frame = events.copy()
    frame["x0"] = local_naive(frame["start"])
    ends = frame["end"].where(frame["end"].notna(), frame["start"])
    frame["x1"] = local_naive(ends)
    width = (frame["x1"] - frame["x0"]) / (pd.Timestamp(end) - pd.Timestamp(start))
    frame["as_line"] = (frame["kind"].astype(str) != "span") | (width < NARROW_SPAN)
    inside = (frame["x1"] >= start) & (frame["x0"] <= end)
    return frame.loc[inside, columns].reset_index(drop=True)


def draw_event_marks(ax, events: pd.DataFrame) -> None:
    """A dashed line for each moment (and each short period), a shaded band behind the data for each
    longer period."""
    if events.empty:
        return
    x_range = ax.get_xlim()[1] - ax.get_xlim()[0]
    for row in events.itertuples():
        if row.as_line:
            ax.axvline(row.x0, color=EVENT_INK, linewidth=0.8, linestyle=(0, (3, 2)), zorder=5)
            continue
        width = mdates.date2num(row.x1) - mdates.date2num(row.x0)
        short = width < 0.1 * x_range  # darker, and in front of the long periods it may sit in
        ax.axvspan(row.x0, row.x1, color=SHORT_SPAN_FILL if short else SPAN_FILL,
                   zorder=0.6 if short else 0.5, linewidth=0)


def label_events(frame: Frame, ax, events: pd.DataFrame, *, band: float = 0.30,
                 numbered: set[int] = frozenset()) -> tuple[list[str], set[int]]:
    """Short labels for the events in the top ``band`` of ``ax``, beside their marks, never over
    another label or a dashed line. Events are placed in the order given (most important first);
    those whose label does not fit (or whose index is in ``numbered``) get a number, counted in time
    order, and a footnote "(1) label". Returns the footnotes and the numbered indices."""
    if events.empty:
        return [], set()
    frame.fig.draw_without_rendering()
    preset = frame.preset
    lang = frame.spec.lang
    renderer = frame.measure.renderer
    axes_box = ax.get_window_extent(renderer)
    size = preset.small_size
    pad_px = 0.35 * size * preset.dpi / 72
    max_label_px = max(axes_box.width * 0.24, 11 * size * preset.dpi / 72)  # at least 11 em
    x_px = [ax.transData.transform((mdates.date2num(x), 0))[0] for x in events["x0"]]
    lines_px = [x for x, line in zip(x_px, events["as_line"], strict=True) if line]
    band_floor = axes_box.y0 + (1 - band + 0.03) * axes_box.height  # clear of the highest data
    gap_px = 0.8 * size * preset.dpi / 72  # white space kept between two labels
    taken: list[Bbox] = []
    artists = []
    failed: list[int] = []

    def free(box: Bbox, own_x: float) -> bool:
        inside = box.x0 >= axes_box.x0 and box.x1 <= axes_box.x1 and box.y0 >= band_floor
        crosses = any(box.x0 - pad_px < lx < box.x1 + pad_px for lx in lines_px if abs(lx - own_x) > 0.5)
        return inside and not crosses and not any(box.padded(gap_px, gap_px / 3).overlaps(t) for t in taken)

    for i, row in enumerate(events.itertuples()):
        label = frame.measure.wrap(getattr(row, f"label_{lang}"), max_label_px, size, max_lines=4,
                                   cjk=lang == "zh")
        placed = None
        y_frac = 0.985
        while placed is None and i not in numbered and y_frac > 1 - band:
            if row.as_line:
                sides = (("left", x_px[i] + pad_px), ("right", x_px[i] - pad_px))
            else:  # anywhere along a period, from its start
                end_px = ax.transData.transform((mdates.date2num(row.x1), 0))[0]
                sides = tuple(("left", x_px[i] + pad_px + k * (end_px - x_px[i]) / 8) for k in range(7))
            for ha, x_text in sides:
                artist = ax.text(x_text, axes_box.y0 + y_frac * axes_box.height, label, transform=None,
                                 ha=ha, va="top", fontsize=size, color=EVENT_INK, linespacing=1.15,
                                 zorder=6)
                box = artist.get_window_extent(renderer)
                if free(box, x_px[i]):
                    placed = artist
                    taken.append(box)
                    break
                artist.remove()
            y_frac -= 0.06
        if placed is None:
            failed.append(i)
            y_frac = 0.985
            while placed is None:
                artist = ax.text(x_px[i] + pad_px, axes_box.y0 + y_frac * axes_box.height, "(0)",
                                 transform=None, ha="left", va="top", fontsize=size, color=EVENT_INK,
                                 fontweight="bold", zorder=6)
                box = artist.get_window_extent(renderer)
                if y_frac <= 1 - band or not any(box.padded(gap_px, gap_px / 3).overlaps(t) for t in taken):
                    placed = artist
                    taken.append(box)
                else:
                    artist.remove()
                    y_frac -= 0.05
        artists.append(placed)
    for artist in artists:
        # pin each label in axes terms so it moves with its mark when the layout resizes the axes
        x_disp, y_disp = artist.get_position()
        artist.set_transform(ax.transAxes)
        artist.set_position(((x_disp - axes_box.x0) / axes_box.width,
                             (y_disp - axes_box.y0) / axes_box.height))
    notes = []
    for number, i in enumerate(sorted(failed, key=lambda j: (events["x0"].iloc[j], j)), start=1):
        artists[i].set_text(f"({number})")
        notes.append(f"({number}) {events[f'label_{lang}'].iloc[i]}")
    return notes, set(failed)
