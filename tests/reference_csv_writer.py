"""The CSV writer as it was before the pyarrow writer (pandas ``to_csv``), kept as the
reference that ``tests/test_csv_writer.py`` holds the new writer to, byte for byte.

Do not use it in the library; do not "fix" it: it records what plan files looked like.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: str) -> str:
    if value and value[0] in FORMULA_START:
        return "'" + value
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            continue
        text = s.astype(str).where(s.notna(), "")
        hit = text.str.startswith(FORMULA_START)
        if hit.any():
            text = text.where(~hit, "'" + text)
        out[col] = text
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


def _format_float(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.6f}".rstrip("0").rstrip(".")


def format_floats(values: np.ndarray) -> np.ndarray:
    v = np.asarray(values, dtype=np.float64)
    out = np.full(v.shape, "", dtype=object)
    finite = np.isfinite(v)
    whole = finite & (np.abs(v) < 1e15) & (v == np.round(v))
    out[whole] = v[whole].astype(np.int64).astype(str)
    frac = finite & ~whole
    if frac.any():
        text = pd.Series(np.char.mod("%.6f", v[frac])).str.rstrip("0").str.rstrip(".")
        out[frac] = text.to_numpy(dtype=object)
    inf = np.isinf(v)
    if inf.any():
        out[inf] = [_format_float(x) for x in v[inf]]
    return out


def frame_to_csv_text(df: pd.DataFrame) -> str:
    out = neutralise_frame(df)
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_bool_dtype(s):
            out[col] = s.map({True: "true", False: "false"})
        elif pd.api.types.is_float_dtype(s):
            out[col] = format_floats(s.to_numpy())
        elif pd.api.types.is_integer_dtype(s):
            out[col] = s.astype("string").fillna("")
    text = out.to_csv(index=False, lineterminator="\n")
    if "\r" in text:
        return _csv_text_quoting_cr(out)
    return text


def _csv_text_quoting_cr(df: pd.DataFrame) -> str:
    def quote(s: pd.Series) -> pd.Series:
        t = s.astype(str)
        need = t.str.contains(r'[,"\r\n]', regex=True)
        return t.where(~need, '"' + t.str.replace('"', '""', regex=False) + '"')

    header = ",".join(quote(pd.Series([str(c) for c in df.columns])).tolist())
    if len(df) == 0:
        return header + "\n"
    cols = [quote(df[c]) for c in df.columns]
    body = cols[0].str.cat(cols[1:], sep=",") if len(cols) > 1 else cols[0]
    return header + "\n" + "\n".join(body.tolist()) + "\n"
