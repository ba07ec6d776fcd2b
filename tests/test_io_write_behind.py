"""textkit.io.write_behind: Parquet artefacts written on a background thread, read back from memory."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from textkit import io as tkio


def _table() -> pa.Table:
    return pa.table({"post_id": ["1", "2", "3"], "text_clean": ["甲", "乙", "甲"], "n": [1, 2, 3]})


def _prepared_like() -> pa.Table:
    """Types as a pandas-made prepared table has them: large strings, lists (one null), a second chunk."""
    part = pa.table({
        "text_clean": pa.array(["甲", "乙", None], type=pa.large_string()),
        "tokens": pa.array([["一码通", "崩"], None, ["崩", "了"]], type=pa.list_(pa.string())),
        "n": pa.array([1, 2, 3], type=pa.int64()),
    })
    return pa.concat_tables([part, part])


def test_outside_the_block_writes_are_synchronous(tmp_path):
    path = tkio.write_parquet_table(tmp_path / "a.parquet", _table())
    assert pq.read_table(path).equals(_table())
    assert tkio.read_parquet_table(path, ["n"]).column_names == ["n"]


def test_reads_inside_the_block_equal_reads_from_disk(tmp_path):
    sync = tkio.write_parquet_table(tmp_path / "sync.parquet", _table())
    behind = tmp_path / "behind.parquet"
    with tkio.write_behind():
        tkio.write_parquet_table(behind, _table())
        assert tkio.artefact_exists(behind)
        assert tkio.parquet_column_names(behind) == ["post_id", "text_clean", "n"]
        from_memory = tkio.read_parquet_table(behind, ["text_clean", "n"], read_dictionary=["text_clean"])
        from_disk = pq.read_table(sync, columns=["text_clean", "n"], read_dictionary=["text_clean"])
        assert from_memory.schema.equals(from_disk.schema)
        assert from_memory.to_pylist() == from_disk.to_pylist()
        with pytest.raises(KeyError, match="no column"):
            tkio.read_parquet_table(behind, ["missing"])
        assert tkio.sha256_file(behind) == tkio.sha256_file(sync)  # hashing waits for the write
    assert behind.read_bytes() == sync.read_bytes()


@pytest.mark.parametrize("dictionary", [None, ["text_clean"], ["tokens"], ["text_clean", "tokens"]])
def test_memory_reads_have_the_types_parquet_gives(tmp_path, dictionary):
    sync = tkio.write_parquet_table(tmp_path / "sync.parquet", _prepared_like())
    from_disk = tkio.read_parquet_table(sync, ["tokens", "text_clean"], read_dictionary=dictionary)
    with tkio.write_behind():
        behind = tkio.write_parquet_table(tmp_path / "behind.parquet", _prepared_like())
        from_memory = tkio.read_parquet_table(behind, ["tokens", "text_clean"], read_dictionary=dictionary)
        assert from_memory.schema.equals(from_disk.schema)
        assert from_memory.to_pylist() == from_disk.to_pylist()


def test_a_stale_file_is_removed_before_its_new_version_is_written(tmp_path):
    path = tmp_path / "a.parquet"
    pq.write_table(pa.table({"old": [0]}), path)
    with tkio.write_behind():
        tkio.write_parquet_table(path, _table())
        assert tkio.read_parquet_table(path).equals(_table())
    assert pq.read_table(path).equals(_table())


def test_release_waits_for_the_file_and_drops_the_table(tmp_path):
    path = tmp_path / "a.parquet"
    with tkio.write_behind():
        tkio.write_parquet_table(path, _table())
        tkio.release(path)
        assert path.exists()
        assert pq.read_table(path).equals(tkio.read_parquet_table(path))


def test_a_failed_background_write_raises_when_the_block_ends(tmp_path, monkeypatch):
    def broken_writer(table, where, **options):
        raise OSError("disk full")

    monkeypatch.setattr(tkio.pq, "write_table", broken_writer)
    path = tmp_path / "a.parquet"
    with pytest.raises(OSError, match="disk full"), tkio.write_behind():
        tkio.write_parquet_table(path, _table())
        assert tkio.read_parquet_table(path).equals(_table())  # readable while the write is pending
    assert not path.exists() and not list(tmp_path.iterdir())  # no partial or temporary file left


def test_held_artefacts_are_listed_until_released(tmp_path):
    assert tkio.held_in_memory() == []
    with tkio.write_behind():
        tkio.write_parquet_table(tmp_path / "b.parquet", _table())
        tkio.write_parquet_table(tmp_path / "a.parquet", _table())
        held = [(tmp_path / name).resolve() for name in ("a.parquet", "b.parquet")]
        assert tkio.held_in_memory() == held
        tkio.release(tmp_path / "a.parquet")
        assert tkio.held_in_memory() == [(tmp_path / "b.parquet").resolve()]
    assert tkio.held_in_memory() == []


def test_released_without_waiting_a_file_is_read_from_disk_once_written(tmp_path):
    path = tmp_path / "a.parquet"
    with tkio.write_behind():
        tkio.write_parquet_table(path, _table())
        tkio.release(path, wait=False)
        assert tkio.held_in_memory() == []
        assert tkio.artefact_exists(path)  # waits for the pending write
        assert tkio.read_parquet_table(path, ["n"]).column("n").to_pylist() == [1, 2, 3]
        tkio.settle()
        assert path.exists()
