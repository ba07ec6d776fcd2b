"""News coverage: language detection, syndication against the generator's ground truth, coverage, lags."""

from __future__ import annotations

import itertools
import json

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import textkit.ingest.news  # noqa: F401  (registers the article readers)
from textkit import news, synth_news
from textkit.ingest import read_posts

MIXED = [
    ("Xi'an's health code app, known as 一码通, crashed again on Tuesday morning.", "en"),
    ("The residents said the 健康码 would not load and they could not board buses.", "en"),
    ("西安一码通又崩了，APP一直转圈，核酸结果查不到。", "zh"),
    ("今天的 health code 又打不开了，地铁口排长队，只能等着。", "zh"),
    ("西安「一碼通」再度當機，市民無法出示核酸結果。", "zh"),  # traditional characters
    ("Xi'an health code crashes again", "en"),  # short headline, no function words
    ("Le système de code sanitaire de la ville est tombé en panne mardi matin.", "und"),  # French
    ("Das Gesundheitscode-System der Stadt ist am Dienstag ausgefallen und die Bürger warten.", "und"),
    ("健康コードのアプリが朝から使えなくなりました。", "ja"),
    ("건강 코드 앱이 아침부터 작동하지 않았습니다.", "ko"),
    ("2022-01-04 09:30 #12345", "und"),
    ("", "und"),
]


@pytest.mark.parametrize(("text", "expected"), MIXED)
def test_language_detection_on_mixed_input(text, expected):
    assert news.detect_language(text) == expected


def test_language_detection_on_generated_articles():
    articles = synth_news.build_articles(seed=7, n_stories=60)
    detected = [news.detect_language(a.title + "\n" + "\n".join(a.paragraphs)) for a in articles]
    assert detected == [a.language for a in articles]
    headlines = [news.detect_language(a.title) for a in articles]
    assert sum(h == a.language for h, a in zip(headlines, articles, strict=True)) / len(articles) >= 0.95


def test_generator_is_deterministic_and_marks_itself_synthetic(tmp_path):
    first = synth_news.generate_articles(tmp_path / "a", seed=3, n_stories=40)
    second = synth_news.generate_articles(tmp_path / "b", seed=3, n_stories=40)
    assert first == second and first["non_data"] == [synth_news.TRUTH_FILE]
    for name in first["files"]:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    other = synth_news.generate_articles(tmp_path / "c", seed=4, n_stories=40)
    assert (tmp_path / "c" / synth_news.JSONL_FILE).read_bytes() != (tmp_path / "a" / synth_news.JSONL_FILE
                                                                     ).read_bytes()
    assert other["articles"] > 40 and other["syndicated_stories"] > 5
    line = json.loads((tmp_path / "a" / synth_news.JSONL_FILE).read_text(encoding="utf-8").splitlines()[0])
    assert "synthetic" in line["description"].lower() and line["url"].split("/")[2].endswith(".example")


@pytest.fixture(scope="module")
def sample_articles(tmp_path_factory):
    """The default generated articles, ingested and merged, with the ground truth."""
    folder = tmp_path_factory.mktemp("news_sample")
    summary = synth_news.generate_articles(folder)
    posts, report = read_posts([folder / synth_news.MEDIACLOUD_FILE, folder / synth_news.JSONL_FILE])
    truth = pd.read_csv(folder / synth_news.TRUTH_FILE, dtype={"article_id": str})
    return news.merge_articles(posts), truth, summary, report


def test_sample_is_a_few_hundred_articles_in_both_languages(sample_articles):
    articles, truth, summary, report = sample_articles
    assert 200 <= summary["articles"] <= 600 and set(summary["languages"]) == {"en", "zh"}
    assert report.to_dict()["total"]["rejected"] == 0
    # the export row and the fetched text of one URL are one article
    assert len(articles) == len(truth) == summary["articles"]
    assert articles["text"].notna().all() and (articles["time_precision"] == "second").all()
    assert set(articles["url"]) == set(truth["url"])


