"""Plan settings: a declared table of frozen dataclasses with defaults and help.

Values come from the defaults, then a TOML file, then repeated ``--set key=value`` flags,
in that order. Unknown keys and wrong types raise ``ConfigError`` naming the key and the
file. Every field carries ``metadata={"help": ...}``; ``describe_settings()`` lists them and
a test checks that none is undocumented.
"""

from __future__ import annotations

import dataclasses
import math
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
from .io.crm import (
    OWNER_LAYOUT_VALUES,
    OWNER_LAYOUTS_TEXT,
    OWNER_VALUE_AUTO_TEXT,
    PRESET_NAMES_TEXT,
    PRESET_SETTING_VALUES,
)

# The CRM presets the settings accept come from the preset registry (territory.io.crm).
if typing.TYPE_CHECKING:
    PresetSetting = str
    OwnerLayoutSetting = str
else:
    PresetSetting = Literal[PRESET_SETTING_VALUES]
    OwnerLayoutSetting = Literal[OWNER_LAYOUT_VALUES]

#: The smallest non-zero size a number setting may have: anything smaller changes nothing a
#: solver can see (its tolerances are about 1e-6), so 1e-300 is refused rather than obeyed.
TINY = 1e-6


@dataclass(frozen=True)
class Range:
    """The values a number setting accepts, declared once in the table below.

    TOML, ``--set`` and the CLI flags that map onto a setting (``--gap``, ``--time-limit``,
    ``--threads``, ``--sweep-moves``) all check values against it, so each range is written
    once. NaN and infinity are never accepted.

    ``share``: the value is a fraction of a whole (0.05 = 5 %). A plain number must then be
    below 1, because ``tier_band = 5`` almost always means 5 %, not 500 %; a value of 1 or
    more is written as a percentage ("100%"). ``length`` and ``some_positive`` apply to
    lists: exactly that many values, at least one above 0.
    """

    lo: float
    hi: float
    share: bool = False
    unit: str = ""
    length: int | None = None
    some_positive: bool = False

    def describe(self, whole: bool = False) -> str:
        """The allowed values in words, e.g. 'a whole number from 1 to 256'."""
        if self.share:
            text = f"a share from {_pct_text(self.lo)} to {_pct_text(self.hi)} (write 0.05 or 5%)"
        else:
            kind = "a whole number" if whole else "a number"
            text = f"{kind} from {_num_text(self.lo)} to {_num_text(self.hi)}"
            if self.unit:
                text += f" ({self.unit})"
        if self.length is None:
            return text
        each = text.split(" from ", 1)[1]
        text = f"{self.length} numbers, each from {each}"
        return text + (", at least one above 0" if self.some_positive else "")


def _num_text(x: float) -> str:
    """1000000 -> '1,000,000'; 0.1 -> '0.1'; 1e-06 -> '0.000001'."""
    if float(x).is_integer():
        return f"{int(x):,}"
    return f"{x:,.6f}".rstrip("0").rstrip(".")


def _pct_text(x: float) -> str:
    return f"{_num_text(x * 100)} %"


def setting(default: Any, help: str, allowed: Range | None = None, **kw: Any) -> Any:
    """A dataclass field with a default, its help text and, for numbers, its allowed range."""
    if isinstance(default, (list, dict, set)):
        raise TypeError("use a tuple or a default_factory for mutable defaults")
    meta = {"help": help, **kw}
    if allowed is not None:
        meta["range"] = allowed
    if isinstance(default, type) and dataclasses.is_dataclass(default):
        return field(default_factory=default, metadata=meta)
    return field(default=default, metadata=meta)


#: A rep's capacity (a scenario's add-rep and capacity steps): a share of a full book.
CAPACITY = Range(0.01, 10.0, unit="1.0 = a full book, 0.5 = ramping")
SHARE = Range(0.0, 1.0, share=True)
PENALTY = Range(0.0, 1_000_000.0, unit="in moves")
WEIGHTS = Range(0.0, 1_000.0, length=3, some_positive=True)


@dataclass(frozen=True)
class MeasureConfig:
    band: float = setting(
        0.10,
        "Allowed relative deviation of each rep's total of the measure from its fair share.",
        allowed=SHARE,
    )
    penalty: float = setting(
        1000.0,
        "Cost of being outside the band by 100 % of the rep's fair share, in units of one "
        "account moved (1000 = 10 moves per 1 % outside the band).",
        allowed=PENALTY,
    )


