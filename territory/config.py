"""Plan settings: a declared table of frozen dataclasses with defaults and help.

Values come from the defaults, then a TOML file, then repeated ``--set key=value`` flags,
in that order. Unknown keys and wrong types raise ``ConfigError`` naming the key and the
file. Every field carries ``metadata={"help": ...}``; ``describe_settings()`` lists them and
a test checks that none is undocumented.
"""

from __future__ import annotations

import dataclasses
import sys
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - 3.10 fallback
    import tomli as tomllib

from .errors import ConfigError


def setting(default: Any, help: str, **kw: Any) -> Any:
    """A dataclass field with a default and its help text."""
    if isinstance(default, (list, dict, set)):
        raise TypeError("use a tuple or a default_factory for mutable defaults")
    if isinstance(default, type) and dataclasses.is_dataclass(default):
        return field(default_factory=default, metadata={"help": help, **kw})
    return field(default=default, metadata={"help": help, **kw})


@dataclass(frozen=True)
class BalanceConfig:
    tier_band: float = setting(
        0.10,
        "Allowed relative deviation of each rep's count of each tier from its "
        "capacity-proportional fair share (0.10 = +-10 %).",
    )
    tier_band_min_accounts: float = setting(
        1.0,
        "The tier band is never narrower than this many accounts either side of the fair "
        "share, so small shares stay feasible (+-10 % or +-1 account, whichever is wider).",
    )
    potential_band: float = setting(
        0.10,
        "Allowed relative deviation of each rep's total potential from its fair share.",
    )
    tier_penalty: float = setting(
        100.0,
        "Cost of each account outside a tier band, in units of one account moved. High "
        "values make the bands nearly hard rules.",
    )
    potential_penalty: float = setting(
        1000.0,
        "Cost of being outside the potential band by 100 % of the rep's fair potential, in "
        "units of one account moved (1000 = 10 moves per 1 % outside the band).",
    )
    account_band: float | None = setting(
        None,
        "Optional band on the total number of accounts per rep (relative to fair share); "
        "unset means account counts follow from the tier bands.",
    )
    workload_band: float | None = setting(
        None,
        "Optional band on each rep's workload (tier-weighted effort: balance.workload_weights "
        "per Tier 1/2/3 account) around its fair share, e.g. 0.10; unset = not balanced.",
    )
    workload_weights: tuple[float, ...] = setting(
        (3.0, 2.0, 1.0), "Effort of one Tier 1, Tier 2 and Tier 3 account, for the workload band."
    )
    hard_bands: bool = setting(
        False,
        "Treat the tier and potential bands as hard rules: if they cannot all hold, the plan "
        "fails with an explanation instead of bending the bands at a penalty.",
    )


@dataclass(frozen=True)
class ContinuityConfig:
    move_cost: float = setting(
        1.0, "Price of moving one account away from its current owner (the main cost)."
    )
    max_moved_share: float | None = setting(
        None,
        "Cap on the share of accounts that change owner (0.05 = at most 5 %), per pool. Forced "
        "moves (the owner left the roster or no longer covers the account) do not count.",
    )
    max_potential_moved_share: float | None = setting(
        None,
        "Cap on the share of potential that changes owner (0.10 = at most 10 %), per pool; "
        "forced moves do not count.",
    )
    max_moves_per_rep: int | None = setting(
        None,
        "Cap on the accounts any one rep gains from, or loses to, other reps on the roster, so "
        "no single rep absorbs the churn (accounts of departed owners and new accounts do not "
        "count).",
    )


@dataclass(frozen=True)
class FamilyConfig:
    mode: Literal["together", "free"] = setting(
        "together",
        "'together' keeps a parent and all its subsidiaries with one owner; 'free' assigns "
        "every account on its own.",
    )


@dataclass(frozen=True)
class SegmentRule:
    column: Literal["employees", "annual_revenue"] = setting(
        "employees", "Account column the segment is cut on: employees or annual_revenue."
    )
    min: float | None = setting(None, "Smallest value in the segment (inclusive); unset = no floor.")
    max: float | None = setting(None, "Largest value in the segment (exclusive); unset = no ceiling.")


@dataclass(frozen=True)
class ProductsConfig:
    min_tier: int = setting(
        2,
        "With product ICPs: an account enters a product's books only if its tier for that product "
        "is at or better than this (2 = best and good fit; 3 = every account).",
    )
    tier_weights: tuple[float, ...] = setting(
        (3.0, 2.0, 1.0),
        "Effort weight of a Tier 1, 2 and 3 account, used to share reps with product = auto "
        "between products in proportion to tier-weighted demand.",
    )


