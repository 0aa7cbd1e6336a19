"""summary.json as one typed object: the plan result.

``PlanSummary`` and the records it holds are frozen dataclasses, one field per key of
summary.json, in the order the file lists them. The plan writer builds the records
(``territory.pipeline.plan_result``) and writes ``to_dict()``, which writes each value as its
field declares it and refuses a value of another kind with its key named; books, compare,
diff and the review page read one with ``from_dict`` after the plan folder was checked
(``territory.io.plandir``). docs/plan-output.md's summary.json section is generated from the
fields' ``help`` (``scripts/gen_plan_output_doc.py``; ``tests/test_plan_result.py`` fails when
the two disagree).

Adding a key: add a field to the record it belongs in, with ``info("what it means", ...)``:

* ``since="..."`` (with a default) when plans written before it lack the key: reading such a
  plan gives the default, and the docs say from when the key exists;
* ``omit_none=True`` when the key is left out of the file (not written as ``null``) where it
  does not apply, e.g. ``geography`` in a plan that placed no account.

Then pass it where the writer constructs the record (a field without a default that the
writer does not fill fails mypy) and run ``scripts/gen_plan_output_doc.py``. A JSON object
whose inner keys are owned elsewhere (``config``: docs/settings.md; ``geography``:
docs/geography.md) is typed ``Mapping[str, Any]`` and kept as it is.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, Union

PLAN_FORMAT = "territory-plan/1"
TIER_KEYS = ("1", "2", "3")

_MISSING: Any = dataclasses.MISSING


def info(help: str, *, default: Any = _MISSING, omit_none: bool = False, since: str = "") -> Any:
    """A summary.json field: ``help`` says what it means (it goes into docs/plan-output.md).

    ``omit_none``: the key is left out of the file when the value is None. ``since``: the key
    was added later; plans written before it are read with ``default``.
    """
    meta = {"help": help, "omit_none": omit_none, "since": since}
    if default is _MISSING and omit_none:
        default = None
    if isinstance(default, (dict, list)):
        raise TypeError("use a tuple or a mapping proxy as a default")
    return field(default=default, metadata=meta)


class SummaryError(ValueError):
    """summary.json lacks a key or holds a value of another kind; ``key`` names where."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, kw_only=True)
class InputFile:
    """One input file of the plan."""

    file: str = info("the file's name (without its folder)")
    sha256: str | None = info("SHA-256 of the file's bytes", omit_none=True)
    rows: int | None = info("data rows read (for region rules: the number of rules)", omit_none=True)
    path: str | None = info(
        "the file's absolute path when read, so `territory explain --to` can read it again "
        "(left out for database sources)",
        omit_none=True,
    )


@dataclass(frozen=True, kw_only=True)
class PoolResult:
    """The solve of one pool (the reps who can own the same accounts)."""

    name: str = info("the pool's name (a region, a segment, a product, or 'all')")
    reps: int = info("reps in the pool")
    accounts: int = info("accounts in the pool")
    units: int = info("what the model assigns: accounts, with a family counted once")
    status: str = info("'optimal', 'feasible' (time limit reached), 'infeasible', ...")
    objective: float | None = info("the model's objective for the pool")
    bound: float | None = info("the best proven lower bound of the objective")
    gap: float | None = info("(objective - bound) / objective; 0 when proven optimal")


@dataclass(frozen=True, kw_only=True)
class SolverResult:
    """How the model was solved, over all pools."""

    name: str = info("the solver ('highs', 'cbc')")
    status: str = info("the worst status of any pool")
    status_text: str = info("the status in plain words, e.g. 'Optimal (proven)'")
    objective: float | None = info("sum of the pools' objectives")
    bound: float | None = info("sum of the pools' bounds")
    gap: float | None = info("(objective - bound) / objective over all pools")
    pools: tuple[PoolResult, ...] | int = info(
        "one record per pool, in solving order (plans of earlier versions: the number of pools)"
    )


@dataclass(frozen=True, kw_only=True)
class MeasureOverall:
    """One balance measure over the whole plan."""

    max_deviation: float | None = info("largest |value - fair| / fair over the reps")
    cv: float = info("coefficient of variation of value / fair over the reps")
    balanced: bool = info("true when the measure has a band (the model balances it)")
    before_max_deviation: float | None = info("max_deviation of today's books")
    reps_outside_band: int | None = info("reps outside their band (balanced measures only)", omit_none=True)
    before_cv: float | None = info(
        "cv of today's books", default=None, omit_none=True, since="today's books per measure"
    )
    before_reps_outside_band: int | None = info(
        "reps_outside_band of today's books", default=None, omit_none=True, since="today's books per measure"
    )