def pairwise_scores(predicted: list, expected: list) -> tuple[float, float]:
    tp = fp = fn = 0
    for i, j in itertools.combinations(range(len(expected)), 2):
        same, grouped = expected[i] == expected[j], predicted[i] == predicted[j]
        tp += same and grouped
        fp += grouped and not same
        fn += same and not grouped
    return tp / max(1, tp + fp), tp / max(1, tp + fn)


def test_syndication_matches_ground_truth(sample_articles):
    articles, truth, _, _ = sample_articles
    grouped = news.assign_stories(articles).merge(truth, on="url", how="inner", validate="1:1")
    assert len(grouped) == len(truth)
    precision, recall = pairwise_scores(grouped["story"].tolist(), grouped["story_id"].tolist())
    assert precision >= 0.95 and recall >= 0.95, (precision, recall)
    agreement = (grouped["is_canonical"].astype(int) == grouped["canonical"]).mean()
    assert agreement >= 0.95


def test_syndication_table_names_first_appearance_and_outlets(sample_articles):
    articles, _, _, _ = sample_articles
    table = news.syndication_table(news.assign_stories(articles))
    assert table["placements"].sum() == len(articles)
    biggest = table.sort_values("placements").iloc[-1]
    assert biggest["placements"] > 3 and biggest["canonical_outlet"] in ("Demo Wire Service", "演示通讯社")
    assert biggest["outlets"] == len(biggest["outlet_names"].split("; "))
    assert (pd.to_datetime(table["first_seen"]) <= pd.to_datetime(table["last_seen"])).all()


def test_unrelated_texts_stay_apart_and_edited_copies_group():
    base = ("The invented city said on Monday that its health app had failed for six hours, leaving "
            "commuters at metro gates and testing sites unable to show results, and promised more servers.")
    edited = base.replace("Monday", "Tuesday").replace("promised more servers", "promised upgrades")
    shortened = " ".join(base.split()[:25])
    other = ("A bakery owner in an invented district said trade had fallen away since the weekend and that "
             "volunteers now delivered bread to sealed compounds twice a week.")
    labels = news.group_syndicated([base, edited, shortened, other], ["en"] * 4, min_shingles=10)
    assert labels[0] == labels[1] == labels[2] != labels[3]


_SMALL = synth_news.build_articles(seed=5, n_stories=30)
_SMALL_BASES = [news.syndication_basis(a.title, "\n".join(a.paragraphs)) for a in _SMALL]


def _partition(labels) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for index, label in enumerate(labels):
        groups.setdefault(int(label), set()).add(index)
    return {frozenset(g) for g in groups.values()}


@settings(max_examples=15, deadline=None)
@given(st.permutations(range(len(_SMALL))))
def test_grouping_does_not_depend_on_input_order(order):
    expected = _partition(news.group_syndicated(_SMALL_BASES, [a.language for a in _SMALL]))
    shuffled = news.group_syndicated([_SMALL_BASES[i] for i in order], [_SMALL[i].language for i in order])
    assert {frozenset(order[i] for i in group) for group in _partition(shuffled)} == expected


