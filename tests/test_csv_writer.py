"""The pyarrow CSV writer writes the very bytes the pandas writer wrote before it.

``tests/reference_csv_writer.py`` keeps the earlier writer (pandas ``to_csv``); plan files
and their checksums must not change with the writer, so the two are compared on random
frames: text that needs quoting, carriage returns, formulas, NaN, huge and tiny floats,
floats on a rounding tie, integers with gaps, booleans, one-column frames.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from territory.io.writing import _format_float, format_floats, frame_to_csv_bytes, frame_to_csv_text

import reference_csv_writer as reference

TEXT = st.text(
    alphabet=st.sampled_from(list("ab Z09,;\"'=+-@\t\r\n\u00e9\u20ac\u200b")) | st.characters(codec="utf-8"),
    max_size=12,
)
FLOATS = (
    st.floats(allow_nan=True, allow_infinity=True)
    | st.floats(min_value=-1e16, max_value=1e16)
    | st.floats(min_value=-1e-5, max_value=1e-5)
    | st.integers(-(10**6), 10**6).map(lambda k: k / 2**7)  # exact ties at the 7th decimal
    | st.integers(-(10**9), 10**9).map(lambda k: k / 1e6 + 5e-7)  # close to a tie
    | st.sampled_from([0.0, -0.0, 1e15, -1e15, 1e15 - 0.5, 2.5e-7, 0.9999995, 123.4567895])
)


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(0, 8))
    kinds = draw(
        st.lists(st.sampled_from(["text", "float", "int", "Int64", "bool", "object"]), min_size=1, max_size=5)
    )
    cols: dict[str, object] = {}
    for j, kind in enumerate(kinds):
        name = draw(TEXT) + f"#{j}"  # unique; may still need quoting or start a formula
        if kind == "text":
            cols[name] = pd.Series(
                draw(st.lists(st.one_of(TEXT, st.none()), min_size=n, max_size=n)), dtype="str"
            )
        elif kind == "float":
            cols[name] = np.array(draw(st.lists(FLOATS, min_size=n, max_size=n)), dtype=float)
        elif kind == "int":
            cols[name] = np.array(
                draw(st.lists(st.integers(-(2**62), 2**62), min_size=n, max_size=n)), dtype=np.int64
            )
        elif kind == "Int64":
            vals = draw(st.lists(st.one_of(st.integers(-(10**9), 10**9), st.none()), min_size=n, max_size=n))
            cols[name] = pd.array(vals, dtype="Int64")
        elif kind == "bool":
            cols[name] = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
        else:  # mixed Python objects, as a frame built by hand may hold
            cols[name] = pd.Series(
                draw(
                    st.lists(st.one_of(TEXT, st.integers(), st.floats(), st.none()), min_size=n, max_size=n)
                ),
                dtype=object,
            )
    return pd.DataFrame(cols)


def _one_column_cr_and_blank(df: pd.DataFrame) -> bool:
    """The case the earlier writer got wrong (a blank line for an empty cell when any cell
    held a CR): there the new writer writes "" and must read back whole instead."""
    if len(df.columns) != 1:
        return False
    text = reference.frame_to_csv_text(df)
    return "\r" in text and "\n\n" in text


@settings(max_examples=500, deadline=None)
@given(frames())
def test_new_writer_writes_the_bytes_of_the_old_one(df: pd.DataFrame) -> None:
    new = frame_to_csv_bytes(df)
    if _one_column_cr_and_blank(df):
        back = list(csv.reader(io.StringIO(new.decode("utf-8"), newline="")))
        assert len(back) == len(df) + 1
        return
    assert new == reference.frame_to_csv_text(df).encode("utf-8")


@settings(max_examples=500, deadline=None)
@given(st.lists(FLOATS, max_size=20))
def test_floats_as_printf_writes_them(values: list[float]) -> None:
    v = np.array(values, dtype=float)
    assert format_floats(v).tolist() == [_format_float(x) for x in v]


def test_one_column_frame_with_empty_cells_keeps_its_rows() -> None:
    assert frame_to_csv_text(pd.DataFrame({"a": ["x\ry", ""]})) == 'a\n"x\ry"\n""\n'


def test_empty_frames() -> None:
    assert frame_to_csv_text(pd.DataFrame({"a": [], "b": []})) == "a,b\n"
    assert frame_to_csv_text(pd.DataFrame({"=a": pd.Series([], dtype=float)})) == "'=a\n"
