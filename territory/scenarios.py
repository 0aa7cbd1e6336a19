"""What-if scenarios: named transforms of the roster, the accounts and the settings.

A scenario ("west+2: add-rep=Ana,West,1; add-rep=Bo,West,0.5") is applied to a loaded
``PlanInput`` and re-validated with ``prepare_input``; the model and the metrics are the
ones every plan uses, so a scenario's numbers compare like for like with the baseline.

    >>> inp = territory.load_input("examples/accounts.csv", "examples/roster.csv", PlanConfig())
    >>> results = run_scenarios(inp, [parse_scenario("tight: set=balance.tier_band=0.05")])

Sweeps run in parallel processes (``jobs``) or on a Dask distributed cluster
(``scheduler="tcp://host:8786"``); either way the results are the ones a sequential run
gives, in scenario order.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .assignment import Plan
from .config import CAPACITY, apply_override, check_number, settings_record
from .errors import ConfigError, InputError, Problem
from .pipeline import PlanInput, given_accounts, prepare_input
from .progress import SCENARIOS, Progress

BASELINE = "baseline"


# --------------------------------------------------------------------------- transforms


@dataclass(frozen=True)
class AddRep:
    """A new rep; the id is generated (NEW01, NEW02, ...) unless given.

    ``region`` may list several regions ("West;Midwest"); ``manager``, ``product`` and
    ``segment`` fill the roster columns of the same names (``territory capacity`` hires into
    a team or a product).
    """

    name: str
    region: str
    capacity: float = 1.0
    rep_id: str = ""
    manager: str = ""
    product: str = ""
    segment: str = ""

    def text(self) -> str:
        return f"add-rep={self.name},{self.region},{self.capacity:g}"


@dataclass(frozen=True)
class RemoveRep:
    """A rep leaves: their accounts are reassigned ("owner left the roster")."""

    rep_id: str

    def text(self) -> str:
        return f"remove-rep={self.rep_id}"


@dataclass(frozen=True)
class SetCapacity:
    rep_id: str
    capacity: float

    def text(self) -> str:
        return f"capacity={self.rep_id}={self.capacity:g}"


@dataclass(frozen=True)
class Lock:
    """Keep these accounts with their current owner."""

    account_ids: tuple[str, ...]

    def text(self) -> str:
        return f"lock={','.join(self.account_ids)}"


@dataclass(frozen=True)
class Unlock:
    account_ids: tuple[str, ...]

    def text(self) -> str:
        return f"unlock={','.join(self.account_ids)}"


@dataclass(frozen=True)
class SetSetting:
    """One ``key=value`` setting, as ``--set`` takes it."""

    item: str

    def text(self) -> str:
        return f"set={self.item}"


@dataclass(frozen=True)
class UseRequests:
    """The scenario's own requests file instead of the run's (``path`` "": no requests)."""

    path: str

    def text(self) -> str:
        return f"requests={self.path or NO_REQUESTS}"


NO_REQUESTS = "none"
# PlanInput.extras key: (settings file, command-line settings) of the run, for each scenario's
# summary.json ``settings`` record
SETTINGS_GIVEN = "settings_given"

Transform = AddRep | RemoveRep | SetCapacity | Lock | Unlock | SetSetting | UseRequests


@dataclass(frozen=True)
class Scenario:
    """A named list of transforms; no transforms is the baseline (the current roster)."""

    name: str
    transforms: tuple[Transform, ...] = ()

    def describe(self) -> str:
        return "; ".join(t.text() for t in self.transforms) or "current roster and settings"

    def __repr__(self) -> str:
        return f"<Scenario {self.name!r} [{self.describe()}]>"


# --------------------------------------------------------------------------- parsing

_NAME = re.compile(r"^[^:;=]{1,60}$")
_KINDS = ("add-rep", "remove-rep", "capacity", "lock", "unlock", "set", "requests")


def _number(text: str, what: str) -> float:
    try:
        value = float(text.strip().rstrip("%")) / (100 if text.strip().endswith("%") else 1)
    except ValueError:
        raise ConfigError(f"{what}: {text.strip()!r} is not a number") from None
    return _capacity(value, f"{what}: capacity")


def _capacity(value: Any, label: str) -> float:
    """A capacity checked against its declared range (no 0, inf, nan or 1e300)."""
    return float(check_number(value, CAPACITY, label))


def parse_add_rep(text: str) -> AddRep:
    """``"Name,region,capacity"`` (capacity optional, default 1.0). A name may hold commas
    ("Smith, Ana,West,1") when the capacity is given: region and capacity are the last two."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) > 3:
        parts = [p.strip() for p in text.rsplit(",", 2)]
    if len(parts) not in (2, 3) or not parts[0]:
        raise ConfigError(
            f'add-rep {text!r}: expected "Name,region,capacity", e.g. '
            '"Ana Ortiz,West,1" (capacity 1.0 = full rep, 0.5 = ramping)'
        )
    try:
        cap = _number(parts[2], f"add-rep {text!r}") if len(parts) == 3 and parts[2] else 1.0
    except ConfigError as e:  # 'Ana,West,1,R01': a rep id cannot be given here
        raise ConfigError(
            f'{e}; expected "Name,region,capacity" with the capacity last, e.g. "Ana Ortiz,West,1" '
            "(a new rep's id is given in a scenarios file: add_rep = [{ name = ..., region = ..., rep_id = ... }])"
        ) from None
    return AddRep(parts[0], parts[1], cap)


