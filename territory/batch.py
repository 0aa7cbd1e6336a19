"""Many plans at once: solved in parallel, their managers' requests priced with shared work.

``solve_plans`` is the runner behind ``territory whatif`` (and ``territory capacity``) and
the move sweep (``--sweep-moves``). A plan without requests is one solve. A plan with
requests (``inp.extras["requests"]``, see ``territory.requests``) is planned as
``solve_with_requests`` plans it, in three rounds over all the plans together, so the
solves of every round run in parallel and nothing is solved twice:

1. each plan without its requests; plans whose inputs differ only in their requests (or
   in ``requests.bands``) are solved once;
2. each request that plan does not grant anyway, pinned on its own; the same request on the
   same plan (two scenarios that differ only in ``requests.bands``) is solved once;
3. the plan with every honoured request (only where a request changes the plan).

A plan's result is the one ``solve_with_requests`` gives for it alone: the same solves on
the same inputs, in the same order.
"""

from __future__ import annotations

import dataclasses
import hashlib
import multiprocessing
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from typing import Any

import pandas as pd

from .assignment import Plan
from .errors import ConfigError, InfeasiblePlanError, TerritoryError
from .pipeline import PlanInput, solve_input
from .progress import REQUESTS, SCENARIOS, Progress, reporter

Outcome = tuple[Plan | None, str, float]  # the plan (None: failed), why it failed, seconds
RULED_OUT = "requests_ruled_out"  # extras: (request, why) the scenario's own rules rule out


