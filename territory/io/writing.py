"""Deterministic, atomic, spreadsheet-safe output files.

Nothing here computes: it writes exactly the frames and objects it is given.
"""

from __future__ import annotations

import errno
import hashlib
import json
import math
import os
import stat
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from ..errors import OutputError
from .textops import first_byte_in, holding_byte_in, utf8_view

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Temporary files being written right now, so a worker told to stop can remove its own
# (see territory.workers) instead of leaving a .*.tmp behind.
IN_PROGRESS: set[str] = set()

# errno -> (plain reason, exit code): 2 when the path is the problem, 1 for a machine fault.
_REASONS: dict[int, tuple[str, int]] = {
    errno.ENOSPC: ("the disk is full (no space left on device)", 1),
    errno.EDQUOT: ("the disk quota is used up", 1),
    errno.EIO: ("input/output error (a disk or network problem)", 1),
    errno.EFBIG: ("the file is larger than the file system allows", 1),
    errno.EACCES: ("permission denied", 2),
    errno.EPERM: ("permission denied", 2),
    errno.EROFS: ("the file system is read-only", 2),
    errno.EISDIR: ("it is a folder", 2),
    errno.ENAMETOOLONG: ("the name is too long", 2),
    errno.ELOOP: ("too many levels of symbolic links", 2),
    errno.EXDEV: ("it is on another file system than its folder", 2),
    errno.EBUSY: ("it is busy (a mount point?)", 2),
    errno.ENOENT: ("a folder on its path does not exist and cannot be made", 2),
}


def first_file_above(path: Path) -> Path | None:
    """The nearest existing ancestor of ``path`` that is a file, not a folder (if any)."""
    for parent in [path, *path.parents]:
        if parent.exists() or parent.is_symlink():
            return parent if not parent.is_dir() else None
    return None


def output_error(path: str | Path, e: OSError) -> OutputError:
    """``OutputError("cannot write <path>: <reason in plain words>")`` for an ``OSError``."""
    path = Path(path)
    if e.errno == errno.ENOTDIR:
        blocker = first_file_above(path.parent)
        reason = f"{blocker} is a file, not a folder" if blocker else "a part of the path is not a folder"
        return OutputError(f"cannot write {path}: {reason}", 2)
    reason, code = _REASONS.get(e.errno or 0, (e.strerror or str(e), 1))
    return OutputError(f"cannot write {path}: {reason}", code)


def neutralise_cell(value: str) -> str:
    """Prefix a cell a spreadsheet would run as a formula with a quote, so it is shown as text.

    Idempotent: an already neutralised cell starts with ``'`` and is left alone.
    """
    if value and value[0] in FORMULA_START:
        return "'" + value
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text columns cannot start a formula. Numbers stay numbers."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            continue
        text = s.astype(str).where(s.notna(), "")
        hit = text.str.startswith(FORMULA_START)  # (2x faster than .str[0].isin at 10^6 rows)
        if hit.any():
            text = text.where(~hit, "'" + text)
        out[col] = text
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


