"""A plan folder is one unit, and books/compare/diff refuse one that is not whole.

- plan, whatif and run replace the output folder whole: nothing of an earlier run survives
  (icp.json, sweep.csv, LP files, books/, scenario folders), and nothing outside it changes;
- a folder holding files territory did not write, or holding an input, is refused (exit 2);
- every file a plan writes has its sha256 in summary.json, and consumers check it along with
  the counts, naming what does not match.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from folder_helpers import snapshot

from territory_cli.main import cli

from scenario_data import write_inputs

ROOT = Path(__file__).resolve().parents[1]


def invoke(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in r.output and "Unexpected error" not in r.output, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    return r.exit_code, r.output


@pytest.fixture
def work(tmp_path: Path) -> Path:
    write_inputs(tmp_path / "in")
    icp = tmp_path / "in" / "icp.toml"
    icp.write_text(
        '[[product]]\nname = "core"\n[product.thresholds]\ntier1 = 60\ntier2 = 30\n'
        '[[product.criteria]]\ncolumn = "industry"\nin = ["Software"]\npoints = 80\n'
    )
    return tmp_path


def plan(work: Path, out: Path, *extra: str) -> tuple[int, str]:
    return invoke("plan", work / "in/accounts.csv", work / "in/roster.csv", "--out", out, *extra)


def whatif(work: Path, out: Path, *extra: str) -> tuple[int, str]:
    return invoke("whatif", work / "in/accounts.csv", work / "in/roster.csv", "--out", out, *extra)


def with_icp_and_sweep(work: Path) -> list[str]:
    """Options that add icp.json and sweep.csv to a plan folder."""
    return ["--icp", str(work / "in/icp.toml"), "--set", "tiering.source=icp", "--sweep-moves", "0,10%"]


def test_a_new_plan_leaves_nothing_of_the_earlier_one(work: Path) -> None:
    out = work / "plan-out"
    code, text = plan(work, out, *with_icp_and_sweep(work), "-q")
    assert code == 0, text
    (out / "books").mkdir()
    (out / "books" / "rep-R1.pdf").write_bytes(b"%PDF-old")
    (out / "plan-summary.pdf").write_bytes(b"%PDF-old")
    (out / ".assignments.csv.x1y2.tmp").write_text("leftover of a killed write")
    assert {p.name for p in out.iterdir()} >= {"icp.json", "sweep.csv", "books"}
    before = snapshot(work, skip=out)

    code, text = plan(work, out)
    assert code == 0, text
    assert sorted(p.name for p in out.iterdir()) == ["assignments.csv", "owner_changes.csv", "summary.json"]
    assert text.splitlines()[-1] == (
        f"Replaced the earlier plan in {out}; its 2 books went with it "
        f"(run 'territory books {out}' for this plan's books)."
    )
    assert snapshot(work, skip=out) == before  # nothing outside --out changed
    summary = json.loads((out / "summary.json").read_text())
    assert sorted(summary["files"]) == ["assignments.csv", "owner_changes.csv"]
    assert list(summary)[-3:] == ["files", "summary_sha256", "run"]


def test_files_written_with_the_plan_are_listed_with_checksums(work: Path) -> None:
    import hashlib

    out = work / "p"
    code, text = plan(work, out, *with_icp_and_sweep(work), "--export-lp", str(out / "lp/model.lp"))
    assert code == 0, text
    files = json.loads((out / "summary.json").read_text())["files"]
    assert sorted(files) == [
        "assignments.csv",
        "icp.json",
        "lp/model-east.lp",
        "lp/model-west.lp",
        "owner_changes.csv",
        "sweep.csv",
    ]
    for name, rec in files.items():
        data = (out / name).read_bytes()
        assert rec["sha256"] == hashlib.sha256(data).hexdigest() and rec["bytes"] == len(data)
    assert files["assignments.csv"]["rows"] == 48
    [line] = [x for x in text.splitlines() if x.startswith("Model written to ")]
    assert sorted(line[len("Model written to ") : -1].split(", ")) == [
        str(out / "lp/model-east.lp"),
        str(out / "lp/model-west.lp"),
    ]
    assert plan(work, out, "-q")[0] == 0  # an earlier plan with its LP files is ours to replace
    assert not (out / "lp").exists()


def test_a_folder_with_other_files_is_refused_and_left_alone(work: Path) -> None:
    out = work / "mixed"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    (out / "data").mkdir()
    (out / "assignments.csv").write_text("a,b\n")
    before = snapshot(work)
    code, text = plan(work, out)
    assert code == 2
    assert text == (
        f"Error: cannot write {out}: it holds files that are not part of a territory plan: "
        "assignments.csv, data/, notes.txt\n"
        "  hint: a new plan replaces the whole folder, so territory writes only into a new or empty "
        "folder or one holding an earlier plan; choose another folder, or move those files away\n"
    )
    assert snapshot(work) == before


@pytest.mark.parametrize("where", ["in", ".", "in/sub"])
def test_out_holding_an_input_is_refused(work: Path, where: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(work)
    accounts = "in/sub/accounts.csv" if where == "in/sub" else "in/accounts.csv"
    if where == "in/sub":
        (work / "in/sub").mkdir()
        shutil.copy(work / "in/accounts.csv", work / accounts)
    before = snapshot(work)
    code, text = invoke("plan", accounts, "in/roster.csv", "--out", where)
    assert code == 2
    assert f"Error: cannot write {where}: the input " in text and "is inside it" in text
    assert snapshot(work) == before


def test_output_paths_that_cannot_be_written(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(work)
    a, r = "in/accounts.csv", "in/roster.csv"
    assert plan(work, work / "q1", "-q")[0] == 0
    before = snapshot(work)
    cases = [
        (
            ["plan", a, r, "--out", "in/accounts.csv/plan"],
            f"cannot write in/accounts.csv/plan: {work}/in/accounts.csv is a file, not a folder",
        ),
        (
            ["plan", a, r, "--out", "new", "--export-lp", "in/roster.csv/m.lp"],
            f"cannot write in/roster.csv/m.lp: {work}/in/roster.csv is a file, not a folder",
        ),
        (
            ["plan", a, r, "--out", "new", "--export-lp", a],
            f"cannot write {a}: it is the input {a}, which territory never changes",
        ),
        (
            ["plan", a, r, "--out", "new", "--sweep-moves", "0,lots"],
            "--sweep-moves: setting 'continuity.max_moved_share' must be a share",
        ),
        (["plan", a, r, "--out", "new", "--sweep-moves", ""], "--sweep-moves: give at least one cap"),
        (["whatif", a, r, "--out", "in/accounts.csv/w", "--remove-rep", "R1"], "is a file, not a folder"),
        (
            ["compare", "q1", "--out", "q1/summary.json"],
            "cannot write q1/summary.json: it is part of the plan in q1\n  hint: name another file, e.g. compare.csv",
        ),
        (
            ["diff", "q1", "q1", "--out", "q1/assignments.csv"],
            "cannot write q1/assignments.csv: it is part of the plan",
        ),
        (["score", a, "--icp", "in/icp.toml", "--out", a], f"cannot write {a}: it is the input {a}"),
        (
            ["score", a, "--icp", "in/icp.toml", "--out", "in/icp.toml"],
            "cannot write in/icp.toml: it is the input in/icp.toml",
        ),
        (["books", "q1", "--out", "in/accounts.csv/books"], "cannot write in/accounts.csv/books: "),
        (["diff", "q1", "q1", "--out", ""], "cannot write .: it is a folder"),
    ]
    for args, message in cases:
        code, text = invoke(*args)
        assert code == 2, f"{args}: {text}"
        assert text.startswith("Error: ") and message in text, f"{args}:\n{text}"
        assert snapshot(work) == before, f"{args} changed something"


def test_the_current_folder_is_never_swapped_out(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--out .` (or "", or a folder above) in an empty folder or an earlier plan: replacing
    it would leave the shell in a deleted folder, where `ls` shows nothing."""
    a, r = str(work / "in/accounts.csv"), str(work / "in/roster.csv")
    here = work / "planning" / "q3"
    here.mkdir(parents=True)
    monkeypatch.chdir(here)
    before = snapshot(work)
    for args, message in (
        (
            ["plan", a, r, "--out", "."],
            "Error: cannot write .: it is the current folder, and a new plan replaces the whole folder\n"
            "  hint: name a folder inside it, e.g. plan-out\n",
        ),
        (["plan", a, r, "--out", ""], "Error: cannot write .: it is the current folder"),
        (
            ["whatif", a, r, "--out", "..", "--remove-rep", "R1"],
            f"Error: cannot write ..: it is a folder above the current folder ({here}), and a new plan",
        ),
    ):
        code, text = invoke(*args)
        assert code == 2 and text.startswith(message), f"{args}: {text}"
        assert snapshot(work) == before
        assert Path(os.getcwd()).exists() and os.path.samefile(os.getcwd(), here)


