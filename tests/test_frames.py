"""copy_frame: a copy that can change without changing the original (shallow under copy-on-write)."""

from __future__ import annotations

import pandas as pd

from territory.io.frames import copy_frame


def test_changing_the_copy_leaves_the_original_as_it_was() -> None:
    df = pd.DataFrame({"a": ["x", "y"], "b": [1, 2]})
    df.attrs["problems"] = ["p"]
    out = copy_frame(df)
    out.columns = ["c", "d"]
    out.attrs["problems"].append("q")
    out.iloc[0, 1] = 9
    out["c"] = ["z", "z"]
    out.loc[1, "d"] = 7
    assert list(df.columns) == ["a", "b"]
    assert df.attrs == {"problems": ["p"]}
    assert df.to_dict("list") == {"a": ["x", "y"], "b": [1, 2]}
    assert out.to_dict("list") == {"c": ["z", "z"], "d": [9, 7]}
