"""Reading a plan folder back, and checking that its files belong together.

``territory books``, ``compare`` and ``diff`` read plan folders through ``read_plan_folder``.
It reads ``summary.json`` (through the safe reader), ``assignments.csv`` and ``icp.json``,
and refuses, with every problem listed at once (``InputError``, exit 2):

- a file that does not match the sha256 summary.json records for it in ``files`` (edited,
  truncated, or from another run);
- an assignments.csv whose row count, owners or per-rep counts differ from summary.json.

A plan folder written before summary.json recorded checksums is still read; then only the
counts and owners are checked.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from ..plan_result import PlanSummary, SummaryError
from .safe_read import JSON_MAX_BYTES, UnreadableFile, read_json, read_limited

PLAN_FORMAT = "territory-plan/1"
HINT_RUN = "run `territory plan ACCOUNTS ROSTER --out DIR` first and pass that DIR"
HINT_CHANGED = (
    "the folder was changed after territory wrote it; run `territory plan` again (pin accounts "
    "with --locks rather than editing assignments.csv)"
)
ASSIGNMENTS_MAX_BYTES = 4 << 30


@dataclass
class PlanFolder:
    """The files of a plan folder, read and checked."""

    path: Path
    summary: dict[str, Any]
    assignments: pd.DataFrame
    assignments_bytes: bytes
    icp: dict[str, Any] | None
    result: PlanSummary  # summary.json as the typed plan result


def read_plan_folder(
    path: str | Path, required_columns: Sequence[str] = ("account_id", "owner_id")
) -> PlanFolder:
    """Read and check a plan folder; every problem found is reported in one ``InputError``."""
    root = Path(path)
    try:
        os.stat(root)
    except (FileNotFoundError, NotADirectoryError):
        pass
    except OSError as e:  # a name too long, a loop of links
        raise InputError(
            [Problem(file=str(root), message=f"cannot be opened: {e.strerror or e}", hint="check the path")],
            summary="cannot read the plan",
        ) from None
    if not root.is_dir():
        raise InputError(
            [Problem(file=str(root), message="plan directory not found", hint=HINT_RUN)],
            summary="cannot read the plan",
        )
    problems: list[Problem] = []
    summary = _read_summary(root / "summary.json", problems)
    frame, data = _read_assignments(root / "assignments.csv", required_columns, problems)
    icp = _read_icp(root / "icp.json", problems)
    if not problems:  # both read: do they belong together?
        problems += (
            check_summary(root, summary)
            + check_files(root, summary, data)
            + check_counts(root, summary, frame)
        )
    result = _typed(root / "summary.json", summary, problems) if not problems else None
    if problems or result is None:
        raise InputError(problems, summary=f"cannot read the plan in {root}")
    return PlanFolder(root, summary, frame, data, icp, result)


def _typed(spath: Path, summary: dict[str, Any], problems: list[Problem]) -> PlanSummary | None:
    """The typed plan result; a key missing or of another kind (a plan of an older version,
    or a summary edited before checksums existed) is refused with the key named."""
    try:
        return PlanSummary.from_dict(summary)
    except SummaryError as e:
        problems.append(
            Problem(
                str(spath),
                f"summary.json is not one this version of territory can read: {e.message}",
                column=e.key,
                hint="plan again with this version: `territory plan ACCOUNTS ROSTER --out DIR`",
            )
        )
        return None


def _reason(e: OSError | UnreadableFile) -> str:
    return e.message if isinstance(e, UnreadableFile) else (e.strerror or str(e))


def _read_summary(spath: Path, problems: list[Problem]) -> dict[str, Any]:
    try:
        loaded = read_json(spath, what="plan summary")
        if not isinstance(loaded, dict):
            raise UnreadableFile(str(spath), "the top level is not a JSON object")
    except FileNotFoundError:
        problems.append(Problem(file=str(spath), message="summary.json is missing", hint=HINT_RUN))
        return {}
    except (OSError, UnreadableFile) as e:
        problems.append(
            Problem(
                file=str(spath),
                message=f"summary.json cannot be read: {_reason(e)}",
                hint="re-run `territory plan`; the file may be truncated or edited by hand",
            )
        )
        return {}
    fmt = loaded.get("format")
    if fmt != PLAN_FORMAT:
        problems.append(
            Problem(
                file=str(spath),
                column="format",
                value=str(fmt),
                message="unsupported plan format",
                hint=f"expected '{PLAN_FORMAT}'; re-run `territory plan` with this version",
            )
        )
    reps = loaded.get("reps")
    if not isinstance(reps, list) or not all(isinstance(r, dict) for r in reps):
        problems.append(Problem(file=str(spath), column="reps", message="'reps' must be a list of objects"))
        reps = []
    overall = loaded.get("overall")
    if not isinstance(overall, dict):
        problems.append(Problem(file=str(spath), column="overall", message="'overall' must be an object"))
        overall = {}
    # The figures the other files are checked against must be what they say (a summary written
    # before it recorded its own checksum can have been edited to anything).
    whole = [("overall.accounts", overall.get("accounts"))]
    whole += [(f"reps[{i}].accounts", r.get("accounts")) for i, r in enumerate(reps)]
    for key, value in whole:
        if not (type(value) is int and value >= 0):
            problems.append(
                Problem(
                    str(spath),
                    "must be a whole number of accounts",
                    column=key,
                    value=str(value),
                    hint=HINT_CHANGED,
                )
            )
    ids = [r.get("rep_id") for r in reps]
    for i, rid in enumerate(ids):
        if not isinstance(rid, str) or not rid or ids.index(rid) != i:
            problems.append(
                Problem(
                    str(spath),
                    "must be a rep id that no other rep has",
                    column=f"reps[{i}].rep_id",
                    value=str(rid),
                    hint=HINT_CHANGED,
                )
            )
    return loaded


def _read_assignments(
    apath: Path, required: Sequence[str], problems: list[Problem]
) -> tuple[pd.DataFrame, bytes]:
    frame = pd.DataFrame(columns=list(required))
    try:
        data = read_limited(apath, ASSIGNMENTS_MAX_BYTES, "plan's assignments file")
        # dtype=str and no NA parsing: ids stay as written ("007" is not 7) and empty cells
        # stay empty strings. Cells prefixed with "'" (formula neutralisation) are kept as-is.
        frame = pd.read_csv(
            BytesIO(data), dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8"
        )
    except FileNotFoundError:
        problems.append(Problem(file=str(apath), message="assignments.csv is missing", hint=HINT_RUN))
        return frame, b""
    except UnreadableFile as e:
        problems.append(
            Problem(file=str(apath), message=f"assignments.csv cannot be read: {e.message}", hint=HINT_RUN)
        )
        return frame, b""
    except (OSError, UnicodeDecodeError, ValueError, pd.errors.ParserError) as e:
        problems.append(
            Problem(file=str(apath), message=f"assignments.csv cannot be read: {e}", hint=HINT_RUN)
        )
        return frame, b""
    for col in required:
        if col not in frame.columns:
            problems.append(
                Problem(
                    file=str(apath),
                    column=col,
                    message="required column is missing",
                    hint="see docs/plan-output.md for the columns `territory plan` writes",
                )
            )
    return frame, data


def _read_icp(ipath: Path, problems: list[Problem]) -> dict[str, Any] | None:
    if not ipath.exists():
        return None
    try:
        loaded = read_json(ipath, max_bytes=JSON_MAX_BYTES, what="ICP summary")
        if not isinstance(loaded, dict) or not isinstance(loaded.get("products"), dict):
            raise UnreadableFile(str(ipath), "expected an object with a 'products' object")
        return loaded
    except (OSError, UnreadableFile) as e:
        problems.append(
            Problem(
                file=str(ipath),
                message=f"icp.json cannot be read: {_reason(e)}",
                hint="re-run `territory plan`, or delete icp.json to print books without the ICP page",
            )
        )
        return None


# Left out of summary.json's checksum of itself: the checksum, and the run's times and date
# (which differ between two runs of the same plan).
UNCHECKED_KEYS = ("summary_sha256", "run")


def summary_checksum(summary: dict[str, Any]) -> str:
    """The sha256 of summary.json's content but ``UNCHECKED_KEYS``, as territory writes it.

    Computed on the parsed object (written the one deterministic way) rather than the bytes,
    so the same summary read back gives the same checksum.
    """
    from .writing import json_text

    body = {k: v for k, v in summary.items() if k not in UNCHECKED_KEYS}
    return hashlib.sha256(json_text(body).encode("utf-8")).hexdigest()


def check_summary(root: Path, summary: dict[str, Any]) -> list[Problem]:
    """summary.json is as territory wrote it (when it records its own checksum)."""
    recorded = summary.get("summary_sha256")
    if recorded is None:  # written before the summary recorded its own checksum
        return []
    if recorded == summary_checksum(summary):
        return []
    return [
        Problem(
            str(root / "summary.json"),
            "summary.json was changed after territory wrote it (it does not match the checksum it "
            "records of itself, summary_sha256)",
            hint=HINT_CHANGED,
        )
    ]


def _safe_name(name: str) -> bool:
    p = PurePosixPath(name)
    return (
        bool(name) and not p.is_absolute() and ".." not in p.parts and "\\" not in name and "\x00" not in name
    )


def check_files(root: Path, summary: dict[str, Any], assignments: bytes) -> list[Problem]:
    """Each file summary.json lists in ``files`` exists and matches its sha256 and size."""
    spath = str(root / "summary.json")
    files = summary.get("files")
    if files is None:  # written before checksums were recorded
        return []
    if not isinstance(files, dict):
        return [
            Problem(
                spath, "'files' must be an object of file name -> checksum", column="files", hint=HINT_CHANGED
            )
        ]
    problems = []
    for name, rec in files.items():
        if not _safe_name(name) or not isinstance(rec, dict) or not isinstance(rec.get("sha256"), str):
            problems.append(
                Problem(
                    spath, "not a file name and checksum", column="files", value=str(name), hint=HINT_CHANGED
                )
            )
            continue
        target = root / name
        data: bytes
        if name == "assignments.csv":
            data = assignments
        else:
            try:
                data = read_limited(target, ASSIGNMENTS_MAX_BYTES, "plan file")
            except FileNotFoundError:
                problems.append(
                    Problem(
                        str(target), f"{name} is missing, though summary.json lists it", hint=HINT_CHANGED
                    )
                )
                continue
            except (OSError, UnreadableFile) as e:
                problems.append(
                    Problem(str(target), f"{name} cannot be read: {_reason(e)}", hint=HINT_CHANGED)
                )
                continue
        size = rec.get("bytes")
        if isinstance(size, int) and size != len(data):
            why = f"{len(data):,} bytes where the plan wrote {size:,}"
        elif hashlib.sha256(data).hexdigest() != rec["sha256"]:
            why = "same size, different content"
        else:
            continue
        problems.append(
            Problem(
                str(target),
                f"{name} does not match the checksum summary.json records for it ({why})",
                hint=HINT_CHANGED,
            )
        )
    return problems


def check_counts(root: Path, summary: dict[str, Any], frame: pd.DataFrame) -> list[Problem]:
    """assignments.csv and summary.json describe the same plan: rows, owners, rows per rep."""
    apath = str(root / "assignments.csv")
    problems: list[Problem] = []
    overall = summary.get("overall") or {}
    if "product" in frame.columns:
        # Product ICPs: rows without a product are accounts that fit no product ICP; they keep
        # their owner (who may have left the roster) and summary.json counts them apart.
        no_fit = frame["product"].astype(str) == ""
        fit_expected = overall.get("no_product_fit", 0)
        if isinstance(fit_expected, int) and fit_expected != int(no_fit.sum()):
            problems.append(
                Problem(
                    apath,
                    f"assignments.csv has {int(no_fit.sum()):,} accounts that fit no product ICP but "
                    f"summary.json says {fit_expected:,}",
                    column="product",
                    hint=HINT_CHANGED,
                )
            )
        frame = frame[~no_fit]
    expected = overall.get("accounts")
    if isinstance(expected, int) and expected != len(frame):
        problems.append(
            Problem(
                apath,
                f"assignments.csv has {len(frame):,} rows but summary.json says the plan has {expected:,}",
                hint=HINT_CHANGED,
            )
        )
    reps = {str(r.get("rep_id")): r for r in summary.get("reps") or []}
    owned = Counter(frame["owner_id"].tolist()) if "owner_id" in frame.columns else Counter()
    strangers = sorted(o for o in owned if o and o not in reps)
    if strangers:
        shown = ", ".join(repr(s) for s in strangers[:5]) + (
            f" and {len(strangers) - 5} more" if len(strangers) > 5 else ""
        )
        problems.append(
            Problem(
                apath,
                f"assignments.csv gives accounts to {shown}, not reps in summary.json",
                column="owner_id",
                hint=HINT_CHANGED,
            )
        )
    wrong = [
        (rid, owned.get(rid, 0), r["accounts"])
        for rid, r in reps.items()
        if isinstance(r.get("accounts"), int) and owned.get(rid, 0) != r["accounts"]
    ]
    if wrong:
        text = "; ".join(
            f"{rid} owns {n:,} in assignments.csv, {m:,} in summary.json" for rid, n, m in wrong[:5]
        )
        more = f" (and {len(wrong) - 5} more reps)" if len(wrong) > 5 else ""
        problems.append(
            Problem(
                apath,
                f"rows per rep differ from summary.json: {text}{more}",
                column="owner_id",
                hint=HINT_CHANGED,
            )
        )
    elif "product" not in frame.columns:
        # A plan folder without checksums (written before they were recorded) edited by hand:
        # owners swapped between two accounts keep every rep's count, not the rest of the row.
        problems += _edited_rows(apath, frame, reps)
    return problems


def _edited_rows(apath: str, frame: pd.DataFrame, reps: dict[str, Any]) -> list[Problem]:
    """Rows whose owner disagrees with their own 'moved' column, and reps whose tier counts
    differ from summary.json's: what a hand edit of owner_id leaves behind."""
    problems: list[Problem] = []
    cols = {"owner_id", "previous_owner_id", "moved"}
    if cols <= set(frame.columns):
        prev = frame["previous_owner_id"].astype(str)
        differs = (frame["owner_id"].astype(str) != prev) & (prev != "")  # a first owner is no move
        moved = frame["moved"].astype(str).str.strip().str.lower() == "true"
        bad = np.flatnonzero((differs != moved).to_numpy())
        if len(bad):
            first = frame.iloc[int(bad[0])]
            problems.append(
                Problem(
                    apath,
                    f"{len(bad):,} row{'s' if len(bad) != 1 else ''} of assignments.csv "
                    f"{'disagree' if len(bad) != 1 else 'disagrees'} with {'their' if len(bad) != 1 else 'its'} "
                    f"own moved column (e.g. {first.get('account_id', '')}: owner {first['owner_id']}, "
                    f"previous owner {first['previous_owner_id']}, moved {first['moved']})",
                    row=int(bad[0]) + 2,
                    column="owner_id",
                    hint=HINT_CHANGED,
                )
            )
    if "tier" in frame.columns and "owner_id" in frame.columns:
        counts = frame.groupby([frame["owner_id"].astype(str), frame["tier"].astype(str)]).size()
        off = []
        for rid, r in reps.items():
            want = r.get("tier_counts")
            if not isinstance(want, dict):
                continue
            have = {t: int(counts.get((rid, t), 0)) for t in want}
            if any(have[t] != want[t] for t in want if isinstance(want[t], int)):
                off.append(rid)
        if off:
            problems.append(
                Problem(
                    apath,
                    f"tier counts per rep differ from summary.json for {', '.join(off[:5])}"
                    + (f" and {len(off) - 5} more" if len(off) > 5 else ""),
                    column="owner_id",
                    hint=HINT_CHANGED,
                )
            )
    return problems