def test_scenario_named_like_a_file_whatif_writes(work: Path) -> None:
    out = work / "wi"
    code, text = whatif(work, out, "--scenario", "Compare.CSV: remove-rep=R1")
    assert code == 2
    assert text == (
        "Error: scenarios: scenario 'Compare.CSV' would be written to the folder compare.csv, the name "
        "of the file whatif writes beside the scenarios; give it another name\n"
    )
    assert not out.exists()


def test_symlinked_out_writes_into_the_linked_folder(work: Path) -> None:
    real = work / "shared" / "q3"
    real.mkdir(parents=True)
    link = work / "plan-out"
    link.symlink_to(real, target_is_directory=True)
    code, text = plan(work, link, "-q")
    assert code == 0, text
    assert link.is_symlink() and (real / "summary.json").is_file()
    assert plan(work, link, "-q")[0] == 0  # and replaces it there again
    assert link.is_symlink() and sorted(p.name for p in real.parent.iterdir()) == ["q3"]
    dangling = work / "dangling"
    dangling.symlink_to(work / "nowhere")
    code, text = plan(work, dangling)
    assert (
        code == 2
        and f"cannot write {dangling}: it is a symbolic link to {work / 'nowhere'}, which does not exist"
        in text
    )
    assert not (work / "nowhere").exists()