@contextmanager
def atomic_path(path: str | Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file next to ``path``; rename it over ``path`` only on success.

    The temporary file is ``.<name>.<random>.tmp`` in the same folder, fsynced before the
    rename, so a crash or SIGKILL leaves either the previous complete file or none under the
    final name. A killed process can leave a ``.<name>.*.tmp`` behind; it is safe to delete.
    A symbolic link at ``path`` is replaced by the file, not followed. An ``OSError`` (a full disk, no permission, a file where a folder should be) becomes an
    ``OutputError`` saying "cannot write <path>: <reason>".
    """
    path = Path(path)
    try:
        # Never replace a device, pipe or socket. A symbolic link is replaced, never written
        # through: a link planted in an output folder cannot send a write elsewhere.
        if os.path.lexists(path) and not path.is_symlink() and not stat.S_ISREG(os.lstat(path).st_mode):
            raise OutputError(f"cannot write {path}: it is not a regular file (a device, a pipe or a socket)")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as e:
        raise output_error(path, e) from None
    IN_PROGRESS.add(tmp)
    try:
        # mkstemp makes the file private (0600); a plan file gets the usual umask permissions.
        os.chmod(tmp, 0o666 & ~_umask())
        fh: IO[Any] = (
            os.fdopen(fd, mode) if "b" in mode else os.fdopen(fd, mode, encoding="utf-8", newline="")
        )
        with fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(e, OSError) and not isinstance(e, BrokenPipeError):
            raise output_error(path, e) from None
        raise
    finally:
        IN_PROGRESS.discard(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _format_float(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.6f}".rstrip("0").rstrip(".")


# --------------------------------------------------------------------------- CSV
#
# A CSV file is written column by column with pyarrow.compute (pandas' to_csv goes cell by
# cell in Python: 12 s for the 10^6 rows of an XL plan). The rules are those of Python's
# csv writer as pandas used it (tests/reference_csv_writer.py keeps that writer, and
# tests/test_csv_writer.py holds this one to it, byte for byte):
#
# * a cell is quoted when it holds a comma, a double quote, a line feed or a carriage
#   return (Python 3.11's writer left a lone CR unquoted; every reader then split the row
#   there), with its double quotes doubled;
# * text that a spreadsheet would run as a formula gets a leading ' (``neutralise_cell``);
# * floats: whole numbers below 10^15 without a decimal point, others with up to 6
#   decimals and no trailing zeros, NaN as an empty cell; booleans as true/false;
# * the only cell of a one-column row is written "" when empty, so the row is not blank;
# * lines end with LF; the text is UTF-8.


def frame_to_csv_bytes(df: pd.DataFrame) -> bytes:
    """The CSV file of ``df`` (see the rules above) as UTF-8 bytes."""
    return b"".join(_csv_parts(df))


def _csv_parts(df: pd.DataFrame) -> list[bytes | memoryview]:
    """The CSV file of ``df`` in pieces (the header line, then every row at once)."""

    header = [_quoted_cell(neutralise_cell(str(c))) for c in df.columns]
    if len(df.columns) == 1 and header == [""]:
        header = ['""']
    head = (",".join(header) + "\n").encode("utf-8")
    if len(df) == 0 or len(df.columns) == 0:
        return [head]
    # Row blocks are independent, and pyarrow releases the GIL: write them side by side.
    workers = min(2, os.cpu_count() or 1)
    bounds = np.linspace(0, len(df), num=min(2 * workers, len(df)) + 1, dtype=np.int64)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        blocks = pool.map(lambda b: _csv_rows(df.iloc[bounds[b] : bounds[b + 1]]), range(len(bounds) - 1))
        return [head, *(part for block in blocks for part in block)]


def _csv_rows(df: pd.DataFrame) -> list[memoryview]:
    """The CSV lines of the rows of ``df`` (at least one row and one column), header left out,
    in pieces (pyarrow's chunks, written one after the other rather than copied into one)."""
    import pyarrow.compute as pc

    cells = [_quote(_column_cells(df.iloc[:, j])) for j in range(len(df.columns))]
    if len(cells) == 1:
        cells = [pc.if_else(pc.equal(cells[0], _text("")), _text('""'), cells[0])]
    cells[-1] = pc.binary_join_element_wise(cells[-1], _text(""), _text("\n"))  # the line end
    row = pc.binary_join_element_wise(*cells, _text(",")) if len(cells) > 1 else cells[0]
    return _concatenated(row)


def frame_to_csv_text(df: pd.DataFrame) -> str:
    """CSV text with a fixed float format, LF line ends and formula-safe cells."""
    return frame_to_csv_bytes(df).decode("utf-8")


def _text(value: str):  # type: ignore[no-untyped-def]
    import pyarrow as pa

    return pa.scalar(value, pa.large_string())


def _quoted_cell(text: str) -> str:
    if any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _column_cells(s: pd.Series):  # type: ignore[no-untyped-def]
    """The text of each cell of one column, before quoting (a pyarrow large_string array)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from .textops import arrow_text

    if pd.api.types.is_bool_dtype(s):
        flags = (
            pa.array(s.to_numpy(dtype=bool))
            if s.dtype == bool
            else pa.array(s.to_numpy(dtype=object), type=pa.bool_(), from_pandas=True)
        )
        text = pc.if_else(flags, _text("true"), _text("false"))
    elif pd.api.types.is_float_dtype(s):
        return _float_cells(s.to_numpy(dtype=np.float64, na_value=np.nan))
    elif pd.api.types.is_integer_dtype(s):
        text = pc.cast(pa.array(s, from_pandas=True), pa.large_string())
    elif pd.api.types.is_numeric_dtype(s):  # complex and other numbers: as Python writes them
        text = arrow_text(s.astype(str))
    else:
        text = pc.fill_null(
            pc.cast(arrow_text(s.astype(str).where(s.notna(), "")), pa.large_string()), _text("")
        )
        formula = first_byte_in(text, _FORMULA_BYTES)
        if formula.any():
            text = pc.if_else(
                pa.array(formula), pc.binary_join_element_wise(_text("'"), text, _text("")), text
            )
    return pc.fill_null(pc.cast(text, pa.large_string()), _text(""))


def _quote(text):  # type: ignore[no-untyped-def]
    import pyarrow as pa
    import pyarrow.compute as pc

    need = holding_byte_in(text, _QUOTE_BYTES)
    if not need.any():
        return text
    q = _text('"')
    quoted = pc.binary_join_element_wise(q, pc.replace_substring(text, '"', '""'), q, _text(""))
    return pc.if_else(pa.array(need), quoted, text)


# Bytes (as a lookup table) that make a cell a formula when first, or need quotes anywhere.
# In UTF-8 an ASCII byte is always that character: bytes of other characters are >= 0x80.
_FORMULA_BYTES = np.zeros(256, dtype=bool)
_FORMULA_BYTES[[ord(c) for c in FORMULA_START]] = True
_QUOTE_BYTES = np.zeros(256, dtype=bool)
_QUOTE_BYTES[[ord(c) for c in ',"\r\n']] = True


def _float_cells(v: np.ndarray):  # type: ignore[no-untyped-def]
    """Floats as text: whole numbers as integers, others with up to 6 decimals, NaN empty.

    Computed with integers: the whole part, and the fraction times 10^6 rounded (half to
    even, as printf's %.6f does on exact ties). Where that rounding is within 10^-6 of a
    tie, or the number is 10^15 or more, or infinite, printf itself writes the cell.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    finite = np.isfinite(v)
    small = finite & (np.abs(v) < 1e15)
    whole = small & (v == np.round(v))
    frac = small & ~whole
    parts = [(whole, pc.cast(pa.array(v[whole].astype(np.int64)), pa.large_string()))]
    if frac.any():
        a = np.abs(v[frac])
        int_part = np.floor(a)
        millionths = (a - int_part) * 1e6  # (a - int_part) is exact; the product is off by < 1e-9
        digits = np.rint(millionths)
        carry = digits >= 1e6
        int_part[carry] += 1
        digits[carry] = 0
        text = _decimal_text(v[frac] < 0, int_part.astype(np.int64), digits.astype(np.int64))
        near_tie = np.abs(millionths - np.floor(millionths) - 0.5) < 1e-6
        if near_tie.any():
            text = pc.replace_with_mask(
                text,
                pa.array(near_tie),
                pa.array([_format_float(x) for x in v[frac][near_tie]], pa.large_string()),
            )
        parts.append((frac, text))
    odd = finite & ~small | np.isinf(v)
    if odd.any():
        parts.append((odd, pa.array([_format_float(x) for x in v[odd]], pa.large_string())))
    if len(parts) == 1 and whole.all():
        return parts[0][1]
    out = _empty_text(len(v))  # NaN: empty
    for mask, text in parts:
        if mask.any():
            out = pc.replace_with_mask(out, pa.array(mask), text)
    return out


def _decimal_text(negative: np.ndarray, whole: np.ndarray, millionths: np.ndarray):  # type: ignore[no-untyped-def]
    """'-12.5': sign, whole part, then up to 6 decimals without trailing zeros (none: no point)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pc.binary_join_element_wise(
        pa.array(np.where(negative, "-", ""), pa.large_string()),
        pc.cast(pa.array(whole), pa.large_string()),
        _text("."),
        pc.utf8_slice_codeunits(pc.cast(pa.array(millionths + 1_000_000), pa.large_string()), 1),
        _text(""),
    )
    return pc.utf8_rtrim(pc.utf8_rtrim(text, "0"), ".")


def _empty_text(n: int):  # type: ignore[no-untyped-def]
    """``n`` empty cells."""
    import pyarrow as pa

    return pa.LargeStringArray.from_buffers(
        n, pa.py_buffer(np.zeros(n + 1, dtype=np.int64)), pa.py_buffer(b"")
    )


def format_floats(values: np.ndarray) -> np.ndarray:
    """``_format_float`` over a whole column, vectorised: whole numbers without a decimal
    point, others with up to 6 decimals and no trailing zeros, NaN as empty."""
    v = np.asarray(values, dtype=np.float64)
    return np.asarray(_float_cells(v).to_numpy(zero_copy_only=False), dtype=object)


def _concatenated(lines) -> list[memoryview]:  # type: ignore[no-untyped-def]
    """The UTF-8 bytes of every string of ``lines`` one after the other, one piece per chunk
    (no copy)."""
    out = []
    for chunk in getattr(lines, "chunks", [lines]):
        bounds, raw = utf8_view(chunk)
        if len(bounds) > 1 and bounds[-1] > bounds[0]:
            out.append(raw[bounds[0] : bounds[-1]].data)
    return out


@dataclass(frozen=True)
class FileRecord:
    """What was written: for the ``files`` map of summary.json."""

    sha256: str
    bytes: int
    rows: int | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"sha256": self.sha256, "bytes": self.bytes}
        if self.rows is not None:
            out["rows"] = self.rows
        return out


def write_text(text: str, path: str | Path, rows: int | None = None) -> FileRecord:
    """Write ``text`` as UTF-8, atomically; return its checksum and size."""
    data = text.encode("utf-8")
    write_bytes(data, path)
    return FileRecord(hashlib.sha256(data).hexdigest(), len(data), rows)


def write_csv(df: pd.DataFrame, path: str | Path) -> FileRecord:
    """Write ``df`` as UTF-8 CSV, atomically, with formula-safe cells."""
    parts = _csv_parts(df)
    digest = hashlib.sha256()
    with atomic_path(path, "wb") as fh:
        for part in parts:
            fh.write(part)
            digest.update(part)
    return FileRecord(digest.hexdigest(), sum(len(p) for p in parts), len(df))


def _jsonable(obj: Any, digits: int = 6) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v, digits) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v, digits) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        if math.isnan(f) or math.isinf(f):
            return None
        r = round(f, digits)
        return int(r) if r.is_integer() and abs(r) < 1e15 else r
    if isinstance(obj, np.bool_):
        return bool(obj)
    if obj is pd.NA:
        return None
    return obj


def json_text(obj: Any) -> str:
    """Stable JSON: insertion order kept, floats rounded to 6 decimals, NaN as null."""
    return json.dumps(_jsonable(obj), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_json(obj: Any, path: str | Path) -> FileRecord:
    return write_text(json_text(obj), path)


def write_bytes(data: bytes, path: str | Path) -> None:
    with atomic_path(path, "wb") as fh:
        fh.write(data)


def sha256_of(path: str | Path) -> FileRecord:
    """The checksum and size of a file already on disk (e.g. an LP export)."""
    h = hashlib.sha256()
    n = 0
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
            n += len(chunk)
    return FileRecord(h.hexdigest(), n)
