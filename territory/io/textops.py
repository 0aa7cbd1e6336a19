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


def byte_table(chars: str = "", *, controls: bool = False, non_ascii: bool = False) -> np.ndarray:
    """A 256-entry lookup table of the bytes of ASCII ``chars`` (plus, when asked, the
    control bytes 0x00-0x1f and 0x7f, and every byte of a non-ASCII character)."""
    table = np.zeros(256, dtype=bool)
    table[[ord(c) for c in chars]] = True
    if controls:
        table[:0x20] = table[0x7F] = True
    if non_ascii:
        table[0x80:] = True
    return table


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
    whole = _all_plain(arr)
    if whole is not None:
        return whole
    plain = pc.and_(
        pc.match_substring_regex(arr, _PLAIN_DECIMAL),
        pc.less_equal(pc.utf8_length(arr), PLAIN_MAX_CHARS),
    )
    picked = pc.if_else(pc.fill_null(plain, False), arr, pa.scalar(None, pa.large_string()))
    out = pc.cast(picked, pa.float64()).to_numpy(zero_copy_only=False)
    return np.asarray(out, dtype=np.float64)


# '1,200', '$1,200.50', '$313,700.00', '$1200': what a US export or a currency-formatted
# report writes; read exactly as the careful number reader reads them (the '$' and the commas
# that group thousands dropped), but by pyarrow in one pass instead of row by row.
_GROUPED_AMOUNT = r"^\$?[1-9]\d{0,2}(,\d{3})+(\.\d+)?$|^\$(\d+\.?\d*|\.\d+)$"


def grouped_amounts(values: pd.Series | np.ndarray) -> np.ndarray:
    """Each cell's number when it is a plain amount with a leading '$' and/or commas that group
    thousands (``1,200``, ``$1,200.50``, ``$300``), else NaN; no more than ``PLAIN_MAX_CHARS``
    digits, as ``plain_decimals``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = arrow_text(values)
    hit = pc.fill_null(pc.match_substring_regex(arr, _GROUPED_AMOUNT), False)
    bare = pc.replace_substring(pc.replace_substring(arr, "$", ""), ",", "")
    hit = pc.and_(hit, pc.less_equal(pc.utf8_length(bare), PLAIN_MAX_CHARS))
    picked = pc.if_else(hit, bare, pa.scalar(None, bare.type))
    out = pc.cast(picked, pa.float64()).to_numpy(zero_copy_only=False)
    return np.asarray(out, dtype=np.float64)


_DIGITS_DOT = byte_table("0123456789.")
_SIGNS = byte_table("+-")


def _all_plain(arr: Any) -> np.ndarray | None:
    """Every cell of ``arr`` as a float when every cell is a plain decimal (the usual column:
    one pass over its bytes and one cast), else None."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pc.cast(arr, pa.large_string())
    if arr.null_count or not len(arr):
        return None
    bounds, raw = utf8_view(arr)
    starts, lengths = bounds[:-1], np.diff(bounds)
    if lengths.min() == 0 or lengths.max() > PLAIN_MAX_CHARS:
        return None
    body = raw[bounds[0] : bounds[-1]]
    sign = _SIGNS[body]
    if not (_DIGITS_DOT[body] | sign).all():
        return None
    # a sign only as a cell's first character ('+-5' is not a number, whatever a parser says)
    at = np.flatnonzero(sign) + bounds[0]
    if len(at) and not np.isin(at, starts).all():
        return None
    try:
        return np.asarray(pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # '1.2.3', '.', '-': the careful way
        return None


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


# --------------------------------------------------------------------------- bytes
#
# UTF-8 keeps ASCII as it is (every byte of another character is >= 0x80), so whether a text
# column holds, starts or ends with an ASCII character can be read off its bytes in one pass.


def utf8_view(text) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """(offsets, bytes) of a large_string array without nulls: cell i is bytes[offsets[i]:offsets[i + 1]]."""
    import pyarrow as pa

    if isinstance(text, pa.ChunkedArray):
        text = text.chunk(0) if text.num_chunks == 1 else text.combine_chunks()  # (one chunk: no copy)
    _validity, offsets, data = text.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int64)[text.offset : text.offset + len(text) + 1]
    raw = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, dtype=np.uint8)
    return bounds, raw


