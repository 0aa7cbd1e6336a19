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
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from ..errors import OutputError

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


def format_floats(values: np.ndarray) -> np.ndarray:
    """``_format_float`` over a whole column, vectorised: whole numbers without a decimal
    point, others with up to 6 decimals and no trailing zeros, NaN as empty."""
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
    """CSV text with a fixed float format, LF line ends and formula-safe cells."""
    # Neutralise text first: numbers formatted below are numbers, and "-5" must stay -5.
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
    # A carriage return anywhere in the text came from a cell (our line ends are LF): one
    # search of the finished text instead of one per column (3 s at 10^6 rows).
    if "\r" in text:
        return _csv_text_quoting_cr(out)
    return text


def _csv_text_quoting_cr(df: pd.DataFrame) -> str:
    """CSV text for frames with a carriage return inside a cell.

    Python's csv writer (3.11) leaves a lone CR unquoted when the line terminator is LF, and
    every reader then splits the row there. Quote such cells ourselves, as RFC 4180 asks.
    """

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
    return write_text(frame_to_csv_text(df), path, rows=len(df))


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
