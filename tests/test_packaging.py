"""The wheel ships the library, the CLI and the report templates; a plain install runs."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        text=True,
    )
    (whl,) = out.glob("territory-*.whl")
    return whl


def test_wheel_contents(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "territory/__init__.py",
        "territory/py.typed",
        "territory/model/build.py",
        "territory_cli/main.py",
        "territory_cli/plan.py",
        "territory/report_templates/rep_book.html",
        "territory/report_templates/print.css",
        "territory/report_templates/base.html",
        "territory/report_templates/_map.html",
        "territory/report_templates/review.html",
        "territory/report_templates/review.js",
        "territory/report_templates/review.css",
        "territory/geo/maps.py",
        "territory/geo/data/geometry.json.gz",
        "territory/geo/data/counties.csv.gz",
        "territory/geo/data/county_adjacency.csv.gz",
        "territory/geo/data/states.csv",
        "territory/geo/data/SOURCES.md",
    ):
        assert required in names, f"{required} missing from {wheel.name}"
    # Every module and data file of the source tree, so a new subpackage or data file that
    # pyproject.toml does not list fails here (an editable install would not notice).
    tree = {
        **{f"territory/{p.relative_to(ROOT / 'territory')}": p for p in (ROOT / "territory").rglob("*")},
        **{f"territory_cli/{p.relative_to(ROOT / 'cli')}": p for p in (ROOT / "cli").rglob("*")},
        **{
            f"territory/report_templates/{p.relative_to(ROOT / 'report_templates')}": p
            for p in (ROOT / "report_templates").rglob("*")
        },
    }
    shipped = {
        name
        for name, p in tree.items()
        if p.is_file() and "__pycache__" not in p.parts and not name.endswith((".pyc", ".orig", ".rej"))
    }
    assert not shipped - names, f"missing from {wheel.name}: {sorted(shipped - names)}"
    entry = [n for n in names if n.endswith("entry_points.txt")]
    text = zipfile.ZipFile(wheel).read(entry[0]).decode()
    assert "territory = territory_cli.main:cli" in text
    assert not any(n.startswith(("tests/", "examples/", "bench/")) for n in names)


@pytest.mark.slow
def test_plain_install_runs_the_example(tmp_path: Path, wheel: Path):
    """pip install (not editable) into a fresh venv, then plan the bundled example."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", str(wheel)], check=True)
    out = tmp_path / "plan"
    result = subprocess.run(
        [
            str(venv / "bin" / "territory"),
            "plan",
            str(ROOT / "examples/accounts.csv"),
            str(ROOT / "examples/roster.csv"),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "Planned 1,000 accounts" in result.stdout
    books = subprocess.run(
        [str(venv / "bin" / "territory"), "books", str(out), "--out", str(out / "books"), "--rep", "R01"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert books.returncode == 0, books.stderr
    assert (out / "books" / "rep-ana-ortiz-R01.pdf").exists()
