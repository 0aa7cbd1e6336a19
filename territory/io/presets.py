"""CRM export presets applied: exports in as they are, bulk-update files out.

What each CRM's exports look like is declared once, in the preset registry
(``territory.io.crm``); this module applies the presets to frames:

* header maps (export header -> canonical column), matched case-insensitively because
  Salesforce Data Loader changed header case across versions (ALL CAPS up to v61, lowercase
  in v62, ALL CAPS again with ``sfdc.extraction.allCapsHeaders`` in v63) and HubSpot changes
  label capitalisation between versions;
* clean-up of the raw table before parsing: report-export footer lines ("Grand Totals",
  "Confidential Information - Do Not Distribute", "Copyright ... salesforce.com") are dropped;
* recognising an export read without a preset (``detect_export``);
* reference resolution after parsing: ids match in each CRM's other id form (Salesforce's
  15- and 18-character ids), and owners or parents given by *name* (report exports and
  HubSpot give names) are matched to the roster's rep ids and the accounts' ids;
* the owner_changes.csv layout of each CRM's bulk update.

Nothing here reads files; the loader hands the raw frames in.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ConfigError, Problem
from .crm import CANONICAL_LAYOUT, CANONICAL_UPDATE_HEADERS, NO_PRESET, CrmPreset
from .crm import PRESETS as CRM_PRESETS
from .crm import salesforce_id18 as salesforce_id18  # (re-exported: its home was here)
from .frames import copy_frame
from .loading import ACCOUNT_COLUMNS, IGNORE, REP_COLUMNS, _key, report_footer_rows, spreadsheet_rows
from .sheets import ReadLimits
from .textops import isin

# The presets themselves (headers, id forms, footers, detection marks, update layouts) live in
# territory/io/crm.py; this module applies them to frames.


def _check_preset(preset: str | None) -> str:
    """The preset in lower case: '', 'none' or one of the registry's (``territory.io.crm``)."""
    p = (preset or "").strip().lower()
    if p and p not in CRM_PRESETS and p != NO_PRESET:
        raise ConfigError(
            f"unknown CRM preset {preset!r}: use one of {', '.join(CRM_PRESETS)} (or 'none'), or map "
            "the headers in plan.toml [columns.accounts]"
        )
    return p


def _check_targets(mapping: Mapping[str, str], spec: Mapping[str, Any], key: str) -> None:
    for header, target in mapping.items():
        if target not in spec and target != IGNORE:
            raise ConfigError(
                f"{key}: header '{header}' is mapped to '{target}', which is not a column "
                f'territory knows; use one of {", ".join(spec)}, or "{IGNORE}" to leave the '
                "column unread on purpose"
            )