def test_a_symlink_inside_an_earlier_plan_is_not_followed(work: Path) -> None:
    out = work / "p"
    assert plan(work, out, "-q")[0] == 0
    precious = work / "precious"
    precious.mkdir()
    (precious / "keep.pdf").write_bytes(b"%PDF")
    (out / "books").symlink_to(precious, target_is_directory=True)
    code, text = plan(work, out)
    assert code == 2 and "it holds files that are not part of a territory plan: books" in text
    assert (precious / "keep.pdf").read_bytes() == b"%PDF"


def test_whatif_replaces_its_folder_whole(work: Path) -> None:
    out = work / "wi"
    a, r = work / "in/accounts.csv", work / "in/roster.csv"
    code, text = invoke("whatif", a, r, "--out", out, "--scenario", "old idea: remove-rep=R2", "-q")
    assert code == 0, text
    assert (out / "old_idea" / "scenario.json").exists()
    code, text = invoke("whatif", a, r, "--out", out, "--scenario", "new idea: capacity=R1=0.5", "-q")
    assert code == 0, text
    assert sorted(p.name for p in out.iterdir()) == ["baseline", "compare.csv", "new_idea"]
    files = json.loads((out / "new_idea" / "summary.json").read_text())["files"]
    assert sorted(files) == ["assignments.csv", "owner_changes.csv", "scenario.json"]
    # a plan folder may replace a what-if folder and the other way round: both are ours
    assert plan(work, out, "-q")[0] == 0
    assert invoke("whatif", a, r, "--out", out, "--remove-rep", "R2", "-q")[0] == 0


def test_whatif_error_names_the_scenario(work: Path) -> None:
    out = work / "wi"
    code, text = whatif(work, out, "--scenario", "lose west: remove-rep=R1; remove-rep=R2")
    assert code == 2
    assert "scenario 'lose west' leaves region 'West' without reps: 25 accounts in region 'West'" in text
    assert "hint: keep a rep who covers 'West' in the scenario, or add one: add-rep=NAME,West,1" in text
    assert text.splitlines()[-1] == "1 problem in the scenarios."
    assert "will be reassigned" not in text
    assert not out.exists()


# --------------------------------------------------------------------------- consumers check


