"""The synthetic demo corpus: determinism, scraper formats, ground truth, time model, and (once ingest
exists) that ingest reads every generated file with nothing lost."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from textkit.synth import DEFAULT_N, DEFAULT_SEED, MARKER, generate, pii, volume
from textkit.synth.build import mid_to_bid, normalised
from textkit.synth.phrases import COMPLAINT_THEMES, THEMES

SMALL_N = 6000
OUTAGE_WINDOWS = (
    (
        pd.Timestamp("2021-12-20 07:00", tz="Asia/Shanghai"),
        pd.Timestamp("2021-12-20 18:00", tz="Asia/Shanghai"),
    ),
    (
        pd.Timestamp("2022-01-04 09:00", tz="Asia/Shanghai"),
        pd.Timestamp("2022-01-04 17:00", tz="Asia/Shanghai"),
    ),
)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    generate(out, n=SMALL_N, seed=7)
    return out


@pytest.fixture(scope="module")
def marker(corpus) -> dict:
    return json.loads((corpus / MARKER).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def truth(corpus) -> pd.DataFrame:
    df = pd.read_csv(corpus / "truth" / "ground_truth.csv.gz", dtype=str, keep_default_na=False)
    df["created_at"] = pd.to_datetime(df["created_at"])
    return df


def _in_windows(ts: pd.Timestamp) -> bool:
    return any(a <= ts < b for a, b in OUTAGE_WINDOWS)


# --- determinism ---------------------------------------------------------------------------------------
def test_same_seed_and_n_give_byte_identical_files(tmp_path):
    generate(tmp_path / "a", n=1500, seed=11)
    generate(tmp_path / "b", n=1500, seed=11)
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert a.keys() == b.keys()
    assert [k for k in a if a[k] != b[k]] == []


def test_another_seed_gives_another_corpus(tmp_path):
    generate(tmp_path / "a", n=1500, seed=11)
    generate(tmp_path / "b", n=1500, seed=12)
    assert _files(tmp_path / "a") != _files(tmp_path / "b")


def test_ground_truth_gzip_has_no_timestamp(corpus):
    raw = (corpus / "truth" / "ground_truth.csv.gz").read_bytes()
    assert raw[4:8] == b"\x00\x00\x00\x00"  # gzip MTIME field


def test_committed_sample_is_what_the_generator_writes(tmp_path, project_root):
    sample = project_root / "data" / "raw" / "sample"
    if not (sample / MARKER).exists():
        pytest.fail("data/raw/sample is missing: run `textkit synth --out data/raw/sample`")
    generate(tmp_path, n=DEFAULT_N, seed=DEFAULT_SEED)
    assert _files(tmp_path) == _files(sample), "regenerate data/raw/sample (the generator changed)"
    assert sum(p.stat().st_size for p in sample.rglob("*") if p.is_file()) <= 15 * 1024 * 1024


# --- marker and ground truth ---------------------------------------------------------------------------
def test_marker_lists_files_counts_and_non_data(corpus, marker, truth):
    assert marker["synthetic"] is True and marker["generator"] == "textkit.synth"
    assert marker["n"] == SMALL_N == marker["records"] == len(truth)
    pd.Timestamp(marker["crawl_time"])
    for rel in marker["non_data"]:
        assert (corpus / rel).is_file()
    on_disk = {k for k in _files(corpus) if k != MARKER and k not in marker["non_data"]}
    assert on_disk == set(marker["files"]) | set(marker["articles"]["files"])
    for rel, info in marker["files"].items():
        assert (corpus / rel).stat().st_size == info["bytes"]
        assert (truth.source_file == rel).sum() == info["records"]
        assert (truth[truth.source_file == rel].malformed == "1").sum() == info["malformed"]
    assert marker["malformed"] == (truth.malformed == "1").sum() >= 8


def test_ground_truth_is_consistent(truth):
    assert not truth.duplicated(["platform", "post_id"]).any()
    assert set(truth.theme) == set(THEMES)
    assert (truth.complaint == "1").equals(truth.theme.isin(COMPLAINT_THEMES))
    assert (truth.category[truth.complaint == "0"] == "none").all()
    assert set(truth.dup_kind) == {"unique", "near", "exact", "repost"}
    ids = set(truth.post_id)
    dups = truth[truth.dup_kind != "unique"]
    assert dups.duplicate_of.isin(ids).all() and (truth[truth.dup_kind == "unique"].duplicate_of == "").all()
    originals = truth.set_index("post_id").loc[dups.duplicate_of]
    assert (originals.created_at.to_numpy() <= dups.created_at.to_numpy()).all()
    assert (truth.groupby("duplicate_of").size().drop("", errors="ignore").max()) >= 100  # a repost storm
    assert truth.sentiment.isin(["-1", "0", "1"]).all()
    assert truth.help_request.eq("1").mean() > 0.03


def test_post_ids_are_weibo_mids_matching_their_time(truth):
    mids = truth.post_id.astype("int64").to_numpy()
    seconds = (mids >> 22) + 515483463
    created = np.array([int(ts.timestamp()) for ts in truth.created_at])
    assert (seconds == created).all()
    assert mid_to_bid("4714482139922432") == "L64KhFDhe"


def _written_texts(corpus: Path, marker: dict) -> dict[str, str]:
    """post_id -> text as written, for weibo-search CSVs and the nghuyong/MediaCrawler JSONL files."""
    texts = {}
    for rel, info in marker["files"].items():
        path = corpus / rel
        if info["format"] == "weibo-search-csv":
            rows = csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")))
            next(rows)
            texts.update({row[0]: row[4] for row in rows if len(row) > 4})
        elif info["format"] in ("nghuyong-jsonl", "mediacrawler-weibo-comments-jsonl"):
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    item = json.loads(line)
                except json.JSONDecodeError:
                    continue
                texts[str(item.get("_id", item.get("comment_id")))] = item.get("content")
    return texts


def test_pii_spans_point_at_valid_fake_values(corpus, marker, truth):
    texts = _written_texts(corpus, marker)
    seen_types = set()
    checked = 0
    for post_id, spans in zip(truth.post_id, truth.pii, strict=True):
        for span in json.loads(spans):
            seen_types.add(span["type"])
            value = span["value"]
            if post_id in texts:
                assert texts[post_id][span["start"] : span["end"]] == value
                checked += 1
            if span["type"] == "id_card":
                assert re.fullmatch(r"6101\d{13}[\dX]", value) and pii.id_check_char(value[:17]) == value[17]
            elif span["type"] == "bank_card":
                assert re.fullmatch(r"62\d{14}(\d{3})?", value) and pii.luhn_valid(value)
            elif span["type"] == "phone":
                assert re.fullmatch(r"1[3-9]\d{9}", value)
            elif span["type"] == "landline":
                assert re.fullmatch(r"029-\d{8}", value)
    assert seen_types == set(pii.PII_TYPES)
    assert checked > 100


def test_decoys_are_not_pii(truth):
    decoys = [d["value"] for spans in truth.decoys for d in json.loads(spans)]
    assert len(decoys) > 50
    for value in decoys:
        for run in re.findall(r"(?<!\d)\d{18}(?!\d)", value):
            assert pii.id_check_char(run[:17]) != run[17] and not pii.luhn_valid(run)


def test_near_copies_are_small_edits_and_uniques_are_not_near_each_other(corpus, marker, truth):
    from datasketch import MinHash, MinHashLSH

    texts = _written_texts(corpus, marker)
    rows = truth[truth.post_id.isin(texts.keys())]

    def shingles(text):
        text = normalised(text)
        return {text[i : i + 3] for i in range(max(1, len(text) - 2))}

    def jaccard(a, b):
        sa, sb = shingles(a), shingles(b)
        return len(sa & sb) / len(sa | sb)

    near = rows[(rows.dup_kind == "near") & rows.duplicate_of.isin(texts.keys())]
    scores = [jaccard(texts[p], texts[o]) for p, o in zip(near.post_id, near.duplicate_of, strict=True)]
    assert len(scores) > 20 and np.median(scores) >= 0.75

    uniques = rows[(rows.dup_kind == "unique") & (rows.kind != "repost")]
    lsh = MinHashLSH(threshold=0.8, num_perm=64)
    close = 0
    for post_id in uniques.post_id:
        m = MinHash(num_perm=64, seed=1)
        m.update_batch([s.encode() for s in shingles(texts[post_id])])
        candidates = lsh.query(m)
        if any(jaccard(texts[post_id], texts[c]) >= 0.8 for c in candidates):
            close += 1
        lsh.insert(post_id, m)
    assert close / len(uniques) < 0.005  # coincidental near-identical texts are labelled near


# --- the time model ------------------------------------------------------------------------------------
def test_intensity_model_peaks_in_the_outage_windows():
    t, matrix = volume.intensity()
    complaints = matrix[:, [THEMES.index(c) for c in COMPLAINT_THEMES]].sum(axis=1)
    peak = volume.START + pd.Timedelta(hours=float(t[np.argmax(complaints)]))
    assert _in_windows(peak)
    nights = volume.diurnal(np.arange(2, 5, 0.5)).max()
    mornings = volume.diurnal(np.arange(9, 11, 0.5)).min()
    assert mornings > 5 * nights


def test_hourly_volume_of_generated_posts_peaks_in_the_outage_windows(truth):
    hourly = truth.set_index("created_at").resample("h").size()
    assert _in_windows(hourly.idxmax())
    complaints = truth[truth.complaint == "1"]
    daily = complaints.set_index("created_at").resample("D").size().sort_values(ascending=False)
    assert {d.strftime("%Y-%m-%d") for d in daily.index[:2]} == {"2021-12-20", "2022-01-04"}
    for day in ("2021-12-20", "2022-01-04"):
        that_day = complaints[complaints.created_at.dt.strftime("%Y-%m-%d") == day]
        assert that_day.category.value_counts().idxmax() == "outage"
        assert that_day.category.eq("outage").mean() > 0.6
    lockdown = complaints[(complaints.created_at >= "2021-12-24") & (complaints.created_at < "2021-12-31")]
    before = complaints[(complaints.created_at >= "2021-12-15") & (complaints.created_at < "2021-12-19")]
    assert len(lockdown) / 7 > 5 * len(before) / 4
    night = truth[truth.created_at.dt.hour.isin([2, 3, 4])]
    morning = truth[truth.created_at.dt.hour.isin([9, 10, 11])]
    assert len(morning) > 5 * len(night)
    assert truth.created_at.min() >= volume.START and truth.created_at.max() < volume.END


# --- scraper formats -----------------------------------------------------------------------------------
def _by_format(marker: dict, fmt: str) -> list[str]:
    return [rel for rel, info in marker["files"].items() if info["format"] == fmt]


def test_weibo_search_csv_format(corpus, marker):
    widths = set()
    for rel in _by_format(marker, "weibo-search-csv"):
        raw = (corpus / rel).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        header = raw.decode("utf-8-sig").split("\r\n", 1)[0].split(",")
        widths.add(len(header))
        assert header[:3] == ["id", "bid", "user_id"] and header[16] == "retweet_id"
        assert re.search(rb",\d{4}-\d\d-\d\d \d\d:\d\d,", raw)
        if len(header) == 17:
            assert b"\"['http://ww" in raw  # list-literal picture field of the older column set
    assert widths == {17, 21}
    (older,) = [rel for rel in _by_format(marker, "weibo-search-csv") if "西安疫情" in rel]
    text = (corpus / older).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    ids = {row[0] for row in rows[1:]}
    reposting = [row for row in rows[1:] if len(row) > 16 and row[16]]
    assert reposting and all(row[16] in ids for row in reposting)
    first_seen = {row[0]: i for i, row in enumerate(rows)}
    assert all(first_seen[row[16]] < first_seen[row[0]] for row in reposting)
    assert any("//@" in row[4] for row in reposting)


def test_weibo_crawler_csv_is_ragged_with_tabbed_ids(corpus, marker):
    lengths = set()
    for rel in _by_format(marker, "weibo-crawler-csv"):
        raw = (corpus / rel).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        assert len(rows[0]) == 33 and rows[0][7] == "日期" and rows[0][14] == "完整日期"
        lengths |= {len(r) for r in rows[1:]}
        assert all(r[0].endswith("\t") for r in rows[1:])
    assert lengths == {16, 33}


def test_weibo_crawler_json_and_comment_export(corpus, marker):
    nested, html = 0, 0
    for rel in _by_format(marker, "weibo-crawler-json"):
        raw = (corpus / rel).read_text(encoding="utf-8")
        assert "\n" not in raw.strip()
        data = json.loads(raw)
        assert isinstance(data["user"]["id"], str) and isinstance(data["weibo"][0]["user_id"], int)
        nested += sum("retweet" in w for w in data["weibo"])
        html += "<br />" in raw
    assert nested > 0 and html > 0
    (rel,) = _by_format(marker, "weibo-crawler-comments-csv")
    rows = list(csv.reader(io.StringIO((corpus / rel).read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["id", "weibo_id", "created_at", "user_screen_name", "text", "pic_url", "like_count"]
    times = [r[2] for r in rows[1:]]
    assert any(re.fullmatch(r"\d+小时前", t) for t in times)
    assert any(re.fullmatch(r"(今天|昨天) \d\d:\d\d", t) for t in times)
    assert any(re.fullmatch(r"(1|12)月\d\d日 \d\d:\d\d", t) for t in times)
    assert any(re.fullmatch(r"\w{3} \w{3} \d\d \d\d:\d\d:\d\d \+0800 202[12]", t) for t in times)


def test_jsonl_formats(corpus, marker):
    (ng,) = _by_format(marker, "nghuyong-jsonl")
    assert re.fullmatch(r"tweet_spider_by_keyword_\d{14}\.jsonl", Path(ng).name)
    (mc,) = _by_format(marker, "mediacrawler-weibo-comments-jsonl")
    assert re.fullmatch(r"search_comments_\d{4}-\d\d-\d\d\.jsonl", Path(mc).name)
    for rel, check in ((ng, "_id"), (mc, "comment_id")):
        broken = 0
        for line in (corpus / rel).read_text(encoding="utf-8").splitlines():
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                broken += 1
                continue
            assert isinstance(item[check], str)
            if rel == ng:
                assert isinstance(item["crawl_time"], int)
            else:
                assert isinstance(item["comment_like_count"], str) and isinstance(item["last_modify_ts"], int)
        assert broken == 1
    first = json.loads((corpus / mc).read_text(encoding="utf-8").splitlines()[0])
    assert first["create_date_time"].endswith("+08:00") and isinstance(first["create_time"], int)


def test_texts_carry_the_noise_of_real_posts(corpus, marker, truth):
    blob = "\n".join(_written_texts(corpus, marker).values())
    for needle in ("#西安一码通崩了#", "//@", "http://t.cn/", "网页链接", "展开全文", "碼", "[泪]"):
        assert needle in blob, needle
    assert re.search(r"[A-Za-z]{4,} [A-Za-z]{3,}", blob)


def test_cli_writes_a_corpus(tmp_path):
    from textkit.cli import main

    assert main(["synth", "--out", str(tmp_path), "--n", "1200", "--seed", "3"]) == 0
    marker = json.loads((tmp_path / MARKER).read_text(encoding="utf-8"))
    assert marker["n"] == 1200 and marker["seed"] == 3


def test_too_small_n_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="n must be at least"):
        generate(tmp_path, n=10)


# --- ingest on the generated corpus (runs once textkit.ingest.read_posts exists) -------------------------
def _read_posts():
    ingest = pytest.importorskip("textkit.ingest")
    if not hasattr(ingest, "read_posts"):
        pytest.skip("textkit.ingest.read_posts not implemented yet")
    return ingest.read_posts


def _report_dict(report) -> dict:
    return report.to_dict() if hasattr(report, "to_dict") else dict(report)


def _total(report) -> dict:
    report = _report_dict(report)
    return report.get("total", report)


@pytest.fixture(scope="module")
def ingested(corpus):
    read_posts = _read_posts()
    return read_posts([corpus])


def test_ingest_reads_every_generated_file_with_nothing_lost(ingested, marker):
    posts, report = ingested
    total = _total(report)
    assert total["records"] == total["accepted"] + total["duplicates"] + total["rejected"]
    assert total["rejected"] == marker["malformed"]
    assert total["duplicates"] == marker["duplicate_ids"]
    social = posts["kind"].astype(str) != "article"
    assert social.sum() == marker["records"] - marker["malformed"]
    # every synthetic article is in both the Media Cloud export and the JSONL dump
    assert (~social).sum() == 2 * marker["articles"]["articles"]
    assert _report_dict(report).get("synthetic") is True
    assert total.get("files_with_errors", 0) == 0


def test_ingest_finds_every_ground_truth_id(ingested, truth):
    posts, _report = ingested
    keys = set(zip(posts["platform"], posts["post_id"], strict=True))
    good = truth[truth.malformed == "0"]
    missing = [k for k in zip(good.platform, good.post_id, strict=True) if k not in keys]
    assert missing == []


def test_ingested_hourly_volume_peaks_in_the_outage_windows(ingested, truth):
    posts, _report = ingested
    hourly = posts.set_index("created_at").resample("h").size()
    assert _in_windows(hourly.idxmax())
    joined = posts.merge(truth[["post_id", "created_at"]], on="post_id", suffixes=("", "_truth"))
    exact = joined[joined.time_precision != "day"]
    error = (exact.created_at - exact.created_at_truth).abs()
    assert (error <= pd.Timedelta(hours=1)).mean() > 0.999


def test_ground_truth_file_is_not_read_as_posts(ingested, truth):
    posts, _report = ingested
    assert not posts.source_file.astype(str).str.contains("ground_truth").any()
