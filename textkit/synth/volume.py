"""The time model: expected posting intensity per theme in 10-minute bins, following the Xi'an timeline.

Intensity = theme level (which moves with the events of ``data/events.csv``) × a daily rhythm (quiet
nights, a morning peak, an evening shoulder). The two outage crashes (2021-12-20 morning, 2022-01-04
09:00–10:30) are by construction the largest complaint surges.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from textkit.synth.phrases import THEMES

TZ = "Asia/Shanghai"
START = pd.Timestamp("2021-12-15 00:00", tz=TZ)
END = pd.Timestamp("2022-01-25 22:00", tz=TZ)  # exclusive; also the crawl time
BIN_MINUTES = 10
START_EPOCH = int(START.timestamp())

# relative activity by hour of day (China time)
DIURNAL = np.array(
    [
        0.35,
        0.2,
        0.12,
        0.08,
        0.07,
        0.1,
        0.25,
        0.6,
        1.2,
        1.6,
        1.65,
        1.5,
        1.3,
        1.2,
        1.15,
        1.1,
        1.05,
        1.1,
        1.2,
        1.35,
        1.45,
        1.45,
        1.2,
        0.75,
    ]
)


def _hours(when: str) -> float:
    return (pd.Timestamp(when, tz=TZ) - START).total_seconds() / 3600


def _pulse(t: np.ndarray, start: str, rise: float, tau: float) -> np.ndarray:
    """0 before ``start``, linear rise over ``rise`` hours to 1, then exponential decay (``tau`` hours)."""
    x = t - _hours(start)
    up = np.clip(x / rise, 0, 1)
    down = np.where(x > rise, np.exp(-(x - rise) / tau), 1.0)
    return np.where(x < 0, 0.0, up * down)


def _window(t: np.ndarray, start: str, end: str, tail: float) -> np.ndarray:
    """1 between ``start`` and ``end`` (fast ramp-up), exponential tail of ``tail`` hours after ``end``."""
    a, b = _hours(start), _hours(end)
    ramp = np.clip((t - a) / 0.25, 0, 1)
    return np.where(t < b, ramp, np.exp(-(t - b) / tail))


def _between(t: np.ndarray, start: str, end: str, ramp: float = 6.0) -> np.ndarray:
    """A smooth plateau from ``start`` to ``end`` (ramps of ``ramp`` hours)."""
    a, b = _hours(start), _hours(end)
    return np.clip((t - a) / ramp, 0, 1) * np.clip((b - t) / ramp + 1, 0, 1)


def bin_starts() -> np.ndarray:
    """Start of every 10-minute bin as hours since :data:`START`."""
    n_bins = int((END - START).total_seconds() // (BIN_MINUTES * 60))
    return np.arange(n_bins) * (BIN_MINUTES / 60)


def theme_levels(t: np.ndarray) -> dict[str, np.ndarray]:
    """Theme level (before the daily rhythm) at times ``t`` (hours since START)."""
    lockdown = _between(t, "2021-12-23 00:00", "2022-01-24 12:00", ramp=3.0)
    after_first_crash = np.clip((t - _hours("2021-12-20 07:00")) / 1.0, 0, 1)
    outage = (
        0.005
        + 0.06 * after_first_crash
        + 0.22 * lockdown
        + 17.0 * _pulse(t, "2021-12-20 07:00", 2.5, 4.5)
        + 2.0 * _pulse(t, "2021-12-21 08:00", 2.0, 3.0)
        + 26.0 * _window(t, "2022-01-04 09:00", "2022-01-04 10:30", 2.5)
        + 0.8 * _pulse(t, "2021-12-28 08:30", 2.0, 3.0)
    )
    testing = (
        0.1
        + 0.35 * lockdown
        + 4.0 * _pulse(t, "2021-12-19 19:00", 2.0, 3.0)
        + 2.0 * _pulse(t, "2021-12-20 07:00", 2.0, 5.0)
        + 1.2 * _pulse(t, "2021-12-25 07:00", 2.0, 6.0)
        + 3.0 * _pulse(t, "2022-01-04 08:00", 2.0, 5.0)
    )
    supplies = 0.03 + 0.35 * lockdown + 0.55 * _between(t, "2021-12-25 00:00", "2022-01-03 00:00", 36.0)
    medical = (
        0.04
        + 0.12 * lockdown
        + 0.25 * _between(t, "2021-12-29 00:00", "2022-01-10 00:00", 24.0)
        + 3.2 * _pulse(t, "2022-01-05 09:00", 3.0, 8.0)
    )
    lockdown_theme = 0.02 + 0.5 * lockdown + 2.5 * _pulse(t, "2021-12-22 22:00", 2.0, 8.0)
    governance = (
        0.04
        + 0.1 * lockdown
        + 1.5 * _pulse(t, "2021-12-20 13:00", 2.0, 6.0)
        + 1.5 * _pulse(t, "2022-01-04 12:00", 2.0, 6.0)
        + 2.2 * _pulse(t, "2022-01-05 06:00", 2.0, 7.0)
        + 0.5 * _pulse(t, "2021-12-31 10:00", 2.0, 6.0)
    )
    news = (
        0.25
        + 0.15 * lockdown
        + 1.0 * _pulse(t, "2021-12-20 10:00", 1.0, 5.0)
        + 1.0 * _pulse(t, "2021-12-22 23:00", 1.0, 5.0)
        + 1.0 * _pulse(t, "2022-01-04 10:00", 1.0, 5.0)
        + 1.3 * _pulse(t, "2022-01-05 07:00", 1.0, 8.0)
        + 0.8 * _pulse(t, "2022-01-24 09:00", 1.0, 6.0)
    )
    official = (
        0.12
        + 0.1 * lockdown
        + 0.6 * _pulse(t, "2021-12-19 18:00", 1.0, 4.0)
        + 0.6 * _pulse(t, "2021-12-22 22:00", 1.0, 4.0)
        + 0.6 * _pulse(t, "2022-01-24 08:00", 1.0, 6.0)
    )
    support = 0.15 + 0.7 * lockdown + 0.5 * _pulse(t, "2022-01-24 09:00", 2.0, 10.0)
    chatter = np.full_like(t, 1.0) - 0.2 * lockdown
    levels = {
        "outage": outage,
        "medical": medical,
        "supplies": supplies,
        "testing": testing,
        "lockdown": lockdown_theme,
        "governance": governance,
        "support": support,
        "news": news,
        "official": official,
        "chatter": chatter,
    }
    return {name: levels[name] for name in THEMES}


def diurnal(t: np.ndarray) -> np.ndarray:
    """Daily rhythm at times ``t`` (hours since START; START is midnight China time)."""
    hour = np.floor(t % 24).astype(int)
    frac = (t % 24) - hour
    return DIURNAL[hour] * (1 - frac) + DIURNAL[(hour + 1) % 24] * frac


def intensity() -> tuple[np.ndarray, np.ndarray]:
    """(bin starts in hours, matrix bins × themes of expected relative volume)."""
    t = bin_starts()
    mid = t + BIN_MINUTES / 120
    levels = theme_levels(mid)
    rhythm = diurnal(mid)
    matrix = np.stack([levels[name] * rhythm for name in THEMES], axis=1)
    return t, matrix


def sample_times(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` posts from the intensity: (unix seconds sorted, theme index), deterministic for ``rng``."""
    t, matrix = intensity()
    probs = (matrix / matrix.sum()).ravel()
    counts = rng.multinomial(n, probs)
    cells = np.repeat(np.arange(probs.size), counts)
    bins, themes = np.divmod(cells, len(THEMES))
    offsets = rng.integers(0, BIN_MINUTES * 60, n)
    seconds = START_EPOCH + (t[bins] * 3600).astype(np.int64) + offsets
    order = np.argsort(seconds, kind="stable")
    return seconds[order], themes[order]
