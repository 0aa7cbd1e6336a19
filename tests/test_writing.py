"""Output files: formula-safe CSV cells, stable JSON, atomic writes."""

from __future__ import annotations

import csv
import io
import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from territory.io.writing import (
    FORMULA_START,
    atomic_path,
    frame_to_csv_text,
    json_text,
    neutralise_cell,
    neutralise_frame,
    write_csv,
)

cell_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=30) | st.sampled_from(
    ["=1+1", "+1", "-1", "@x", "\tx", "\rx", "'=x", "", "=", "a,b", 'q"q', "line\nbreak", "cr\rmid"]
)


@given(cell_text)
def test_neutralise_cell_is_idempotent_and_safe(value: str) -> None:
    once = neutralise_cell(value)
    assert neutralise_cell(once) == once
    assert not once.startswith(FORMULA_START)
    assert once in (value, "'" + value)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(cell_text, cell_text), min_size=1, max_size=6))
def test_every_written_csv_cell_is_safe_and_reads_back(rows: list[tuple[str, str]]) -> None:
    df = pd.DataFrame(rows, columns=["name", "=notes"])
    df["n"] = np.arange(len(df), dtype=np.int64)
    text = frame_to_csv_text(df)
    back = list(csv.reader(io.StringIO(text, newline="")))
    assert back[0] == ["name", "'=notes", "n"]
    assert len(back) == len(rows) + 1, "a cell's CR or LF split a row"
    for (name, notes), (rname, rnotes, rn) in zip(rows, back[1:]):
        assert not rname.startswith(FORMULA_START) and not rnotes.startswith(FORMULA_START)
        assert rname == neutralise_cell(name) and rnotes == neutralise_cell(notes)
        assert rn.isdigit()
    # Writing the neutralised frame again changes nothing (idempotent through a file).
    again = pd.DataFrame(back[1:], columns=back[0])
    assert frame_to_csv_text(again) == text.replace("'=notes", "'=notes", 1)


def test_numbers_stay_numbers_and_negative_numbers_are_not_quoted() -> None:
    df = pd.DataFrame({"potential": [-5.0, 1200.0, 0.5], "tier": [1, 2, 3], "moved": [True, False, True]})
    text = frame_to_csv_text(df)
    assert text == "potential,tier,moved\n-5,1,true\n1200,2,false\n0.5,3,true\n"


def test_negative_number_as_text_is_neutralised() -> None:
    # Text that only looks like a number is still text: a spreadsheet would run "-2+3".
    assert neutralise_frame(pd.DataFrame({"x": ["-2+3"]}))["x"].iat[0] == "'-2+3"


def test_cr_inside_a_cell_is_quoted() -> None:
    text = frame_to_csv_text(pd.DataFrame({"a": ["x\ry", "\rz"], "b": ["1", "2"]}))
    assert text == 'a,b\n"x\ry",1\n"\'\rz",2\n'
    assert list(csv.reader(io.StringIO(text, newline=""))) == [["a", "b"], ["x\ry", "1"], ["'\rz", "2"]]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=100, deadline=None)
@given(json_values)
def test_json_is_valid_and_stable(obj: object) -> None:
    text = json_text(obj)

    def no_constants(c: str) -> None:
        raise AssertionError(f"{c} is not JSON")

    parsed = json.loads(text, parse_constant=no_constants)  # NaN and inf become null
    assert json_text(obj) == text
    assert json_text(parsed) == text  # a second pass is a fixed point
    assert text.endswith("}\n") or text.endswith("]\n") or text.endswith("\n")


def test_json_keeps_key_order_and_rounds_floats() -> None:
    obj = {"b": 1, "a": {"z": 0.1 + 0.2, "y": np.float64(2.0), "x": np.int64(3), "w": math.nan}}
    assert (
        json_text(obj)
        == '{\n  "b": 1,\n  "a": {\n    "z": 0.3,\n    "y": 2,\n    "x": 3,\n    "w": null\n  }\n}\n'
    )


def test_atomic_path_leaves_the_old_file_when_the_writer_fails(tmp_path) -> None:
    target = tmp_path / "assignments.csv"
    target.write_text("old complete file\n")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as fh:
            fh.write("half a fi")
            raise RuntimeError("boom")
    assert target.read_text() == "old complete file\n"
    assert [p.name for p in tmp_path.iterdir()] == ["assignments.csv"], "temp file not cleaned up"


def test_write_csv_replaces_in_one_step(tmp_path) -> None:
    target = tmp_path / "out" / "x.csv"
    write_csv(pd.DataFrame({"a": ["=1"]}), target)
    assert target.read_text() == "a\n'=1\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["x.csv"]