def parse_capacity(text: str) -> SetCapacity:
    """``"R03=0.5"``."""
    rep, sep, value = text.partition("=")
    if not sep or not rep.strip():
        raise ConfigError(f"capacity {text!r}: expected REP_ID=CAPACITY, e.g. R03=0.5")
    return SetCapacity(rep.strip(), _number(value, f"capacity {text!r}"))


def _ids(text: str | Iterable[str]) -> tuple[str, ...]:
    items = text.split(",") if isinstance(text, str) else list(text)
    return tuple(str(i).strip() for i in items if str(i).strip())


def parse_transform(text: str) -> Transform:
    """One transform: add-rep=NAME,REGION,CAP | remove-rep=ID | capacity=ID=CAP |
    lock=ID,ID | unlock=ID,ID | set=KEY=VALUE | requests=FILE (or requests=none)."""
    kind, sep, rest = text.strip().partition("=")
    kind = kind.strip().lower().replace("_", "-")
    if not sep or kind not in _KINDS:
        raise ConfigError(
            f"scenario step {text.strip()!r}: expected one of "
            + ", ".join(f"{k}=..." for k in _KINDS)
            + " (e.g. add-rep=Ana,West,1 or set=balance.tier_band=0.05)"
        )
    rest = rest.strip()
    if kind == "add-rep":
        return parse_add_rep(rest)
    if kind == "remove-rep":
        if not rest:
            raise ConfigError("remove-rep needs a rep id, e.g. remove-rep=R07")
        return RemoveRep(rest)
    if kind == "capacity":
        return parse_capacity(rest)
    if kind == "requests":
        return parse_requests(rest, "requests")
    if kind in ("lock", "unlock"):
        ids = _ids(rest)
        if not ids:
            raise ConfigError(f"{kind} needs account ids, e.g. {kind}=A00001,A00002")
        return Lock(ids) if kind == "lock" else Unlock(ids)
    if "=" not in rest:
        raise ConfigError(f"set {rest!r}: expected key=value, e.g. set=balance.tier_band=0.05")
    return SetSetting(rest)


def parse_requests(value: Any, where: str, base: Path | None = None) -> UseRequests:
    """``requests=FILE`` (relative to ``base`` when given) or ``requests=none``."""
    if value is False or (isinstance(value, str) and value.strip().lower() in (NO_REQUESTS, "off", "false")):
        return UseRequests("")
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(
            f"{where}: give a requests file (e.g. requests=asks.csv), or none to plan the "
            "scenario without the run's requests"
        )
    path = Path(value.strip()).expanduser()
    return UseRequests(str(base / path if base is not None and not path.is_absolute() else path))


