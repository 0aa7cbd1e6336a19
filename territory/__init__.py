"""territory: sales territory planning and book balancing.

Tier accounts against your Ideal Customer Profile, split them into balanced books with a
linear-programming model, and print a book for every rep.

    >>> import territory
    >>> plan = territory.plan("examples/accounts.csv", "examples/roster.csv")
    >>> territory.write_plan(plan, "plan-out")
"""

from __future__ import annotations

__version__ = "0.1.0"

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
from .pipeline import load_input, plan, solve_input, write_plan

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