@dataclass(frozen=True, kw_only=True)
class BalanceMetrics:
    """Balance of a set of books against the plan's fair shares."""

    max_tier_deviation: Mapping[str, float | None] = info("per tier, largest |count - fair| / fair")
    max_potential_deviation: float | None = info("largest |potential - fair| / fair")
    potential_cv: float = info("coefficient of variation of potential / fair")
    accounts_outside_tier_bands: int | None = info(
        "accounts over or under the reps' tier bands, summed", omit_none=True
    )
    reps_outside_potential_band: int | None = info("reps outside the potential band", omit_none=True)


@dataclass(frozen=True, kw_only=True)
class BaselineMeasure:
    """One balance measure in the baseline's books."""

    max_deviation: float | None = info("largest |value - fair| / fair over the reps")
    cv: float = info("coefficient of variation of value / fair over the reps")
    reps_outside_band: int | None = info("reps outside their band (balanced measures only)", omit_none=True)


@dataclass(frozen=True, kw_only=True)
class BaselineMetrics:
    """The spreadsheet-style greedy baseline on the same input, measured the same way."""

    accounts_moved: int = info("accounts the baseline takes from another owner")
    max_tier_deviation: Mapping[str, float | None] = info("per tier, largest |count - fair| / fair")
    max_potential_deviation: float | None = info("largest |potential - fair| / fair")
    potential_cv: float | None = info(
        "coefficient of variation of potential / fair", default=None, since="the baseline's CV"
    )
    accounts_outside_tier_bands: int | None = info("accounts outside the tier bands", omit_none=True)
    reps_outside_potential_band: int | None = info("reps outside the potential band", omit_none=True)
    measures: Mapping[str, BaselineMeasure] | None = info(
        "with more than one measure in balance.measures: per measure (potential first), its balance "
        "in the baseline's books",
        default=None,
        omit_none=True,
        since="the baseline's measures",
    )


@dataclass(frozen=True, kw_only=True)
class Overall:
    """The plan as a whole: moves, owner changes and balance."""

    accounts: int = info("accounts planned (account-product rows with product ICPs)")
    reps: int = info("reps on the roster")
    accounts_moved: int = info("accounts taken from a current owner and given to another rep")
    moved_share: float = info("accounts_moved / accounts")
    potential_moved_share: float = info("potential of the moved accounts / all potential")
    orphaned_accounts: int = info("moved accounts whose owner left the roster")
    owner_changes: int | None = info(
        "rows of the owner-update file(s): accounts_moved + first_owners", default=None, since="owner changes"
    )
    owner_changes_share: float | None = info("owner_changes / accounts", default=None, since="owner changes")
    first_owners: int | None = info(
        "accounts that had no owner and get one", default=None, since="owner changes"
    )
    max_tier_deviation: Mapping[str, float | None] = info("per tier, largest |count - fair| / fair")
    max_potential_deviation: float | None = info("largest |potential - fair| / fair")
    potential_cv: float = info("coefficient of variation of potential / fair")
    accounts_outside_tier_bands: int | None = info(
        "accounts over or under the reps' tier bands, summed", omit_none=True
    )
    reps_outside_potential_band: int | None = info("reps outside the potential band", omit_none=True)
    max_workload_deviation: float | None = info(
        "largest |workload - fair| / fair (workload: tier counts weighted by balance.workload_weights)",
        default=None,
        since="workload",
    )
    before: BalanceMetrics | None = info("the same balance figures for today's books", omit_none=True)
    measures: Mapping[str, MeasureOverall] | None = info(
        "per measure of balance.measures (and potential), its balance over the plan",
        default=None,
        since="balance.measures",
    )
    products: Mapping[str, int] | None = info(
        "with product ICPs: account-product rows per product", omit_none=True
    )
    no_product_fit: int | None = info("with product ICPs: accounts that fit no product", omit_none=True)
    baseline: BaselineMetrics | None = info(
        "the spreadsheet-style baseline (not with product ICPs)", omit_none=True
    )


@dataclass(frozen=True, kw_only=True)
class TeamAverage:
    """The plain average over all reps (whatever their capacity)."""

    accounts: float = info("accounts per rep")
    tier_counts: Mapping[str, float] = info("accounts per rep, per tier")
    potential: float = info("potential per rep")
    measures: Mapping[str, float] | None = info(
        "per measure, its total per rep", default=None, since="balance.measures"
    )


