"""Option families shared by several commands."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

# -h as well as --help, and wider help text. Set on the group and on every command, so a
# command's help options are right however it is invoked (click caches them per command).
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class SettingValue(click.ParamType):
    """A flag that sets one number setting: checked against the range the settings table declares.

    The value is passed on as written (e.g. "5%"), so ``--set``, TOML and the flag share one
    check and one message.
    """

    name = "number"

    def __init__(self, key: str):
        self.key = key

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from territory.config import check_setting
        from territory.errors import ConfigError

        flag = param.opts[0] if param is not None and param.opts else self.key
        try:
            check_setting(self.key, value, flag)
        except ConfigError as e:
            raise click.UsageError(str(e), ctx) from None
        return str(value).strip()


def _allowed(key: str) -> str:
    from territory.config import allowed_text, setting_range

    return allowed_text(*setting_range(key))


def solver_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--solver, --time-limit, --gap, --threads: overrides of the [solver] settings."""
    fn = click.option(
        "--threads",
        type=SettingValue("solver.threads"),
        default=None,
        metavar="N",
        help=f"Solver threads per solve (default 1, for reproducible plans): {_allowed('solver.threads')}.",
    )(fn)
    fn = click.option(
        "--gap",
        type=SettingValue("solver.gap"),
        default=None,
        metavar="SHARE",
        help=f"Stop when proven within this relative gap (default 0.001): {_allowed('solver.gap')}.",
    )(fn)
    fn = click.option(
        "--time-limit",
        type=SettingValue("solver.time_limit"),
        default=None,
        metavar="SECONDS",
        help=f"Time limit per solve in seconds (default 60): {_allowed('solver.time_limit')}.",
    )(fn)
    fn = click.option(
        "--solver",
        type=click.Choice(["highs", "cbc"]),
        default=None,
        help="Solver: highs (default, fast) or cbc (bundled with pulp).",
    )(fn)
    return fn


def config_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--config FILE and repeated --set key=value."""
    fn = click.option(
        "--set",
        "settings",
        multiple=True,
        metavar="KEY=VALUE",
        help="Override one setting, e.g. --set balance.tier_band=0.05 (repeatable).",
    )(fn)
    fn = click.option(
        "-c",
        "--config",
        "config_path",
        type=click.Path(dir_okay=False),
        default=None,
        help="Settings file (TOML); see 'territory settings'.",
    )(fn)
    return fn


def solver_overrides(
    solver: str | None, time_limit: str | None, gap: str | None, threads: str | None
) -> list[str]:
    out = []
    if solver is not None:
        out.append(f"solver.name={solver}")
    if time_limit is not None:
        out.append(f"solver.time_limit={time_limit}")
    if gap is not None:
        out.append(f"solver.gap={gap}")
    if threads is not None:
        out.append(f"solver.threads={threads}")
    return out


def allow_mass_change_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--allow-mass-change: write the owner-update file past the guard."""
    return click.option(
        "--allow-mass-change",
        is_flag=True,
        help="Write owner_changes.csv even when it would change the owner of more than "
        "outputs.max_owner_change_share of the accounts (default 30%) or no account has a "
        "current owner; without it the file is withheld (summary.json says why).",
    )(fn)


def mass_change_overrides(allow: bool) -> list[str]:
    return ["outputs.allow_mass_change=true"] if allow else []


def lock_rule_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--as-of DATE and --opportunities FILE: what the [[locks.rules]] of the settings read."""
    fn = click.option(
        "--opportunities",
        "opportunities",
        type=click.Path(dir_okay=False),
        default=None,
        help="Opportunities file (CSV/XLSX) for stage_at_least lock rules (locks.opportunities).",
    )(fn)
    fn = click.option(
        "--as-of",
        "as_of",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        default=None,
        metavar="YYYY-MM-DD",
        help="The date the lock rules count from (locks.as_of); default today, recorded in summary.json.",
    )(fn)
    return fn


def lock_rule_overrides(as_of: Any, opportunities: str | None) -> list[str]:
    out = []
    if as_of is not None:
        out.append(f"locks.as_of={as_of:%Y-%m-%d}")
    if opportunities:
        out.append(f"locks.opportunities={opportunities}")
    return out


class StageBars:
    """The progress callback of every command (``territory.progress.Progress``): a bar on
    stderr per stage with more than one step, showing the name of the step just finished.

    Use as a context manager so a bar left open by an error is closed.
    """

    LABELS = {
        "solve": "Solving pools",
        "anyway": "Solving without the lock rules",
        "requests": "Pricing requests",
        "sweep": "Sweeping move caps",
        "scenarios": "Solving {total} plans",
        "books": "Rendering books",
        "score": "Scoring products",
    }

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.bars: dict[str, list[Any]] = {}

    def __call__(self, stage: str, done: int, total: int, item: str = "") -> None:
        if self.quiet or total <= 1:
            return
        if stage not in self.bars:
            bar = click.progressbar(
                length=total,
                label=self.LABELS.get(stage, stage).format(total=total),
                file=sys.stderr,
                show_pos=True,
                item_show_func=lambda name: name,
            )
            bar.__enter__()
            self.bars[stage] = [bar, 0]
        bar, seen = self.bars[stage]
        if bar is None:
            return
        bar.update(done - seen, item or None)
        self.bars[stage][1] = done
        if done >= total:
            bar.__exit__(None, None, None)
            self.bars[stage][0] = None

    def __enter__(self) -> StageBars:
        return self

    def __exit__(self, *exc: Any) -> None:
        for entry in self.bars.values():
            if entry[0] is not None:
                entry[0].__exit__(None, None, None)
                entry[0] = None


def replaced_note(result: Any) -> str:
    """A line saying an earlier plan (and its books) was replaced, or ''."""
    if not result.replaced:
        return ""
    if not result.books_removed:
        return f"Replaced the earlier plan in {result.out_dir}."
    n = result.books_removed
    return (
        f"Replaced the earlier plan in {result.out_dir}; its {n} book{'s' if n != 1 else ''} went with it "
        f"(run 'territory books {result.out_dir}' for this plan's books)."
    )