def parse_scenario(spec: str) -> Scenario:
    """``"NAME: step; step; ..."``, e.g. ``"west+2: add-rep=Ana,West,1; add-rep=Bo,West,0.5"``."""
    name, sep, body = spec.partition(":")
    name = name.strip()
    if not sep or not name or not _NAME.match(name):
        raise ConfigError(
            f'scenario {spec!r}: expected "NAME: step; step", e.g. '
            '"west+2: add-rep=Ana,West,1; add-rep=Bo,West,0.5"'
        )
    try:
        steps = tuple(parse_transform(s) for s in body.split(";") if s.strip())
    except ConfigError as e:  # name the scenario whose step is wrong
        raise ConfigError(f"scenario {name!r}: {e}") from None
    if not steps:
        raise ConfigError(f'scenario {name!r} has no steps; e.g. "{name}: remove-rep=R07"')
    return _checked(Scenario(name, steps))


def _checked(scenario: Scenario) -> Scenario:
    """``scenario``, refused when it names more than one requests file."""
    files = [t for t in scenario.transforms if isinstance(t, UseRequests)]
    if len(files) > 1:
        raise ConfigError(
            f"scenario {scenario.name!r} takes requests twice ({files[0].text()}, {files[1].text()}); "
            "a scenario plans with one requests file"
        )
    return scenario


def scenario_from_options(
    name: str,
    *,
    add_rep: Sequence[str] = (),
    remove_rep: Sequence[str] = (),
    capacity: Sequence[str] = (),
    lock: Sequence[str] = (),
    unlock: Sequence[str] = (),
    settings: Sequence[str] = (),
) -> Scenario | None:
    """One scenario from repeated command-line flags; ``None`` when no flag was given."""
    steps: list[Transform] = [parse_add_rep(t) for t in add_rep]
    steps += [RemoveRep(r.strip()) for r in remove_rep]
    steps += [parse_capacity(c) for c in capacity]
    steps += [Lock(_ids(t)) for t in lock]
    steps += [Unlock(_ids(t)) for t in unlock]
    steps += [SetSetting(s) for s in settings]
    return Scenario(name, tuple(steps)) if steps else None


_TOML_KEYS = ("name", "description", "add_rep", "remove_rep", "capacity", "lock", "unlock", "set", "requests")


def _flatten(prefix: str, value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, Mapping):
        out: list[tuple[str, Any]] = []
        for k, v in value.items():
            out += _flatten(f"{prefix}.{k}" if prefix else str(k), v)
        return out
    return [(prefix, value)]


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) if not isinstance(x, str) else f'"{x}"' for x in v) + "]"
    return str(v)


def _scenario_from_table(raw: Mapping[str, Any], where: str, base: Path | None = None) -> Scenario:
    unknown = sorted(set(raw) - set(_TOML_KEYS))
    if unknown:
        raise ConfigError(f"{where}: unknown key '{unknown[0]}'; a scenario takes " + ", ".join(_TOML_KEYS))
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.match(name.strip()):
        raise ConfigError(f"{where}: every scenario needs a name (text without ':', ';' or '=')")
    steps: list[Transform] = []
    for item in _as_list(raw.get("add_rep", []), f"{where}.add_rep"):
        if isinstance(item, Mapping):
            bad = sorted(set(item) - {"name", "region", "capacity", "rep_id"})
            if bad or "name" not in item or "region" not in item:
                raise ConfigError(
                    f"{where}.add_rep: give name, region and optionally capacity "
                    f"and rep_id{f' (unknown key {bad[0]!r})' if bad else ''}"
                )
            cap = _capacity(item.get("capacity", 1.0), f"{where}.add_rep.capacity")
            steps.append(AddRep(str(item["name"]), str(item["region"]), cap, str(item.get("rep_id", ""))))
        elif isinstance(item, str):
            steps.append(parse_add_rep(item))
        else:
            raise ConfigError(f'{where}.add_rep: expected "Name,region,capacity" or a table')
    steps += [RemoveRep(str(r)) for r in _as_list(raw.get("remove_rep", []), f"{where}.remove_rep")]
    caps = raw.get("capacity", {})
    if not isinstance(caps, Mapping):
        raise ConfigError(f"{where}.capacity must be a table of rep id = capacity, e.g. {{ R03 = 0.5 }}")
    for rep, cap in caps.items():
        steps.append(SetCapacity(str(rep), _capacity(cap, f"{where}.capacity.{rep}")))
    for key, cls in (("lock", Lock), ("unlock", Unlock)):
        ids = _ids([str(x) for x in _as_list(raw.get(key, []), f"{where}.{key}")])
        if ids:
            steps.append(cls(ids))
    sets = raw.get("set", {})
    if not isinstance(sets, Mapping):
        raise ConfigError(f'{where}.set must be a table, e.g. set = {{ "balance.tier_band" = 0.05 }}')
    steps += [SetSetting(f"{k}={_toml_value(v)}") for k, v in _flatten("", sets)]
    if "requests" in raw:  # a path relative to the scenarios file, as paths in plan.toml are
        steps.append(parse_requests(raw["requests"], f"{where}.requests", base))
    return Scenario(name.strip(), tuple(steps))