@dataclass(frozen=True, kw_only=True)
class RepMeasure:
    """One rep's number for one measure."""

    value: float = info("the rep's total after the plan")
    fair: float = info("the rep's fair share (capacity-proportional within the pool)")
    deviation: float | None = info("(value - fair) / fair; null when the fair share is 0")
    band: tuple[float, float] | None = info(
        "[low, high] the plan keeps the rep within; null when the measure is not balanced"
    )
    before: float = info("the rep's total today (each account with its current owner)")

    def outside(self) -> bool:
        """Outside the band (never for a measure without one)."""
        return self.band is not None and not (self.band[0] - 1e-6 <= self.value <= self.band[1] + 1e-6)


@dataclass(frozen=True, kw_only=True)
class RepBefore:
    """The rep's book today."""

    accounts: int = info("accounts the rep owns today")
    tier_counts: Mapping[str, int] = info("per tier")
    potential: float = info("potential of today's book")


@dataclass(frozen=True, kw_only=True)
class Rep:
    """One rep of the roster and the rep's book in the plan."""

    rep_id: str = info("the rep's id, as in the roster")
    name: str = info("the rep's name")
    email: str = info("the rep's email")
    manager: str = info("the rep's manager")
    region: str = info("the rep's region")
    capacity: float = info("the rep's capacity (1 = a full book)")
    product: str | None = info("the product the rep carries (product ICPs); null otherwise")
    pool: str = info("the pool the rep was balanced in", default="", since="pools")
    accounts: int = info("accounts the rep owns in the plan")
    tier_counts: Mapping[str, int] = info("accounts per tier")
    fair_tier: Mapping[str, float] = info("fair share per tier")
    tier_band: Mapping[str, tuple[int, int]] = info("per tier, the [low, high] count the plan keeps")
    tier_deviation: Mapping[str, float | None] = info("per tier, (count - fair) / fair")
    workload: float | None = info(
        "tier counts weighted by balance.workload_weights", default=None, since="workload"
    )
    fair_workload: float | None = info("the fair workload", default=None, since="workload")
    potential: float = info("the rep's potential (money)")
    fair_potential: float = info("the rep's fair share of potential")
    potential_deviation: float | None = info("(potential - fair) / fair")
    measures: Mapping[str, RepMeasure] | None = info(
        "per measure (potential first, then balance.measures), the rep's figures",
        default=None,
        since="balance.measures",
    )
    moves_in: int = info("accounts new to the rep (from another owner, or nobody's)")
    moves_out: int = info("accounts the rep hands over")
    kept: int | None = info(
        "accounts the rep owned and keeps (kept + moves_in = accounts)", default=None, since="kept"
    )
    before: RepBefore | None = info("the rep's book today", default=None, since="today's books per rep")

    def measure_items(self) -> list[tuple[str, RepMeasure]]:
        """Every measure of the rep, in the file's order; potential alone for plans written
        before measures existed."""
        if self.measures:
            return list(self.measures.items())
        before = self.before.potential if self.before is not None else float("nan")
        m = RepMeasure(
            value=self.potential,
            fair=self.fair_potential,
            deviation=self.potential_deviation,
            band=None,
            before=before,
        )
        return [("potential", m)]


@dataclass(frozen=True, kw_only=True)
class CrmFile:
    """One owner-update file."""

    file: str = info("the file's name")
    product: str | None = info("the product it updates (product ICPs); null otherwise")
    owner_field: str = info("the CRM owner field it sets")
    rows: int = info("rows (owner changes) in the file")
    first_owners: int = info("rows giving an unowned account its first owner")
    accounts: int = info("accounts the file covers")
    share: float = info("rows / accounts")


@dataclass(frozen=True, kw_only=True)
class CrmUpdate:
    """The owner-update file(s) for the CRM and the guard against a mass change."""

    written: bool = info("true when the update file(s) were written")
    withheld_because: tuple[str, ...] = info("the guard's reasons when it withheld them")
    written_despite: tuple[str, ...] = info("the reasons overridden by outputs.allow_mass_change")
    max_owner_change_share: float = info("outputs.max_owner_change_share")
    files: tuple[CrmFile, ...] = info("one record per update file")


@dataclass(frozen=True, kw_only=True)
class FileEntry:
    """A file written with the plan, as summary.json records it."""

    sha256: str = info("SHA-256 of the file's bytes")
    bytes: int = info("the file's size")
    rows: int | None = info("data rows (CSV files)", omit_none=True)


