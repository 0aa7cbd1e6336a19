"""Shared fixtures: solver parametrisation."""

from __future__ import annotations

import pytest

from helpers import SOLVERS, solver_available


@pytest.fixture(params=SOLVERS)
def solver(request: pytest.FixtureRequest) -> str:
    if not solver_available(request.param):
        pytest.skip(f"{request.param} not available")
    return str(request.param)


ENGINES = [("highs", "exact"), ("cbc", "exact"), ("highs", "aggregate")]


@pytest.fixture(params=ENGINES, ids=["highs-exact", "cbc-exact", "highs-aggregate"])
def engine(request: pytest.FixtureRequest) -> tuple[str, str]:
    """(solver, method): the exact method on every solver, and the scale method (HiGHS)."""
    solver, method = request.param
    if not solver_available(solver):
        pytest.skip(f"{solver} not available")
    return solver, method