def _articles(rows: list[tuple[str, str, str, int, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["article_id", "created_at", "language", "story", "title"])
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True).dt.tz_convert("Asia/Shanghai")
    frame["story"] = frame["story"].astype("Int64")
    frame["is_canonical"] = ~frame["story"].duplicated()
    frame["text"] = frame["title"]
    frame["outlet"] = "Example Daily"
    return frame


def test_coverage_counts_stories_and_placements_beside_complaints():
    articles = _articles([
        ("a1", "2022-01-04T10:00:00+08:00", "zh", 0, "x"),
        ("a2", "2022-01-04T23:30:00+08:00", "zh", 0, "x"),
        ("a3", "2022-01-04T16:30:00Z", "en", 0, "x"),  # 2022-01-05 00:30 China time
        ("a4", "2022-01-05T09:00:00+08:00", "en", 1, "y"),
    ])
    complaints = pd.DataFrame({
        "platform": ["weibo", "weibo", "weibo", "news"],
        "created_at": pd.to_datetime(["2022-01-03T12:00:00+08:00", "2022-01-04T09:00:00+08:00",
                                      "2022-01-04T09:05:00+08:00", "2022-01-04T10:00:00+08:00"]),
        "complaint": [1, 1, 1, 1],
    })
    table = news.coverage_timeline(articles, complaints, freq="D")
    assert table["bin_start"].tolist() == ["2022-01-03T00:00:00+08:00", "2022-01-04T00:00:00+08:00",
                                           "2022-01-05T00:00:00+08:00"]
    assert table["placements"].tolist() == [0, 2, 2]
    assert table["stories"].tolist() == [0, 1, 2]
    assert table["new_stories"].tolist() == [0, 1, 1]
    assert table["placements_en"].tolist() == [0, 0, 2]
    assert table["complaints"].tolist() == [1, 2, 0]  # the news record is not a complaint voice


def test_lags_on_a_constructed_example():
    events = pd.DataFrame({
        "start": pd.to_datetime(["2022-01-04T09:00:00+08:00", "2022-01-10T00:00:00+08:00"]),
        "end": pd.to_datetime(["2022-01-04T10:30:00+08:00", None], utc=True).tz_convert("Asia/Shanghai"),
        "label_zh": ["示例崩溃", "示例无关事件"], "label_en": ["Example crash", "Unrelated example"],
        "kind": ["span", "moment"], "source": ["test", "test"],
    })
    events["start"] = events["start"].dt.tz_convert("Asia/Shanghai")
    spikes = [
        {"id": "s2", "series": "all_complaints", "start": "2022-01-04T10:00:00+08:00",
         "peak": "2022-01-04T11:00:00+08:00", "end": "2022-01-04T13:00:00+08:00"},
        {"id": "s1", "series": "all_complaints", "start": "2022-01-04T09:00:00+08:00",
         "peak": "2022-01-04T09:00:00+08:00", "end": "2022-01-04T09:59:00+08:00"},
        {"id": "o1", "series": "outage", "start": "2022-01-04T07:00:00+08:00",
         "peak": "2022-01-04T07:00:00+08:00", "end": "2022-01-04T12:00:00+08:00"},
    ]
    articles = _articles([
        ("early", "2022-01-03T08:00:00+08:00", "en", 0, "pass app crash"),  # before the lead window
        ("off", "2022-01-04T11:00:00+08:00", "en", 1, "bakery opens"),  # no keywords
        ("first", "2022-01-04T14:30:00+08:00", "en", 2, "Pass app crash again"),
        ("later", "2022-01-05T08:00:00+08:00", "zh", 2, "一码通崩溃"),
    ])
    lags = news.coverage_lags(articles, events, spikes, keywords=[["crash", "pass", "崩溃", "一码通"],
                                                                   ["unrelated", "example"]])
    crash, unrelated = lags.iloc[0], lags.iloc[1]
    assert (crash["first_spike_id"], crash["first_article_id"]) == ("s1", "first")
    assert crash["lag_hours"] == 5.5 and crash["press_after_event_hours"] == 5.5
    assert (crash["articles"], crash["stories"]) == (2, 1)
    assert pd.isna(unrelated["first_spike_id"]) and pd.isna(unrelated["lag_hours"])
    assert unrelated["articles"] == 0


def test_news_dir_writes_every_artefact_deterministically(tmp_path):
    from textkit.ingest import ingest_dir
    from textkit.io import read_provenance

    corpus, folder = tmp_path / "corpus", tmp_path / "analysis"
    synth_news.generate_articles(corpus, n_stories=40)
    ingest_dir([corpus / "news"], folder)
    complaints = pd.DataFrame({
        "platform": ["weibo"] * 3, "post_id": ["p1", "p2", "p3"],
        "created_at": pd.to_datetime(["2021-12-20T08:00:00+08:00", "2021-12-20T08:10:00+08:00",
                                      "2022-01-04T09:05:00+08:00"]).tz_convert("Asia/Shanghai"),
        "complaint": [1, 1, 1],
    })
    complaints.to_parquet(folder / "complaints.parquet")
    spikes = [{"id": "s1", "series": "all_complaints", "start": "2021-12-20T07:00:00+08:00",
               "peak": "2021-12-20T08:00:00+08:00", "end": "2021-12-20T12:00:00+08:00"}]
    (folder / "spikes.json").write_text(json.dumps(spikes), encoding="utf-8")

    report = news.news_dir(folder)
    outputs = ("articles.parquet", "syndication.csv", "coverage.csv", "coverage_lags.csv")
    first = {name: (folder / name).read_bytes() for name in outputs}
    assert news.news_dir(folder) == report
    assert {name: (folder / name).read_bytes() for name in outputs} == first

    articles = pd.read_parquet(folder / "articles.parquet")
    assert report["articles"] == len(articles) and report["article_records"] == 2 * len(articles)
    assert report["complaints_used"] and report["spikes_used"]
    zh = articles[articles["language"] == "zh"].iloc[0]
    en = articles[articles["language"] == "en"].iloc[0]
    assert len(zh["tokens"]) and news.detect_language("".join(zh["tokens"])) == "zh"
    assert len(en["tokens"]) and not {"the", "and", "of"} & set(en["tokens"])
    coverage = pd.read_csv(folder / "coverage.csv")
    assert coverage["placements"].sum() == len(articles) and coverage["complaints"].sum() == 3
    lags = pd.read_csv(folder / "coverage_lags.csv")
    crash = lags[lags["label_en"].str.startswith("One Code Pass health-code system crashes")].iloc[0]
    assert crash["first_spike_id"] == "s1"
    lag = pd.Timestamp(crash["first_article_at"]) - pd.Timestamp(spikes[0]["start"])
    assert crash["lag_hours"] == round(lag.total_seconds() / 3600, 2) > 0
    assert read_provenance(folder)["stages"]["news"]["articles"] == len(articles)


@pytest.mark.parametrize("batch_rows", [2, 3, 1000])
def test_article_records_read_as_the_whole_table_filtered(tmp_path, monkeypatch, batch_rows):
    from textkit.io import write_parquet

    posts = pd.DataFrame({
        "post_id": [f"fake-{i}" for i in range(9)],
        "kind": ["post", "article", "post", "article", "article", None, "post", "article", "post"],
        "source_file": "invented.jsonl", "source_record": pd.array(range(9), dtype="Int64"),
        "source_format": "invented", "url": [None, "https://a.example/1", None, "https://a.example/2",
                                             None, None, None, "https://b.example/1", None],
        "outlet": "Example Daily", "title": "Invented headline", "language": "en",
        "text": [f"invented text {i}" for i in range(9)],
        "created_at": pd.date_range("2021-12-20", periods=9, freq="h", tz="Asia/Shanghai"),
        "time_precision": "second", "raw": "{}",
    })
    write_parquet(tmp_path / "posts.parquet", posts)
    monkeypatch.setattr(news, "BATCH_ROWS", batch_rows)
    records = news.read_article_records(tmp_path / "posts.parquet")
    whole = pd.read_parquet(tmp_path / "posts.parquet")
    expected = whole[whole["kind"] == "article"][list(news.ARTICLE_COLUMNS)].reset_index(drop=True)
    pd.testing.assert_frame_equal(records, expected)
    assert records["post_id"].tolist() == ["fake-1", "fake-3", "fake-4", "fake-7"]
    write_parquet(tmp_path / "none.parquet", posts[posts["kind"] != "article"])
    assert news.read_article_records(tmp_path / "none.parquet").empty