@pytest.fixture
def two_plans(work: Path) -> tuple[Path, Path]:
    q1, q2 = work / "q1", work / "q2"
    assert plan(work, q1, "-q")[0] == 0
    roster = work / "in/roster.csv"
    (work / "in/roster_q2.csv").write_text(
        "".join(x for x in roster.read_text().splitlines(True) if not x.startswith("R4,"))
    )
    code, text = invoke(
        "plan", work / "in/accounts.csv", work / "in/roster_q2.csv", "--out", q2, "-q", "--allow-mass-change"
    )
    assert code == 0, text
    return q1, q2


def _consumers(q1: Path, q2: Path, work: Path) -> list[list[str]]:
    return [
        ["books", str(q1), "--out", str(work / "books"), "-q"],
        ["compare", str(q1), str(q2), "--out", str(work / "cmp.csv")],
        ["diff", str(q2), str(q1)],
    ]


def test_an_edited_assignments_file_is_refused(two_plans: tuple[Path, Path], work: Path) -> None:
    q1, q2 = two_plans
    path = q1 / "assignments.csv"
    rows = list(csv.reader(path.read_text().splitlines()))
    rows[1][6] = "R2" if rows[1][6] != "R2" else "R1"  # a manager "fixes" one owner by hand
    with path.open("w", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    for args in _consumers(q1, q2, work):
        code, text = invoke(*args)
        assert code == 2, f"{args[0]}: {text}"
        assert (
            f"{path}:" in text
            and "assignments.csv does not match the checksum summary.json records for it" in text
        )
        assert "rows per rep differ from summary.json: R1 owns" in text
        assert "hint: the folder was changed after territory wrote it" in text
    assert not (work / "books").exists() and not (work / "cmp.csv").exists()


def test_files_from_two_plans_are_refused(two_plans: tuple[Path, Path], work: Path) -> None:
    q1, q2 = two_plans
    shutil.copy(q2 / "summary.json", q1 / "summary.json")  # summary of one plan, rows of another
    (q2 / "owner_changes.csv").unlink()
    code, text = invoke("diff", q1, q2)
    assert code == 2
    assert "assignments.csv does not match the checksum summary.json records for it" in text
    assert (
        f"{q2 / 'owner_changes.csv'}:\n  - owner_changes.csv is missing, though summary.json lists it" in text
    )


def test_a_plan_without_checksums_is_checked_by_its_counts(two_plans: tuple[Path, Path], work: Path) -> None:
    q1, q2 = two_plans
    summary = json.loads((q1 / "summary.json").read_text())
    del summary["files"], summary["summary_sha256"]  # as written before checksums were recorded
    (q1 / "summary.json").write_text(json.dumps(summary))
    assert invoke("diff", q1, q2)[0] == 0
    lines = (q1 / "assignments.csv").read_text().splitlines(keepends=True)
    (q1 / "assignments.csv").write_text("".join(lines[:-2]))  # truncated
    code, text = invoke("compare", q1, q2, "--out", work / "c.csv")
    assert code == 2
    assert "assignments.csv has 46 rows but summary.json says the plan has 48" in text
    summary["reps"][0]["rep_id"] = "R9"
    (q1 / "summary.json").write_text(json.dumps(summary))
    code, text = invoke("diff", q1, q2)
    assert code == 2 and "assignments.csv gives accounts to 'R1', not reps in summary.json" in text


def test_an_old_summary_must_hold_whole_counts_and_distinct_reps(two_plans: tuple[Path, Path]) -> None:
    """Without checksums, the counts are all there is to check: figures that are not whole
    numbers (which used to switch the count checks off) and repeated rep ids are refused."""
    q1, q2 = two_plans
    summary = json.loads((q1 / "summary.json").read_text())
    del summary["files"], summary["summary_sha256"]
    summary["overall"]["accounts"] = "eight"
    summary["reps"][0]["accounts"] = None
    summary["reps"][1]["rep_id"] = summary["reps"][2]["rep_id"]
    (q1 / "summary.json").write_text(json.dumps(summary))
    code, text = invoke("diff", q1, q2)
    assert code == 2, text
    spath = q1 / "summary.json"
    assert (
        f"{spath}:\n  - column 'overall.accounts': must be a whole number of accounts (value: 'eight')"
        in text
    )
    assert "column 'reps[0].accounts': must be a whole number of accounts (value: 'None')" in text
    assert (
        f"column 'reps[2].rep_id': must be a rep id that no other rep has (value: '{summary['reps'][2]['rep_id']}')"
        in text
    )


@pytest.mark.parametrize(
    "edit",
    [
        lambda s: s["reps"][0].update(name="Someone Else"),  # a name changed by hand
        lambda s: s["reps"][0].update(potential=s["reps"][0]["potential"] * 2),  # a number
        lambda s: s["overall"].update(accounts_moved=0),  # a figure the CSV does not hold
        lambda s: s.pop("files"),  # the checksums of the other files taken out
    ],
    ids=["name", "potential", "moved", "files removed"],
)
def test_an_edited_summary_is_refused(two_plans: tuple[Path, Path], work: Path, edit: object) -> None:
    """summary.json records a checksum of itself: an edit that keeps the counts consistent
    (so no other check sees it) is still refused by books, compare and diff."""
    q1, q2 = two_plans
    summary = json.loads((q1 / "summary.json").read_text())
    edit(summary)  # type: ignore[operator]
    (q1 / "summary.json").write_text(json.dumps(summary, indent=2))
    for args in _consumers(q1, q2, work):
        code, text = invoke(*args)
        assert code == 2, f"{args[0]}: {text}"
        assert (
            f"{q1 / 'summary.json'}:\n  - summary.json was changed after territory wrote it (it does not "
            "match the checksum it records of itself, summary_sha256)"
        ) in text
    assert not (work / "books").exists() and not (work / "cmp.csv").exists()


def test_the_summary_checksum_survives_a_reformat(two_plans: tuple[Path, Path]) -> None:
    """The checksum is of the content, not the bytes: the same summary re-indented still reads."""
    q1, q2 = two_plans
    summary = json.loads((q1 / "summary.json").read_text())
    (q1 / "summary.json").write_text(json.dumps(summary, indent=None, ensure_ascii=True))
    assert invoke("diff", q1, q2)[0] == 0


@pytest.mark.parametrize(
    "files, message",
    [
        (
            {"../../etc/passwd": {"sha256": "0" * 64, "bytes": 1}},
            "not a file name and checksum (value: '../../etc/passwd')",
        ),
        ("all good", "'files' must be an object of file name -> checksum"),
    ],
)
def test_a_hostile_files_map_is_refused(two_plans: tuple[Path, Path], files: object, message: str) -> None:
    q1, q2 = two_plans
    summary = json.loads((q1 / "summary.json").read_text())
    summary["files"] = files
    (q1 / "summary.json").write_text(json.dumps(summary))
    code, text = invoke("diff", q1, q2)
    assert code == 2 and message in text


def test_a_damaged_summary_is_refused_by_the_safe_reader(two_plans: tuple[Path, Path]) -> None:
    q1, q2 = two_plans
    for data, message in (
        (
            b'{"format": "territory-plan/1", "x": "caf\xe9"}',
            "summary.json cannot be read: is not UTF-8 text (byte 0xe9 on line 1)",
        ),
        (b"[" * 50_000 + b"]" * 50_000, "summary.json cannot be read: is nested more than 32 levels deep"),
        ((q1 / "summary.json").read_bytes()[:-40], "summary.json cannot be read: not valid JSON"),
    ):
        (q1 / "summary.json").write_bytes(data)
        for args in (["diff", str(q1), str(q2)], ["books", str(q1), "-q"]):
            code, text = invoke(*args)
            assert code == 2 and message in text, f"{args[0]}: {text}"


def test_a_plan_path_too_long_or_looping_is_an_input_error(two_plans: tuple[Path, Path], work: Path) -> None:
    q1, _ = two_plans
    long = work / ("p" * 300)
    loop = work / "loop"
    os.symlink(work / "loop2", loop)
    os.symlink(loop, work / "loop2")
    for bad, reason in ((long, "File name too long"), (loop, "Too many levels of symbolic links")):
        for args in (
            ["diff", str(bad), str(q1)],
            ["compare", str(q1), str(bad), "--out", str(work / "c.csv")],
            ["books", str(bad), "--out", str(work / "books"), "-q"],
        ):
            code, text = invoke(*args)
            assert code == 2, f"{args[0]}: {text}"
            assert f"{bad}:\n  - cannot be opened: {reason}" in text, text
    assert not (work / "c.csv").exists() and not (work / "books").exists()


def test_run_replaces_its_folder_and_books_go_inside(work: Path) -> None:
    f = work / "plan.toml"
    f.write_text('[inputs]\naccounts = "in/accounts.csv"\nroster = "in/roster.csv"\n[outputs]\ndir = "out"\n')
    out = work / "out"
    out.mkdir()
    (out / "sweep.csv").write_text("stale")
    (out / "summary.json").write_text('{"format": "territory-plan/1"}')
    code, text = invoke("run", f, "-q")
    assert code == 0, text
    assert sorted(p.name for p in out.iterdir()) == ["assignments.csv", "owner_changes.csv", "summary.json"]
    code, text = invoke("run", f, "-q", "--set", f"outputs.dir={work}")
    assert code == 2 and f"cannot write {work}: the input {f} is inside it" in text


def test_a_pipe_or_device_is_never_replaced_by_a_file(work: Path) -> None:
    """As root, writing compare.csv 'to /dev/full' replaced the device with a regular file."""
    import stat

    assert plan(work, work / "q1", "-q")[0] == 0
    fifo = work / "pipe.csv"
    os.mkfifo(fifo)
    for args in (
        ["compare", work / "q1", "--out", fifo],
        ["diff", work / "q1", work / "q1", "--out", fifo],
        ["score", work / "in/accounts.csv", "--icp", work / "in/icp.toml", "--out", fifo],
    ):
        code, text = invoke(*args)
        assert (
            code == 2
            and text
            == f"Error: cannot write {fifo}: it is not a regular file (a device, a pipe or a socket)\n"
        )
        assert stat.S_ISFIFO(fifo.lstat().st_mode)
    from territory.errors import OutputError
    from territory.io.writing import write_text

    with pytest.raises(OutputError, match="it is not a regular file"):  # the library checks too
        write_text("x", fifo)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_export_lp_onto_the_plan_folder(work: Path) -> None:
    out = work / "p"
    before = snapshot(work)
    code, text = plan(work, out, "--export-lp", str(out))
    assert code == 2
    assert (
        text
        == f"Error: cannot write {out}: it is the output folder {out}, or a folder above it\n  hint: name a file, e.g. {out}/model.lp\n"
    )
    code, text = plan(work, out, "--export-lp", str(out / "summary.json"))
    assert code == 2
    assert text.startswith(f"Error: cannot write {out / 'summary.json'}: the plan writes a file of that name")
    assert snapshot(work) == before


def test_a_name_too_long_and_a_link_as_the_output_file(work: Path) -> None:
    code, text = plan(work, work / ("a" * 300))
    assert code == 2 and text == f"Error: cannot write {work / ('a' * 300)}: the name is too long\n"
    assert plan(work, work / "q1", "-q")[0] == 0
    target = work / "reports" / "changes.csv"
    target.parent.mkdir()
    target.write_text("old")
    link = work / "changes.csv"
    link.symlink_to(target)
    code, text = invoke("diff", work / "q1", work / "q1", "--out", link)
    assert code == 2 and text.startswith(f"Error: cannot write {link}: it is a symbolic link (to {target})")
    assert link.is_symlink() and target.read_text() == "old"


def test_a_link_planted_among_the_books_is_replaced_not_followed(tmp_path: Path) -> None:
    from territory.io.writing import write_bytes

    secret = tmp_path / "secret.txt"
    secret.write_text("keep")
    books = tmp_path / "books"
    books.mkdir()
    (books / "rep-R01.pdf").symlink_to(secret)
    write_bytes(b"%PDF-1.7", books / "rep-R01.pdf")  # how every book is written
    assert secret.read_text() == "keep"
    assert not (books / "rep-R01.pdf").is_symlink() and (books / "rep-R01.pdf").read_bytes() == b"%PDF-1.7"
