"""Which characters of a plan no installed font can print, and which package to install.

WeasyPrint (through Pango and fontconfig) falls back to any installed font for a character
the book's fonts lack; when no font has it, the PDF shows an empty box and nothing says so.
``font_warning`` reads what the installed fonts cover from fontconfig, in one ``fc-list``
call (about 30 ms), and words a single warning for the whole plan.
"""

from __future__ import annotations

import bisect
import shutil
import subprocess
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

from .context import PlanDir

__all__ = [
    "PLAN_TEXT_COLUMNS",
    "font_warning",
    "installed_coverage",
    "package_for",
    "parse_charsets",
    "uncovered",
]

# Text the books print from assignments.csv, besides rep and manager names from summary.json.
PLAN_TEXT_COLUMNS: tuple[str, ...] = ("name", "industry", "city", "state", "country", "region")

# (Unicode character-name prefixes, Debian/Ubuntu package with a font that covers them)
_PACKAGES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "BOPOMOFO", "IDEOGRAPHIC", "FULLWIDTH"), "fonts-wqy-microhei"),
    (("THAI",), "fonts-thai-tlwg"),
)
_DEFAULT_PACKAGE = "fonts-noto-core"
_ALWAYS_COVERED = frozenset("\t\n\r")


@lru_cache(maxsize=1)
def installed_coverage() -> tuple[tuple[int, int], ...] | None:
    """Sorted, merged (first, last) code point ranges that some installed font covers.

    ``None`` when fontconfig's ``fc-list`` is not available (the check is then skipped).
    """
    exe = shutil.which("fc-list")
    if exe is None:
        return None
    try:
        out = subprocess.run(
            [exe, "--format", "%{charset}\\n"], capture_output=True, text=True, timeout=20, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return parse_charsets(out)


def parse_charsets(text: str) -> tuple[tuple[int, int], ...]:
    """Merge fontconfig charsets ('20-7e a0-17f 192 ...', one font a line) into ranges."""
    ranges: list[tuple[int, int]] = []
    for token in text.split():
        first, _, last = token.partition("-")
        try:
            ranges.append((int(first, 16), int(last or first, 16)))
        except ValueError:
            continue
    ranges.sort()
    merged: list[tuple[int, int]] = []
    for lo, hi in ranges:
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return tuple(merged)


def uncovered(chars: Iterable[str], coverage: Sequence[tuple[int, int]]) -> list[str]:
    """The characters of ``chars`` (sorted, once each) that no range of ``coverage`` holds.

    Spaces, control and format characters (zero-width joiners, direction marks) print
    nothing and are never reported.
    """
    starts = [lo for lo, _ in coverage]
    out = []
    for c in sorted(set(chars)):
        if c in _ALWAYS_COVERED or c.isspace() or unicodedata.category(c) in ("Cc", "Cf", "Zs"):
            continue
        i = bisect.bisect_right(starts, ord(c)) - 1
        if i < 0 or ord(c) > coverage[i][1]:
            out.append(c)
    return out


def package_for(chars: Iterable[str]) -> list[str]:
    """Debian/Ubuntu font packages that cover ``chars``, one per script, in a stable order."""
    found: dict[str, None] = {}
    for c in chars:
        name = unicodedata.name(c, "")
        pkg = next((p for prefixes, p in _PACKAGES if name.startswith(prefixes)), _DEFAULT_PACKAGE)
        found.setdefault(pkg, None)
    order = [p for _, p in _PACKAGES] + [_DEFAULT_PACKAGE]
    return sorted(found, key=order.index)


def _plan_texts(plan: PlanDir, rep_ids: Sequence[str] | None = None) -> list[str]:
    """Every distinct non-ASCII text the books print as a name, industry or place (only in
    these reps' books, when ``rep_ids`` is given)."""
    texts: set[str] = set()
    chosen = set(rep_ids) if rep_ids else None
    for r in plan.reps:
        if chosen is not None and r.rep_id not in chosen:
            continue
        texts.update(v for v in (r.name, r.manager, r.region) if v)
    frame = plan.assignments
    if chosen is not None:
        frame = frame[frame["owner_id"].isin(chosen) | frame["previous_owner_id"].isin(chosen)]
    for col in PLAN_TEXT_COLUMNS:
        if col in frame.columns:
            values = frame[col].astype(str)
            if hasattr(values.str, "isascii"):  # vectorised first cut (1,000,000 rows: 0.2 s)
                values = values[~values.str.isascii()]
            texts.update(values.unique().tolist())
    return sorted(t for t in texts if not t.isascii())


def font_warning(plan: PlanDir, rep_ids: Sequence[str] | None = None) -> str | None:
    """One warning naming the characters of the plan (of these reps' books) that no installed
    font covers, or ``None`` (also when fontconfig cannot say what is installed)."""
    ranges = installed_coverage()
    if ranges is None:
        return None
    texts = _plan_texts(plan, rep_ids)
    missing = uncovered("".join(texts), ranges)
    if not missing:
        return None
    miss = set(missing)
    examples = [t for t in texts if miss.intersection(t)]
    shown = ", ".join(repr(t if len(t) <= 40 else t[:39] + "\u2026") for t in examples[:3])
    more = f" and {len(examples) - 3:,} more" if len(examples) > 3 else ""
    chars = "".join(missing[:20]) + ("\u2026" if len(missing) > 20 else "")
    packages = package_for(missing)
    n = len(missing)
    return (
        f"{n} character{'s' if n != 1 else ''} in names ({chars}) {'have' if n != 1 else 'has'} no "
        f"installed font and will print as empty boxes, e.g. in {shown}{more}. Install a font that "
        f"covers {'them' if n != 1 else 'it'}; on Debian/Ubuntu: apt install {' '.join(packages)}."
    )
