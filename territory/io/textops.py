"""Whole-column operations on text that pandas makes slow at a million rows.

pandas 3 keeps text in pyarrow arrays, but some of its methods still go value by value
in Python: ``Series.isin`` builds one pyarrow scalar per allowed value (10 s for a set of
a million account ids). These helpers hand the work to pyarrow.compute instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd


def arrow_text(values: pd.Series | np.ndarray | Iterable[Any]) -> Any:
    """A pyarrow string array of ``values`` (zero-copy for pandas' own text columns)."""
    import pyarrow as pa

    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.StringDtype):
        arr = pa.array(values)
        if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
            return arr
    if isinstance(values, (pd.Series, pd.Index, np.ndarray)):
        obj = np.asarray(values, dtype=object)
    else:
        obj = np.asarray(list(values), dtype=object)
    try:
        return pa.array(obj, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):  # numbers or other objects among the text
        text = [v if isinstance(v, str) else (None if _missing(v) else str(v)) for v in obj.tolist()]
        return pa.array(text, type=pa.large_string())


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and v != v) or v is pd.NA


def isin(values: pd.Series | np.ndarray, allowed: Iterable[Any]) -> np.ndarray:
    """Whether each of ``values`` is one of ``allowed`` (as text), as a numpy bool array."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pc.cast(arrow_text(values), pa.large_string())
    if isinstance(allowed, (set, frozenset, dict)):
        allowed = list(allowed)
    value_set = pc.cast(arrow_text(allowed), pa.large_string())
    if isinstance(value_set, pa.ChunkedArray):
        value_set = value_set.combine_chunks()
    if len(value_set) == 0:
        return np.zeros(len(arr), dtype=bool)
    if len(value_set) > 4 * len(arr):
        # A few values against many allowed ones (parent ids against every account id): hash
        # the few, keep the allowed values that are among them, and look the few up in those.
        few = pc.unique(arr)
        value_set = pc.unique(pc.filter(value_set, pc.is_in(value_set, value_set=few)))
    hit = pc.is_in(arr, value_set=value_set)
    return np.asarray(pc.fill_null(hit, False).to_numpy(zero_copy_only=False), dtype=bool)


# A number as plain digits (sign and decimal point allowed, no exponent, no grouping), at most
# 15 characters long: at most 15 digits, so every reader turns it into the same float
# (an exact integer divided by an exact power of ten, rounded once).
_PLAIN_DECIMAL = r"^[+-]?(\d+\.?\d*|\.\d+)$"
PLAIN_MAX_CHARS = 15


def plain_decimals(values: pd.Series | np.ndarray) -> np.ndarray:
    """Each cell's number when it is a plain decimal (``12``, ``-3.5``, ``.25``), else NaN.

    The rest (empty cells, ``1,200``, ``$1.2M``, ``1e6``, long digit strings) is left to the
    careful number reader; these are the cells it would read exactly so.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = arrow_text(values)
    plain = pc.and_(
        pc.match_substring_regex(arr, _PLAIN_DECIMAL),
        pc.less_equal(pc.utf8_length(arr), PLAIN_MAX_CHARS),
    )
    picked = pc.if_else(pc.fill_null(plain, False), arr, pa.scalar(None, pa.large_string()))
    out = pc.cast(picked, pa.float64()).to_numpy(zero_copy_only=False)
    return np.asarray(out, dtype=np.float64)


def whole_numbers(values: pd.Series | np.ndarray, dtype: type[np.integer]) -> np.ndarray:
    """Cells known to hold whole numbers in digits ('1', '42'), as a numpy integer array."""
    import pyarrow as pa
    import pyarrow.compute as pc

    return np.asarray(pc.cast(arrow_text(values), pa.from_numpy_dtype(dtype)).to_numpy(), dtype=dtype)


def matches(values: pd.Series | np.ndarray, pattern: str) -> np.ndarray:
    """Whether each cell matches the RE2 ``pattern`` (anchor it with ^ and $ for a whole match)."""
    import pyarrow.compute as pc

    hit = pc.match_substring_regex(arrow_text(values), pattern)
    return np.asarray(pc.fill_null(hit, False).to_numpy(zero_copy_only=False), dtype=bool)