def plan_key(inp: PlanInput) -> str:
    """A fingerprint of what the solve of ``inp`` depends on: accounts, roster and settings,
    the requests and their settings left out. Inputs with one key have one plan."""
    cfg = inp.config
    neutral = dataclasses.replace(
        cfg,
        requests=type(cfg.requests)(),
        inputs=dataclasses.replace(cfg.inputs, requests=""),
    )
    h = hashlib.sha256(repr(neutral).encode())
    try:
        for frame in (inp.accounts, inp.reps):
            h.update(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
            h.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
        h.update(
            inp.state.digest()
        )  # the planner's facts beside the accounts (locks, a previous plan's moves)
        h.update(inp.roster.digest())  # and beside the roster (the successors)
    except (TypeError, ValueError):  # a cell pandas cannot hash: this input shares nothing
        return f"unshared-{id(inp)}"
    return h.hexdigest()


def adopt(plan: Plan, inp: PlanInput, source: PlanInput) -> Plan:
    """``plan`` (solved from ``source``, an input with ``inp``'s key) as the plan of ``inp``:
    its settings, input files, warnings and requests, in a copy that can be changed without
    touching ``plan``."""
    extras = {k: v for k, v in plan.extras.items() if not k.startswith("request")}
    extras.update({k: v for k, v in inp.extras.items() if k.startswith("request")})
    return dataclasses.replace(
        plan,
        config=inp.config,
        inputs=list(inp.inputs),
        warnings=[*inp.warnings, *plan.warnings[len(source.warnings) :]],  # the solve's own after the input's
        timings=dict(plan.timings),
        extras=extras,
    )


# --------------------------------------------------------------------------- running tasks


def _attempt(fn: Callable[..., Plan], *args: Any) -> tuple[str, Any, float]:
    """("ok", ``fn(*args)``) or ("infeasible" / "error", the message), and the seconds it took."""
    t0 = time.perf_counter()
    try:
        return "ok", fn(*args), time.perf_counter() - t0
    except InfeasiblePlanError as e:
        return "infeasible", str(e), time.perf_counter() - t0
    except TerritoryError as e:
        return "error", str(e), time.perf_counter() - t0


def _solve(inp: PlanInput) -> tuple[str, Any, float]:
    """Rounds 1 and 2: one plan (see ``_attempt``)."""
    return _attempt(solve_input, inp)


def _finish(task: tuple[PlanInput, Plan, list[Any]]) -> tuple[str, Any, float]:
    """Round 3: the plan with every honoured request (``territory.requests.with_requests``)."""
    from .requests import with_requests

    return _attempt(with_requests, *task)


class Runner:
    """Runs tasks in this process, in forked worker processes (``jobs`` > 1) or on a Dask
    cluster (``scheduler``), calling ``finished(index, result)`` as each one ends."""

    def __init__(self, jobs: int | None = 1, scheduler: str | None = None, timeout: float = 10.0):
        self.jobs = jobs or 1
        self.scheduler = scheduler
        self.timeout = timeout
        self._stack = ExitStack()
        self._pool: Any = None
        self._client: Any = None

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stack.__exit__(*exc)

    def run(
        self, fn: Callable[[Any], Any], items: Sequence[Any], finished: Callable[[int, Any], None]
    ) -> None:
        if not items:
            return
        if self.scheduler:
            self._run_dask(fn, items, finished)
        elif self.jobs > 1 and len(items) > 1 and "fork" in multiprocessing.get_all_start_methods():
            from concurrent.futures import as_completed

            if self._pool is None:
                from .workers import process_pool  # workers stop with this process

                self._pool = self._stack.enter_context(process_pool(self.jobs))
            futures = {self._pool.submit(fn, item): i for i, item in enumerate(items)}
            for fut in as_completed(futures):
                finished(futures[fut], fut.result())
        else:
            for i, item in enumerate(items):
                finished(i, fn(item))

    def _run_dask(
        self, fn: Callable[[Any], Any], items: Sequence[Any], finished: Callable[[int, Any], None]
    ) -> None:
        try:
            from distributed import Client, as_completed
        except ImportError:
            raise ConfigError("--scheduler needs Dask: pip install 'territory[dask]'") from None
        if self._client is None:
            try:
                client = Client(self.scheduler, timeout=f"{self.timeout}s")
            except (OSError, TimeoutError) as e:
                raise ConfigError(
                    f"cannot reach the Dask scheduler at {self.scheduler}: {e}. Start one with "
                    "'dask scheduler' (and 'dask worker ADDRESS'), or leave out --scheduler "
                    "to use this machine"
                ) from None
            self._client = client
            self._stack.callback(client.close)
        futures = [self._client.submit(fn, item, pure=False) for item in items]
        index = {f.key: i for i, f in enumerate(futures)}
        for fut in as_completed(futures):
            finished(index[fut.key], fut.result())


# --------------------------------------------------------------------------- many plans


def solve_plans(
    prepared: Sequence[PlanInput],
    names: Sequence[str],
    *,
    jobs: int | None = 1,
    scheduler: str | None = None,
    progress: Progress | None = None,
    stage: str = SCENARIOS,
    scheduler_timeout: float = 10.0,
    strict: bool = False,
) -> list[Outcome]:
    """Plan every input, honouring its requests as ``solve_with_requests`` would; results in order.

    A plan that cannot be made (infeasible, or a request's solve failing) has ``None`` and
    the reason; the others go on. With ``strict``, only an infeasible plan does: any other
    failure (no solver, ...) stops the run. ``progress``: ``stage`` as each plan is done
    (item: its name), and "requests" as each request is priced (item: "<name>: <account>").
    """
    report = reporter(progress)
    total = len(prepared)
    report(stage, 0, total)
    results: dict[int, Outcome] = {}
    seconds = [0.0] * total

    def finished(i: int, plan: Plan | None, error: str = "", kind: str = "") -> None:
        if strict and kind == "error":
            raise TerritoryError(error)
        results[i] = (plan, error, seconds[i])
        report(stage, len(results), total, names[i])

    def ended(i: int, res: tuple[str, Any, float]) -> None:
        """Plan ``i`` is done: ``res`` is ``_solve``'s or ``_finish``'s answer."""
        kind, value, _ = res
        finished(i, value if kind == "ok" else None, "" if kind == "ok" else value, kind)

    keys = [plan_key(p) for p in prepared]
    with Runner(jobs, scheduler, scheduler_timeout) as runner:
        # 1. Every plan without its requests, each distinct input once.
        firsts = list(dict.fromkeys(keys))
        by_key = {k: prepared[keys.index(k)] for k in firsts}
        bases: dict[str, tuple[str, Any, float]] = {}

        def base_done(j: int, res: tuple[str, Any, float]) -> None:
            k = firsts[j]
            bases[k] = res
            for i in (i for i, key in enumerate(keys) if key == k):
                seconds[i] += res[2]
                if res[0] != "ok":
                    ended(i, res)
                elif "requests" not in prepared[i].extras:
                    finished(i, adopt(res[1], prepared[i], by_key[k]))

        runner.run(_solve, [by_key[k] for k in firsts], base_done)
        asking = [i for i in range(total) if i not in results]
        if not asking:
            return [results[i] for i in range(total)]
        # 2. Each request a plan does not grant anyway, pinned on its own, each distinct one once.
        from .requests import pinned

        trials: dict[str, tuple[PlanInput, str, list[int]]] = {}
        for i in asking:
            base = bases[keys[i]][1]
            owner = dict(zip(base.accounts["account_id"].astype(str), base.accounts["owner_id"].astype(str)))
            for q in prepared[i].extras["requests"].requests:
                if owner.get(q.account_id) == q.target:
                    continue
                trial = pinned(prepared[i], [q])
                entry = trials.setdefault(plan_key(trial), (trial, f"{names[i]}: {q.account_id}", []))
                entry[2].append(i)
        todo = list(trials)
        solved: dict[str, tuple[str, Any, float]] = {}
        report(REQUESTS, 0, len(todo))

        def trial_done(j: int, res: tuple[str, Any, float]) -> None:
            solved[todo[j]] = res
            for i in trials[todo[j]][2]:
                seconds[i] += res[2]
            report(REQUESTS, len(solved), len(todo), trials[todo[j]][1])

        runner.run(_solve, [trials[k][0] for k in todo], trial_done)
        # Each request judged against its plan (no solve: the solves above are looked up).
        finishing: list[tuple[int, tuple[PlanInput, Plan, list[Any]]]] = []
        for i in asking:
            base = adopt(bases[keys[i]][1], prepared[i], by_key[keys[i]])
            try:
                outcomes = price_all(prepared[i], base, solved)
            except InfeasiblePlanError as e:
                finished(i, None, str(e))
                continue
            except TerritoryError as e:
                finished(i, None, str(e), "error")
                continue
            if any(o.honoured and not o.already for o in outcomes):
                finishing.append((i, (prepared[i], base, outcomes)))
            else:  # no request changes the plan: nothing to solve
                ended(i, _finish((prepared[i], base, outcomes)))
        # 3. The plan with every honoured request.

        def final_done(j: int, res: tuple[str, Any, float]) -> None:
            seconds[finishing[j][0]] += res[2]
            ended(finishing[j][0], res)

        runner.run(_finish, [task for _, task in finishing], final_done)
    return [results[i] for i in range(total)]


def price_all(inp: PlanInput, base: Plan, solved: dict[str, tuple[str, Any, float]]) -> list[Any]:
    """Each request of ``inp`` honoured or refused against ``base``, in file order, the solves
    looked up in ``solved`` (by ``plan_key``); requests the scenario rules out are refused."""
    from .requests import REFUSED, RequestOutcome, price_request

    def lookup(trial: PlanInput) -> Plan:
        found = solved.get(plan_key(trial))
        if found is None:  # a solve round 2 did not make (the hard-bands path): solve it here
            return solve_input(trial)
        kind, value, _ = found
        if kind == "infeasible":
            raise InfeasiblePlanError(value)
        if kind == "error":
            raise TerritoryError(value)
        return value  # type: ignore[no-any-return]

    outcomes = [price_request(inp, base, q, solve=lookup) for q in inp.extras["requests"].requests]
    ruled_out = inp.extras.get(RULED_OUT) or ()
    if ruled_out:
        owner = dict(zip(base.accounts["account_id"].astype(str), base.accounts["owner_id"].astype(str)))
        outcomes += [RequestOutcome(q, REFUSED, owner.get(q.account_id, ""), why) for q, why in ruled_out]
        outcomes.sort(key=lambda o: o.request.row or 0)
    return outcomes