@dataclass(frozen=True)
class SolverConfig:
    name: Literal["highs", "cbc"] = setting(
        "highs", "Solver: 'highs' (HiGHS through highspy, fast) or 'cbc' (bundled with pulp)."
    )
    time_limit: float = setting(60.0, "Wall-clock limit for each solve, in seconds.")
    gap: float = setting(0.001, "Stop when the plan is proven within this relative gap of the best possible.")
    threads: int = setting(1, "Solver threads per solve (1 keeps runs reproducible).")
    seed: int = setting(0, "Random seed handed to the solver, for reproducible plans.")
    method: Literal["auto", "exact", "aggregate"] = setting(
        "auto",
        "Solving method: 'exact' (one MIP over every eligible family-rep pair per pool), "
        "'aggregate' (interchangeable families grouped into classes, solved per pool with "
        "highspy, then split back to accounts and polished by local search; for 10^5-10^6 "
        "accounts) or 'auto' (exact up to solver.exact_max_pairs pairs and "
        "solver.exact_max_units families, aggregate above).",
    )
    exact_max_pairs: int = setting(
        15_000, "With method = 'auto': the largest number of eligible (family, rep) pairs solved exactly."
    )
    exact_max_units: int = setting(
        3_000, "With method = 'auto': the largest number of families (units) solved exactly."
    )
    workers: int = setting(
        0,
        "Processes that solve independent pools in parallel with the aggregate method "
        "(0 = one per CPU). Results do not depend on it.",
    )


@dataclass(frozen=True)
class TieringConfig:
    source: Literal["auto", "input", "icp"] = setting(
        "auto",
        "Where account tiers come from: 'input' (the accounts' tier column), 'icp' (score the "
        "accounts with the ICP file) or 'auto' (the ICP when one is given and the accounts "
        "have no tier column; when both exist, 'auto' stops and asks you to choose).",
    )


@dataclass(frozen=True)
class InputsConfig:
    accounts: str = setting(
        "",
        "Accounts to plan: a CSV/XLSX/Parquet file (relative to plan.toml), or a database URL "
        "such as 'sqlite:///crm.db' or 'postgresql+psycopg://user@host/db' with inputs.table "
        "or inputs.query.",
    )
    roster: str = setting("", "Rep roster file (CSV/XLSX), relative to plan.toml.")
    icp: str = setting(
        "",
        "ICP file (TOML, see docs/icp.md) to score and tier the accounts; --icp on the "
        "command line overrides it. Empty means no ICP.",
    )
    preset: Literal["", "salesforce", "hubspot"] = setting(
        "",
        "CRM export preset: 'salesforce' or 'hubspot' maps the export's headers onto the "
        "canonical columns (case-insensitive), strips report footer lines, accepts 15- and "
        "18-character Salesforce ids, and writes owner_changes.csv in that CRM's bulk-update "
        "form. Empty means canonical column names.",
    )
    sheet: str = setting("", "Worksheet to read when the accounts file is an XLSX workbook.")
    table: str = setting("", "Database table holding the accounts (with a database URL).")
    query: str = setting(
        "", "SQL query returning the accounts (with a database URL; instead of inputs.table)."
    )
    region_rules: str = setting(
        "",
        "Assign each account's region from its country, state and postal code with first-match-"
        "wins rules: a CSV or TOML rules file (relative to plan.toml), or a built-in set, "
        "'us-census-regions' or 'us-census-divisions' (see docs/geography.md). Empty means "
        "regions come from the accounts' region column.",
    )


@dataclass(frozen=True)
class ColumnsConfig:
    accounts: dict[str, str] = field(
        default_factory=dict,
        metadata={
            "help": 'Extra header names for the accounts, as "Export header" = '
            '"canonical column" (e.g. "Region__c" = "region"); matched '
            "case-insensitively and applied on top of the preset."
        },
    )
    roster: dict[str, str] = field(
        default_factory=dict,
        metadata={
            "help": 'Extra header names for the roster, as "Roster header" = '
            '"canonical column" (e.g. "User ID" = "rep_id").'
        },
    )