def first_byte_in(text, table: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Whether each cell's first byte is one of ``table`` (empty cells: no)."""
    bounds, raw = utf8_view(text)
    starts = bounds[:-1]
    out = np.zeros(len(starts), dtype=bool)
    filled = bounds[1:] > starts
    out[filled] = table[raw[starts[filled]]]
    return out


def holding_byte_in(text, table: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Whether each cell holds one of the bytes of ``table`` anywhere."""
    bounds, raw = utf8_view(text)
    out = np.zeros(len(bounds) - 1, dtype=bool)
    if len(bounds) > 1:
        at = np.flatnonzero(table[raw[bounds[0] : bounds[-1]]]) + bounds[0]
        out[np.searchsorted(bounds, at, side="right") - 1] = True
    return out


def _column_bytes(values: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pc.fill_null(pc.cast(arrow_text(values), pa.large_string()), pa.scalar("", pa.large_string()))
    return utf8_view(text)


def any_byte_in(values: pd.Series | np.ndarray, table: np.ndarray) -> bool:
    """Whether any cell holds a byte of ``table`` (``byte_table``)."""
    bounds, raw = _column_bytes(values)
    if len(bounds) < 2:
        return False
    body = raw[bounds[0] : bounds[-1]]
    wanted = np.flatnonzero(table)
    if len(wanted) <= 4:  # a few bytes: compared directly (vectorised), faster than a lookup
        return any(bool((body == b).any()) for b in wanted.tolist())
    if table[0x80:].all() and not table[:0x80].any():  # non-ASCII: any byte >= 0x80
        return bool((body >= 0x80).any())
    return bool(table[body].any())


_EDGE = byte_table(" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f", non_ascii=True)  # what str.strip may remove


def strip_text(series: pd.Series) -> pd.Series:
    """``series.astype(str).str.strip()``, skipped when no cell starts or ends with white space
    (read off the first and last bytes; a non-ASCII edge is stripped the careful way)."""
    text = series.astype(str)
    bounds, raw = _column_bytes(text)
    starts, ends = bounds[:-1], bounds[1:]
    filled = ends > starts
    if filled.any() and (_EDGE[raw[starts[filled]]].any() or _EDGE[raw[ends[filled] - 1]].any()):
        return text.str.strip()
    return text


def longest_cell_bytes(values: pd.Series | np.ndarray) -> int:
    """The length in bytes of the longest cell (a cell has at most as many characters)."""
    bounds, _raw = _column_bytes(values)
    return int(np.diff(bounds).max()) if len(bounds) > 1 else 0


def positions(values: pd.Series | np.ndarray, keys: pd.Series | np.ndarray) -> np.ndarray:
    """Where each of ``values`` first occurs in ``keys`` (-1 when it does not), as int64.

    Few values against many keys (parent ids against every account id) hash the few.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    vals = pc.cast(arrow_text(values), pa.large_string())
    table = pc.cast(arrow_text(keys), pa.large_string())
    if isinstance(table, pa.ChunkedArray):
        table = table.combine_chunks()
    if len(table) > 4 * len(vals):
        near = np.flatnonzero(
            np.asarray(
                pc.fill_null(pc.is_in(table, value_set=pc.unique(vals)), False).to_numpy(zero_copy_only=False)
            )
        )
        found = pc.index_in(vals, value_set=pc.take(table, pa.array(near)))
        out = np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
        return np.where(out >= 0, near[np.maximum(out, 0)], -1)
    found = pc.index_in(vals, value_set=table)
    return np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
