"""A product that no rep of a region carries: said as an input problem, by region and product.

Removing the Northeast's only 'insights' rep (R03 of examples/roster_products.csv) left 93
account-product rows no rep could take; `plan` and `whatif` stopped with "93 accounts got no
owner ...; this is a bug"."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from territory_cli.main import cli

EX = Path(__file__).resolve().parents[1] / "examples"
ICP = ["--icp", str(EX / "icp.toml"), "--set", "tiering.source=icp"]
MESSAGE = "row 9: 93 accounts in region 'Northeast' that fit product 'insights', which no rep covers"
HINT = (
    "hint: give a rep of region 'Northeast' the product 'insights' (or 'auto') in the roster's product "
    "column, or add 'Northeast' to the region list of a rep who carries 'insights'"
)


def without_r03(tmp_path: Path) -> Path:
    lines = (EX / "roster_products.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    roster = tmp_path / "roster.csv"
    roster.write_text("".join(line for line in lines if not line.startswith("R03,")), encoding="utf-8")
    return roster


def test_plan_names_the_region_and_product_no_rep_carries(tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = CliRunner().invoke(
        cli, ["plan", str(EX / "accounts.csv"), str(without_r03(tmp_path)), "-o", str(out), *ICP]
    )
    assert r.exit_code == 2, r.output
    assert MESSAGE in r.output and HINT in r.output
    assert "this is a bug" not in r.output and "Traceback" not in r.output
    assert not out.exists()


def test_a_scenario_that_removes_a_products_only_rep_says_so(tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = CliRunner().invoke(
        cli,
        [
            "whatif",
            str(EX / "accounts.csv"),
            str(EX / "roster_products.csv"),
            *ICP,
            "--scenario",
            "gone: remove-rep=R03",
            "-o",
            str(out),
            "--allow-mass-change",
        ],
    )
    assert "row 9: scenario 'gone': 93 accounts in region 'Northeast' that fit product 'insights'" in r.output
    assert "this is a bug" not in r.output and "Traceback" not in r.output