def _as_list(value: Any, where: str) -> list[Any]:
    if isinstance(value, (str, Mapping)):
        return [value]
    if not isinstance(value, list):
        raise ConfigError(f"{where} must be a list")
    return value


def load_scenarios(path: str | Path) -> list[Scenario]:
    """Scenarios from a TOML file: ``[[scenario]]`` tables and ``[[sweep]]`` grids.

    A sweep crosses every value of every setting it lists, e.g.
    ``[[sweep]] name = "band"`` with ``set = { "balance.tier_band" = [0.05, 0.1, 0.2] }``
    gives three scenarios, ``band balance.tier_band=0.05`` and so on.
    """
    from .io.safe_read import read_toml_setting

    label = str(path)
    data = read_toml_setting(path, "scenarios file")
    unknown = sorted(set(data) - {"scenario", "sweep"})
    if unknown:
        raise ConfigError(f"{label}: unknown table '{unknown[0]}'; use [[scenario]] or [[sweep]]")
    out: list[Scenario] = []
    here = Path(path).resolve().parent
    for i, raw in enumerate(_as_list(data.get("scenario", []), f"{label}: scenario")):
        out.append(_scenario_from_table(raw, f"{label}: scenario[{i}]", here))
    for i, raw in enumerate(_as_list(data.get("sweep", []), f"{label}: sweep")):
        where = f"{label}: sweep[{i}]"
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{where} must be a table")
        grid = _flatten("", raw.get("set", {}))
        if not grid or any(not isinstance(v, list) or not v for _, v in grid):
            raise ConfigError(
                f"{where}.set: give each setting a list of values, e.g. "
                'set = { "balance.tier_band" = [0.05, 0.1] }'
            )
        base = _scenario_from_table({k: v for k, v in raw.items() if k != "set"}, where, here)
        for combo in itertools.product(*[v for _, v in grid]):
            sets = tuple(SetSetting(f"{k}={_toml_value(v)}") for (k, _), v in zip(grid, combo))
            suffix = " ".join(s.item for s in sets)
            out.append(Scenario(f"{base.name} {suffix}", base.transforms + sets))
    if not out:
        raise ConfigError(f"{label}: no [[scenario]] or [[sweep]] tables found")
    _check_unique([s.name for s in out], label)
    return out


# Names whatif writes beside the scenario folders; a scenario folder must not take one.
RESERVED = ("compare.csv", "requests.csv")
MAX_SLUG = 120


def _check_unique(names: Sequence[str], where: str) -> None:
    seen: set[str] = set()
    for n in names:
        key = slug(n)
        if key in RESERVED:
            raise ConfigError(
                f"{where}: scenario {n!r} would be written to the folder {key}, the name of the "
                "file whatif writes beside the scenarios; give it another name"
            )
        if len(key) > MAX_SLUG:
            raise ConfigError(
                f"{where}: scenario {n[:40]!r}... has a {len(key)}-character name, too long for a "
                f"folder (at most {MAX_SLUG}); give it a shorter name"
            )
        if key in seen or key == BASELINE:
            raise ConfigError(
                f"{where}: two scenarios share the name {n!r} (or it is reserved "
                f"for the baseline); give each a different name"
            )
        seen.add(key)