@dataclass(frozen=True)
class OutputsConfig:
    dir: str = setting("", "Plan directory written by 'territory run' (relative to plan.toml).")
    books: bool = setting(False, "Also render the PDF books into <dir>/books ('territory run').")
    owner_changes: Literal["auto", "canonical", "salesforce", "hubspot"] = setting(
        "auto",
        "Header layout of owner_changes.csv: 'canonical' (account_id,owner_id), 'salesforce' "
        "(Id,OwnerId), 'hubspot' (Record ID,Company owner); 'auto' follows inputs.preset.",
    )
    owner_value: Literal["auto", "id", "email", "name"] = setting(
        "auto",
        "What owner_changes.csv puts in the owner column: the rep's 'id', 'email' or 'name' "
        "from the roster; 'auto' is the email for HubSpot (its import matches owners by "
        "email) and the id otherwise.",
    )


@dataclass(frozen=True)
class GeoConfig:
    region_source: Literal["auto", "rules", "input"] = setting(
        "auto",
        "When the accounts have a region column and inputs.region_rules is set: 'rules' (the "
        "rules replace the column), 'input' (the column wins; the rules fill its empty cells) "
        "or 'auto' (stop and ask you to choose).",
    )
    locate: bool = setting(
        True,
        "Place every account on the map (latitude/longitude and US county) offline, from its "
        "latitude/longitude columns, else its postal code, else its city and state; the plan "
        "reports how many were placed. false skips it.",
    )


@dataclass(frozen=True)
class PlanConfig:
    period_label: str = setting("", "Label printed on the books, e.g. 'FY27 Q1'.")
    tiering: TieringConfig = setting(TieringConfig, "Where account tiers come from: input or ICP.")
    balance: BalanceConfig = setting(BalanceConfig, "Balance bands and their penalties.")
    continuity: ContinuityConfig = setting(ContinuityConfig, "Moves: their price and caps.")
    families: FamilyConfig = setting(FamilyConfig, "How parent/child account families are kept.")
    segments: dict[str, SegmentRule] = field(
        default_factory=dict,
        metadata={
            "help": 'Segments by size, e.g. [segments.enterprise] column = "employees", '
            "min = 1000. An account takes the first segment it fits (unless it has a "
            "segment column); a rep with a segment in the roster only owns accounts "
            "of that segment (several: 'smb;mid')."
        },
    )
    products: ProductsConfig = setting(ProductsConfig, "Product ICPs: who carries which product.")
    solver: SolverConfig = setting(SolverConfig, "Solver choice and limits.")
    inputs: InputsConfig = setting(InputsConfig, "Input files, CRM preset and database source.")
    columns: ColumnsConfig = setting(ColumnsConfig, "Header names mapped onto canonical columns.")
    outputs: OutputsConfig = setting(OutputsConfig, "Plan directory, books and CRM update form.")
    geo: GeoConfig = setting(GeoConfig, "Geography: regions from rules, and placing accounts on the map.")


# --------------------------------------------------------------------------- loading


def load_config(
    path: str | Path | None = None,
    overrides: Iterable[str] = (),
    base: Mapping[str, Any] | None = None,
) -> PlanConfig:
    """Build a ``PlanConfig`` from defaults, an optional TOML file and ``key=value`` overrides."""
    data: dict[str, Any] = dict(base or {})
    source = "defaults"
    if path is not None:
        source = str(path)
        try:
            with open(path, "rb") as fh:
                loaded = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(f"{path}: config file not found") from None
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"{path}: not valid TOML: {e}") from None
        data = deep_merge(data, loaded)
    cfg = config_from_dict(PlanConfig, data, source)
    for item in overrides:
        cfg = apply_override(cfg, item)
    return cfg