@dataclass(frozen=True, kw_only=True)
class PlanSummary:
    """summary.json: the plan result."""

    format: str = info(f"'{PLAN_FORMAT}'")
    territory_version: str = info("the version of territory that wrote the plan")
    period_label: str = info("the plan's period_label setting, e.g. 'FY27 Q1'")
    inputs: Mapping[str, InputFile] = info(
        "per input ('accounts', 'roster', 'icp', 'region_rules', 'opportunities', 'requests'), the file read"
    )
    config: Mapping[str, Any] = info("every setting as used (see settings.md)")
    solver: SolverResult = info("how the model was solved")
    overall: Overall = info("the plan as a whole")
    team_average: TeamAverage = info("averages over all reps")
    reps: tuple[Rep, ...] = info("one record per rep, in roster order")
    crm_update: CrmUpdate | None = info(
        "the owner-update file(s) (see below)", default=None, since="the CRM update guard"
    )
    warnings: tuple[str, ...] = info("every warning of the run, in plain words")
    geography: Mapping[str, Any] | None = info(
        "how accounts were placed and regions assigned (see geography.md)", omit_none=True
    )
    continuity: Mapping[str, Any] | None = info(
        "with a previous plan (--previous): the previous folder, the accounts it moved, and the "
        "accounts moved by both plans (see teams-and-quarters.md)",
        omit_none=True,
    )
    teams: tuple[Mapping[str, Any], ...] | None = info(
        "with balance.team_band: per manager's team in each pool (and product, with product ICPs), "
        "its tier counts and measures against the team's fair share and band (see teams-and-quarters.md)",
        omit_none=True,
    )
    lock_rules: Mapping[str, Any] | None = info(
        "per lock rule and leaver, the accounts kept (see lock-rules.md)", omit_none=True
    )
    requests: Mapping[str, Any] | None = info(
        "managers' requests: counts, the plan's extra moves, each request's outcome and price "
        "(see requests.md)",
        omit_none=True,
    )
    settings: Mapping[str, Any] | None = info(
        "where the settings came from, when a settings file or the command line set any: "
        "'file' (its name) and 'sha256', and 'command_line' (each setting given on the command "
        "line: its 'value' as used and, when the file set it too, the 'file_value' it replaced; the "
        "command line wins), and for a what-if scenario with set= steps, 'scenario' (each such "
        "setting, listed the same way; the scenario's value wins)",
        omit_none=True,
    )
    files: Mapping[str, FileEntry] | None = info(
        "every other file of the plan folder: sha256, bytes, rows", omit_none=True
    )
    summary_sha256: str | None = info("sha256 of this file without summary_sha256 and run", omit_none=True)
    run: Mapping[str, Any] | None = info(
        "when and how fast: generated_at, seconds per stage, solver_seconds per pool (differs per run)",
        omit_none=True,
    )

    def rep(self, rep_id: str) -> Rep | None:
        """The rep with this id, or None."""
        return next((r for r in self.reps if r.rep_id == rep_id), None)

    def measure_names(self) -> list[str]:
        """Every measure any rep lists, in order (potential alone for older plans)."""
        names: dict[str, None] = {}
        for r in self.reps:
            for name, _ in r.measure_items():
                names.setdefault(name)
        return list(names) or ["potential"]

    def measure_band(self, name: str) -> float | None:
        """The measure's band setting (± share of the fair share), None when not balanced."""
        balance = self.config.get("balance") if isinstance(self.config, Mapping) else None
        if not isinstance(balance, Mapping):
            return None
        measures = balance.get("measures")
        if isinstance(measures, Mapping):
            entry = measures.get(name)
            band = entry.get("band") if isinstance(entry, Mapping) else None
        elif name == "potential":  # plans written before balance.measures
            band = balance.get("potential_band")
        else:
            band = None
        return float(band) if isinstance(band, (int, float)) and not isinstance(band, bool) else None

    def to_dict(self) -> dict[str, Any]:
        """The JSON object, keys in the order of the fields; each value written as its field
        declares it (a whole number in a ``float`` field is written as ``2.0``). A value of
        another kind (text for a number, a NumPy integer) raises ``SummaryError`` naming it."""
        out = _dump(PlanSummary, self, "")
        assert isinstance(out, dict)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, strict: bool = False) -> PlanSummary:
        """The typed summary of a summary.json object; ``SummaryError`` names the first key
        that is missing or of another kind. ``strict`` (the writer): a key no field declares
        is an error too, so nothing is written that the docs do not describe."""
        return _load(cls, data, "", strict)


