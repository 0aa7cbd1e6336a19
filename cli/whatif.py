"""`territory whatif`: plan the current roster and one or more what-if scenarios side by side."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .compare import format_comparison
from .errors import report_errors
from .options import (
    CONTEXT_SETTINGS,
    StageBars,
    allow_mass_change_option,
    lock_rule_options,
    lock_rule_overrides,
    mass_change_overrides,
    solver_options,
    solver_overrides,
)
from .sources import source_kwargs, source_options


@click.command("whatif", context_settings=CONTEXT_SETTINGS)
@click.argument("accounts", type=click.Path(dir_okay=False))
@click.argument("roster", type=click.Path(dir_okay=False))
@click.option(
    "-o",
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder for one plan directory per scenario (baseline/ first) and compare.csv.",
)
@click.option(
    "--scenario",
    "specs",
    multiple=True,
    metavar='"NAME: STEP; STEP"',
    help='A named scenario, e.g. "west+2: add-rep=Ana,West,1; add-rep=Bo,West,0.5" '
    "(steps: add-rep, remove-rep, capacity, lock, unlock, set). Repeatable.",
)
@click.option(
    "--scenarios",
    "scenarios_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="TOML file of [[scenario]] and [[sweep]] tables (see docs/scenarios.md).",
)
@click.option(
    "--name",
    default="scenario",
    show_default=True,
    help="Name of the scenario made from the single-scenario flags below.",
)
@click.option(
    "--add-rep",
    multiple=True,
    metavar='"NAME,REGION,CAPACITY"',
    help='Add a rep, e.g. --add-rep "Ana Ortiz,West,1" (ids NEW01, NEW02, ...).',
)
@click.option(
    "--remove-rep", multiple=True, metavar="REP_ID", help="Remove a rep; their accounts are reassigned."
)
@click.option(
    "--capacity",
    multiple=True,
    metavar="REP_ID=CAPACITY",
    help="Change a rep's capacity, e.g. --capacity R03=0.5.",
)
@click.option(
    "--lock", multiple=True, metavar="IDS", help="Lock accounts with their owner, e.g. --lock A00001,A00002."
)
@click.option("--unlock", multiple=True, metavar="IDS", help="Unlock accounts.")
@click.option(
    "--set",
    "scenario_settings",
    multiple=True,
    metavar="KEY=VALUE",
    help="Change a setting in the scenario, e.g. --set balance.tier_band=0.05 (the "
    "baseline keeps --config's value). Settings read with the inputs (inputs.*, columns.*, "
    "geo.*, tiering.source) apply to the baseline and every scenario.",
)
@click.option(
    "-c",
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Settings file (TOML) for the baseline and every scenario.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Scenarios solved in parallel (processes). Default: one per core, up to the number of scenarios.",
)
@click.option(
    "--scheduler",
    default=None,
    metavar="ADDRESS",
    help="Solve on a Dask distributed cluster, e.g. tcp://10.0.0.5:8786 (pip install 'territory[dask]').",
)
@click.option(
    "--requests",
    "requests_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Managers' requests (CSV/XLSX: account_id,rep_id,requested_by,note) honoured in the "
    "baseline and every scenario; a scenario takes its own with the step requests=FILE, or "
    "none with requests=none (see docs/requests.md).",
)
@click.option(
    "--icp",
    "icp_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Tier the accounts with this ICP file.",
)
@source_options
@lock_rule_options
@solver_options
@allow_mass_change_option
@click.option("-q", "--quiet", is_flag=True, help="Print only errors and the final line.")
@report_errors
def whatif(
    accounts: str,
    roster: str,
    out_dir: str,
    specs: tuple[str, ...],
    scenarios_file: str | None,
    name: str,
    add_rep: tuple[str, ...],
    remove_rep: tuple[str, ...],
    capacity: tuple[str, ...],
    lock: tuple[str, ...],
    unlock: tuple[str, ...],
    scenario_settings: tuple[str, ...],
    jobs: int | None,
    scheduler: str | None,
    requests_path: str | None,
    icp_path: str | None,
    preset: str | None,
    sheet: str | None,
    table: str | None,
    query: str | None,
    as_of: Any,
    opportunities: str | None,
    config_path: str | None,
    solver: str | None,
    time_limit: str | None,
    gap: str | None,
    threads: str | None,
    allow_mass_change: bool,
    quiet: bool,
) -> None:
    """Plan the current roster and each what-if scenario, then compare them side by side.

    Every scenario, and the baseline (today's roster and settings), gets its own plan
    directory under --out; compare.csv holds the side-by-side table printed at the end.

    Example:

    \b
        territory whatif examples/accounts.csv examples/roster.csv --out whatif-out \\
            --add-rep "Ana Ortiz,West,1" --add-rep "Bo Li,West,0.5" --remove-rep R07
        territory whatif examples/accounts.csv examples/roster.csv --out whatif-out \\
            --scenario "west+2: add-rep=Ana,West,1; add-rep=Bo,West,0.5" \\
            --scenario "tight: set=balance.tier_band=0.05"
        territory whatif examples/accounts.csv examples/roster.csv --out whatif-out \\
            --requests examples/requests.csv --scenario "wide: set=balance.tier_band=0.4" \\
            --scenario "no requests: requests=none"
    """
    import os

    import territory
    from territory.config import settings_record
    from territory.io.staging import check_output_folder
    from territory.runner import files_read
    from territory.scenarios import (
        SETTINGS_GIVEN,
        load_scenarios,
        parse_scenario,
        read_once,
        scenario_from_options,
        with_baseline,
    )
    from territory.scenarios import whatif as run

    protect = (accounts, roster, icp_path, config_path, scenarios_file, opportunities, requests_path)
    check_output_folder(out_dir, protect)  # every option is checked before any work
    overrides = solver_overrides(solver, time_limit, gap, threads) + mass_change_overrides(allow_mass_change)
    overrides += lock_rule_overrides(as_of, opportunities)
    # A setting read with the inputs (e.g. tiering.source) cannot differ between scenarios:
    # --set gives it to the whole run, as the hint of a load error says to.
    overrides += [s for s in scenario_settings if read_once(s)]
    scenario_settings = tuple(s for s in scenario_settings if not read_once(s))
    cfg = territory.load_config(config_path, overrides)
    protect += files_read(cfg)  # last quarter's plan, region rules...: also from --config or --set
    check_output_folder(out_dir, protect)
    scenarios = [parse_scenario(s) for s in specs]
    if scenarios_file:
        scenarios += load_scenarios(scenarios_file)
    single = scenario_from_options(
        name,
        add_rep=add_rep,
        remove_rep=remove_rep,
        capacity=capacity,
        lock=lock,
        unlock=unlock,
        settings=scenario_settings,
    )
    if single is not None:
        scenarios.append(single)
    if not scenarios:
        raise click.UsageError(
            'give at least one scenario: --scenario "NAME: STEP; ...", '
            "--scenarios FILE, or flags such as --add-rep / --remove-rep / --set"
        )
    with_baseline(scenarios)  # names: unique, not a file whatif writes, short enough
    inp = territory.load_input(
        accounts,
        roster,
        cfg,
        icp_path=icp_path,
        requests_path=requests_path,
        **source_kwargs(preset, sheet, table, query),
    )
    # summary.json: which settings won; a scenario adds its own set= steps (apply_scenario)
    inp.extras["settings"] = settings_record(config_path, overrides)
    inp.extras[SETTINGS_GIVEN] = (config_path, tuple(overrides))
    n = len(scenarios) + 1
    jobs = jobs or min(n, os.cpu_count() or 1)
    with StageBars(quiet) as bars:
        result = run(inp, scenarios, out_dir, jobs=jobs, scheduler=scheduler, progress=bars, protect=protect)
    if not quiet and result.comparison is not None:
        click.echo(format_comparison(result.comparison))
        click.echo("")
    if not quiet:  # the input's warnings (a CRM export read with its preset, ...), as plan says them
        for w in inp.warnings:
            click.echo(f"Warning: {w.sentence()}")
    for r in result.failed:
        click.echo(f"Scenario {r.name!r} has no plan: {r.error}", err=True)
    for name, reasons in result.withheld.items():
        click.echo(
            f"CRM UPDATE WITHHELD in {result.dirs[name]}: " + "; ".join(reasons) + ". Run again "
            "with --allow-mass-change to write it anyway.",
            err=True,
        )
    where = "on " + scheduler if scheduler else f"with {jobs} process{'es' if jobs != 1 else ''}"
    asked = result.comparison is not None and result.comparison.requests is not None
    files = [f"{len(result.dirs)} plan directories", str(Path(out_dir) / "compare.csv")]
    files += [str(Path(out_dir) / "requests.csv")] if asked else []
    click.echo(
        f"Planned {len(result.dirs)} of {n} scenarios in {result.seconds:.1f} s ({where}); "
        f"wrote {', '.join(files[:-1])} and {files[-1]}."
    )
    if result.failed:
        raise click.exceptions.Exit(1)
