"""Issue 13: a data file is read only when it is a regular file under the size limit (DAGSPEC_MAX_DATA_BYTES,
or read_table's max_bytes); anything else is a coded error at the `from`, before a byte is read. `from
"/dev/zero"` grew until memory ran out, a FIFO hung forever, a 2 GB sparse file raised MemoryError."""

import json
import os
import threading
from pathlib import Path

import pytest

import dagspec
from dagspec.cli import main
from dagspec.datafile import DataFileError, read_table


def _codes_at_from(spec_text: str, folder: Path) -> list[tuple[str, int, int, str]]:
    (folder / "m.dag").write_text(spec_text)
    spec = dagspec.load(folder / "m.dag")
    with pytest.raises(dagspec.DagspecError) as info:
        spec.columns()
    return [(d.code, d.span.line, d.span.column, d.message) for d in info.value.diagnostics]


def _within(seconds: float, function):
    """function() run in a thread, which must finish in time (a FIFO opened for reading blocked forever)."""
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("value", function()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "reading the data did not return"
    return result["value"]


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_device_is_not_read(tmp_path):
    found = _within(30, lambda: _codes_at_from('x -> y\nobserved x, y from "/dev/zero"\n', tmp_path))
    assert found == [
        ("DS520", 2, 10, "data file '/dev/zero' is a character device, not a regular file, so it is not read")
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    os.mkfifo(tmp_path / "pipe.csv")
    found = _within(30, lambda: _codes_at_from('x -> y\nobserved x, y from "pipe.csv"\n', tmp_path))
    assert [(c, line, col) for c, line, col, _ in found] == [("DS520", 2, 10)] and "a pipe (FIFO)" in found[0][3]


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_link_to_a_device_is_refused_too(tmp_path):
    (tmp_path / "data.csv").symlink_to("/dev/zero")
    found = _within(30, lambda: _codes_at_from('x -> y\nobserved x, y from "data.csv"\n', tmp_path))
    assert found[0][:3] == ("DS520", 2, 10)


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path):
    with open(tmp_path / "huge.csv", "wb") as file:  # 2 GiB, sparse: no disk, no memory
        file.truncate(2 * 2**30)
    found = _codes_at_from('x -> y\nobserved x, y from "huge.csv"\n', tmp_path)
    assert found == [("DS521", 2, 10, "data file 'huge.csv' is 2 GiB, more than the 1 GiB dagspec reads")]


def test_the_limit_is_set_by_the_environment_or_by_argument(tmp_path, monkeypatch):
    path = tmp_path / "d.csv"
    path.write_text("x,y\n" + "1,2\n" * 100)  # 404 bytes
    monkeypatch.setenv("DAGSPEC_MAX_DATA_BYTES", "400")
    with pytest.raises(DataFileError) as info:
        read_table(path)
    assert info.value.code == "DS521"
    assert len(read_table(path, max_bytes=1000)) == 100
    monkeypatch.setenv("DAGSPEC_MAX_DATA_BYTES", "1K")
    assert len(read_table(path)) == 100
    monkeypatch.setenv("DAGSPEC_MAX_DATA_BYTES", "lots")
    found = _codes_at_from('x -> y\nobserved x, y from "d.csv"\n', tmp_path)
    assert found[0][0] == "DS503" and "DAGSPEC_MAX_DATA_BYTES='lots' is not a size" in found[0][3]


def test_the_hint_names_the_variable_that_raises_the_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSPEC_MAX_DATA_BYTES", "10")
    (tmp_path / "d.csv").write_text("x,y\n1,2\n2,3\n")
    (tmp_path / "m.dag").write_text('x -> y\nobserved x, y from "d.csv"\n')
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.load(tmp_path / "m.dag").build()
    assert "DAGSPEC_MAX_DATA_BYTES" in info.value.diagnostics[0].hint


def test_an_empty_data_file_is_a_coded_finding_under_every_format(tmp_path, capsys):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    spec = Path(__file__).resolve().parents[2] / "specs/tutorial/fork.dag"
    assert main(["check", str(spec), "--data", str(empty), "--format", "json"]) == 1
    findings = json.loads(capsys.readouterr().out)
    assert [(f["code"], f["file"], f["message"]) for f in findings] == [
        ("DS522", str(empty), f"data file {str(empty)!r} is empty")
    ]
    assert main(["compile", str(spec), "--data", str(empty)]) == 1
    assert f"{empty}: error DS522" in capsys.readouterr().err


def test_a_compressed_file_is_unpacked_only_up_to_the_limit(tmp_path, monkeypatch):
    import gzip

    with gzip.open(tmp_path / "d.csv.gz", "wb") as file:
        file.write(b"x,y\n" + b"1,2\n" * 100_000)  # 400 kB unpacked, 1 kB packed
    assert len(read_table(tmp_path / "d.csv.gz")) == 100_000
    monkeypatch.setenv("DAGSPEC_MAX_DATA_BYTES", "100K")
    with pytest.raises(DataFileError) as info:
        read_table(tmp_path / "d.csv.gz")
    assert info.value.code == "DS521" and info.value.fields["size"] == "more than 100 KiB unpacked"


def test_parquet_columns_must_unpack_within_the_limit(tmp_path, monkeypatch):
    import pandas as pd

    pd.DataFrame({"x": [1.0] * 100_000}).to_parquet(tmp_path / "d.parquet")  # a few kB on disk, 800 kB of floats
    assert len(read_table(tmp_path / "d.parquet")) == 100_000
    with pytest.raises(DataFileError) as info:
        read_table(tmp_path / "d.parquet", max_bytes=100_000)
    assert info.value.code == "DS521" and "unpacked" in info.value.fields["size"]
