"""A broad hostile sweep of every command: bad files, bad options, bad settings.

Runs each command line in-process (click's CliRunner, with a 90 s alarm per call) in a fresh
temporary folder and reports every run that

- ends in a traceback or "Unexpected error, probably a bug",
- exits with anything but 0, 1 or 2 (or 0 where the input is plainly wrong: see ``want``),
- leaves an output folder behind after exit 2 (a partial output),
- writes or changes anything outside its output path.

    python scripts/hostile_sweep.py [--only SUBSTRING] [--list]

Prints one line per failing run and a count; exit status 1 when any failed. It is a tool for
reviewers (issue 13): the classes it finds become corpus cases and tests.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "tests" / "corpus" / "_base"
EXAMPLES = ROOT / "examples"


@dataclass
class Case:
    name: str
    argv: list[str]  # {acc} {ros} {out} {tmp} {plan} {plan2} {file} substituted
    want: tuple[int, ...] = (1, 2)  # acceptable exit codes
    setup: Callable[[Path], None] | None = None
    out_is_file: bool = False
    expect: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- hostile files


def _w(p: Path, data: bytes | str) -> Path:
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    p.write_bytes(data)
    return p


def deep_json(n: int = 100_000) -> str:
    return "[" * n + "]" * n


def deep_toml(n: int = 100_000) -> str:
    return "a = " + "[" * n + "]" * n + "\n"


def xlsx_bomb(p: Path, rows: int = 2_000_000) -> Path:
    """A tiny zip whose sheet unzips to millions of rows (no dimension element)."""
    head = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main"><sheetData>'
    )
    row = '<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    sys.path.insert(0, str(ROOT / "tests"))
    from corpus_generators import _CT, _RELS, _WB, _WB_RELS

    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WB)
        z.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        with z.open("xl/worksheets/sheet1.xml", "w") as fh:
            fh.write(head.encode())
            chunk = (row * 10_000).encode()
            for _ in range(rows // 10_000):
                fh.write(chunk)
            fh.write(b"</sheetData></worksheet>")
    return p


def sparse(p: Path, size: int) -> Path:
    with open(p, "wb") as fh:
        fh.truncate(size)
    return p


HOSTILE: dict[str, Callable[[Path], Path]] = {}


def hostile(fn: Callable[[Path], Path]) -> Callable[[Path], Path]:
    HOSTILE[fn.__name__] = fn
    return fn


@hostile
def missing(d: Path) -> Path:
    return d / "nope.csv"


@hostile
def folder(d: Path) -> Path:
    (d / "afolder").mkdir()
    return d / "afolder"


@hostile
def fifo(d: Path) -> Path:
    os.mkfifo(d / "pipe.csv")
    return d / "pipe.csv"


@hostile
def dev_zero(d: Path) -> Path:
    return Path("/dev/zero")  # read only: never a target


@hostile
def dev_null(d: Path) -> Path:
    return Path("/dev/null")


@hostile
def empty(d: Path) -> Path:
    return _w(d / "empty.csv", b"")


@hostile
def nul_bytes(d: Path) -> Path:
    return _w(d / "nul.csv", (BASE / "accounts.csv").read_bytes().replace(b"Bolt", b"Bo\x00lt"))


@hostile
def nul_only(d: Path) -> Path:
    return _w(d / "nulonly.csv", b"\x00" * 5000)


@hostile
def latin1(d: Path) -> Path:
    return _w(d / "latin1.csv", (BASE / "accounts.csv").read_bytes().replace(b"Bolt", b"B\xe9lt"))


@hostile
def random_binary(d: Path) -> Path:
    return _w(d / "bin.csv", bytes(range(256)) * 40)


@hostile
def sparse_huge(d: Path) -> Path:
    return sparse(d / "huge.csv", 6 << 30)


@hostile
def deep_json_file(d: Path) -> Path:
    return _w(d / "deep.json", deep_json())


@hostile
def deep_toml_file(d: Path) -> Path:
    return _w(d / "deep.toml", deep_toml())


@hostile
def dotted_toml(d: Path) -> Path:
    return _w(d / "dotted.toml", "a" + ".a" * 50_000 + " = 1\n")


@hostile
def toml_latin1(d: Path) -> Path:
    return _w(d / "latin.toml", b"period_label = 'caf\xe9'\n")


@hostile
def xlsx_zip_bomb(d: Path) -> Path:
    return xlsx_bomb(d / "bomb.xlsx")


@hostile
def xlsx_not_zip(d: Path) -> Path:
    return _w(d / "fake.xlsx", (BASE / "accounts.csv").read_bytes())


@hostile
def parquet_garbage(d: Path) -> Path:
    return _w(d / "fake.parquet", b"PAR1" + b"\x00garbage" * 10 + b"PAR1")


@hostile
def symlink_loop(d: Path) -> Path:
    os.symlink(d / "loop_b", d / "loop_a")
    os.symlink(d / "loop_a", d / "loop_b")
    return d / "loop_a"


@hostile
def long_name(d: Path) -> Path:
    return d / ("x" * 300 + ".csv")


@hostile
def one_huge_line(d: Path) -> Path:
    return _w(d / "line.csv", "account_id,name\n" + "A," + "x" * 30_000_000 + "\n")


@hostile
def many_columns(d: Path) -> Path:
    n = 200_000
    return _w(d / "cols.csv", ",".join(f"c{i}" for i in range(n)) + "\n" + ",".join("1" * n) + "\n")


@hostile
def crlf_lone_cr(d: Path) -> Path:
    return _w(d / "cr.csv", (BASE / "accounts.csv").read_bytes().replace(b"\n", b"\r"))


@hostile
def utf16(d: Path) -> Path:
    return _w(d / "u16.csv", (BASE / "accounts.csv").read_text().encode("utf-16"))


@hostile
def ods_file(d: Path) -> Path:
    return _w(d / "a.ods", b"PK\x03\x04" + b"\x00" * 100)


@hostile
def csv_with_equals(d: Path) -> Path:
    return _w(d / "eq.csv", "=cmd|' /C calc'!A0,b\n1,2\n")


# Files some slots read as they are (a UTF-16 or CR-only CSV is a fine accounts file).
ACCEPTABLE = {"crlf_lone_cr", "utf16", "dev_null", "folder"}

# --------------------------------------------------------------------------- plan folders


def make_plan(tmp: Path, name: str = "plan") -> None:
    from click.testing import CliRunner

    from territory_cli.main import cli

    r = CliRunner().invoke(
        cli, ["plan", str(BASE / "accounts.csv"), str(BASE / "roster.csv"), "--out", str(tmp / name), "-q"]
    )
    assert r.exit_code == 0, r.output


PLAN_EDITS: dict[str, Callable[[Path], None]] = {
    "assign_row_dropped": lambda p: _w(
        p / "assignments.csv", b"\n".join((p / "assignments.csv").read_bytes().split(b"\n")[:-2]) + b"\n"
    ),
    "assign_owner_swapped": lambda p: _w(
        p / "assignments.csv", (p / "assignments.csv").read_bytes().replace(b",R01,", b",R02,", 1)
    ),
    "summary_deep": lambda p: _w(p / "summary.json", deep_json()),
    "summary_latin1": lambda p: _w(p / "summary.json", b'{"a": "caf\xe9"}'),
    "summary_nul": lambda p: _w(p / "summary.json", b'{"a": "\x00"}'),
    "summary_array": lambda p: _w(p / "summary.json", b"[]"),
    "summary_null_reps": lambda p: _w(
        p / "summary.json",
        json.dumps({**json.loads((p / "summary.json").read_text()), "reps": None}),
    ),
    "summary_reps_strings": lambda p: _w(
        p / "summary.json",
        json.dumps({**json.loads((p / "summary.json").read_text()), "reps": ["x"]}),
    ),
    "summary_no_files": lambda p: _w(
        p / "summary.json",
        json.dumps({k: v for k, v in json.loads((p / "summary.json").read_text()).items() if k != "files"}),
    ),
    "summary_files_traversal": lambda p: _w(
        p / "summary.json",
        json.dumps(
            {**json.loads((p / "summary.json").read_text()), "files": {"../../etc/passwd": {"sha256": "0"}}}
        ),
    ),
    "summary_overall_weird": lambda p: _w(
        p / "summary.json",
        json.dumps(
            {
                k: v
                for k, v in {
                    **json.loads((p / "summary.json").read_text()),
                    "overall": {"accounts": "eight", "moved": -1},
                }.items()
                if k != "files"
            }
        ),
    ),
    "summary_rep_fields_weird": lambda p: _w(
        p / "summary.json",
        json.dumps(
            {
                k: (
                    [{**r, "capacity": "x", "potential": None, "tiers": "bad"} for r in v]
                    if k == "reps"
                    else v
                )
                for k, v in json.loads((p / "summary.json").read_text()).items()
                if k != "files"
            }
        ),
    ),
    "summary_missing_keys": lambda p: _w(
        p / "summary.json",
        json.dumps({"format": "territory-plan/1", "reps": [], "overall": {}}),
    ),
    "summary_fifo": lambda p: ((p / "summary.json").unlink(), os.mkfifo(p / "summary.json")),
    "summary_is_dir": lambda p: ((p / "summary.json").unlink(), (p / "summary.json").mkdir()),
    "summary_symlink_devzero": lambda p: (
        (p / "summary.json").unlink(),
        os.symlink("/dev/zero", p / "summary.json"),
    ),
    "assign_fifo": lambda p: ((p / "assignments.csv").unlink(), os.mkfifo(p / "assignments.csv")),
    "assign_nul": lambda p: _w(p / "assignments.csv", (p / "assignments.csv").read_bytes() + b"\x00"),
    "assign_missing": lambda p: (p / "assignments.csv").unlink(),
    "icp_deep": lambda p: _w(p / "icp.json", deep_json()),
    "icp_fifo": lambda p: os.mkfifo(p / "icp.json"),
    "owner_changes_removed": lambda p: (p / "owner_changes.csv").unlink(),
    "stray_stage": lambda p: (p.parent / f".{p.name}.territory-host-99999-abcd.tmp").mkdir(),
}


# --------------------------------------------------------------------------- the matrix

SET_KEYS = [
    "balance.tier_band",
    "balance.tier_band_min_accounts",
    "balance.tier_penalty",
    "balance.measures.potential.band",
    "balance.measures.potential.penalty",
    "balance.account_band",
    "balance.workload_band",
    "balance.workload_weights",
    "balance.hard_bands",
    "continuity.move_cost",
    "continuity.max_moved_share",
    "continuity.max_potential_moved_share",
    "continuity.max_moves_per_rep",
    "families.mode",
    "products.min_tier",
    "products.tier_weights",
    "products.no_fit",
    "solver.name",
    "solver.time_limit",
    "solver.gap",
    "solver.threads",
    "solver.seed",
    "solver.method",
    "solver.exact_max_pairs",
    "solver.exact_max_units",
    "solver.workers",
    "inputs.max_file_mb",
    "inputs.max_rows",
    "inputs.sheet",
    "inputs.table",
    "inputs.query",
    "inputs.preset",
    "inputs.accounts",
    "inputs.roster",
    "inputs.icp",
    "inputs.region_rules",
    "outputs.dir",
    "outputs.books",
    "outputs.owner_changes",
    "outputs.owner_value",
    "outputs.max_owner_change_share",
    "outputs.allow_mass_change",
    "outputs.product_owner_fields",
    "geo.region_source",
    "geo.locate",
    "period_label",
    "tiering.source",
    "segments",
    "segments.big.min",
    "segments.big.column",
    "columns.accounts",
    "columns.roster",
    "nonexistent.key",
    "balance",
    "",
]
SET_VALUES = [
    "inf",
    "-inf",
    "nan",
    "1e300",
    "1e-300",
    "1e309",
    "-1",
    "0",
    "",
    "[]",
    "[1, 2]",
    '["a"]',
    "{}",
    "abc",
    "true",
    "0x10",
    "1_000",
    "99999999999999999999999",
    "'",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    "{a = 1}",
    "\x00",
    "5%",
    "-5%",
    "150%",
]

PLAN = ["plan", "{acc}", "{ros}", "--out", "{out}"]
WHATIF = ["whatif", "{acc}", "{ros}", "--out", "{out}"]


def cases() -> list[Case]:
    out: list[Case] = []
    # Every hostile file in every file slot.
    slots = {
        "plan.accounts": ["plan", "{file}", "{ros}", "--out", "{out}"],
        "plan.roster": ["plan", "{acc}", "{file}", "--out", "{out}"],
        "plan.icp": [*PLAN, "--icp", "{file}"],
        "plan.config": [*PLAN, "--config", "{file}"],
        "plan.locks": [*PLAN, "--locks", "{file}"],
        "plan.region_rules": [*PLAN, "--region-rules", "{file}"],
        "whatif.scenarios": [*WHATIF, "--scenarios", "{file}"],
        "whatif.accounts": ["whatif", "{file}", "{ros}", "--out", "{out}", "--remove-rep", "R01"],
        "run": ["run", "{file}"],
        "score.accounts": ["score", "{file}", "--icp", str(EXAMPLES / "icp.toml"), "--out", "{out}"],
        "score.icp": ["score", "{acc}", "--icp", "{file}", "--out", "{out}"],
        "validate.accounts": [
            "validate",
            "{file}",
            "--icp",
            str(EXAMPLES / "icp.toml"),
            "--opportunities",
            str(EXAMPLES / "opportunities.csv"),
        ],
        "validate.opps": [
            "validate",
            str(EXAMPLES / "accounts.csv"),
            "--icp",
            str(EXAMPLES / "icp.toml"),
            "--opportunities",
            "{file}",
        ],
        "books.templates": ["books", "{plan}", "--out", "{out}", "--templates", "{file}"],
        "compare.a": ["compare", "{file}", "{plan}", "--out", "{out}"],
        "diff.a": ["diff", "{file}", "{plan}"],
    }
    for slot, argv in slots.items():
        for h in HOSTILE:
            ok = h in ACCEPTABLE or (slot == "plan.config" and h == "empty")  # an empty TOML: no settings
            want = (0, 1, 2) if ok else (1, 2)
            out.append(
                Case(f"{slot}:{h}", argv, want=want, out_is_file=slot.startswith(("score", "compare")))
            )
    # Every setting with every hostile value, through --set (plan) and through a config file.
    for key in SET_KEYS:
        for v in SET_VALUES:
            out.append(Case(f"set:{key}={v!r}", [*PLAN, "--set", f"{key}={v}"], want=(0, 1, 2)))
    # Hostile option values.
    opts = {
        "plan": [
            ["--time-limit", "inf"],
            ["--time-limit", "nan"],
            ["--time-limit", "-1"],
            ["--time-limit", "1e300"],
            ["--gap", "nan"],
            ["--gap", "-0.1"],
            ["--gap", "2"],
            ["--threads", "0"],
            ["--threads", "-1"],
            ["--threads", "99999999999999999999"],
            ["--sweep-moves", ""],
            ["--sweep-moves", "nan"],
            ["--sweep-moves", "-1"],
            ["--sweep-moves", "200%"],
            ["--sweep-moves", "1e300"],
            ["--sweep-moves", ",,,"],
            ["--sweep-moves", "0," * 500],
            ["--export-lp", "{tmp}"],
            ["--export-lp", "{tmp}/nodir/x/m.lp"],
            ["--export-lp", "{acc}"],
            ["--export-lp", "{out}/assignments.csv"],
            ["--export-lp", "{out}"],
            ["--export-lp", "{tmp}/pipe"],
            ["--preset", "salesforce"],
            ["--sheet", "Nope"],
            ["--table", "x"],
            ["--query", "select 1"],
            ["--set", "noequals"],
            ["--set", "=1"],
            ["--set", "solver.threads"],
        ],
        "whatif": [
            ["--add-rep", ""],
            ["--add-rep", ",,,"],
            ["--add-rep", "Ana,West,inf"],
            ["--add-rep", "Ana,West,nan"],
            ["--add-rep", "Ana,West,-1"],
            ["--add-rep", "Ana,Nowhere,1"],
            ["--add-rep", "Ana,West,1e300"],
            ["--remove-rep", "R99"],
            ["--remove-rep", "R01", "--remove-rep", "R02"],
            ["--remove-rep", "R01", "--remove-rep", "R02", "--remove-rep", "R03", "--remove-rep", "R04"],
            ["--capacity", "R01=inf"],
            ["--capacity", "R01=-1"],
            ["--capacity", "R99=1"],
            ["--capacity", "R01"],
            ["--capacity", "R01=0", "--capacity", "R02=0"],
            ["--lock", "A999"],
            ["--lock", ""],
            ["--unlock", "A999"],
            ["--scenario", ""],
            ["--scenario", "x"],
            ["--scenario", ":"],
            ["--scenario", "a: bogus=1"],
            ["--scenario", "assignments.csv: remove-rep=R01"],
            ["--scenario", "../up: remove-rep=R01"],
            ["--scenario", "a/b: remove-rep=R01"],
            ["--scenario", "a: remove-rep=R01", "--scenario", "a: remove-rep=R02"],
            ["--scenario", "baseline: remove-rep=R01"],
            ["--scenario", ".: remove-rep=R01"],
            ["--scenario", "summary.json: remove-rep=R01"],
            ["--scenario", "compare.csv: remove-rep=R01"],
            ["--scenario", "lose west: remove-rep=R01; remove-rep=R02"],
            ["--scenario", "x: set=balance.tier_band=inf"],
            ["--scenario", "x: set=solver.threads=0"],
            ["--scenario", "x: set=inputs.accounts=/etc/passwd"],
            ["--scenario", "x: set=outputs.dir=/tmp/evil"],
            ["--scenario", "x: capacity=R01=0; capacity=R02=0"],
            ["--scenario", "x: lock=A001; unlock=A001"],
            ["--scenario", "\x00: remove-rep=R01"],
            ["--scenario", "x" * 300 + ": remove-rep=R01"],
            ["--jobs", "0"],
            ["--jobs", "-1"],
            ["--jobs", "100000"],
            ["--scheduler", "tcp://127.0.0.1:1"],
            ["--name", ""],
            ["--name", "../x", "--remove-rep", "R01"],
            ["--name", "assignments.csv", "--remove-rep", "R01"],
        ],
        "books": [
            ["--jobs", "0"],
            ["--jobs", "-1"],
            ["--rep", "R99"],
            ["--rep", ""],
            ["--rep", "../x"],
            ["--date", "2024-13-01"],
            ["--date", "0001-01-01"],
            ["--page-size", "a5"],
        ],
        "diff": [
            ["--limit", "-1"],
            ["--limit", "1e300"],
            ["--out", "{plan}/assignments.csv"],
            ["--out", "{plan}"],
            ["--out", "{tmp}/pipe"],
            ["--out", "{acc}"],
        ],
        "compare": [
            ["--out", "{plan}/summary.json"],
            ["--out", "{plan}"],
            ["--out", "{tmp}/pipe"],
        ],
        "validate": [
            ["--window", "0d"],
            ["--window", "-5d"],
            ["--window", "1e300d"],
            ["--window", "99999999d"],
            ["--window", "nand"],
            ["--window", "infd"],
            ["--window", ""],
            ["--as-of", "0001-01-01"],
            ["--as-of", "9999-12-31"],
            ["--date-format", "%Q"],
            ["--date-format", ""],
            ["--date-format", "%d"],
            ["--date-column", "nope"],
            ["--account-key", "nope"],
            ["--stage-column", "nope"],
            ["--amount-column", "nope"],
            ["--close-date-column", "nope"],
        ],
    }
    base_for = {
        "plan": PLAN,
        "whatif": WHATIF,
        "books": ["books", "{plan}", "--out", "{out}"],
        "diff": ["diff", "{plan}", "{plan2}"],
        "compare": ["compare", "{plan}", "{plan2}"],
        "validate": [
            "validate",
            str(EXAMPLES / "accounts.csv"),
            "--icp",
            str(EXAMPLES / "icp.toml"),
            "--opportunities",
            str(EXAMPLES / "opportunities.csv"),
        ],
    }
    for cmd, lists in opts.items():
        for extra in lists:
            out.append(
                Case(
                    f"{cmd}:{' '.join(extra)[:60]!r}",
                    [*base_for[cmd], *extra],
                    want=(0, 1, 2),
                    out_is_file=cmd in ("diff", "compare"),
                )
            )
    # Edited plan folders, into every consumer.
    for edit in PLAN_EDITS:
        for cmd in (
            ["books", "{plan}", "--out", "{out}"],
            ["compare", "{plan}", "{plan2}", "--out", "{out}"],
            ["diff", "{plan2}", "{plan}"],
        ):
            out.append(
                Case(
                    f"edit:{edit}:{cmd[0]}",
                    cmd,
                    setup=PLAN_EDITS[edit],
                    out_is_file=cmd[0] != "books",
                    want=(0, 2) if edit in ("stray_stage", "summary_no_files") else (2,),
                )
            )
    # Hostile outputs.
    for name, target in {
        "out_under_file": "{acc}/x",
        "out_is_file": "{acc}",
        "out_is_fifo": "{tmp}/pipe",
        "out_long": "{tmp}/" + "y" * 300,
        "out_is_input_dir": "{tmp}/in",
        "out_dotdot": "{tmp}/in/..",
        "out_empty": "",
    }.items():
        for cmd in (
            ["plan", "{acc}", "{ros}", "--out", target],
            ["whatif", "{acc}", "{ros}", "--out", target, "--remove-rep", "R01"],
            ["books", "{plan}", "--out", target],
            ["score", "{acc}", "--icp", str(EXAMPLES / "icp.toml"), "--out", target],
            ["compare", "{plan}", "{plan2}", "--out", target],
            ["diff", "{plan}", "{plan2}", "--out", target],
        ):
            # books adds files to a folder, compare and diff write the file they are given: into
            # an existing folder or over a file that is not their input, that is what was asked.
            adds = cmd[0] in ("books", "compare", "diff")
            out.append(
                Case(f"out:{name}:{cmd[0]}", cmd, want=(0, 1, 2) if adds else (1, 2), out_is_file=True)
            )
    return out


# --------------------------------------------------------------------------- running


def snapshot(folder: Path) -> dict[str, object]:
    """Every entry under ``folder``: files by content, links by target, folders by name only
    (a folder's mtime changes when a file in it is replaced atomically)."""
    snap: dict[str, object] = {}
    for root, dirs, files in os.walk(folder):
        r = Path(root)
        for n in dirs + files:
            p = r / n
            st = p.lstat()
            if os.path.islink(p):
                snap[str(p)] = ("link", os.readlink(p))
            elif p.is_file():
                snap[str(p)] = (st.st_mode, st.st_size, st.st_mtime_ns)
            else:
                snap[str(p)] = (st.st_mode & 0o170000,)
    return snap


class Timeout(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise Timeout


def _fill(arg: str, fill: dict[str, str]) -> str:
    for k, v in fill.items():
        arg = arg.replace("{" + k + "}", v)
    return arg


def run_case(case: Case, work: Path) -> str | None:
    """None when the case behaved; else a one-line description of what went wrong."""
    from click.testing import CliRunner

    from territory_cli.main import cli

    tmp = Path(tempfile.mkdtemp(dir=work))
    (tmp / "in").mkdir()
    shutil.copy(BASE / "accounts.csv", tmp / "in" / "accounts.csv")
    shutil.copy(BASE / "roster.csv", tmp / "in" / "roster.csv")
    os.mkfifo(tmp / "pipe")
    fill = {
        "acc": str(tmp / "in" / "accounts.csv"),
        "ros": str(tmp / "in" / "roster.csv"),
        "out": str(tmp / "out"),
        "tmp": str(tmp),
        "plan": str(tmp / "plan"),
        "plan2": str(tmp / "plan2"),
    }
    needs_plan = any("{plan" in a for a in case.argv)
    if needs_plan:
        make_plan(tmp, "plan")
        make_plan(tmp, "plan2")
    if case.setup:
        case.setup(tmp / "plan")
    hdir = tmp / "hostile"
    hdir.mkdir()
    if "{file}" in " ".join(case.argv):
        fill["file"] = str(HOSTILE[case.name.split(":")[1]](hdir))
    argv = [_fill(a, fill) for a in case.argv]
    outs = [Path(argv[i + 1]) for i, a in enumerate(argv[:-1]) if a in ("--out", "-o", "--export-lp")]
    out = outs[0] if outs else None
    before = snapshot(tmp)
    out_existed = out is not None and os.path.lexists(out)
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(90)
    try:
        r = CliRunner().invoke(cli, argv, catch_exceptions=True)
    except Timeout:
        return "TIMEOUT (90 s)"
    finally:
        signal.alarm(0)
    text = r.output
    problems = []
    if isinstance(r.exception, Timeout):
        return "TIMEOUT (90 s)"
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        problems.append(f"exception {type(r.exception).__name__}: {r.exception}"[:200])
    if "Traceback" in text:
        problems.append("traceback")
    if "probably a bug" in text:
        problems.append("BUG: " + text.strip().splitlines()[0][:200])
    if r.exit_code not in case.want:
        problems.append(f"exit {r.exit_code} (want {case.want})")
    if (
        r.exit_code == 2
        and out is not None
        and not out_existed
        and os.path.lexists(out)
        and not case.out_is_file
    ):
        problems.append(f"partial output left at {out}")
    after = snapshot(tmp)
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    if r.exit_code == 0:  # what the command was asked to write may change, and nothing else
        real = [os.path.realpath(o) for o in outs]
        # --export-lp m.lp writes m-<pool>.lp for a plan of several pools.
        real += [
            str(p)
            for o in outs
            if o.suffix == ".lp" and o.parent.is_dir()
            for p in o.parent.glob(f"{o.stem}-*{o.suffix}")
        ]
        changed = [
            c
            for c in changed
            if not any(os.path.realpath(c) == o or os.path.realpath(c).startswith(o + os.sep) for o in real)
            and not any(o.startswith(os.path.realpath(c) + os.sep) for o in real)  # folders made for it
        ]
    if changed:
        problems.append("changed outside --out: " + ", ".join(c.replace(str(tmp), "") for c in changed[:4]))
    if (
        r.exit_code not in (0,)
        and r.exit_code in case.want
        and not text.startswith(("Error", "Usage", "Warning"))
        and r.exit_code == 2
    ):
        problems.append("exit 2 without 'Error:'")
    shutil.rmtree(tmp, ignore_errors=True)
    if problems:
        first = text.strip().splitlines()[-1][:160] if text.strip() else ""
        return "; ".join(problems) + f"  | {first}"
    return None


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--jsonl", default="")
    args = ap.parse_args()
    selected = [c for c in cases() if args.only in c.name]
    if args.list:
        print("\n".join(c.name for c in selected))
        return 0
    work = Path(tempfile.mkdtemp(prefix="sweep13-"))
    os.chdir(work)  # `--out ""` and `--out .` name the current folder: never the checkout
    os.environ.pop("TERRITORY_DEBUG", None)
    failed = 0
    log = open(args.jsonl, "a") if args.jsonl else None
    for case in selected:
        try:
            why = run_case(case, work)
        except Exception as e:  # the harness itself
            why = f"HARNESS {type(e).__name__}: {e}"
        if why:
            failed += 1
            print(f"FAIL {case.name}: {why}", flush=True)
        if log:
            log.write(json.dumps({"case": case.name, "fail": why}) + "\n")
            log.flush()
    shutil.rmtree(work, ignore_errors=True)
    print(f"{failed} of {len(selected)} runs failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
