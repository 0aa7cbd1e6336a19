"""Requests in what-if scenarios: solves and seconds, each scenario alone against one run.

    python bench/whatif_requests.py                 # the bundled example, 4 plans, 2 rounds
    python bench/whatif_requests.py --rounds 1 --jobs 2

On the bundled example (examples/accounts.csv, roster.csv, requests.csv) it plans the
baseline and three scenarios ("bend": requests.bands = bend, "no requests": requests=none,
"band 0.2": balance.tier_band = 0.2) in two ways, interleaved round by round so a loaded
machine slows both alike:

* alone: each plan as ``territory plan --requests`` makes it (``solve_with_requests``), one
  after the other (what running the scenarios one by one costs), and the same with one
  process per plan (``--jobs``);
* together: ``territory.scenarios.run_scenarios`` (``territory.batch``), sequential and
  with ``--jobs`` processes.

It prints the solves each way makes (counted in this process, sequential runs) and the wall
time of each run, and checks that both ways give the same owners and request outcomes.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import territory  # noqa: E402
import territory.batch  # noqa: E402
import territory.pipeline  # noqa: E402
from territory.requests import solve_with_requests  # noqa: E402
from territory.scenarios import apply_scenario, parse_scenario, run_scenarios, with_baseline  # noqa: E402

SCENARIOS = [
    "bend: set=requests.bands=bend",
    "no requests: requests=none",
    "band 0.2: set=balance.tier_band=0.2",
]


def alone(inp: territory.pipeline.PlanInput) -> territory.Plan:
    if "requests" in inp.extras:
        return solve_with_requests(inp)
    return territory.pipeline.solve_input(inp)


def run_alone(prepared: list, jobs: int) -> list:
    if jobs <= 1:
        return [alone(p) for p in prepared]
    from territory.workers import process_pool

    with process_pool(jobs) as pool:
        return list(pool.map(alone, prepared))


def counted(fn):  # type: ignore[no-untyped-def]
    """Run ``fn()`` counting every solve_input call (this process only)."""
    calls = [0]
    real = territory.pipeline.solve_input

    def counting(*a, **k):  # type: ignore[no-untyped-def]
        calls[0] += 1
        return real(*a, **k)

    territory.pipeline.solve_input = counting
    territory.batch.solve_input = counting
    try:
        out = fn()
    finally:
        territory.pipeline.solve_input = real
        territory.batch.solve_input = real
    return out, calls[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    ex = ROOT / "examples"
    inp = territory.load_input(
        ex / "accounts.csv", ex / "roster.csv", territory.PlanConfig(), requests_path=ex / "requests.csv"
    )
    todo = with_baseline([parse_scenario(s) for s in SCENARIOS])
    prepared = [apply_scenario(inp, s) for s in todo]
    times: dict[str, list[float]] = {}
    for r in range(args.rounds):
        for way in ("alone", f"alone -j{args.jobs}", "together", f"together -j{args.jobs}"):
            jobs = args.jobs if "-j" in way else 1
            t0 = time.perf_counter()
            if way.startswith("alone"):
                plans, solves = counted(lambda j=jobs: run_alone(prepared, j))
            else:
                res, solves = counted(lambda j=jobs: run_scenarios(inp, todo, jobs=j))
                plans = [x.plan for x in res]
            seconds = time.perf_counter() - t0
            times.setdefault(way, []).append(seconds)
            if way == "alone":
                reference = plans
            for a, b in zip(reference, plans):
                assert a.accounts["owner_id"].tolist() == b.accounts["owner_id"].tolist(), way
                assert [o.as_dict() for o in a.extras.get("request_outcomes", [])] == [
                    o.as_dict() for o in b.extras.get("request_outcomes", [])
                ], way
            shown = f"{solves} solves" if jobs == 1 else "(solves in workers)"
            print(f"round {r + 1}  {way:<14} {seconds:6.1f} s  {shown}", flush=True)
    for way, ts in times.items():
        print(f"{way:<14} best {min(ts):6.1f} s  runs " + ", ".join(f"{t:.1f}" for t in ts))


if __name__ == "__main__":
    main()
