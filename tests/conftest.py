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


@pytest.fixture(scope="session")
def review_example(tmp_path_factory: pytest.TempPathFactory):
    """The bundled example planned twice (tests/review_plans.py), shared by the review tests."""
    from review_plans import example_plans

    return example_plans(tmp_path_factory.mktemp("review"))
