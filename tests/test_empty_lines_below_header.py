"""A header over nothing but empty lines (a sheet's formatted but empty rows, saved as CSV):
refused as quickly as a header alone, with the very words the careful reader gives."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from territory.errors import InputError
from territory.io import loading

HEADERS = [
    b"account_id,owner_id,tier,potential,region",
    b"\xef\xbb\xbfaccount_id;owner_id;tier",
    b"account_id,account_id,,tier",  # repeated and missing headers: their own problems
    b'"account_id","owner, id",tier',
    b"account_id\ttier",
    b"only_one_column",
    b"sep=;",  # Excel's separator line: not a header, so not this shortcut
    b'"account_id,tier',  # a quote the header line does not close
]


def _outcome(path: Path) -> tuple[str, list[tuple]] | tuple[str, list[str]]:
    try:
        df = loading.read_table(path)
    except InputError as e:
        return "refused", [
            (p.file, p.row, p.column, p.value, p.message, p.hint, p.severity) for p in e.problems
        ]
    return "read", [*map(str, df.columns), str(len(df)), *(p.message for p in df.attrs["problems"])]


def _both(path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    fast = _outcome(path)
    with monkeypatch.context() as m:
        m.setattr(loading, "_header_over_empty_lines", lambda raw: None)  # the careful reader alone
        careful = _outcome(path)
    return fast, careful


@pytest.mark.parametrize("header", HEADERS)
@pytest.mark.parametrize("ending", [b"\n", b"\r\n"])
@pytest.mark.parametrize("empty", [1, 3, 50])
def test_same_words_as_the_careful_reader(tmp_path, monkeypatch, header, ending, empty):
    p = tmp_path / "accounts.csv"
    p.write_bytes(header + ending + ending * empty)
    fast, careful = _both(p, monkeypatch)
    assert fast == careful


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    header=st.text(alphabet=st.sampled_from(list('ab,;"\t \u00e9=')), min_size=1, max_size=12),
    below=st.lists(st.sampled_from(["\n", "\r\n", "\r", " \n", ",\n", "x\n"]), min_size=1, max_size=6),
)
def test_any_header_and_lines_below(tmp_path, monkeypatch, header, below):
    p = tmp_path / "accounts.csv"
    p.write_bytes((header + "\n" + "".join(below)).encode("utf-8"))
    fast, careful = _both(p, monkeypatch)
    assert fast == careful


def test_a_million_empty_lines_are_read_at_once(tmp_path):
    p = tmp_path / "accounts.csv"
    p.write_bytes(b"account_id,owner_id,tier,potential\n" + b"\n" * 1_000_000)
    t0 = time.process_time()
    df = loading.read_table(p)  # (the parser then says "no data rows below the header")
    cpu = time.process_time() - t0
    assert list(df.columns) == ["account_id", "owner_id", "tier", "potential"] and len(df) == 0
    assert cpu < 0.5  # (the careful reader took 2-3 s of CPU)
