"""The fast way through a well-formed CSV file: pyarrow parses it, or declines.

``territory.io.loading`` reads every CSV with a careful reader that names the row of each
problem (a stray quote, a short row, a blank line, a latin-1 byte). That reader costs
about 15 s at a million accounts, nearly all of it on files that have no problem at all.
``read_well_formed`` takes those files: it parses with pyarrow's multi-threaded CSV
reader, and declines (returns ``None``) whenever the file might need the careful reader's
words, so every message stays exactly as it was:

* a byte-order mark other than UTF-8's, or a NUL byte anywhere (binary, UTF-16);
* Excel's ``sep=`` line, or a header whose quotes do not close on its own line;
* a carriage return that does not end a line (a lone CR splits rows differently per reader);
* anything pyarrow refuses: a row with more or fewer cells than the header, bytes that are
  not UTF-8, a row longer than a parse block;
* more lines than records: a blank line, or a cell holding a line break (a real multi-line
  address, or a stray quote that swallowed rows; the careful reader tells them apart);
* no data row below the header.

What it returns is the frame the careful reader would return for the same bytes (text
columns, the header as written, a plain row index), which ``tests/test_fast_csv.py``
checks on the whole hostile-input corpus and on generated files.
"""

from __future__ import annotations

import csv
import io
import re

import pandas as pd

_UTF8_BOM = b"\xef\xbb\xbf"
_SEP_LINE = re.compile(r"\s*sep=(.)\s*")
# pyarrow parses in blocks and refuses a row longer than one; such files take the careful path.
_BLOCK = 1 << 24


def sniff_delimiter(first_line: str) -> str:
    """The separator of a header line: the most frequent of comma, semicolon and tab."""
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


MAX_COLUMNS = 16_384  # a spreadsheet's width: wider files are refused (territory.io.loading)


def read_well_formed(raw: bytes, newlines: int | None = None) -> pd.DataFrame | None:
    """The CSV bytes ``raw`` as a frame of text cells, or ``None`` to say "use the careful reader".

    Columns are the header row as written (a repeated header stays repeated), the index
    counts records from 0, and every cell is the text between the separators (quotes
    removed, nothing stripped); ``attrs["delimiter"]`` is the separator it found.
    ``newlines`` is ``raw.count(b"\\n")`` when the caller has it.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or raw.find(b"\x00") >= 0:
        return None
    start = len(_UTF8_BOM) if raw.startswith(_UTF8_BOM) else 0
    end = raw.find(b"\n", start)
    first = raw[start : end if end >= 0 else len(raw)]
    try:
        first_line = first.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not first_line.strip() or _SEP_LINE.fullmatch(first_line) or first_line.count('"') % 2:
        return None
    if raw.find(b"\r") >= 0 and raw.count(b"\r") != raw.count(b"\r\n"):
        return None
    delimiter = sniff_delimiter(first_line)
    header = _one_record(first_line + "\n", delimiter)
    if header is None or len(header) > MAX_COLUMNS:  # the careful reader refuses it by name
        return None
    # Without a double quote anywhere no cell can hold a line break, and pyarrow may split
    # the file at every line break (about twice as fast).
    quoted = raw.find(b'"') >= 0
    table = _arrow_table(memoryview(raw)[start:], delimiter, len(header), quoted)
    if table is None or table.num_rows == 0:
        return None
    # With as many lines as records, no cell holds a line break and no line is blank, except
    # that a quote left open on the last line swallows the file's end without a line more.
    lines = (raw.count(b"\n") if newlines is None else newlines) + (0 if raw.endswith(b"\n") else 1)
    if lines != table.num_rows + 1:
        return None
    last = raw[raw.rfind(b"\n", 0, len(raw) - 1) + 1 :]
    try:
        if _one_record(last.decode("utf-8"), delimiter) is None:
            return None
    except UnicodeDecodeError:  # (pyarrow checked the text; a cut-off file ends mid-character)
        return None
    # One chunk per column (pyarrow returns one per parse block): the byte-level checks of
    # territory.io.textops read a column's buffers directly, and would join the chunks again
    # at every call (57 calls at XL, ~0.2 s and 800 MB of copying).
    df = table.combine_chunks().to_pandas()
    df.columns = header
    df.attrs["delimiter"] = delimiter
    return df


def _one_record(line: str, delimiter: str) -> list[str] | None:
    """The cells of one CSV line, or None when its quoting is not strictly well formed
    (a quote left open, text after a closing quote)."""
    try:
        records = list(csv.reader(io.StringIO(line, newline=""), delimiter=delimiter, strict=True))
    except csv.Error:
        return None
    return records[0] if len(records) == 1 else None


def _arrow_table(body: memoryview, delimiter: str, n_columns: int, quoted: bool):  # type: ignore[no-untyped-def]
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"c{i}" for i in range(n_columns)]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(body),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=_BLOCK),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter,
                quote_char='"',
                double_quote=True,
                escape_char=False,
                newlines_in_values=quoted,
                ignore_empty_lines=True,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.large_string() for c in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                check_utf8=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, pa.ArrowCapacityError):
        return None
    if table.num_columns != n_columns or not all(pa.types.is_large_string(t) for t in table.schema.types):
        return None
    return table