def slug(name: str) -> str:
    """A scenario's folder name: letters, digits, '+', '-', '.', '=' and '_'."""
    s = re.sub(r"[^A-Za-z0-9+\-.=_]+", "_", name.strip()).strip("_.")
    return s.lower() or "scenario"


# --------------------------------------------------------------------------- applying


def _new_rep_id(taken: set[str]) -> str:
    for i in itertools.count(1):
        rid = f"NEW{i:02d}"
        if rid not in taken:
            return rid
    raise AssertionError("unreachable")  # pragma: no cover


# Settings read while loading the inputs (once, for the baseline and every scenario): a
# scenario that sets one would be planned exactly like the baseline, without a word.
READ_ONCE = ("inputs.", "columns.", "geo.", "tiering.", "outputs.dir", "outputs.books")


def read_once(item: str) -> bool:
    """Whether the ``key=value`` item sets a setting whatif reads once, for every scenario."""
    key = item.partition("=")[0].strip().strip("\"'")
    return key.startswith(READ_ONCE) or key in READ_ONCE


def apply_scenario(inp: PlanInput, scenario: Scenario) -> PlanInput:
    """A new ``PlanInput`` with the scenario's transforms applied and validated again."""
    # With product ICPs inp.accounts holds one row per account and product; start again from
    # the accounts as given, so prepare_input expands them under the scenario's roster.
    given, given_state = given_accounts(inp)
    accounts = given.drop(columns=["family_id"], errors="ignore").copy()
    reps = inp.reps.copy()
    cfg = inp.config
    where = f"scenario {scenario.name!r}"
    ids = accounts["account_id"].astype(str)
    for t in scenario.transforms:
        rep_ids = reps["rep_id"].astype(str)
        if isinstance(t, AddRep):
            # The new rep's regions are checked with the rest of the roster (check_roster, as
            # for plan): a list such as 'West|East', '*', and a did-you-mean for a typo.
            rid = t.rep_id or _new_rep_id(set(rep_ids))
            if rid in set(rep_ids):
                said = (
                    "on the roster"
                    if rid in set(inp.reps["rep_id"].astype(str))
                    else "taken by an earlier add-rep"
                )
                raise ConfigError(
                    f"{where}: add-rep {t.name}: rep id {rid!r} is already {said}; give each new rep its own id"
                )
            row = {c: (np.nan if pd.api.types.is_numeric_dtype(reps[c]) else "") for c in reps.columns}
            row.update(rep_id=rid, name=t.name, region=t.region, capacity=float(t.capacity))
            row.update({c: getattr(t, c) for c in ("manager", "product", "segment") if getattr(t, c)})
            reps = pd.concat([reps, pd.DataFrame([row])], ignore_index=True)
        elif isinstance(t, (RemoveRep, SetCapacity)):
            hit = rep_ids.eq(t.rep_id)
            if not hit.any() and t.rep_id in set(inp.reps["rep_id"].astype(str)):
                raise ConfigError(
                    f"{where}: {t.text()}: rep {t.rep_id!r} is already removed by an earlier step of this scenario"
                )
            if not hit.any():
                raise ConfigError(
                    f"{where}: {t.text()}: no rep {t.rep_id!r} on the roster; reps: "
                    + ", ".join(rep_ids.head(20))
                )
            if isinstance(t, RemoveRep):
                reps = reps.loc[~hit].reset_index(drop=True)
            else:
                reps.loc[hit, "capacity"] = float(t.capacity)
        elif isinstance(t, (Lock, Unlock)):
            missing = [a for a in t.account_ids if a not in set(ids)]
            if missing:
                raise ConfigError(
                    f"{where}: {t.text()[:60]}: no account {missing[0]!r}"
                    + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "")
                )
            accounts.loc[ids.isin(t.account_ids), "locked"] = isinstance(t, Lock)
        elif isinstance(t, UseRequests):
            cfg = dataclasses.replace(cfg, inputs=dataclasses.replace(cfg.inputs, requests=t.path))
        else:
            if read_once(t.item):
                key = t.item.partition("=")[0].strip().strip("\"'")
                if key == "inputs.requests":
                    raise ConfigError(
                        f"{where}: set=inputs.requests: a scenario takes its own requests file "
                        "with the step requests=FILE (requests=none plans it without requests)"
                    )
                raise ConfigError(
                    f"{where}: set={key}: whatif reads its inputs and chooses its folders once, for "
                    f"the baseline and every scenario, so a scenario cannot change {key}; put it in "
                    "the settings file (--config), which they all read"
                )
            try:
                cfg = apply_override(cfg, t.item)
            except ConfigError as e:
                raise ConfigError(f"{where}: {e}") from None
    if len(reps) == 0:
        raise ConfigError(f"{where} removes every rep; a plan needs at least one")
    labels = {f.label: f.path for f in inp.inputs}
    try:
        out = prepare_input(
            accounts,
            reps,
            cfg,
            state=given_state,
            roster=inp.roster,
            accounts_file=labels.get("accounts", "accounts"),
            roster_file=labels.get("roster", "roster"),
            inputs=list(inp.inputs),
        )
    except InputError as e:
        raise scenario_input_error(scenario, e) from None
    for key, value in (getattr(inp, "extras", {}) or {}).items():
        out.extras.setdefault(key, value)  # what prepare_input made for the scenario wins
    own = [t.item for t in scenario.transforms if isinstance(t, SetSetting)]
    if own:  # summary.json: the run's settings, then the scenario's own
        path, overrides = inp.extras.get(SETTINGS_GIVEN, (None, ()))
        out.extras["settings"] = settings_record(path, overrides, scenario=own)
    out.seconds = inp.seconds
    if scenario.transforms:
        _scenario_requests(out, scenario, labels.get("accounts", "accounts"))
    return out


