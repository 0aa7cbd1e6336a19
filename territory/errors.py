"""One error tree for the whole library.

The CLI maps every ``TerritoryError`` to a clean message and a non-zero exit code in one
place (``territory_cli/errors.py``); nothing below this module knows about terminals.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    Rows = Sequence[int] | np.ndarray


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as we can.

    ``row`` is the 1-based line number in the file as a spreadsheet shows it (the header is
    row 1, the first data row is row 2); ``None`` when the problem is about the whole file or
    a whole column.
    """

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    hint: str | None = None
    severity: str = "error"  # "error" or "warning"
    # How many problems this entry stands for: 1, or N for a "... and N more" line that
    # replaces N problems of the same kind (long lists are cut; the totals stay right).
    count: int = 1

    def location(self) -> str:
        parts = []
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)

    def sentence(self) -> str:
        """One line for summaries: the message, where it was first seen, and the hint."""
        where = self.file + (f", row {self.row}" if self.row is not None else "")
        text = f"{self.message} ({where})"
        return text + (f". Hint: {self.hint}" if self.hint else "")

    def format(self) -> str:
        """One or two lines: where, what, the value and what to do."""
        where = self.location()
        text = f"{where}: {self.message}" if where else self.message
        if self.value is not None:
            shown = self.value if len(self.value) <= 60 else self.value[:57] + "..."
            text += f" (value: {shown!r})"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text


class TerritoryError(Exception):
    """Base class for every error the library raises on purpose."""

    exit_code = 1


class InputError(TerritoryError):
    """The accounts, roster or another data file has problems; all of them are listed."""

    exit_code = 2

    def __init__(self, problems: Sequence[Problem], summary: str | None = None):
        self.problems = [p for p in problems if p.severity == "error"]
        self.warnings = [p for p in problems if p.severity != "error"]
        self.custom_summary = summary
        self.summary = summary or count_sentence(self.total)
        super().__init__(self.render())

    @property
    def total(self) -> int:
        """How many problems there are, counting those a "... and N more" line stands for."""
        return sum(p.count for p in self.problems)

    def render(self) -> str:
        return render_problems(self.problems + self.warnings, self.custom_summary)


class ConfigError(TerritoryError):
    """A plan.toml, ICP file or --set value is wrong; the message names the key and file."""

    exit_code = 2


class InfeasiblePlanError(TerritoryError):
    """The hard rules cannot all hold; the message says which and what to relax."""

    exit_code = 1


class SolverUnavailableError(TerritoryError):
    """The requested solver is not installed or cannot run here."""

    exit_code = 1


class RenderError(TerritoryError):
    """A PDF book could not be rendered."""

    exit_code = 1


class OutputError(TerritoryError):
    """An output file or folder cannot be written: "cannot write X: reason".

    Exit code 2 when the path is the problem (a file in the way, no permission, a folder
    holding files that are not ours), 1 for a fault of the machine (a full disk, an I/O error).
    """

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code


def more_problems(file: str, n: int, what: str, **fields: Any) -> Problem:
    """The "... and N more <what>" entry that stands for ``n`` problems left out of a list."""
    return Problem(file, f"... and {n:,} more {what}", count=n, **fields)


def some_of(items: Sequence[str], limit: int = 8) -> str:
    """'a, b, c and 3 more': the first ``limit`` items, then a count of the rest."""
    more = f" and {len(items) - limit:,} more" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


def rows_text(rows: Rows, limit: int = 8) -> str:
    """'row 4', or 'rows 4, 9, 12 and 3 more' (the first ``limit`` rows, then a count)."""
    return f"row{'s' if len(rows) != 1 else ''} {some_of([str(int(r)) for r in rows], limit)}"


def rows_note(rows: Rows, limit: int = 8) -> str:
    """' (rows 4, 9 and 3 more)' for a problem about several rows, '' for one: a problem's
    location names its first row, so a single row is not said twice."""
    return f" ({rows_text(rows, limit)})" if len(rows) > 1 else ""


# At most this many problems are printed; the rest are counted in the closing line.
MAX_SHOWN = 100


def count_sentence(n: int) -> str:
    return f"{n:,} problem{'s' if n != 1 else ''} found in the input"


def render_problems(problems: Iterable[Problem], summary: str | None = None) -> str:
    """Group problems by file, errors before warnings, and end with the count.

    When some problems are not listed one by one (a "... and N more" entry, or more than
    ``MAX_SHOWN`` entries), the list ends with "... and N more (M problems in total)."
    """
    by_file: dict[str, list[Problem]] = {}
    for p in problems:
        by_file.setdefault(p.file, []).append(p)
    lines: list[str] = []
    total = shown = 0
    for file, items in by_file.items():
        header = f"{file}:"
        items = sorted(items, key=lambda p: (p.severity != "error", p.count != 1, p.row or 0))
        for p in items:
            is_error = p.severity == "error"
            total += p.count if is_error else 0
            if shown >= MAX_SHOWN:
                continue
            if is_error and p.count == 1:
                shown += 1
            if header:
                lines.append(header)
                header = ""
            tag = "" if is_error else f"{p.severity}: "
            body = p.format().replace("\n", "\n  ")
            lines.append(f"  - {tag}{body}")
    if shown >= MAX_SHOWN and total > shown:
        lines.append(f"  ... (only the first {MAX_SHOWN} problems are listed)")
    if total > shown:
        if summary:
            lines.append(summary + ".")
        lines.append(f"... and {total - shown:,} more ({total:,} problems in total).")
    else:
        lines.append((summary or count_sentence(total)) + ".")
    return "\n".join(lines)