@dataclass(frozen=True)
class BalanceConfig:
    tier_band: float = setting(
        0.10,
        "Allowed relative deviation of each rep's count of each tier from its "
        "capacity-proportional fair share (0.10 = +-10 %).",
        allowed=SHARE,
    )
    tier_band_min_accounts: float = setting(
        1.0,
        "The tier band is never narrower than this many accounts either side of the fair "
        "share, so small shares stay feasible (+-10 % or +-1 account, whichever is wider).",
        allowed=Range(0.0, 1_000_000.0, unit="accounts"),
    )
    tier_penalty: float = setting(
        100.0,
        "Cost of each account outside a tier band, in units of one account moved. High "
        "values make the bands nearly hard rules.",
        allowed=PENALTY,
    )
    measures: dict[str, MeasureConfig] = field(
        default_factory=lambda: {"potential": MeasureConfig()},
        metadata={
            "help": "Numeric account columns balanced per rep, each within its own band around "
            "a capacity-proportional fair share, e.g. [balance.measures.potential] band = 0.10, "
            "penalty = 1000 and [balance.measures.arr] band = 0.15. A table in plan.toml lists "
            "every balanced measure (leave potential out to stop balancing it); "
            "--set balance.measures.arr.band=0.15 adds or changes one."
        },
    )
    account_band: float | None = setting(
        None,
        "Optional band on the total number of accounts per rep (relative to fair share); "
        "unset means account counts follow from the tier bands.",
        allowed=SHARE,
    )
    workload_band: float | None = setting(
        None,
        "Optional band on each rep's workload (tier-weighted effort: balance.workload_weights "
        "per Tier 1/2/3 account) around its fair share, e.g. 0.10; unset = not balanced.",
        allowed=SHARE,
    )
    workload_weights: tuple[float, ...] = setting(
        (3.0, 2.0, 1.0),
        "Effort of one Tier 1, Tier 2 and Tier 3 account, for the workload band.",
        allowed=WEIGHTS,
    )
    team_band: float | None = setting(
        None,
        "Balance each manager's team too (reps grouped by the roster's manager column): each "
        "team's count of each tier and its total of each balanced measure within +-this share "
        "of the team's fair share (team capacity / pool capacity x the pool's total), e.g. "
        "0.10; unset = only reps are balanced. Tier counts are priced at balance.tier_penalty "
        "per account outside, measures at their own penalty.",
        allowed=SHARE,
    )
    hard_bands: bool = setting(
        False,
        "Treat the tier and measure bands as hard rules: if they cannot all hold, the plan "
        "fails with an explanation instead of bending the bands at a penalty.",
    )