def _scenario_requests(out: PlanInput, scenario: Scenario, accounts_file: str) -> None:
    """The scenario's requests, in ``out.extras["requests"]`` and its input files.

    A scenario's own file (``requests=FILE``) is read and checked against the scenario's
    roster and accounts; its problems are input errors naming the scenario. The run's requests
    are checked again: one the scenario's steps rule out (its rep removed, its account locked
    elsewhere) is refused in this scenario, saying why (``extras["requests_ruled_out"]``).
    """
    from .batch import RULED_OUT
    from .requests import RequestSet, check_requests, read_requests

    own = [t for t in scenario.transforms if isinstance(t, UseRequests)]
    rs: RequestSet | None = out.extras.pop("requests", None)
    out.extras.pop(RULED_OUT, None)
    if own:
        out.inputs = [f for f in out.inputs if f.label != "requests"]
        if not own[0].path:
            return
        from .io.sheets import ReadLimits
        from .pipeline import InputFile

        try:
            own_rs, problems = read_requests(
                own[0].path,
                out.accounts,
                out.state,
                out.reps,
                out.config,
                accounts_file,
                limits=ReadLimits.from_config(out.config),
            )
        except InputError as e:
            raise scenario_input_error(scenario, e) from None
        problems = [_removed_rep(p, scenario) for p in problems]
        if any(p.severity == "error" for p in problems):
            raise scenario_input_error(scenario, InputError(problems))
        out.warnings = [*out.warnings, *problems]
        out.inputs.append(InputFile("requests", own_rs.file, own_rs.sha256, len(own_rs.requests)))
        out.extras["requests"] = own_rs
        return
    if rs is None:
        return
    wanted = [dataclasses.replace(q, target=q.rep) for q in rs.requests]  # as the file says it
    kept, problems = check_requests(
        wanted, out.accounts, out.state, out.reps, out.config, rs.file, accounts_file
    )
    left = {(q.row, q.account_id) for q in kept}  # a line of the file, or an account
    out.extras["requests"] = dataclasses.replace(
        rs, requests=tuple(q for q in rs.requests if (q.row, q.account_id) in left)
    )
    why = {p.row: p for p in problems if p.row is not None}
    ruled_out = []
    for q, w in zip(rs.requests, wanted):
        if (q.row, q.account_id) in left:
            continue
        p = why.get(q.row) if q.row is not None else None
        if p is None:  # past the problems listed per kind: ask again for this one alone
            p = check_requests([w], out.accounts, out.state, out.reps, out.config, rs.file, accounts_file)[1][
                0
            ]
        p = _removed_rep(p, scenario)
        said = p.message + (f" ({p.value})" if p.value and p.value not in p.message else "")
        ruled_out.append((q, f"refused in scenario {scenario.name!r}: {said}"))
    if ruled_out:
        out.extras[RULED_OUT] = tuple(ruled_out)


