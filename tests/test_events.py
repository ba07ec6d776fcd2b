"""data/events.csv and its loader."""

from __future__ import annotations

import pandas as pd
import pytest

from textkit.events import EVENT_COLUMNS, EventsError, load_events

HEADER = ",".join(EVENT_COLUMNS)


def _write(tmp_path, *rows: str):
    path = tmp_path / "events.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_bundled_events_load_tz_aware_and_sorted():
    events = load_events()
    assert list(events.columns) == list(EVENT_COLUMNS)
    assert str(events["start"].dt.tz) == "Asia/Shanghai" and str(events["end"].dt.tz) == "Asia/Shanghai"
    assert events["start"].is_monotonic_increasing
    assert set(events["kind"]) == {"moment", "span"}
    assert events.loc[events.kind == "span", "end"].notna().all()
    assert (events["end"].dropna() >= events.loc[events["end"].notna(), "start"]).all()
    assert events["source"].str.len().min() > 0


def test_bundled_events_carry_the_timeline_facts():
    events = load_events()
    starts = {ts.strftime("%Y-%m-%d %H:%M") for ts in events["start"]}
    # the 2022-01-04 crash is precise in the sources: 09:00 to about 10:30
    crash = events[events["start"] == pd.Timestamp("2022-01-04 09:00", tz="Asia/Shanghai")]
    assert len(crash) == 1 and crash["end"].iloc[0] == pd.Timestamp("2022-01-04 10:30", tz="Asia/Shanghai")
    assert "2021-12-23 00:00" in starts  # lockdown
    assert any(s.startswith("2021-12-20") for s in starts)  # first crash
    assert any(s.startswith("2022-01-05") for s in starts)  # suspension, hospital story
    assert any(s.startswith("2022-01-24") for s in starts)  # easing
    assert events["label_zh"].str.contains("一码通").sum() >= 2


def test_moment_without_end_is_fine(tmp_path):
    path = _write(tmp_path, "2022-01-24T00:00:00+08:00,,解封,Eased,moment,test")
    events = load_events(path)
    assert events["end"].isna().all() and events["start"].iloc[0].hour == 0


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("2022-13-01T00:00:00+08:00,,标签,label,moment,src", "not an ISO 8601 time"),
        ("2022-01-01T00:00:00,,标签,label,moment,src", "no time zone"),
        ("2022-01-01T00:00:00+08:00,,标签,label,instant,src", "kind 'instant'"),
        ("2022-01-01T00:00:00+08:00,,标签,label,span,src", "a span needs an end"),
        ("2022-01-02T00:00:00+08:00,2022-01-01T00:00:00+08:00,标签,label,span,src", "before start"),
        ("2022-01-01T00:00:00+08:00,,,label,moment,src", "label_zh is empty"),
        ("2022-01-01T00:00:00+08:00,,标签,label,moment", "wrong number of fields"),
    ],
)
def test_bad_rows_name_file_row_and_reason(tmp_path, row, reason):
    path = _write(tmp_path, "2021-12-09T00:00:00+08:00,,首例,First case,moment,src", row)
    with pytest.raises(EventsError) as err:
        load_events(path)
    message = str(err.value)
    assert str(path) in message and "row 3" in message and reason in message


def test_missing_column_and_missing_file(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("start,label_zh\n2022-01-01T00:00:00+08:00,x\n", encoding="utf-8")
    with pytest.raises(EventsError, match="missing column"):
        load_events(path)
    with pytest.raises(EventsError, match="not found"):
        load_events(tmp_path / "nope.csv")
