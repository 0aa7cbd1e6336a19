"""compare and diff between a plan with product ICPs (an owner per account and product) and
one without (an owner per account)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from territory_cli.main import cli

EX = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def two_kinds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("kinds")
    plain, products = tmp / "plain", tmp / "products"
    for out, roster, extra in (
        (plain, "roster.csv", []),
        (products, "roster_products.csv", ["--icp", str(EX / "icp.toml"), "--set", "tiering.source=icp"]),
    ):
        r = CliRunner().invoke(
            cli, ["plan", str(EX / "accounts.csv"), str(EX / roster), "--out", str(out), "-q", *extra]
        )
        assert r.exit_code == 0, r.output
    return plain, products


def test_compare_does_not_count_owners_across_the_two_kinds(
    two_kinds: tuple[Path, Path], tmp_path: Path
) -> None:
    """It stopped with 'Unexpected error ... Can only compare identically-labeled Series objects'."""
    plain, products = two_kinds
    r = CliRunner().invoke(cli, ["compare", str(plain), str(products), "--out", str(tmp_path / "c.csv")])
    assert r.exit_code == 0, r.output
    line = next(x for x in r.output.splitlines() if x.startswith("Owner differs from first plan"))
    assert line.split()[-2:] == ["0", "-"]
    assert (
        "products gives an owner per account and product (product ICPs) and plain one owner per account: "
        "'Owner differs from first plan' is not counted for it."
    ) in r.output


@pytest.mark.parametrize("order", [0, 1])
def test_diff_refuses_plans_of_the_two_kinds(two_kinds: tuple[Path, Path], order: int) -> None:
    old, new = two_kinds if order == 0 else two_kinds[::-1]
    r = CliRunner().invoke(cli, ["diff", str(old), str(new)])
    assert r.exit_code == 2, r.output
    with_products, without = (new, old) if order == 0 else (old, new)
    assert r.output == (
        f"Error: {with_products}:\n"
        f"  - the plan gives an owner per account and product (product ICPs), and {without} one owner "
        "per account, so their owners cannot be compared account by account\n"
        "      hint: compare two plans made the same way: both with product ICPs (--icp with a roster "
        "that has a product column) or both without\n"
        f"cannot compare the plans in {old} and {new}.\n"
    )