def _removed_rep(p: Problem, scenario: Scenario) -> Problem:
    """A request's "rep is not on the roster" said as the scenario's doing when it removes the rep."""
    removed = {t.rep_id for t in scenario.transforms if isinstance(t, RemoveRep)}
    if p.column != "rep_id" or p.value not in removed or p.message != "rep is not on the roster":
        return p
    return dataclasses.replace(
        p,
        message=f"{p.value} leaves the roster (remove-rep={p.value})",
        value=None,
        hint="ask for a rep the scenario keeps, or leave the request out of the scenario's file",
    )


def scenario_input_error(scenario: Scenario, e: InputError) -> InputError:
    """The input checks a scenario's steps broke, each naming the scenario.

    The baseline passed these checks, so the scenario caused them: "scenario 'lose west'
    leaves region 'West' without reps: ...". Warnings that merely follow from the steps
    (a removed rep's accounts "will be reassigned") are left out.
    """
    where = f"scenario {scenario.name!r}"
    problems = []
    for p in e.problems:
        hint: str | None
        if p.column == "region" and p.value and "which no rep covers" in p.message:
            message = f"{where} leaves region {p.value!r} without reps: {p.message}"
            hint = f"keep a rep who covers {p.value!r} in the scenario, or add one: add-rep=NAME,{p.value},1"
        else:
            message, hint = f"{where}: {p.message}", p.hint
        problems.append(dataclasses.replace(p, message=message, hint=hint))
    n = len(problems)
    return InputError(problems, summary=f"{where} cannot be planned ({n} problem{'s' if n != 1 else ''})")


# --------------------------------------------------------------------------- running


@dataclass
class ScenarioResult:
    """One scenario's plan, or why it has none (an infeasible ask does not stop a sweep)."""

    scenario: Scenario
    plan: Plan | None
    error: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.plan is not None

    @property
    def name(self) -> str:
        return self.scenario.name

    def __repr__(self) -> str:
        state = repr(self.plan) if self.plan is not None else f"failed: {self.error}"
        return f"<ScenarioResult {self.name!r} {state}>"


def with_baseline(scenarios: Sequence[Scenario]) -> list[Scenario]:
    """The baseline (current roster) first, then the scenarios, names checked unique."""
    out = [Scenario(BASELINE)] + [s for s in scenarios if s.transforms or s.name != BASELINE]
    _check_unique([s.name for s in out[1:]], "scenarios")
    return out


def run_scenarios(
    inp: PlanInput,
    scenarios: Sequence[Scenario],
    *,
    jobs: int | None = 1,
    scheduler: str | None = None,
    progress: Progress | None = None,
    scheduler_timeout: float = 10.0,
) -> list[ScenarioResult]:
    """Solve every scenario; results come back in scenario order.

    Every scenario is applied and validated here first, so a typo stops the sweep before any
    solve. ``jobs`` > 1 solves in that many forked processes; ``scheduler`` (a Dask address
    such as ``tcp://10.0.0.5:8786``) solves on a Dask distributed cluster instead. A scenario
    with requests honours them as ``territory plan --requests`` does (see
    ``territory.batch``): progress stage "requests" as they are priced.
    """
    prepared = []
    problems: list[Problem] = []
    for s in scenarios:
        try:
            prepared.append(apply_scenario(inp, s))
        except InputError as e:  # every scenario's problems at once
            problems += e.problems
    if problems:
        n = len(problems)
        raise InputError(problems, summary=f"{n} problem{'s' if n != 1 else ''} in the scenarios")
    from .batch import solve_plans

    names = [s.name for s in scenarios]
    outcomes = solve_plans(
        prepared,
        names,
        jobs=jobs,
        scheduler=scheduler,
        progress=progress,
        stage=SCENARIOS,
        scheduler_timeout=scheduler_timeout,
    )
    return [ScenarioResult(s, *outcome) for s, outcome in zip(scenarios, outcomes)]


