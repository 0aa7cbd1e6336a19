"""The README's install is enough: Parquet input works with the declared dependencies, and
books work (and say what is missing) without the optional system packages."""

from __future__ import annotations

import csv
import importlib.metadata
import json
import os
import re
import shutil
from pathlib import Path

import pandas as pd
from click.testing import CliRunner
from conftest_books import FIXTURE, GENERATED_ON, copy_fixture

from territory.reporting import build_plan_summary, fonts, load_plan_dir, render_pdf
from territory_cli.main import cli

ROOT = Path(__file__).resolve().parents[1]


def _declared() -> set[str]:
    """Names of the packages pyproject.toml declares (the README's `pip install .`)."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    block = re.search(r"^dependencies = \[(.*?)^\]", text, flags=re.S | re.M)
    assert block
    return {re.split(r"[<>=!\[; ]", m)[0].lower() for m in re.findall(r'^\s*"([^"]+)"', block.group(1), re.M)}


def test_pyarrow_is_declared_because_read_parquet_needs_it():
    assert "pyarrow" in _declared()
    # what pandas itself installs for its "parquet" extra
    parquet = [r for r in importlib.metadata.requires("pandas") or [] if 'extra == "parquet"' in r]
    assert parquet and all("pyarrow" in r for r in parquet)


def test_a_parquet_accounts_file_plans_like_the_csv(tmp_path):
    accounts = pd.read_csv(ROOT / "examples" / "accounts.csv", dtype=str, keep_default_na=False)
    parquet = tmp_path / "accounts.parquet"
    accounts.to_parquet(parquet, index=False)
    roster = str(ROOT / "examples" / "roster.csv")
    runs = {
        out: CliRunner().invoke(cli, ["plan", str(src), roster, "--out", str(tmp_path / out)])
        for src, out in ((parquet, "pq"), (ROOT / "examples" / "accounts.csv", "csv"))
    }
    a, b = runs["pq"], runs["csv"]
    assert a.exit_code == 0 and b.exit_code == 0, a.output + b.output
    assert "Planned 1,000 accounts for 16 reps" in a.output
    with open(tmp_path / "pq" / "assignments.csv", newline="", encoding="utf-8") as f1:
        with open(tmp_path / "csv" / "assignments.csv", newline="", encoding="utf-8") as f2:
            owners_pq = {r["account_id"]: r["owner_id"] for r in csv.DictReader(f1)}
            owners_csv = {r["account_id"]: r["owner_id"] for r in csv.DictReader(f2)}
    assert owners_pq == owners_csv and len(owners_pq) == 1000


# --------------------------------------------------------------------------- optional system packages


def _plan_with_names(tmp_path, rep_name: str, account_names: dict[str, str]):
    d = copy_fixture(tmp_path)
    s = json.loads((d / "summary.json").read_text(encoding="utf-8"))
    s["reps"][0]["name"] = rep_name
    (d / "summary.json").write_text(json.dumps(s, ensure_ascii=False), encoding="utf-8")
    path = d / "assignments.csv"
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        r["name"] = account_names.get(r["account_id"], r["name"])
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return d


LATIN_ONLY = ((0x20, 0x7E), (0xA0, 0x24F), (0x2000, 0x206F))  # what a machine without CJK fonts has


def test_font_warning_names_the_characters_once_and_the_package(tmp_path, monkeypatch):
    d = _plan_with_names(
        tmp_path, "王小明", {"A-003": "株式会社テスト", "A-005": "北京科技有限公司", "A-006": "Zoë Café"}
    )
    monkeypatch.setattr(fonts, "installed_coverage", lambda: LATIN_ONLY)
    text = fonts.font_warning(load_plan_dir(d))
    assert text == (
        "18 characters in names (ステト京会公北司小式技明有株王社科限) have no installed font and will "
        "print as empty boxes, e.g. in '北京科技有限公司', '株式会社テスト', '王小明'. Install a font that "
        "covers them; on Debian/Ubuntu: apt install fonts-wqy-microhei."
    )
    # only the chosen reps' books are looked at
    assert fonts.font_warning(load_plan_dir(d), ["R04"]) is None


def test_no_font_warning_when_covered_or_unknown(monkeypatch):
    plan = load_plan_dir(FIXTURE)
    monkeypatch.setattr(fonts, "installed_coverage", lambda: LATIN_ONLY)
    assert fonts.font_warning(plan) is None
    monkeypatch.setattr(fonts, "installed_coverage", lambda: None)  # no fontconfig: no claim
    assert fonts.font_warning(plan) is None


def test_books_cli_warns_once_not_per_glyph(tmp_path, monkeypatch):
    d = _plan_with_names(tmp_path / "p", "王小明", {"A-003": "株式会社テスト 北京科技有限公司"})
    monkeypatch.setattr(fonts, "installed_coverage", lambda: LATIN_ONLY)
    r = CliRunner().invoke(
        cli, ["books", str(d), "--out", str(tmp_path / "b"), "--rep", "R01", "-j", "1", "-q"]
    )
    assert r.exit_code == 0, r.output
    warnings = [line for line in r.stderr.splitlines() if line.startswith("Warning:")]
    assert len(warnings) == 1 and "apt install fonts-wqy-microhei" in warnings[0]
    assert "Wrote 1 book " in r.stdout


def test_uncovered_ignores_spaces_and_invisible_marks():
    assert fonts.uncovered("A B\u200d\u200f\t", LATIN_ONLY) == []
    assert fonts.uncovered("Aไ王", LATIN_ONLY) == ["ไ", "王"]
    assert fonts.package_for(["ไ", "王", "ᚠ"]) == ["fonts-wqy-microhei", "fonts-thai-tlwg", "fonts-noto-core"]


def test_fontconfig_charsets_are_merged():
    assert fonts.parse_charsets("20-7e a0-17f 192\n41-5a 180 4e00-9fff junk\n") == (
        (0x20, 0x7E),
        (0xA0, 0x180),
        (0x192, 0x192),
        (0x4E00, 0x9FFF),
    )


def test_installed_coverage_reads_fontconfig():
    if shutil.which("fc-list") is None:
        assert fonts.installed_coverage() is None
        return
    coverage = fonts.installed_coverage()
    assert coverage and fonts.uncovered("Ana Ortiz", coverage) == []


def test_books_are_byte_identical_without_harfbuzz_subset(monkeypatch):
    """fontTools (WeasyPrint's fallback) stamped each font subset with the current time."""
    import fontTools.misc.timeTools as tt
    import weasyprint.pdf.fonts as wfonts

    monkeypatch.setattr(wfonts, "harfbuzz_subset", None)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    ctx = build_plan_summary(load_plan_dir(FIXTURE), generated_on=GENERATED_ON)
    first, _ = render_pdf(ctx)
    real = tt.time.time
    monkeypatch.setattr(tt.time, "time", lambda: real() + 86_400 * 400)
    second, _ = render_pdf(ctx)
    assert first == second
    assert "SOURCE_DATE_EPOCH" not in os.environ
