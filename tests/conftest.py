"""Shared fixtures: solver parametrisation."""

from __future__ import annotations

import pytest

from helpers import SOLVERS, solver_available


@pytest.fixture(params=SOLVERS)
def solver(request: pytest.FixtureRequest) -> str:
    if not solver_available(request.param):
        pytest.skip(f"{request.param} not available")
    return str(request.param)