# --------------------------------------------------------------------------- what-if


@dataclass
class WhatIf:
    """A what-if run: one plan directory per scenario (baseline first) and their comparison."""

    out_dir: Path
    results: list[ScenarioResult]
    dirs: dict[str, Path]
    comparison: Any = None
    seconds: float = 0.0
    failed: list[ScenarioResult] = field(default_factory=list)
    # scenario -> why its owner-update file was withheld (see territory.updates)
    withheld: dict[str, list[str]] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (
            f"<WhatIf [{len(self.results)} scenarios, {len(self.failed)} failed, "
            f"{self.seconds:.1f} s] {self.out_dir}>"
        )


def whatif(
    inp: PlanInput,
    scenarios: Sequence[Scenario],
    out_dir: str | Path,
    *,
    jobs: int | None = 1,
    scheduler: str | None = None,
    progress: Progress | None = None,
    protect: Sequence[str | Path | None] = (),
) -> WhatIf:
    """Plan the baseline and every scenario, write a plan directory each, and compare them.

    Writes ``OUT/baseline/``, ``OUT/<scenario>/`` (each with ``scenario.json`` saying what
    changed), ``OUT/compare.csv`` and, when the plans have requests, ``OUT/requests.csv`` (each
    request's status per scenario), as one unit: ``OUT`` is replaced whole when every plan
    is written (see ``territory.io.staging``), so no scenario folder of an earlier run survives.

    :param protect: the run's input files; ``OUT`` must not hold any of them.
    """
    from .compare import compare_plans, write_compare
    from .io.staging import check_output_folder, staged_folder
    from .io.writing import output_error
    from .pipeline import write_plan_files

    t0 = time.perf_counter()
    todo = with_baseline(scenarios)
    # The scenarios' own requests files are inputs too: OUT must not hold them.
    protect = [
        *protect,
        *(t.path for s in todo for t in s.transforms if isinstance(t, UseRequests) and t.path),
    ]
    check_output_folder(out_dir, protect)  # before solving
    results = run_scenarios(inp, todo, jobs=jobs, scheduler=scheduler, progress=progress)
    out = Path(out_dir)
    dirs: dict[str, Path] = {}
    withheld: dict[str, list[str]] = {}
    comparison = None
    with staged_folder(out, protect=protect) as stage:
        written: dict[str, Path] = {}
        for r in results:
            if r.plan is None:
                continue
            d = stage.path / slug(r.name)
            try:
                d.mkdir()
            except OSError as e:
                raise output_error(out / slug(r.name), e) from None
            asked = r.plan.extras.get("requests")
            meta = {
                "name": r.name,
                "steps": [t.text() for t in r.scenario.transforms],
                "description": r.scenario.describe(),
                **({"requests": asked.file} if asked is not None else {}),  # the file it honoured
            }
            crm = write_plan_files(r.plan, d, [("scenario.json", meta)])["crm_update"]
            if crm["withheld_because"]:
                withheld[r.name] = crm["withheld_because"]
            written[r.name] = d
            dirs[r.name] = out / slug(r.name)
        if written:
            comparison = compare_plans(list(written.values()), names=list(written))
            write_compare(comparison, stage.path / "compare.csv")
            if comparison.requests is not None:  # each request's status in each scenario
                from .io.writing import write_csv

                write_csv(comparison.requests, stage.path / "requests.csv")
    failed = [r for r in results if r.plan is None]
    return WhatIf(out, results, dirs, comparison, time.perf_counter() - t0, failed, withheld)


def replace_config(inp: PlanInput, **sections: Any) -> PlanInput:
    """A shallow copy of ``inp`` with some config sections replaced (for library users)."""
    new = PlanInput(
        inp.accounts,
        inp.reps,
        dataclasses.replace(inp.config, **sections),
        inp.inputs,
        inp.warnings,
        inp.seconds,
        state=inp.state,
        roster=inp.roster,
    )
    new.extras.update(getattr(inp, "extras", {}) or {})
    return new