def account_mapping(preset: str | None, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The header map for an accounts export: the preset's, then ``extra`` on top."""
    p = _check_preset(preset)
    extra = dict(extra or {})
    _check_targets(extra, ACCOUNT_COLUMNS, "columns.accounts")
    return {**(CRM_PRESETS[p].accounts if p in CRM_PRESETS else {}), **extra}


def roster_mapping(preset: str | None, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The header map for a roster: the preset's, then ``extra`` on top."""
    p = _check_preset(preset)
    extra = dict(extra or {})
    _check_targets(extra, REP_COLUMNS, "columns.roster")
    return {**(CRM_PRESETS[p].roster if p in CRM_PRESETS else {}), **extra}


def strip_report_footer(raw: pd.DataFrame) -> pd.DataFrame:
    """Drop the blank and footer lines a CRM report export appends, and nothing else.

    Only known footer lines count (``Grand Totals (N records)``, ``Total``, the
    confidentiality and copyright lines), each alone in the first cell of its row, and only
    after the last row that is anything else: an account called "Copyright Clearance Center"
    or "Total Wine" is an account, wherever it stands.
    """
    if len(raw) == 0:
        return raw
    cells = raw.astype(str).where(raw.notna(), "")
    filled = (cells.apply(lambda s: s.str.strip()) != "").any(axis=1).to_numpy()
    footer = set(report_footer_rows(cells, filled))
    last = max((i for i in np.flatnonzero(filled) if i not in footer), default=-1)
    return raw.iloc[: last + 1]


def prepare_raw_accounts(raw: pd.DataFrame, preset: str | None) -> pd.DataFrame:
    """Clean a raw accounts export for ``parse_accounts`` (footer lines off)."""
    p = _check_preset(preset)
    # Footer lines come with CRM report exports; a canonical file is read as it is.
    return strip_report_footer(raw) if p in CRM_PRESETS else raw


# --------------------------------------------------------------------------- recognising exports


def export_evidence(headers: list[str], footer: list[str]) -> dict[str, tuple[list[str], bool]]:
    """Per CRM, the headers (and footer lines) that mark a file as its export.

    The flag is True when the evidence is decisive: one header whose meaning only that CRM's
    preset reads ('Account Owner', 'Company owner', a custom '__c' field, ...), a report
    footer of that CRM, or at least two of its other marks (``CrmPreset`` lists them).
    """
    out: dict[str, tuple[list[str], bool]] = {}
    for preset in CRM_PRESETS.values():
        strong, weak = _marks(preset, headers)
        if preset.footer_marks and any(
            re.search(preset.footer_marks, line, re.IGNORECASE) for line in footer
        ):
            strong.append(f"a {preset.title} report footer")
        if strong or weak:
            out[preset.name] = (strong + weak, bool(strong) or len(weak) >= 2)
    return out


def _marks(preset: CrmPreset, headers: list[str]) -> tuple[list[str], list[str]]:
    """The headers that mark an export of ``preset``: (decisive ones, other ones), quoted."""
    strong: list[str] = []
    weak: list[str] = []
    for h in headers:
        text = h.strip()
        k = _key(text)
        lower = text.lower()
        if k in preset.decisive or lower.endswith(preset.decisive_suffixes or ("\0",)):
            strong.append(f"'{text}'")
        elif (
            (re.fullmatch(r"[A-Za-z]+", text) and k in preset.api_names)
            or k in preset.labels
            or lower.startswith(preset.label_prefixes or ("\0",))
        ):
            weak.append(f"'{text}'")
    return strong, weak


def _ids_fit(preset: str, ids: pd.Series) -> tuple[bool, str]:
    """Whether the account ids look like the CRM's (and an example that does not)."""
    v = ids.astype(str).str.strip()
    v = v[v.ne("")]
    bad = v[~v.str.fullmatch(CRM_PRESETS[preset].id_pattern)]
    return bad.empty, (str(bad.iat[0]) if len(bad) else "")


def _column_for(raw: pd.DataFrame, mapping: Mapping[str, str], target: str) -> pd.Series | None:
    user = {_key(k): v for k, v in mapping.items()}
    for j, h in enumerate(raw.columns):
        k = _key(str(h))
        t = user.get(k) or next((c for c, al in ACCOUNT_COLUMNS.items() if k in {_key(a) for a in al}), None)
        if t == target:
            return raw.iloc[:, j]
    return None


def detect_export(raw: pd.DataFrame, opts: SourceOptions, label: str) -> tuple[SourceOptions, list[Problem]]:
    """With no preset given, recognise a CRM export: apply its preset, or stop and ask.

    Applying is safe only when the match is unambiguous: the headers are decisive for one CRM
    only, and the account ids have that CRM's form (Salesforce's 15/18-character ids,
    HubSpot's numeric record ids). Then the preset is applied and one line says so. In every
    other case of a file that looks like an export (marks of both CRMs, or ids of another
    form) the read stops with exit 2 and names the preset, because reading it either way
    could be wrong and only the user knows which is right.
    """
    if opts.preset:  # given ('none' included): nothing to guess
        return opts, []
    # Headers the user mapped themselves say how to read them: they are no evidence.
    mapped = {_key(h) for h in opts.user_account_columns}
    headers = [str(c) for c in raw.columns if _key(str(c)) not in mapped]
    evidence = export_evidence(headers, list(raw.attrs.get("footer", [])))
    decisive = [p for p, (_marks, strong) in evidence.items() if strong]
    if not decisive:
        return opts, []
    hint_choose = 'say how to read it: --preset {p} (or inputs.preset = "{p}" in plan.toml), or --preset none to read the columns as they are'
    if len(decisive) > 1:
        marks = "; ".join(f"{CRM_PRESETS[p].title}: {', '.join(evidence[p][0][:3])}" for p in decisive)
        return opts, [
            Problem(
                label,
                f"looks like a CRM export, but of which CRM is not clear ({marks})",
                row=1,
                hint="say how to read it: --preset salesforce, --preset hubspot, or --preset none "
                "to read the columns as they are",
            )
        ]
    preset = decisive[0]
    marks = ", ".join(evidence[preset][0][:4])
    mapping = {**CRM_PRESETS[preset].accounts, **opts.user_account_columns}
    ids = _column_for(raw, mapping, "account_id")
    crm = CRM_PRESETS[preset].title
    if ids is None:
        ok, example = False, ""
    else:
        ok, example = _ids_fit(preset, ids)
    if not ok:
        what = (
            f"its account ids are not {crm} ids (e.g. '{example}')"
            if example
            else f"it has no {crm} id column"
        )
        return opts, [
            Problem(
                label,
                f"looks like a {crm} export ({marks}), but {what}, so --preset {preset} was not applied",
                row=1,
                hint=hint_choose.format(p=preset),
            )
        ]
    new = source_options_for(preset, opts)
    id_col, owner_col, _ = owner_changes_layout(preset)
    return new, [
        Problem(
            label,
            f"read as a {crm} export ({marks}), as with --preset {preset}: owners given by name "
            f"are matched to the roster and owner_changes.csv has {crm}'s {id_col},{owner_col} headers",
            row=1,
            severity="warning",
            hint=f"pass --preset {preset} to say so yourself, or --preset none to read the columns as they are",
        )
    ]


# --------------------------------------------------------------------------- references


def _unique_lookup(keys: pd.Series, values: pd.Series) -> dict[str, str]:
    """key -> value for keys that occur once (ambiguous keys are left out)."""
    k = keys.astype(str)
    once = ~k.duplicated(keep=False) & k.ne("")
    return dict(zip(k[once], values.astype(str)[once]))


def _same_text(texts: pd.Series) -> pd.Series:
    """Names (or emails) as compared for an exact match: the same text to a reader, so case,
    Unicode's two forms of an accented letter (macOS writes 'e' + accent) and the kind and
    number of spaces (a non-breaking space pasted from a web page) do not count."""
    return texts.str.normalize("NFC").str.replace(r"\s+", " ", regex=True).str.strip().str.casefold()


def _resolve(
    series: pd.Series, known: pd.Series, names: pd.Series | None, emails: pd.Series | None = None
) -> pd.Series:
    """Rewrite references that are not exact ids: 15/18-char Salesforce forms, then names."""
    values = series.astype(str)
    given = np.flatnonzero(values.ne("").to_numpy())  # (most accounts have no parent)
    unresolved = np.zeros(len(values), dtype=bool)
    unresolved[given] = ~isin(values.iloc[given], known.astype(str))
    if not unresolved.any():
        return series
    out = values.copy()
    # Two forms of one record id (a 15- and an 18-character Salesforce id), per CRM.
    by_id = []
    for preset in CRM_PRESETS.values():
        if preset.id_key is not None:
            keys = known.astype(str).map(preset.id_key)
            has = keys.notna()
            by_id.append((preset.id_key, _unique_lookup(keys[has], known.astype(str)[has])))
    by_text = [
        _unique_lookup(_same_text(extra.astype(str)), known) for extra in (names, emails) if extra is not None
    ]

    def lookup(v: str, text: str) -> str | None:
        for id_key, table in by_id:
            key = id_key(v)
            hit = table.get(key) if key is not None else None
            if hit is not None:
                return hit
        for table in by_text:
            hit = table.get(text)
            if hit is not None:
                return hit
        return None

    # Once per distinct value (a departed owner's thousands of accounts are one lookup), and
    # the values' texts as compared in one pass (one by one: ~2 ms each through pandas).
    at = np.flatnonzero(unresolved)
    codes, uniques = pd.factorize(values.iloc[at], sort=False)
    given_values = [str(v) for v in uniques]
    texts = _same_text(pd.Series(given_values)).tolist()
    hits = [lookup(v, text) for v, text in zip(given_values, texts)]
    found = np.array([h is not None for h in hits], dtype=bool)[codes]
    if found.any():
        new = np.array([h or "" for h in hits], dtype=object)[codes]
        out.iloc[at[found]] = new[found]
    return out


def resolve_owner_ids(owners: pd.Series, reps: pd.DataFrame) -> pd.Series:
    """Owner references (rep id, 15/18-character Salesforce id, name or email) as rep ids."""
    return _resolve(owners, reps["rep_id"], reps.get("name"), reps.get("email"))


def resolve_references(accounts: pd.DataFrame, reps: pd.DataFrame) -> pd.DataFrame:
    """Match owners and parents given in another form to the ids they refer to.

    ``owner_id`` values that are not rep ids are matched to a rep by 15/18-character
    Salesforce id, then by rep name, then by email (report exports and HubSpot give the owner's
    name). ``parent_id`` values that are not account ids are matched by Salesforce id, then by
    account name. Values that match nothing (or several) are left as they are, so validation
    reports them.
    """
    out = copy_frame(accounts)
    if "owner_id" in out.columns and "rep_id" in reps.columns:
        out["owner_id"] = _resolve(out["owner_id"], reps["rep_id"], reps.get("name"), reps.get("email"))
    if "parent_id" in out.columns and "account_id" in out.columns:
        out["parent_id"] = _resolve(out["parent_id"], out["account_id"], out.get("name"))
    return out


# --------------------------------------------------------------------------- owner changes


def owner_changes_layout(
    preset: str, owner_changes: str = "auto", owner_value: str = "auto"
) -> tuple[str, str, str]:
    """(account header, owner header, owner value kind) for owner_changes.csv."""
    layout = update_layout(preset, owner_changes)
    id_col, owner_col = layout.update_headers if layout is not None else CANONICAL_UPDATE_HEADERS
    value = owner_value if owner_value != "auto" else (layout.update_owner_value if layout else "id")
    return id_col, owner_col, value


def update_layout(preset: str, owner_changes: str = "auto") -> CrmPreset | None:
    """The CRM whose bulk-update layout owner_changes.csv takes (None: the canonical one)."""
    p = _check_preset(preset)
    name = owner_changes if owner_changes != "auto" else p
    return None if name == CANONICAL_LAYOUT else CRM_PRESETS.get(name)


def owner_update_frame(
    changes: pd.DataFrame,
    reps: pd.DataFrame,
    *,
    preset: str = "",
    owner_changes: str = "auto",
    owner_value: str = "auto",
    owner_column: str | None = None,
) -> pd.DataFrame:
    """The bulk-update form of the changed rows (``account_id``, ``owner_id`` in).

    Account ids are written exactly as read (an 18-character id stays 18 characters). The
    owner column holds the rep id, or the rep's email or name when asked (HubSpot's import
    matches owners by email; reps without one keep their id). ``owner_column`` replaces the
    layout's owner header (a product's owner field, e.g. ``Core_Owner__c``).
    """
    id_col, owner_col, value = owner_changes_layout(preset, owner_changes, owner_value)
    owner_col = owner_column or owner_col
    owner = changes["owner_id"].astype(str)
    if value in ("email", "name") and value in reps.columns:
        lookup = dict(zip(reps["rep_id"].astype(str), reps[value].astype(str).str.strip()))
        mapped = owner.map(lookup).fillna("")
        owner = mapped.where(mapped.ne(""), owner)
    return pd.DataFrame({id_col: changes["account_id"].astype(str).to_numpy(), owner_col: owner.to_numpy()})


# --------------------------------------------------------------------------- loader hooks


@dataclass(frozen=True)
class SourceOptions:
    """Where and how to read the accounts, merged from arguments and ``[inputs]``/``[columns]``."""

    preset: str
    sheet: str | None
    table: str | None
    query: str | None
    account_columns: dict[str, str]
    roster_columns: dict[str, str]
    # The user's own maps (plan.toml [columns] and arguments), without the preset's.
    user_account_columns: dict[str, str] = dataclasses.field(default_factory=dict)
    user_roster_columns: dict[str, str] = dataclasses.field(default_factory=dict)
    limits: ReadLimits = dataclasses.field(default_factory=ReadLimits)


def source_options(
    config: Any,
    *,
    preset: str | None = None,
    sheet: str | None = None,
    table: str | None = None,
    query: str | None = None,
    account_columns: Mapping[str, str] | None = None,
    roster_columns: Mapping[str, str] | None = None,
) -> SourceOptions:
    """Arguments win over the config's ``inputs``; ``columns`` maps add to the preset's."""
    inputs = getattr(config, "inputs", None)
    columns = getattr(config, "columns", None)
    p = _check_preset(preset if preset is not None else getattr(inputs, "preset", ""))
    acc = {**dict(getattr(columns, "accounts", {}) or {}), **dict(account_columns or {})}
    # The CRM fields of product owners (outputs.product_owner_fields) are read by the product
    # ICPs as each product's current owner: declared by the user, so neither unread nor
    # evidence of an export. (They keep their names; "ignore" means "not a canonical column".)
    outputs = getattr(config, "outputs", None)
    for field_name in (getattr(outputs, "product_owner_fields", {}) or {}).values():
        if not str(field_name).startswith("role:"):
            acc.setdefault(str(field_name), "ignore")
    ros = {**dict(getattr(columns, "roster", {}) or {}), **dict(roster_columns or {})}
    return SourceOptions(
        preset=p,
        sheet=(sheet if sheet is not None else getattr(inputs, "sheet", "")) or None,
        table=(table if table is not None else getattr(inputs, "table", "")) or None,
        query=(query if query is not None else getattr(inputs, "query", "")) or None,
        account_columns=account_mapping(p, acc),
        roster_columns=roster_mapping(p, ros),
        user_account_columns=acc,
        user_roster_columns=ros,
        limits=ReadLimits.from_config(config),
    )


def source_options_for(preset: str, opts: SourceOptions) -> SourceOptions:
    """``opts`` with ``preset`` applied on top of the user's own column maps."""
    return dataclasses.replace(
        opts,
        preset=preset,
        account_columns=account_mapping(preset, opts.user_account_columns),
        roster_columns=roster_mapping(preset, opts.user_roster_columns),
    )


def read_accounts(source: str | Path, opts: SourceOptions) -> tuple[pd.DataFrame, str, str]:
    """Read the raw accounts from a file or a database URL: (frame, label, sha256)."""
    from ..pipeline import sha256_file
    from .loading import nul_problems, read_table
    from .sql import is_database_url, read_sql_accounts, safe_label

    if is_database_url(str(source)):
        raw, digest = read_sql_accounts(str(source), table=opts.table, query=opts.query)
        label = safe_label(str(source))
        raw.attrs["problems"] = list(raw.attrs.get("problems", [])) + nul_problems(raw, label)
        return prepare_raw_accounts(raw, opts.preset), label, digest
    if opts.table or opts.query:
        raise ConfigError(
            f"{source}: --table/--query need a database URL such as "
            "sqlite:///crm.db as the accounts source, not a file"
        )
    raw = read_table(source, sheet=opts.sheet, limits=opts.limits)
    return prepare_raw_accounts(raw, opts.preset), str(source), sha256_file(source)


def finish_accounts(
    accounts: pd.DataFrame,
    reps: pd.DataFrame | None,
    preset: str,
    file: str,
    roster_file: str = "the roster",
) -> tuple[pd.DataFrame, list[Problem]]:
    """Preset checks and reference resolution on the parsed accounts."""
    problems: list[Problem] = []
    checks = CRM_PRESETS[preset].check_ids if preset in CRM_PRESETS else None
    if checks is not None:
        problems += checks(accounts, file)
    if reps is not None and "rep_id" in reps.columns:
        # Owners and parents given by name or in the other Salesforce id form are matched
        # whatever the preset: a unique match is the only reading, and leaving them would
        # reassign every account.
        accounts = resolve_references(accounts, reps)
        problems += owners_match_several(accounts, reps, file)
        problems += owners_match_nothing(accounts, reps, file)
        problems += owners_match_nearly(accounts, reps, file, roster_file)
    return accounts, problems


def _loose(text: str) -> str:
    """A name or email as compared loosely: no accents, case, punctuation or word order."""
    import unicodedata

    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(sorted(re.findall(r"[^\W_]+", plain.casefold())))


def owners_match_nearly(
    accounts: pd.DataFrame, reps: pd.DataFrame, file: str, roster_file: str = "the roster"
) -> list[Problem]:
    """Owners not on the roster named as a rep is but for accents, case, spaces, punctuation
    or word order ('José García' or 'Garcia, Jose' for the roster's 'Jose Garcia').

    Read as nobody on the roster, the rep's accounts would all be reassigned, under a warning
    telling the user to add to the roster a rep who is on it: stop and name the rep. (Emails
    are ids: they match exactly, ignoring case only.)
    """
    if "owner_id" not in accounts.columns or "name" not in reps.columns or len(reps) == 0:
        return []
    owners = accounts["owner_id"].astype(str)
    left = owners.ne("") & ~owners.isin(set(reps["rep_id"].astype(str)))
    if not left.any():
        return []
    loose: dict[str, dict[str, str]] = {}  # loose name -> rep id -> name as the roster has it
    for rid, name in zip(reps["rep_id"].astype(str), reps["name"].astype(str).str.strip()):
        key = _loose(name)
        if key and name != rid:  # a rep without a name is named by its id
            loose.setdefault(key, {})[rid] = name
    out: list[Problem] = []
    rows = spreadsheet_rows(accounts)
    for value in sorted(set(owners[left])):
        hits = loose.get(_loose(value), {})
        if len(hits) != 1:  # none, or several reps (owners_match_several names those)
            continue
        ((rid, written),) = hits.items()
        idx = np.flatnonzero((owners == value).to_numpy())
        n = len(idx)
        out.append(
            Problem(
                file,
                f"owner '{value}' is not on the roster, but rep {rid} is named '{written}' (the names "
                "differ only in accents, case, spaces, punctuation or word order): their "
                f"{n} account{'s' if n != 1 else ''} would be reassigned",
                row=int(rows[idx[0]]),
                column="owner_id",
                value=value,
                hint=f"if this is rep {rid}, write the name in {roster_file} as the CRM has it "
                f"('{value}'), or export the owner's id instead (Salesforce 'Account Owner ID' / "
                "OwnerId); if it is someone else, who left, tell them apart in the CRM or the roster",
            )
        )
    return out


def owners_match_several(accounts: pd.DataFrame, reps: pd.DataFrame, file: str) -> list[Problem]:
    """Owners given by a name (or email) that several reps share: which one is meant is not
    clear, and read as nobody the accounts would be reassigned."""
    if "owner_id" not in accounts.columns:
        return []
    owners = accounts["owner_id"].astype(str)
    left = owners.ne("") & ~owners.isin(set(reps["rep_id"].astype(str)))
    if not left.any():
        return []
    shared: dict[str, list[str]] = {}
    for col in ("name", "email"):
        if col not in reps.columns:
            continue
        keys = reps[col].astype(str).str.strip().str.casefold()
        for key, group in reps["rep_id"].astype(str).groupby(keys.to_numpy()):
            if key and len(group) > 1:
                shared.setdefault(str(key), list(group))
    out: list[Problem] = []
    rows = spreadsheet_rows(accounts)
    for value in sorted(set(owners[left])):
        ids = shared.get(value.strip().casefold())
        if not ids:
            continue
        hit = np.flatnonzero((owners == value).to_numpy())
        out.append(
            Problem(
                file,
                f"owner '{value}' is the name of {len(ids)} reps ({', '.join(ids)}): "
                f"{len(hit)} account{'s' if len(hit) != 1 else ''} cannot be matched to one",
                row=int(rows[hit[0]]),
                column="owner_id",
                value=value,
                hint="export the owner's id (Salesforce 'Account Owner ID' / OwnerId) instead of "
                "the name, or make the names on the roster unique",
            )
        )
    return out


def owners_match_nothing(accounts: pd.DataFrame, reps: pd.DataFrame, file: str) -> list[Problem]:
    """An owner column none of whose values is a rep: read from the wrong column, or ids
    in another form (names where the roster has ids). Every account would be reassigned."""
    if "owner_id" not in accounts.columns or len(reps) == 0:
        return []
    owners = accounts["owner_id"].astype(str)
    given = owners.ne("")
    if not given.any() or owners[given].isin(set(reps["rep_id"].astype(str))).any():
        return []
    first = int(np.flatnonzero(given.to_numpy())[0])
    examples = ", ".join(repr(v) for v in owners[given].drop_duplicates().head(3))
    rep_ids = reps["rep_id"].astype(str)
    rep_examples = ", ".join(repr(v) for v in rep_ids.head(3))
    why = ""
    if owners[given].str.lstrip("0").isin(set(rep_ids.str.lstrip("0"))).any():
        why = (
            "the owners match rep ids once leading zeros are ignored: the ids lost their zeros "
            "in a spreadsheet; read them as text. "
        )
    elif owners[given].str.casefold().isin(set(rep_ids.str.casefold())).any():
        why = "the owners match rep ids but for letter case; ids are matched exactly. "
    return [
        Problem(
            file,
            f"none of the {int(given.sum()):,} owners is on the roster (owners such as {examples}; "
            f"rep ids such as {rep_examples}): every account would be reassigned",
            row=int(spreadsheet_rows(accounts)[first]),
            column="owner_id",
            value=owners.iat[first],
            hint=why + "owner_id must hold the roster's rep_id, or a rep's exact name or email; "
            "check that the right column is mapped to owner_id. If the whole team really "
            "changed, empty the owner column",
        )
    ]


def config_with_preset(config: Any, preset: str) -> Any:
    """The config with ``inputs.preset`` set, so owner_changes.csv follows a preset argument."""
    import dataclasses

    if getattr(config.inputs, "preset", "") == preset:
        return config
    return dataclasses.replace(config, inputs=dataclasses.replace(config.inputs, preset=preset))
