"""One error tree for the whole library.

The CLI maps every ``TerritoryError`` to a clean message and a non-zero exit code in one
place (``territory_cli/errors.py``); nothing below this module knows about terminals.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


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
        n = len(self.problems)
        self.summary = summary or f"{n} problem{'s' if n != 1 else ''} found in the input"
        super().__init__(self.render())

    def render(self) -> str:
        return render_problems(self.problems + self.warnings, self.summary)


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


def render_problems(problems: Iterable[Problem], summary: str) -> str:
    """Group problems by file, errors before warnings, and end with the count."""
    by_file: dict[str, list[Problem]] = {}
    for p in problems:
        by_file.setdefault(p.file, []).append(p)
    lines: list[str] = []
    for file, items in by_file.items():
        lines.append(f"{file}:")
        items = sorted(items, key=lambda p: (p.severity != "error", p.row or 0))
        for p in items:
            tag = "" if p.severity == "error" else "warning: "
            body = p.format().replace("\n", "\n  ")
            lines.append(f"  - {tag}{body}")
    lines.append(summary + ".")
    return "\n".join(lines)
