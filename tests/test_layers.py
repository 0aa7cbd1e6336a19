"""The layers of docs/architecture.md hold: the model never imports the pipeline (issue 14,
item 3: the pipeline imports the model, never the reverse), and the library never imports
click or the CLI.

Every module is imported in a fresh interpreter and what came with it is read from
``sys.modules``, so an import hidden inside a function that runs at import time counts too.
"""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import importlib, json, pkgutil, sys
package = importlib.import_module(sys.argv[1])
for mod in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
    importlib.import_module(mod.name)
print(json.dumps(sorted(sys.modules)))
"""

# What the model may not pull in: the orchestration above it and the CLI.
ABOVE_THE_MODEL = (
    "territory.pipeline",
    "territory.runner",
    "territory.scenarios",
    "territory.sweep",
    "territory.requests",
    "territory.reporting",
    "territory_cli",
    "click",
)


def loaded_with(package: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, package], capture_output=True, text=True, check=True
    ).stdout
    return set(json.loads(out))


def test_the_model_never_imports_the_pipeline_or_the_cli() -> None:
    loaded = loaded_with("territory.model")
    bad = sorted(m for m in loaded if any(m == a or m.startswith(a + ".") for a in ABOVE_THE_MODEL))
    assert not bad, f"importing territory.model loads {bad}"


def test_the_library_never_imports_click() -> None:
    loaded = loaded_with("territory")
    bad = sorted(m for m in loaded if m == "click" or m.startswith(("click.", "territory_cli")))
    assert not bad, f"importing every module of territory loads {bad}"