def deep_merge(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for k, v in b.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = v
    return out


T = typing.TypeVar("T")


def config_from_dict(cls: type[T], data: Mapping[str, Any], source: str, prefix: str = "") -> T:
    """Check ``data`` against the dataclass ``cls`` and build it; errors name the key."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: '{prefix.rstrip('.') or 'top level'}' must be a table")
    hints = get_type_hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - set(known))
    if unknown:
        key = prefix + unknown[0]
        close = [prefix + k for k in known if k.split("_")[0] in unknown[0]]
        hint = f" Did you mean {close[0]}?" if close else ""
        raise ConfigError(f"{source}: unknown setting '{key}'.{hint} Run 'territory settings' to list them.")
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        kwargs[name] = _coerce(hints[name], value, source, prefix + name)
    return cls(**kwargs)


def _coerce(tp: Any, value: Any, source: str, key: str) -> Any:
    if dataclasses.is_dataclass(tp):
        return config_from_dict(tp, value, source, key + ".")  # type: ignore[arg-type]
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        args = get_args(tp)
        if value is None and type(None) in args:
            return None
        errors = []
        for a in args:
            if a is type(None):
                continue
            try:
                return _coerce(a, value, source, key)
            except ConfigError as e:
                errors.append(e)
        raise errors[0]
    if origin is Literal:
        choices = get_args(tp)
        if value not in choices:
            raise ConfigError(
                f"{source}: setting '{key}' must be one of {', '.join(map(repr, choices))}, not {value!r}"
            )
        return value
    if origin is tuple:
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{source}: setting '{key}' must be a list, not {value!r}")
        (inner, *_rest) = get_args(tp)
        return tuple(_coerce(inner, v, source, key) for v in value)
    if origin is dict:
        if not isinstance(value, Mapping):
            raise ConfigError(f"{source}: setting '{key}' must be a table, not {value!r}")
        _, vt = get_args(tp)
        return {str(k): _coerce(vt, v, source, f"{key}.{k}") for k, v in value.items()}
    if tp is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "yes", "no", "1", "0"):
            return value.lower() in ("true", "yes", "1")
        raise ConfigError(f"{source}: setting '{key}' must be true or false, not {value!r}")
    if tp is float:
        if isinstance(value, bool):
            raise ConfigError(f"{source}: setting '{key}' must be a number, not {value!r}")
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str):
            text = value.strip()
            try:
                return float(text[:-1]) / 100 if text.endswith("%") else float(text)
            except ValueError:
                pass
        raise ConfigError(f"{source}: setting '{key}' must be a number, not {value!r}")
    if tp is int:
        if isinstance(value, bool):
            raise ConfigError(f"{source}: setting '{key}' must be a whole number, not {value!r}")
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        raise ConfigError(f"{source}: setting '{key}' must be a whole number, not {value!r}")
    if tp is str:
        if isinstance(value, str):
            return value
        raise ConfigError(f"{source}: setting '{key}' must be text, not {value!r}")
    raise ConfigError(f"{source}: setting '{key}' has an unsupported type")  # pragma: no cover


def _field_type(cls: type, dotted: str) -> tuple[Any, list[str]]:
    path = dotted.split(".")
    tp: Any = cls
    for i, part in enumerate(path):
        if not dataclasses.is_dataclass(tp):
            raise ConfigError(f"--set: '{'.'.join(path[:i])}' has no sub-settings")
        hints = get_type_hints(tp)
        if part not in hints:
            raise ConfigError(f"--set: unknown setting '{dotted}'. Run 'territory settings' to list them.")
        tp = hints[part]
    return tp, path


def apply_override(cfg: PlanConfig, item: str) -> PlanConfig:
    """Apply one ``key=value`` (e.g. ``balance.tier_band=0.05``) and return a new config."""
    if "=" not in item:
        raise ConfigError(f"--set {item!r}: expected key=value, e.g. balance.tier_band=0.05")
    key, raw = (s.strip() for s in item.split("=", 1))
    tp, path = _field_type(PlanConfig, key)
    value: Any = raw
    if raw.lower() in ("none", "null", ""):
        value = None
    elif raw.startswith("[") or raw.startswith('"'):
        try:
            value = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw
    coerced = _coerce(tp, value, "--set", key)
    return _replace_path(cfg, path, coerced)


def _replace_path(obj: Any, path: list[str], value: Any) -> Any:
    if len(path) == 1:
        return dataclasses.replace(obj, **{path[0]: value})
    child = getattr(obj, path[0])
    return dataclasses.replace(obj, **{path[0]: _replace_path(child, path[1:], value)})


def config_to_dict(cfg: Any) -> dict[str, Any]:
    """Plain dict of a config (for summary.json), keys in declaration order."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(cfg):
        v = getattr(cfg, f.name)
        if dataclasses.is_dataclass(v):
            out[f.name] = config_to_dict(v)
        elif isinstance(v, tuple):
            out[f.name] = list(v)
        else:
            out[f.name] = v
    return out


def describe_settings(cls: type = PlanConfig, prefix: str = "") -> list[tuple[str, str, str]]:
    """Every setting as (dotted key, default, help), for docs and ``territory settings``."""
    rows: list[tuple[str, str, str]] = []
    hints = get_type_hints(cls)
    for f in dataclasses.fields(cls):
        tp = hints[f.name]
        help_text = f.metadata.get("help", "")
        if dataclasses.is_dataclass(tp):
            rows.extend(describe_settings(tp, prefix + f.name + "."))  # type: ignore[arg-type]
            continue
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc,operator]
        rows.append((prefix + f.name, repr(default) if default is not None else "unset", help_text))
    return rows