# --------------------------------------------------------------------------- measures in words

ACRONYMS = frozenset({"arr", "atr", "mrr", "acv", "tcv", "nrr", "grr", "ltv", "cltv", "tam", "sam", "ai"})


LABEL_LIMIT = 40  # a measure's label is shortened to this many characters, its end kept

# Line breaks and other control characters (a space instead), and the marks that reorder the
# text after them (dropped): a measure's column name is shown on every page and table.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_REORDERING = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def plain_name(name: str) -> str:
    """A measure's column name as messages quote it: on one line, without the marks that
    reorder the text after them ('arr' stays 'arr')."""
    return _REORDERING.sub("", _CONTROLS.sub(" ", name))


def measure_setting(name: str) -> str:
    """The setting of a measure as a hint names it: 'balance.measures.arr', or with a key
    TOML must quote, 'balance.measures."ARR 2026"' (escapes for controls and reordering
    marks, so the hint shows them instead of obeying them)."""
    if re.fullmatch(r"[A-Za-z0-9_-]+", name):
        return f"balance.measures.{name}"
    quoted = json.dumps(name, ensure_ascii=False)
    return "balance.measures." + _REORDERING.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)


def measure_label(name: str) -> str:
    """A measure's column name as a sales-ops person reads it: 'arr' -> 'ARR',
    'renewals_next_2q' -> 'Renewals next 2q', 'potential' -> 'Potential'.

    On one line, without direction overrides, and at most ``LABEL_LIMIT`` characters: a
    longer name keeps its start and its end ('Net revenue retention …ter 2026 Q3'), where
    names of one family tend to differ."""
    flat = plain_name(name).strip()
    words = [w.upper() if w.lower() in ACRONYMS else w for w in flat.replace("-", "_").split("_") if w]
    text = " ".join(words) or flat or repr(name)
    text = text[:1].upper() + text[1:]
    if len(text) <= LABEL_LIMIT:
        return text
    tail = LABEL_LIMIT // 3
    return text[: LABEL_LIMIT - tail - 1].rstrip() + "\u2026" + text[-tail:].lstrip()


def amount_text(value: float) -> str:
    """1204000.0 -> '1,204,000'; 12.5 -> '12.5' (an amount of any measure)."""
    if abs(value) >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def band_text(share: float | None) -> str:
    """0.1 -> 'band ±10 %'; None -> 'not balanced'."""
    if share is None:
        return "not balanced"
    pct = share * 100
    return f"band ±{pct:.0f} %" if abs(pct - round(pct)) < 1e-9 else f"band ±{pct:.1f} %"


def measure_sentence(name: str, m: RepMeasure, band_share: float | None) -> str:
    """'ARR: 1,204,000 (fair share 1,150,000, band ±10 %)'."""
    return f"{measure_label(name)}: {amount_text(m.value)} (fair share {amount_text(m.fair)}, {band_text(band_share if m.band is not None else None)})"


# --------------------------------------------------------------------------- conversion

T = TypeVar("T")
_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls, vars(sys.modules[__name__]))
    return _HINTS[cls]


def _dump(tp: Any, value: Any, key: str) -> Any:
    """``value`` as the JSON value of type ``tp`` (the mirror of ``_load``)."""
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        alt = next((a for a in inner if _is(a, value)), inner[0])
        return _dump(alt, value, key)
    if tp is Any:
        return _plain(value)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(value, tp):
            raise SummaryError(key or "summary", f"must be a {tp.__name__} record, not {value!r}")
        hints = _hints(tp)
        out: dict[str, Any] = {}
        for f in dataclasses.fields(tp):
            v = getattr(value, f.name)
            if v is None and (f.metadata.get("omit_none") or f.metadata.get("since")):
                continue
            out[f.name] = _dump(hints[f.name], v, f"{key}.{f.name}" if key else f.name)
        return out
    if not _is(tp, value):
        raise SummaryError(key, f"must be {_kind(tp)}, not {value!r}")
    if tp is float:
        return float(value)
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return [_dump(args[0], v, f"{key}[{i}]") for i, v in enumerate(value)]
        if len(value) != len(args):
            raise SummaryError(key, f"must be a list of {len(args)}")
        return [_dump(a, v, f"{key}[{i}]") for i, (a, v) in enumerate(zip(args, value))]
    if origin is Mapping or tp is Mapping:
        args = typing.get_args(tp)
        vt = args[1] if args else Any
        return {str(k): _dump(vt, v, f"{key}.{k}") for k, v in value.items()}
    return value


