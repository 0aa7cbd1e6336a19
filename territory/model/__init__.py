"""The balancing model: pools, constraint families, the methods that solve them.

``solve_pools`` is what the pipeline calls; the families (``territory.model.families``)
define every rule once, for every method.
"""

from __future__ import annotations

from .dispatch import choose_method, solve_pools
from .inputs import ModelInput
from .solution import PoolResult, SolvedPools

__all__ = ["ModelInput", "PoolResult", "SolvedPools", "choose_method", "solve_pools"]
