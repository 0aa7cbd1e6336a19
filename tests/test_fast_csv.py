"""The pyarrow fast path reads exactly what the careful CSV reader reads, or declines.

``territory.io.fast_csv.read_well_formed`` takes well-formed files; everything else goes to
the careful reader in ``territory.io.loading`` that names rows. These tests hold the two to
the same frame on the whole hostile-input corpus and on generated (and damaged) files.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from territory.errors import InputError
from territory.io import loading
from territory.io.fast_csv import read_well_formed
from territory.io.sheets import ReadLimits

from corpus_generators import CORPUS, GENERATORS


def careful(path: Path, monkeypatch: pytest.MonkeyPatch) -> pd.DataFrame | InputError:
    """What the careful reader makes of ``path`` (the fast path switched off)."""
    with monkeypatch.context() as m:
        m.setattr(loading, "read_well_formed", lambda raw, newlines=None: None)
        try:
            return loading._read_csv(path, ReadLimits())
        except InputError as e:
            return e


def assert_same(path: Path, monkeypatch: pytest.MonkeyPatch) -> bool:
    """The fast reader's frame equals the careful one's; returns whether it took the file."""
    fast = read_well_formed(path.read_bytes())
    if fast is None:
        return False
    slow = careful(path, monkeypatch)
    assert not isinstance(slow, InputError), (
        f"{path}: fast path took a file the careful reader refuses: {slow}"
    )
    pd.testing.assert_frame_equal(fast, slow)
    assert list(fast.columns) == list(slow.columns)
    assert slow.attrs.get("problems") == []
    return True


def corpus_csv_files(tmp_path: Path) -> list[Path]:
    files = [p for p in CORPUS.rglob("*") if p.is_file() and p.suffix.lower() in (".csv", ".txt", ".tsv")]
    for name, gen in GENERATORS.items():
        d = tmp_path / name
        d.mkdir()
        try:
            p = gen(d)
        except Exception:  # noqa: BLE001 - a generator needing a special set-up (a FIFO) is skipped
            continue
        if p.is_file() and p.suffix.lower() in (".csv", ".txt"):
            files.append(p)
    return sorted(files)


def test_corpus_files_read_alike(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    taken = {
        p.relative_to(p.parents[1]).as_posix()
        for p in corpus_csv_files(tmp_path)
        if assert_same(p, monkeypatch)
    }
    # The good files go the fast way (so this test compares something) ...
    assert {"_base/accounts.csv", "_base/roster.csv", "crlf/accounts.csv", "excel_bom/accounts.csv"} <= taken
    # ... and the hostile ones the careful way, where their messages are made.
    for hostile in (
        "quote_swallows_rows/accounts.csv",
        "truncated_quote/accounts.csv",
        "truncated_row/accounts.csv",
        "extra_separators/accounts.csv",
        "blank_rows_inside/accounts.csv",
        "quoted_newlines/accounts.csv",
        "latin1/accounts.csv",
        "nul_bytes/accounts.csv",
        "utf16_no_bom/accounts.csv",
    ):
        assert hostile not in taken


@pytest.mark.parametrize(
    "data",
    [
        b"a,b\n1,2\n\n3,4\n",  # a blank line
        b'a,b\n1,"x\ny"\n',  # a cell with a line break
        b"a,b\r1,2\r",  # old Mac line ends
        b"a,b\r\n1,x\ry\r\n",  # a lone CR inside a row
        b"a,b\n1\n",  # a short row
        b"a,b\n1,2,3\n",  # a long row
        b'a,b\n1,"2\n',  # a quote never closed
        b"sep=;\na;b\n1;2\n",  # Excel's separator line
        b"a,b\n",  # no data row
        b"a,b\n1,caf\xe9\n",  # latin-1
        b"\xff\xfea\x00,\x00b\x00",  # UTF-16
        b'"a\nb",c\n1,2\n',  # a header cell with a line break
    ],
)
def test_declines_what_needs_the_careful_reader(data: bytes) -> None:
    assert read_well_formed(data) is None


def test_takes_plain_files_as_written() -> None:
    df = read_well_formed('\ufeffid,name,id\r\n007," Acme, ""Inc"" ",x\r\n'.encode())
    assert df is not None
    assert list(df.columns) == ["id", "name", "id"]
    assert df.iloc[0].tolist() == ["007", ' Acme, "Inc" ', "x"]


CELL = st.text(
    alphabet=st.sampled_from(list("abcXYZ019 ,;\"'=+-@\t\r\né€\u200b")),
    max_size=8,
)


@st.composite
def csv_bytes(draw: st.DrawFn) -> bytes:
    n_cols = draw(st.integers(1, 4))
    header = [draw(st.text(alphabet="abcd_ ", min_size=1, max_size=5)) for _ in range(n_cols)]
    rows = draw(st.lists(st.lists(CELL, min_size=n_cols, max_size=n_cols), min_size=0, max_size=6))
    buf = io.StringIO()
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    sep = draw(st.sampled_from([",", ";", "\t"]))
    end = draw(st.sampled_from(["\n", "\r\n"]))
    csv.writer(buf, delimiter=sep, quoting=quoting, lineterminator=end).writerows([header, *rows])
    data = buf.getvalue().encode("utf-8")
    # Damage: cut the file, drop or add a byte, to make sure damaged files are never misread.
    damage = draw(st.sampled_from(["none", "cut", "drop", "insert"]))
    if damage != "none" and data:
        i = draw(st.integers(0, len(data) - 1))
        if damage == "cut":
            data = data[:i]
        elif damage == "drop":
            data = data[:i] + data[i + 1 :]
        else:
            data = data[:i] + draw(st.sampled_from([b'"', b"\n", b"\r", b",", b";", b"\xe9"])) + data[i:]
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    return data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=csv_bytes())
def test_generated_files_read_alike(data: bytes, tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.mktemp("csv") / "accounts.csv"
    path.write_bytes(data)
    fast = read_well_formed(data)
    if fast is None:
        return
    with pytest.MonkeyPatch.context() as m:
        slow = careful(path, m)
    assert not isinstance(slow, InputError), f"fast path took a file the careful reader refuses: {slow}"
    pd.testing.assert_frame_equal(fast, slow)
    assert list(fast.columns) == list(slow.columns)