def _is(tp: Any, value: Any) -> bool:
    """``value`` is of the kind ``tp`` declares (a whole number counts as a ``float``)."""
    origin = typing.get_origin(tp)
    if tp is Any:
        return True
    if tp is bool:
        return type(value) is bool
    if tp is int:
        return type(value) is int
    if tp is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if tp is str:
        return isinstance(value, str)
    if origin is tuple:
        return isinstance(value, (list, tuple))
    if origin is Mapping or tp is Mapping:
        return isinstance(value, Mapping)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return isinstance(value, tp)
    return False


def _plain(obj: Any) -> Any:
    """A value of a ``Mapping[str, Any]`` field (owned elsewhere) as JSON, as it is."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return _dump(type(obj), obj, "")
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj


def _matches(tp: Any, value: Any) -> bool:
    """The value is of the plain JSON kind ``tp`` stands for (alternatives of a union)."""
    if tp is int:
        return type(value) is int
    if tp is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if tp is str:
        return isinstance(value, str)
    return False


def _kind(tp: Any) -> str:
    """The kind of JSON value a type stands for, in words for a message."""
    origin = typing.get_origin(tp)
    if tp is str:
        return "text"
    if tp is int:
        return "a whole number"
    if tp is float:
        return "a number"
    if tp is bool:
        return "true or false"
    if origin in (tuple, list):
        return "a list"
    if origin is Mapping or (isinstance(tp, type) and dataclasses.is_dataclass(tp)) or tp is Mapping:
        return "an object"
    return "a value"


def _load(tp: Any, value: Any, key: str, strict: bool = False) -> Any:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        for alt in inner[1:]:  # e.g. "pools": a list of records, or a number in older plans
            if _matches(alt, value):
                return _load(alt, value, key, strict)
        return _load(inner[0], value, key, strict)
    if tp is Any:
        return value
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(value, Mapping):
            raise SummaryError(key or "summary", "must be an object")
        hints = _hints(tp)
        kwargs: dict[str, Any] = {}
        for f in dataclasses.fields(tp):
            sub = f"{key}.{f.name}" if key else f.name
            if f.name not in value:
                if f.default is not dataclasses.MISSING:
                    kwargs[f.name] = f.default
                    continue
                raise SummaryError(sub, "is missing")
            kwargs[f.name] = _load(hints[f.name], value[f.name], sub, strict)
        if strict and (extra := [k for k in value if k not in hints]):
            where = f"{key}.{extra[0]}" if key else str(extra[0])
            raise SummaryError(
                where, f"is not a field of {tp.__name__}; declare it in territory/plan_result.py"
            )
        return tp(**kwargs)
    if tp is str:
        if not isinstance(value, str):
            raise SummaryError(key, f"must be text, not {value!r}")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise SummaryError(key, f"must be true or false, not {value!r}")
        return value
    if tp is int:
        if type(value) is not int:
            raise SummaryError(key, f"must be a whole number, not {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SummaryError(key, f"must be a number, not {value!r}")
        return float(value)
    if origin is tuple:
        args = typing.get_args(tp)
        if not isinstance(value, list):
            raise SummaryError(key, f"must be {_kind(tp)}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_load(args[0], v, f"{key}[{i}]", strict) for i, v in enumerate(value))
        if len(value) != len(args):
            raise SummaryError(key, f"must be a list of {len(args)}")
        return tuple(_load(a, v, f"{key}[{i}]", strict) for i, (a, v) in enumerate(zip(args, value)))
    if origin is Mapping or tp is Mapping:
        if not isinstance(value, Mapping):
            raise SummaryError(key, "must be an object")
        args = typing.get_args(tp)
        vt = args[1] if args else Any
        return {str(k): _load(vt, v, f"{key}.{k}", strict) for k, v in value.items()}
    raise TypeError(f"no reader for {tp!r}")  # pragma: no cover - a field of a new kind


def summary_fields(cls: type = PlanSummary) -> list[dataclasses.Field[Any]]:
    """The fields of a record, in file order (for the docs generator)."""
    return list(dataclasses.fields(cls))


def field_type(cls: type, name: str) -> Any:
    """The resolved type of one field."""
    return _hints(cls)[name]
