"""A pool's time limit as a safety net: what stops a solve is a work limit, never the clock.

Same inputs and settings give the same plan whatever the machine's speed or load: every
stage of the scale method and of the contiguity loop stops on limits that do not depend on
the machine (simplex iterations, branch-and-bound nodes, rounds, steps), set so that normal
instances finish far below them. ``solver.time_limit`` (per pool) stays as a safety net
only. A stage it stops is noted here; the pool's report then has status ``time_limit`` and
the plan warns (``stopped_warning``), since a faster or quieter machine may give a different
plan. See docs/model.md, "Determinism".
"""

from __future__ import annotations

import time
from typing import Any

MIN_SECONDS = 0.5  # a stage started after the limit still gets this long (and is noted if cut)
STOPPED_STATUS = "time_limit"


class Budget:
    """What is left of one pool's ``solver.time_limit``, and the stages the limit stopped."""

    def __init__(self, limit: float, spent: float = 0.0) -> None:
        self.limit = float(limit)
        self.t0 = time.perf_counter() - spent
        self.stopped: list[str] = []

    def left(self) -> float:
        """Seconds left for the next solve: the safety net it gets (at least ``MIN_SECONDS``)."""
        return max(self.limit - (time.perf_counter() - self.t0), MIN_SECONDS)

    def note(self, stage: str, timed_out: bool = True) -> None:
        """Record that the time limit stopped ``stage`` (when ``timed_out``)."""
        if timed_out and stage not in self.stopped:
            self.stopped.append(stage)

    def log(self) -> str:
        return f"stopped by the time limit in: {', '.join(self.stopped)}" if self.stopped else ""


class Checkpoints:
    """A work limit for a HiGHS MIP that does not depend on the machine: HiGHS calls its
    interrupt callback at fixed points of its search (each separation round at the root,
    then as nodes are processed), so stopping at the ``limit``-th call stops every run at
    the same point, however fast the machine. (HiGHS has no limit on a MIP's LP iterations,
    and its root can take most of the time, which a node limit does not bound.) A MIP it
    stops ends with status ``kInterrupt``: its plan and bound are the same on every machine."""

    def __init__(self, h: Any, limit: int) -> None:
        self.limit = int(limit)
        self.calls = 0
        h.cbMipInterrupt.subscribe(self._check)

    def _check(self, e: Any) -> None:
        self.calls += 1
        if self.calls >= self.limit:
            e.interrupt()

    @property
    def hit(self) -> bool:
        return self.calls >= self.limit