@dataclass(frozen=True)
class ContinuityConfig:
    move_cost: float = setting(
        1.0,
        "Price of moving one account away from its current owner (the main cost).",
        allowed=PENALTY,
    )
    max_moved_share: float | None = setting(
        None,
        "Cap on the share of accounts that change owner (0.05 = at most 5 %), per pool. Forced "
        "moves (the owner left the roster or no longer covers the account) do not count.",
        allowed=SHARE,
    )
    max_potential_moved_share: float | None = setting(
        None,
        "Cap on the share of potential that changes owner (0.10 = at most 10 %), per pool; "
        "forced moves do not count.",
        allowed=SHARE,
    )
    previous: str = setting(
        "",
        "The previous plan's folder (as `territory plan` wrote it; also --previous DIR): an "
        "account it moved costs continuity.repeat_move_weight moves to move again, and the "
        "summary counts the accounts moved twice in a row. Empty = no previous plan.",
    )
    repeat_move_weight: float = setting(
        2.0,
        "With a previous plan: moving an account that the previous plan moved costs this many "
        "moves (1 = no different from any other move).",
        allowed=Range(1.0, 1000.0, unit="moves"),
    )
    max_moves_per_rep: int | None = setting(
        None,
        "Cap on the accounts any one rep gains from, or loses to, other reps on the roster, so "
        "no single rep absorbs the churn (accounts of departed owners and new accounts do not "
        "count).",
        allowed=Range(0, 10_000_000, unit="accounts"),
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
    min: float | None = setting(
        None, "Smallest value in the segment (inclusive); unset = no floor.", allowed=Range(0.0, 1e15)
    )
    max: float | None = setting(
        None, "Largest value in the segment (exclusive); unset = no ceiling.", allowed=Range(0.0, 1e15)
    )

    def problem(self) -> str | None:
        """What is wrong with the rule as a whole (each value has been checked on its own)."""
        if self.min is not None and self.max is not None and self.min >= self.max:
            return (
                f"min ({_num_text(self.min)}) must be below max ({_num_text(self.max)}), or no "
                "account fits the segment"
            )
        return None


@dataclass(frozen=True)
class ProductsConfig:
    min_tier: int = setting(
        2,
        "With product ICPs: an account enters a product's books only if its tier for that product "
        "is at or better than this (2 = best and good fit; 3 = every account).",
        allowed=Range(1, 3),
    )
    tier_weights: tuple[float, ...] = setting(
        (3.0, 2.0, 1.0),
        "Effort weight of a Tier 1, 2 and 3 account, used to share reps with product = auto "
        "between products in proportion to tier-weighted demand.",
        allowed=WEIGHTS,
    )
    # Accounts that fit no product ICP (issue 12): listed, never dropped.
    no_fit: Literal["keep", "unassigned"] = setting(
        "keep",
        "With product ICPs: an account that fits no product (no tier at or better than "
        "products.min_tier) is listed in assignments.csv with reason 'fits no product ICP' and "
        "'keep' keeps its current owner, 'unassigned' lists it without an owner. Neither "
        "changes the CRM: such accounts are in no owner_changes file.",
    )


@dataclass(frozen=True)
class SolverConfig:
    name: Literal["highs", "cbc"] = setting(
        "highs", "Solver: 'highs' (HiGHS through highspy, fast) or 'cbc' (bundled with pulp)."
    )
    time_limit: float = setting(
        60.0,
        "Wall-clock limit per pool, in seconds: a safety net (solves stop on work limits, so the "
        "plan does not depend on the machine); a pool it stops gets status time_limit and a warning.",
        allowed=Range(0.1, 604_800.0, unit="seconds; 604,800 is a week"),
    )
    gap: float = setting(
        0.001, "Stop when the plan is proven within this relative gap of the best possible.", allowed=SHARE
    )
    threads: int = setting(1, "Solver threads per solve (1 keeps runs reproducible).", allowed=Range(1, 256))
    seed: int = setting(
        0, "Random seed handed to the solver, for reproducible plans.", allowed=Range(0, 2**31 - 2)
    )
    method: Literal["auto", "exact", "aggregate"] = setting(
        "auto",
        "Solving method: 'exact' (one MIP over every eligible family-rep pair per pool), "
        "'aggregate' (interchangeable families grouped into classes, solved per pool with "
        "highspy, then split back to accounts and polished by local search; for 10^5-10^6 "
        "accounts) or 'auto' (exact up to solver.exact_max_pairs pairs and "
        "solver.exact_max_units families, aggregate above).",
    )
    exact_max_pairs: int = setting(
        15_000,
        "With method = 'auto': the largest number of eligible (family, rep) pairs solved exactly.",
        allowed=Range(0, 100_000_000),
    )
    exact_max_units: int = setting(
        3_000,
        "With method = 'auto': the largest number of families (units) solved exactly.",
        allowed=Range(0, 100_000_000),
    )
    workers: int = setting(
        0,
        "Processes that solve independent pools in parallel with the aggregate method "
        "(0 = one per CPU). Results do not depend on it.",
        allowed=Range(0, 1_024),
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
    preset: PresetSetting = setting(
        "",
        f"CRM export preset: {PRESET_NAMES_TEXT} maps the export's headers onto the "
        "canonical columns (case-insensitive), strips report footer lines, accepts 15- and "
        "18-character Salesforce ids, and writes owner_changes.csv in that CRM's bulk-update "
        "form. Empty: a file that is clearly one CRM's export gets that preset (said in one "
        "line), an unclear one is refused; 'none' reads the columns as they are.",
    )
    max_file_mb: int = setting(
        1024,
        "Largest input file read, in megabytes (10^6 bytes); a larger file, or an XLSX that "
        "unzips to more, is refused before it is read.",
        allowed=Range(1, 1_000_000, unit="megabytes"),
    )
    max_rows: int = setting(
        5_000_000,
        "Most data rows read from one input file (CSV, XLSX, Parquet); checked before the rows are parsed.",
        allowed=Range(1, 1_000_000_000, unit="rows"),
    )
    sheet: str = setting("", "Worksheet to read when the accounts file is an XLSX workbook.")
    table: str = setting("", "Database table holding the accounts (with a database URL).")
    query: str = setting(
        "", "SQL query returning the accounts (with a database URL; instead of inputs.table)."
    )
    requests: str = setting(
        "",
        "Managers' requests file (CSV/XLSX), relative to plan.toml (--requests): columns "
        "account_id, rep_id (a rep, or 'keep' for the current owner), requested_by and note. "
        "Each request the rules allow is honoured and priced (see docs/requests.md).",
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
    owner_changes: OwnerLayoutSetting = setting(
        "auto",
        f"Header layout of owner_changes.csv: 'canonical' (account_id,owner_id), "
        f"{OWNER_LAYOUTS_TEXT}; 'auto' follows inputs.preset.",
    )
    owner_value: Literal["auto", "id", "email", "name"] = setting(
        "auto",
        "What owner_changes.csv puts in the owner column: the rep's 'id', 'email' or 'name' "
        f"from the roster; 'auto' is {OWNER_VALUE_AUTO_TEXT}.",
    )
    # The guard before the CRM (issue 12): a mass owner change is withheld unless allowed.
    max_owner_change_share: float = setting(
        0.30,
        "The owner-update file is withheld when it would change the owner of more than this "
        "share of the accounts (0.30 = 30 %; per file with product ICPs), or when no account "
        "has a current owner; assignments.csv and summary.json are still written.",
        allowed=SHARE,
    )
    allow_mass_change: bool = setting(
        False,
        "Write the owner-update file even above outputs.max_owner_change_share or when no "
        "account has a current owner (the --allow-mass-change flag).",
    )
    product_owner_fields: dict[str, str] = field(
        default_factory=dict,
        metadata={
            "help": "With product ICPs, the CRM field that holds each product's owner, which is "
            'the owner column of owner_changes_<product>.csv, e.g. {core = "Core_Owner__c"}; '
            '"role:Core Specialist" writes a Salesforce account-team insert (AccountId, '
            "UserId, TeamMemberRole) instead. Unset products use owner_id_<product>. The "
            "accounts file's column of that name, when present, gives the current owners."
        },
    )
    # The review page and spreadsheet books (issue 16).
    books_format: tuple[Literal["pdf", "xlsx"], ...] = setting(
        ("pdf",),
        "What outputs.books renders: 'pdf', 'xlsx' (each rep's accounts and each manager's team "
        'as an Excel workbook, with the PDF\'s columns) or both, as \'pdf,xlsx\' or ["pdf", "xlsx"].',
    )
    report: bool = setting(
        False,
        "Also write the review page <dir>/report.html ('territory run'): one offline HTML file "
        "with every rep's balance, the accounts with their reasons, moves by manager and the map "
        "(as 'territory report').",
    )
    report_previous: str = setting(
        "",
        "With outputs.report: a previous plan folder (relative to plan.toml) whose differences "
        "the review page lists, as 'territory report --previous'. Empty: none.",
    )

    def problem(self) -> str | None:
        """What is wrong with the outputs as a whole (each value has been checked on its own)."""
        if not self.books_format:
            return "books_format names no format; use 'pdf', 'xlsx' or 'pdf,xlsx'"
        if self.report_previous and not self.report:
            return "report_previous is set but report is false; set report = true to write the review page"
        return None


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
    units: Literal["none", "state", "county", "zip3"] = setting(
        "none",
        "Make territories from whole geographic units: 'state', 'county' or 'zip3'. Every unit "
        "of the covered states goes to one rep, each rep's units are one connected piece, and "
        "accounts follow their unit (locked accounts stay with their rep). 'none': territories "
        "are lists of accounts.",
    )
    compactness_penalty: float = setting(
        0.0,
        "With geo.units: the price of each 100 km between a unit of average potential and the "
        "centre of the territory its rep holds today (potential-weighted); 0 leaves "
        "compactness unpriced (it is still reported).",
        Range(0.0, 1_000_000.0, unit="in moves per 100 km"),
    )


DAYS = Range(0, 36_525, unit="days; 36,525 is 100 years")


def toml_text(value: Any) -> str:
    """A setting's value as TOML writes it: "text", 90, true, ["a", "b"]."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_text(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{k} = {toml_text(v)}" for k, v in value.items()) + " }"
    return str(value)


@dataclass(frozen=True)
class LockRule:
    """One [[locks.rules]] table: keep matching accounts with their current owner.

    A rule has exactly one test: ``within_days`` / ``within_last_days`` (a date in
    ``column`` near the as-of date), ``equals`` / ``in`` (a value of ``column``) or
    ``stage_at_least`` (an open opportunity at that stage or later).
    """

    name: str = setting("", "A short name for the rule, shown in the summary (default: the rule's text).")
    column: str = setting(
        "",
        "The accounts column the rule reads, e.g. renewal_date, owner_since or strategic "
        "(not used by stage_at_least, which reads the opportunities file).",
    )
    within_days: int | None = setting(
        None,
        "Keep the account when its date in column falls on the as-of date or up to this many "
        "days after it (a renewal coming up).",
        allowed=DAYS,
    )
    within_last_days: int | None = setting(
        None,
        "Keep the account when its date in column falls on the as-of date or up to this many "
        "days before it (an owner who took the account recently: owner_since).",
        allowed=DAYS,
    )
    equals: str | bool | None = setting(
        None,
        "Keep the account when column holds this value (letter case and spaces ignored; true, "
        "yes, y and 1 are alike when the column holds only true/false words).",
    )
    in_: tuple[str, ...] = setting(
        (), "Keep the account when column holds one of these values (letter case ignored).", key="in"
    )
    stage_at_least: str = setting(
        "",
        "Keep the account when it has an open opportunity (not won or lost) at this stage or a "
        "later one, in the stage order of stages (or locks.stages); needs the opportunities "
        "file (--opportunities or locks.opportunities).",
    )
    stages: tuple[str, ...] = setting(
        (), "The opportunity stages in order, earliest first, for this rule (default locks.stages)."
    )
    date_format: str = setting(
        "",
        "strftime pattern of the dates in column, e.g. '%d/%m/%Y'; needed only when day and "
        "month cannot be told apart from the data.",
    )

    TESTS = ("within_days", "within_last_days", "equals", "in", "stage_at_least")

    def tests(self) -> list[str]:
        """The test keys this rule sets (a valid rule sets exactly one)."""
        given = {
            "within_days": self.within_days is not None,
            "within_last_days": self.within_last_days is not None,
            "equals": self.equals is not None,
            "in": bool(self.in_),
            "stage_at_least": bool(self.stage_at_least),
        }
        return [k for k in self.TESTS if given[k]]

    def text(self) -> str:
        """The rule as written in TOML (the keys that differ from the defaults)."""
        parts = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "name" or value == f.default:
                continue
            parts.append(f"{f.metadata.get('key', f.name)} = {toml_text(value)}")
        return ", ".join(parts)

    def describe(self, index: int) -> str:
        """'lock rule 2 (column = "renewal_date", within_days = 90)', the name first if any."""
        name = f" {toml_text(self.name)}" if self.name else ""
        return f"lock rule {index}{name} ({self.text()})"

    @staticmethod
    def label_for(index: int, raw: Any) -> str:
        """How an error names the rule before it is built: its index and text as written."""
        if not isinstance(raw, Mapping):
            return f"lock rule {index}"
        name = raw.get("name")
        shown = f" {toml_text(name)}" if isinstance(name, str) and name else ""
        text = ", ".join(f"{k} = {toml_text(v)}" for k, v in raw.items() if k != "name")
        return f"lock rule {index}{shown} ({text})"

    def problem(self) -> str | None:
        tests = self.tests()
        if not tests:
            return (
                "a rule needs one test: within_days or within_last_days (a date column), "
                "equals or in (a value), or stage_at_least (an open opportunity), e.g. column = "
                '"renewal_date", within_days = 90'
            )
        if len(tests) > 1:
            return (
                f"a rule has one test, this one has {len(tests)} ({', '.join(tests)}); write one "
                "[[locks.rules]] table per test"
            )
        test = tests[0]
        if test == "stage_at_least":
            if self.column:
                return (
                    "stage_at_least reads the opportunities file, not an accounts column; leave "
                    "out column (locks.opportunity_stage names the stage column if needed)"
                )
        elif not self.column.strip():
            return f'{test} needs the accounts column to read, e.g. column = "renewal_date"'
        if self.date_format and test not in ("within_days", "within_last_days"):
            return "date_format applies to date tests only (within_days, within_last_days)"
        if self.stages and test != "stage_at_least":
            return "stages applies to stage_at_least only"
        if isinstance(self.equals, str) and not self.equals.strip():
            return 'equals needs a value, e.g. equals = "true"'
        if any(not v.strip() for v in self.in_):
            return 'in lists values to match; an empty value matches nothing, e.g. in = ["gold", "platinum"]'
        return None


@dataclass(frozen=True)
class LocksConfig:
    rules: tuple[LockRule, ...] = setting(
        (),
        "Lock rules from the data: [[locks.rules]] tables, each keeping the accounts it matches "
        'with their current owner (see docs/lock-rules.md), e.g. column = "renewal_date", '
        "within_days = 90.",
    )
    as_of: str = setting(
        "",
        "The date the date rules count from, YYYY-MM-DD (--as-of). Empty means today, which makes "
        "the plan depend on the day it runs; summary.json records the date used.",
    )
    opportunities: str = setting(
        "",
        "Opportunities file (CSV/XLSX/Parquet) for stage_at_least rules, relative to plan.toml "
        "(--opportunities): one row per opportunity with its account and stage.",
    )
    stages: tuple[str, ...] = setting(
        (),
        'The opportunity stages in order, earliest first, e.g. ["Prospecting", '
        '"Qualification", "Proposal", "Negotiation"]; won and lost stages need not be listed.',
    )
    opportunity_account: str = setting(
        "account_id", "The opportunities column naming the account (matched ignoring case, spaces and '_')."
    )
    opportunity_stage: str = setting(
        "",
        "The opportunities column holding the stage; empty finds it by name (stage, StageName, deal_stage).",
    )
    kept_anyway: bool = setting(
        True,
        "Solve once more without the lock rules to count, per rule, the accounts the plan would "
        "have kept with their owner anyway (summary.json); false saves that solve.",
    )

    def problem(self) -> str | None:
        if self.as_of:
            import re
            from datetime import date

            try:
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", self.as_of.strip()):
                    raise ValueError
                date.fromisoformat(self.as_of.strip())
            except ValueError:
                return f"as_of must be a date written YYYY-MM-DD, e.g. 2026-12-03, not {self.as_of!r}"
        return None


@dataclass(frozen=True)
class RequestsConfig:
    bands: Literal["hold", "bend"] = setting(
        "hold",
        "'hold': a request is refused when honouring it would put a rep outside a tier or "
        "potential band (or further outside) compared with the plan without it; 'bend': "
        "honour every request the hard rules allow, the bands bending at their penalty.",
    )


@dataclass(frozen=True)
class CapacityConfig:
    by: Literal["region", "manager", "product"] = setting(
        "region",
        "'territory capacity' groups the reps by region (reps covering several regions join "
        "them into one group), by manager (a team) or by product.",
    )
    target_workload: float | None = setting(
        None,
        "Workload one full rep (capacity 1.0) should carry: tier-weighted accounts "
        "(balance.workload_weights). Unset with target_accounts unset: today's average.",
        allowed=Range(TINY, 1e9, unit="workload per full rep"),
    )
    target_accounts: float | None = setting(
        None,
        "Accounts one full rep should own, instead of target_workload.",
        allowed=Range(TINY, 1e9, unit="accounts per full rep"),
    )
    changes: tuple[int, ...] = setting(
        (-1, 1, 2),
        "The headcount changes planned for every group besides today's (-1 = one rep fewer).",
        allowed=Range(-20, 20, unit="reps"),
    )

    def problem(self) -> str | None:
        if self.target_workload is not None and self.target_accounts is not None:
            return "give target_workload or target_accounts, not both"
        if 0 in self.changes:
            return "changes lists changes from today's headcount; today's (0) is always planned"
        if len(set(self.changes)) != len(self.changes):
            return "changes lists a change twice"
        return None


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
    locks: LocksConfig = setting(LocksConfig, "Lock rules from the data, and the as-of date they count from.")
    capacity: CapacityConfig = setting(CapacityConfig, "Headcount questions: 'territory capacity'.")
    requests: RequestsConfig = setting(RequestsConfig, "Managers' requests: when a request is refused.")


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
        from .io.safe_read import read_toml_setting

        data = deep_merge(data, read_toml_setting(path, "config file"))
    cfg = config_from_dict(PlanConfig, data, source)
    errors: list[str] = []
    for item in overrides:
        try:
            cfg = apply_override(cfg, item)
        except ConfigError as e:
            errors.append(str(e))
    if errors:
        raise _all_of(errors)
    return cfg


def settings_record(
    path: str | Path | None, overrides: Iterable[str], *, scenario: Iterable[str] = ()
) -> dict[str, Any] | None:
    """Where the settings came from, for summary.json ``settings``: the settings file (name and
    SHA-256) and each command-line setting with the value used and, when the file set the same
    key, the file's value it replaced (the command line wins). A what-if scenario's own settings
    (``scenario``, applied last) are listed the same way under ``scenario``. None when nothing
    was given."""
    from .io.safe_read import read_toml_setting

    file_data: Mapping[str, Any] = read_toml_setting(path, "config file") if path is not None else {}
    overrides, scenario = list(overrides), list(scenario)
    if path is None and not overrides and not scenario:
        return None
    used_by = {"command_line": config_to_dict(load_config(path, overrides))}
    if scenario:
        used_by["scenario"] = config_to_dict(load_config(path, overrides + scenario))
    out: dict[str, Any] = {}
    if path is not None:
        import hashlib

        out["file"] = Path(path).name
        out["sha256"] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    for label, items in (("command_line", overrides), ("scenario", scenario)):
        given = dict(_split_override(item) for item in items)  # the last one wins, as applied
        line: dict[str, Any] = {}
        for key in given:
            used = _dotted(used_by[label], key)
            entry: dict[str, Any] = {"value": given[key] if used is _ABSENT else used}
            in_file = _dotted(file_data, key)
            if in_file is not _ABSENT:
                entry["file_value"] = in_file
            line[key] = entry
        if line:
            out[label] = line
    return out


_ABSENT = object()


def _dotted(data: Mapping[str, Any], key: str) -> Any:
    """The value at a dotted key ('balance.tier_band'), or _ABSENT."""
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return _ABSENT
        node = node[part]
    return node


def _all_of(errors: list[str]) -> ConfigError:
    """One error for every wrong setting, one line each, ending with the count when several."""
    lines = [
        line for e in errors for line in e.splitlines() if not line.endswith("problems in the settings.")
    ]
    tail = [f"{len(lines)} problems in the settings."] if len(lines) > 1 else []
    return ConfigError("\n".join(lines + tail))


def deep_merge(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for k, v in b.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = v
    return out


T = typing.TypeVar("T")

# Settings that moved, with where they live now (named in the unknown-setting error).
RENAMED = {
    "balance.potential_band": "balance.measures.potential.band",
    "balance.potential_penalty": "balance.measures.potential.penalty",
}


def config_from_dict(cls: type[T], data: Mapping[str, Any], source: str, prefix: str = "") -> T:
    """Check ``data`` against the dataclass ``cls`` and build it; errors name the key."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: '{prefix.rstrip('.') or 'top level'}' must be a table")
    hints = get_type_hints(cls)
    # A field may be written under another key ("in" is a Python keyword: field in_).
    known = {f.metadata.get("key", f.name): f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    errors: list[str] = []  # every wrong key at once, one line each
    for name in sorted(set(data) - set(known)):
        close = [prefix + k for k in known if k.split("_")[0] in name]
        hint = f" Did you mean {close[0]}?" if close else ""
        if prefix + name in RENAMED:
            hint = f" It is now {RENAMED[prefix + name]}."
        errors.append(
            f"{source}: unknown setting '{prefix + name}'.{hint} Run 'territory settings' to list them."
        )
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        if name in known:
            f = known[name]
            try:
                kwargs[f.name] = _coerce(hints[f.name], value, source, prefix + name, f.metadata.get("range"))
            except ConfigError as e:
                errors.append(str(e))
    if errors:
        raise _all_of(errors)
    built = cls(**kwargs)
    wrong = built.problem() if hasattr(built, "problem") else None
    if wrong:
        raise ConfigError(f"{source}: '{prefix.rstrip('.')}': {wrong}")
    return built


def _coerce(tp: Any, value: Any, source: str, key: str, rng: Range | None = None) -> Any:
    """Check ``value`` against the type ``tp`` and, for number settings, its ``Range``."""
    if rng is not None:
        return _coerce_number(tp, value, source, key, rng)
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
        (inner, *_rest) = get_args(tp)
        if dataclasses.is_dataclass(inner):
            return _coerce_tables(inner, value, source, key)  # type: ignore[arg-type]
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{source}: setting '{key}' must be a list, not {value!r}")
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
    if tp is str:
        if isinstance(value, str) and "\x00" in value:  # a TOML "\u0000": no file name or text has one
            raise ConfigError(
                f"{source}: setting '{key}' holds a NUL character (\\0), which no file name or label can hold"
            )
        if isinstance(value, str):
            return value
        raise ConfigError(f"{source}: setting '{key}' must be text, not {value!r}")
    raise ConfigError(f"{source}: setting '{key}' has an unsupported type")  # pragma: no cover


def _table_of(tp: Any) -> Any:
    """The dataclass of a ``dict[str, Dataclass]`` setting (a table of named entries), else None."""
    if get_origin(tp) is dict:
        vt = get_args(tp)[1]
        if dataclasses.is_dataclass(vt):
            return vt
    return None


def _coerce_tables(cls: type, value: Any, source: str, key: str) -> tuple[Any, ...]:
    """A list of tables (TOML ``[[key]]``), each built as ``cls``; every wrong table reported.

    When ``cls`` has ``label_for(index, raw)``, errors name the table by it (e.g. "lock rule
    2 (column = ...)") rather than by its position alone.
    """
    if isinstance(value, Mapping):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise ConfigError(
            f"{source}: setting '{key}' must be a list of tables, e.g. [[{key}]], not {value!r}"
        )
    label_for = getattr(cls, "label_for", None)
    out: list[Any] = []
    errors: list[str] = []
    for i, raw in enumerate(value, start=1):
        where = f"{key}[{i}]"
        try:
            out.append(config_from_dict(cls, raw, source, where + "."))
        except ConfigError as e:
            if label_for is None:
                errors.append(str(e))
                continue
            label = label_for(i, raw)
            for line in str(e).splitlines():
                if line.endswith("problems in the settings."):
                    continue
                line = line.removeprefix(f"{source}: ").removeprefix(f"'{where}': ")
                errors.append(f"{source}: {label}: {line}")
    if errors:
        raise _all_of(errors)
    return tuple(out)


def allowed_text(tp: Any, rng: Range) -> str:
    """The allowed values of a number setting in words, as docs and error messages say them."""
    optional = get_origin(tp) in (Union, types.UnionType) and type(None) in get_args(tp)
    base = next((a for a in get_args(tp) if a is not type(None)), tp) if optional else tp
    listed = get_origin(base) is tuple and rng.length is None
    if get_origin(base) is tuple:
        base = get_args(base)[0]
    text = rng.describe(whole=base is int)
    if listed:
        text = "a list, each " + text
    return text + (", or none (unset)" if optional else "")


def _coerce_number(tp: Any, value: Any, source: str, key: str, rng: Range) -> Any:
    """A number, an optional number or a list of numbers, checked against ``rng``."""
    what = allowed_text(tp, rng)

    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."

    def refuse(detail: str = "") -> ConfigError:
        return ConfigError(f"{source}: setting '{key}' must be {what}, not {shown}{detail}")

    optional = get_origin(tp) in (Union, types.UnionType) and type(None) in get_args(tp)
    if optional:
        if value is None:
            return None
        tp = next(a for a in get_args(tp) if a is not type(None))
    if get_origin(tp) is tuple:
        items = value
        if isinstance(items, str):
            items = [v.strip() for v in items.split(",")] if items.strip() else []
        if not isinstance(items, (list, tuple)):
            raise refuse()
        if rng.length is not None and len(items) != rng.length:
            n = len(items)
            raise refuse(f" ({n} value{'s' if n != 1 else ''})")
        out = tuple(_one_number(get_args(tp)[0], v, rng, refuse) for v in items)
        if rng.some_positive and not any(x > 0 for x in out):
            raise refuse(" (all zero)")
        return out
    return _one_number(tp, value, rng, refuse)


def check_number(value: Any, rng: Range, label: str, whole: bool = False) -> float | int:
    """Check one number that is not a setting (an ICP's points, a threshold) against ``rng``.

    Only real numbers are accepted (no text, no true/false); the ``ConfigError`` reads
    ``<label> must be <range>, not <value>``.
    """
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."

    def refuse(detail: str = "") -> ConfigError:
        return ConfigError(f"{label} must be {rng.describe(whole)}, not {shown}{detail}")

    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise refuse()
    return _one_number(int if whole else float, value, rng, refuse)


def _one_number(tp: Any, value: Any, rng: Range, refuse: Any) -> float | int:
    whole = tp is int
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise refuse()
    percent = isinstance(value, str) and value.strip().endswith("%")
    x: float | int
    if isinstance(value, str):
        text = value.strip().removesuffix("%").strip()
        try:
            x = int(text) if whole else float(text)
        except ValueError:  # also int() of more than 4,300 digits
            raise refuse() from None
    else:
        x = value
    if percent:
        if not rng.share:
            raise refuse(": a percentage only fits a share; write a plain number")
        x = x / 100
    if whole and not isinstance(x, int):
        raise refuse()
    if not math.isfinite(x):
        raise refuse()
    if rng.share and not percent and 1 <= x <= 100 * rng.hi:
        shown = _num_text(x)
        whole_share = " Write 100% to mean the whole." if x == 1 and rng.hi >= 1 else ""
        raise refuse(f": as a share, {shown} means {_pct_text(x)}. Did you mean {shown}%?{whole_share}")
    if not rng.lo <= x <= rng.hi or (rng.share and not percent and x >= 1):
        raise refuse()
    if x != 0 and abs(x) < TINY:
        raise refuse(f": too small to make any difference; write 0 for none or at least {_num_text(TINY)}")
    return x if whole else float(x)


def _field_type(cls: type, dotted: str) -> tuple[Any, list[str]]:
    path = dotted.split(".")
    tp: Any = cls
    i = 0
    while i < len(path):
        part = path[i]
        if _table_of(tp) is not None:  # a named entry of a table, e.g. measures.arr
            tp = _table_of(tp)
            i += 1
            continue
        if get_origin(tp) is dict and i > 0 and not dataclasses.is_dataclass(get_args(tp)[1]):
            # A table such as columns.accounts: the rest of the key, dots and all, is one entry
            # ("columns.accounts.revenue.2024" maps the header "revenue.2024").
            entry = _unquote(".".join(path[i:]))
            if not entry:
                raise ConfigError(f"--set: '{dotted}' names no entry of '{'.'.join(path[:i])}'")
            return get_args(tp)[1], [*path[:i], entry]
        if not dataclasses.is_dataclass(tp):
            raise ConfigError(f"--set: '{'.'.join(path[:i])}' has no sub-settings")
        hints = get_type_hints(tp)
        if part not in hints:
            hint = f" It is now {RENAMED[dotted]}." if dotted in RENAMED else ""
            raise ConfigError(
                f"--set: unknown setting '{dotted}'.{hint} Run 'territory settings' to list them."
            )
        tp = hints[part]
        i += 1
    return tp, path


def _field_range(path: list[str]) -> Range | None:
    """The declared range of the setting at ``path`` (a list of field names), if any."""
    cls: Any = PlanConfig
    for part in path[:-1]:
        entry = _table_of(cls)  # a named entry of a table (balance.measures.arr.band)
        cls = entry if entry is not None else get_type_hints(cls)[part]
    meta = {f.name: f.metadata for f in dataclasses.fields(cls)}[path[-1]]
    return meta.get("range")


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def _split_override(item: str) -> tuple[str, str]:
    """``key=value`` split at the first ``=`` outside quotes (a quoted key may hold ``=``)."""
    quote = ""
    for i, ch in enumerate(item):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch == "=":
            return item[:i].strip(), item[i + 1 :].strip()
    raise ConfigError(f"--set {item!r}: expected key=value, e.g. balance.tier_band=0.05")


def apply_override(cfg: PlanConfig, item: str) -> PlanConfig:
    """Apply one ``key=value`` (e.g. ``balance.tier_band=0.05``) and return a new config.

    Entries of a table take the rest of the key as their name, spaces and dots included:
    ``columns.accounts.Sales Region=region`` or ``columns.accounts."Billing Zip/Postal Code"=postal_code``.
    """
    key, raw = _split_override(item)
    # The dots inside a quoted part belong to the name, not to the path.
    prefix, _, quoted = key.partition('"') if '"' in key else key.partition("'")
    if quoted:
        key = prefix + quoted.rstrip("\"'")
    tp, path = _field_type(PlanConfig, key)
    if len(path) >= 2 and get_origin(_field_type(PlanConfig, ".".join(path[:-1]))[0]) is dict:
        table = dict(_get_path(cfg, path[:-1]))
        table[path[-1]] = _coerce(tp, _unquote(raw), "--set", key)
        return _replace_path(cfg, path[:-1], table)
    value: Any = raw
    if get_origin(tp) is Literal and raw.lower() in get_args(tp):
        value = raw.lower()  # a choice spelt 'none' (geo.units = none) is that choice, not null
    elif raw.lower() in ("none", "null", ""):
        value = None
    elif raw.startswith("[") or raw.startswith('"'):
        from .io.safe_read import UnreadableFile, check_toml_depth

        try:
            check_toml_depth(raw, f"--set {key}")
            value = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw
        except UnreadableFile as e:
            raise ConfigError(str(e)) from None
    coerced = _coerce(tp, value, "--set", key, _field_range(path))
    out = _replace_path(cfg, path, coerced)
    # The whole table must still make sense (e.g. locks.as_of is a date, segment min < max).
    for i in range(len(path) - 1, 0, -1):
        owner = _get_path(out, path[:i])
        wrong = owner.problem() if hasattr(owner, "problem") else None
        if wrong:
            raise ConfigError(f"--set: '{'.'.join(path[:i])}': {wrong}")
    return out


def _get_path(obj: Any, path: list[str]) -> Any:
    for part in path:
        obj = obj[part] if isinstance(obj, Mapping) else getattr(obj, part)
    return obj


def _replace_path(obj: Any, path: list[str], value: Any, tp: Any = None) -> Any:
    entry_tp = _table_of(tp)
    if entry_tp is not None:  # a table of named entries: change or add one entry
        out = dict(obj)
        if len(path) == 1:
            out[path[0]] = value
        else:
            entry = out.get(path[0]) or entry_tp()
            out[path[0]] = _replace_path(entry, path[1:], value, entry_tp)
        return out
    if len(path) == 1:
        return dataclasses.replace(obj, **{path[0]: value})
    child_tp = get_type_hints(type(obj))[path[0]]
    return dataclasses.replace(
        obj, **{path[0]: _replace_path(getattr(obj, path[0]), path[1:], value, child_tp)}
    )


def config_to_dict(cfg: Any) -> dict[str, Any]:
    """Plain dict of a config (for summary.json), keys in declaration order."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(cfg):
        v = getattr(cfg, f.name)
        name = f.metadata.get("key", f.name)
        if dataclasses.is_dataclass(v):
            out[name] = config_to_dict(v)
        elif isinstance(v, dict) and any(dataclasses.is_dataclass(x) for x in v.values()):
            out[name] = {k: config_to_dict(x) for k, x in v.items()}
        elif isinstance(v, tuple):
            out[name] = [config_to_dict(x) if dataclasses.is_dataclass(x) else x for x in v]
        else:
            out[name] = v
    return out


class SettingRow(typing.NamedTuple):
    """One row of the settings table, for docs and ``territory settings``."""

    key: str
    default: str
    help: str
    allowed: str  # the allowed values in words ('' when the type says it all)


def describe_settings(cls: type = PlanConfig, prefix: str = "") -> list[SettingRow]:
    """Every setting as (dotted key, default, help, allowed values), in declaration order."""
    rows: list[SettingRow] = []
    hints = get_type_hints(cls)
    for f in dataclasses.fields(cls):
        tp = hints[f.name]
        help_text = f.metadata.get("help", "")
        if dataclasses.is_dataclass(tp):
            rows.extend(describe_settings(tp, prefix + f.name + "."))  # type: ignore[arg-type]
            continue
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc,operator]
        rng = f.metadata.get("range")
        allowed = allowed_text(tp, rng) if rng is not None else _type_text(tp)
        name = f.metadata.get("key", f.name)
        entry = _table_of(tp)
        shown = repr(default) if default is not None else "unset"
        if entry is not None:  # a table of named entries shows its keys (balance.measures: potential)
            shown = ", ".join(default) or "{}"
        rows.append(SettingRow(prefix + name, shown, help_text, allowed))
        if entry is not None:
            rows.extend(describe_settings(entry, f"{prefix}{f.name}.<name>."))
        if get_origin(tp) is tuple and dataclasses.is_dataclass(get_args(tp)[0]):
            rows.extend(describe_settings(get_args(tp)[0], f"{prefix}{f.name}[]."))
    return rows


def _type_text(tp: Any) -> str:
    if get_origin(tp) is Literal:
        return "one of " + ", ".join(map(repr, get_args(tp)))
    if tp is bool:
        return "true or false"
    if tp is str:
        return "text"
    if get_origin(tp) is dict:
        return "a table"
    if get_origin(tp) is tuple and get_origin(get_args(tp)[0]) is Literal:
        return "a list of " + ", ".join(map(repr, get_args(get_args(tp)[0])))
    if get_origin(tp) is tuple:
        inner = get_args(tp)[0]
        return "a list of tables ([[...]])" if dataclasses.is_dataclass(inner) else "a list of text"
    if get_origin(tp) in (Union, types.UnionType):
        return (
            " or ".join(_type_text(a) or "unset" for a in get_args(tp) if a is not type(None)) + ", or unset"
        )
    return ""  # pragma: no cover - every number setting declares a Range (tested)


def setting_range(key: str) -> tuple[Any, Range]:
    """The type and declared range of the number setting ``key`` (e.g. 'solver.gap')."""
    tp, path = _field_type(PlanConfig, key)
    rng = _field_range(path)
    if rng is None:
        raise KeyError(key)
    return tp, rng


def check_setting(key: str, raw: Any, source: str) -> Any:
    """Check one value of a number setting as a CLI flag gives it; ``ConfigError`` when out of range.

    ``source`` names where the value came from (e.g. ``--gap``), so the message says it.
    """
    tp, rng = setting_range(key)
    return _coerce(tp, raw, source, key, rng)
