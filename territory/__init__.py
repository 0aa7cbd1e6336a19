"""territory: sales territory planning and book balancing.

Tier accounts against your Ideal Customer Profile, split them into balanced books with a
linear-programming model, and print a book for every rep.

    >>> import territory
    >>> plan = territory.plan("examples/accounts.csv", "examples/roster.csv")
    >>> territory.write_plan(plan, "plan-out")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# The light part of the API (settings and errors: the standard library only) is imported
# now; the pipeline (pandas, numpy, pulp, networkx) on first use, so `territory --help` and
# `import territory.errors` start in a blink (tests/test_startup.py).
from .config import PlanConfig, load_config
from .errors import (
    ConfigError,
    InfeasiblePlanError,
    InputError,
    OutputError,
    Problem,
    RenderError,
    SolverUnavailableError,
    TerritoryError,
)

if TYPE_CHECKING:
    from .pipeline import load_input, plan, solve_input, write_plan

_LAZY = {name: "pipeline" for name in ("load_input", "plan", "solve_input", "write_plan")}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value  # the next access is a plain attribute
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


__all__ = [
    "__version__",
    "ConfigError",
    "InfeasiblePlanError",
    "InputError",
    "OutputError",
    "PlanConfig",
    "Problem",
    "RenderError",
    "SolverUnavailableError",
    "TerritoryError",
    "load_config",
    "load_input",
    "plan",
    "solve_input",
    "write_plan",
]
