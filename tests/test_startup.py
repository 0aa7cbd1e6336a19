"""`territory --help` starts without the heavy libraries (issue 14, item 7).

What is imported is tested, not the time (timings on a shared machine are noise): the CLI
and ``import territory`` load pandas, numpy, pyarrow, pulp, highspy, networkx, jinja2 and
WeasyPrint only when a command needs them. docs/benchmarks.md has the start-up times.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("pandas", "numpy", "pyarrow", "pulp", "highspy", "networkx", "jinja2", "weasyprint")
COMMANDS = ["plan", "score", "validate", "books", "settings", "whatif", "compare", "diff", "run"]

PROBE = """
import json, sys
from click.testing import CliRunner
from territory_cli.main import cli
args = json.loads(sys.argv[1])
result = CliRunner().invoke(cli, args)
print(json.dumps({"exit": result.exit_code, "output": result.output,
                  "loaded": sorted({m.split(".")[0] for m in sys.modules})}))
"""


def loaded_after(args: list[str]) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)], capture_output=True, text=True, check=True
    )
    return json.loads(proc.stdout)


@pytest.mark.parametrize("args", [["--help"], ["--version"], *([c, "--help"] for c in COMMANDS)])
def test_help_imports_no_heavy_library(args: list[str]) -> None:
    got = loaded_after(args)
    assert got["exit"] == 0, got["output"]
    assert "Usage:" in got["output"] or "territory" in got["output"]
    assert not set(HEAVY) & set(got["loaded"]), f"{' '.join(args)} imported {set(HEAVY) & set(got['loaded'])}"


def test_import_territory_is_light_and_the_pipeline_comes_on_first_use() -> None:
    code = (
        "import sys, territory\n"
        "light = not {'pandas', 'numpy', 'pulp'} & set(sys.modules)\n"
        "plan = territory.plan\n"
        "print(light, 'pandas' in sys.modules, plan.__module__, 'plan' in dir(territory))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "True", "territory.pipeline", "True"]


def test_unknown_attribute_is_still_an_attribute_error() -> None:
    import territory

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        territory.nope  # noqa: B018
