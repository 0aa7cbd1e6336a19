"""What the planner knows about each accounts row beyond the CRM's columns.

The accounts table holds what the user gave (and what the plan writes back: owner, reason).
Facts the planner derives on the way -- the accounts the previous plan moved, a family's
region, the locks (a locks file's pin, a named successor, a lock rule's decision) and an
account-product row's key -- travel in one typed record next to the table, never as hidden
columns of it: a column can be overwritten by an input file that happens to use its name,
silently survives into outputs, and says nothing about its type.

Its sibling ``RosterState`` holds what the planner knows about each rep beyond the roster's
columns (the roster file's rows, the successors), by rep id.

``AccountState`` is aligned with the accounts table's rows: row ``i`` of every array describes
row ``i`` of the table. Whoever filters or reorders the table filters or reorders the record
with the same positions (``take``). There is no default record: a caller with no facts says
so with ``AccountState.empty(n)``.

Who writes each field (docs/architecture.md has the table):

- ``lock_to`` / ``lock_row``: ``pipeline.load_input`` from a locks file (``locks.read_locks``);
  ``lockrules.successor_pins`` (a leaver's successor), ``requests.pinned`` (an honoured
  request), ``products.expand_products`` (a pin that cannot hold for a product row).
- ``lock_src`` / ``lock_why``: ``pipeline.load_input`` (a locks file's pins are "file"),
  ``lockrules.successor_pins`` and ``lockrules.apply_lock_rules``.
- ``lock_by_rule`` / ``lock_reason`` / ``rule_match``: ``lockrules.apply_lock_rules``.
- ``lock_auto``: ``products.expand_products`` and ``lockrules.successor_pins``.
- ``row_id`` / ``family_base`` / ``owner_any``: ``products.expand_products``.
- ``moved_before`` / ``unit_region``: ``pipeline.prepare_input``.
- ``source_row``: ``pipeline.load_input`` from the loader's row numbers, then
  ``pipeline.prepare_input``, which takes them off the table (the loader's ``_row`` column
  lives only while the files are read and checked).
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionArray

# The fields every record has (the locks); the others are None when they do not apply.
_LOCK_DEFAULTS: dict[str, tuple[type, object]] = {
    "lock_to": (object, ""),
    "lock_row": (np.int64, 0),
    "lock_src": (object, ""),
    "lock_why": (object, ""),
    "lock_by_rule": (bool, False),
    "lock_reason": (object, ""),
    "rule_match": (object, ""),
    "lock_auto": (object, ""),
}


@dataclass(frozen=True, slots=True, eq=False)  # (arrays: no element-wise ==; compare digests)
class AccountState:
    """Per-row planning facts, aligned with an accounts table of ``rows`` rows.

    ``source_row``: the row of the accounts file the row came from, as a spreadsheet shows it
    (header = row 1), for messages about a planned row.

    Locks (every record has them; "" / 0 / False = none):

    ``lock_to``: the rep the row is pinned to whatever the balance (a locks file, a named
    successor, an honoured request); ``lock_row``: the locks file's row of that pin (0 = not
    from the file), for messages; ``lock_src``: where the pin came from ("file",
    "successor"); ``lock_why``: how an error about a family names the pin or lock ("is kept
    with R01 by lock rule 2 (renewal)"); ``lock_by_rule``: a lock rule set ``locked`` (the
    row was not locked already); ``lock_reason``: that rule's words for the plan's reason
    ("kept: renewal on ..."); ``rule_match``: the rules (1-based, ";"-joined) whose test the
    row meets; ``lock_auto``: with product ICPs, the rep with product = auto who keeps the
    row exactly when the plan gives them its product.

    ``moved_before``: the previous plan moved the row's account (``continuity.previous``);
    None when no previous plan is given.
    ``unit_region``: with families kept together, the region of the row's top parent -- the
    region a rep must cover to own the row (the whole family goes to one rep); None otherwise.
    ``row_id`` / ``family_base`` / ``owner_any``: with product ICPs (one row per account and
    product), the row's key ``A1::core``, its account's family (``family_id`` is per product)
    and the account's ``owner_id`` whatever product that rep carries; None otherwise.
    """

    rows: int
    source_row: np.ndarray
    lock_to: np.ndarray
    lock_row: np.ndarray
    lock_src: np.ndarray
    lock_why: np.ndarray
    lock_by_rule: np.ndarray
    lock_reason: np.ndarray
    rule_match: np.ndarray
    lock_auto: np.ndarray
    moved_before: np.ndarray | None = None
    # (the accounts' own region array, as pandas holds it: a million text cells stay compact)
    unit_region: np.ndarray | ExtensionArray | None = None
    row_id: np.ndarray | None = None
    family_base: np.ndarray | None = None
    owner_any: np.ndarray | None = None

    @classmethod
    def empty(cls, rows: int) -> AccountState:
        """The record of ``rows`` rows about which nothing is known: no locks, no previous
        plan, no families, no product rows.

        Its lock arrays are read-only views of one value (no memory per row); whoever sets a
        lock builds a new array (the record is never changed in place)."""
        locks: dict[str, np.ndarray] = {
            k: np.broadcast_to(np.array(v, dtype=t), (rows,)) for k, (t, v) in _LOCK_DEFAULTS.items()
        }
        return cls(rows, np.arange(rows, dtype=np.int64) + 2, **locks)  # type: ignore[arg-type]

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name != "rows" and value is not None and len(value) != self.rows:
                raise ValueError(f"AccountState.{f.name} has {len(value)} rows, the accounts {self.rows}")

    def keys(self, accounts: pd.DataFrame) -> np.ndarray:
        """Each row's key as text: its ``row_id`` (``A1::core``), else its account id."""
        if self.row_id is not None:
            return self.row_id
        return accounts["account_id"].astype(str).to_numpy(dtype=object)

    def eligibility_view(self, accounts: pd.DataFrame) -> pd.DataFrame:
        """``accounts`` as eligibility reads them: each row in its unit's region (the table's
        own ``region`` stays what the CRM says, for messages and outputs)."""
        return accounts if self.unit_region is None else accounts.assign(region=self.unit_region)

    def digest(self) -> bytes:
        """A fingerprint of every fact (for keys of what a solve depends on)."""
        h = hashlib.sha256(str(self.rows).encode())
        for f in dataclasses.fields(self)[1:]:
            value = getattr(self, f.name)
            h.update(f.name.encode())
            if value is not None:
                h.update(str(value.dtype).encode())
                h.update(pd.util.hash_array(np.asarray(value)).tobytes())
        return h.digest()

    def take(self, idx: np.ndarray) -> AccountState:
        """The record of the rows at positions ``idx`` (a filter or a new order), as
        ``frame.iloc[idx]`` is of the table."""
        idx = np.asarray(idx)
        if idx.dtype == bool:
            idx = np.flatnonzero(idx)
        arrays = {
            f.name: getattr(self, f.name)[idx]
            for f in dataclasses.fields(self)[1:]
            if getattr(self, f.name) is not None
        }
        return dataclasses.replace(self, rows=len(idx), **arrays)


# The roster's helper columns: the loader's row numbers and, from ``lockrules.split_leavers``,
# the leavers (";"-joined) whose accounts a rep takes. They live only while the files are
# read and checked; a plan input holds them in its ``RosterState``.
ROSTER_HELPERS = ("_row", "_succeeds")


@dataclass(frozen=True, slots=True)
class RosterState:
    """What the planner knows about each rep beyond the roster's columns, by rep id (a what-if
    scenario adds and removes reps, so the facts follow the id, not a position).

    ``source_row``: the roster file's row of each rep (a rep a scenario adds has none);
    ``succeeds``: the leavers whose accounts the rep takes, as the roster named successors
    (``lockrules.split_leavers``; a chain R07 -> R08 -> R12 gives R12 both).
    """

    source_row: dict[str, int]
    succeeds: dict[str, tuple[str, ...]]

    @classmethod
    def empty(cls) -> RosterState:
        return cls({}, {})

    @classmethod
    def split(cls, reps: pd.DataFrame) -> tuple[pd.DataFrame, RosterState]:
        """The roster without the loader's helper columns, and the record of what they said."""
        ids = reps["rep_id"].astype(str).tolist() if "rep_id" in reps.columns else []
        rows: dict[str, int] = {}
        if "_row" in reps.columns:
            rows = {r: int(x) for r, x in zip(ids, reps["_row"].tolist()) if not pd.isna(x)}
        succeeds: dict[str, tuple[str, ...]] = {}
        if "_succeeds" in reps.columns:
            for r, cell in zip(ids, reps["_succeeds"].astype(str).tolist()):
                if cell:
                    succeeds[r] = tuple(cell.split(";"))
        return reps.drop(columns=[c for c in ROSTER_HELPERS if c in reps.columns]), cls(rows, succeeds)

    def frame(self, reps: pd.DataFrame) -> pd.DataFrame:
        """``reps`` with the helper columns back, for the checks that read them (their rows
        in messages, the successors' pins); a rep the record does not know has no row."""
        if "rep_id" not in reps.columns:
            return reps
        ids = reps["rep_id"].astype(str)
        rows = ids.map(self.source_row)
        return reps.assign(
            _row=rows.astype("int64") if rows.notna().all() else rows,
            _succeeds=[";".join(self.succeeds.get(r, ())) for r in ids.tolist()],
        )

    def heirs(self, reps: pd.DataFrame) -> dict[str, str]:
        """Leaver -> the successor on ``reps`` who takes their accounts."""
        on = set(reps["rep_id"].astype(str))
        return {lv: r for r, gone in self.succeeds.items() if r in on for lv in gone}

    def digest(self) -> bytes:
        """A fingerprint of every fact (for keys of what a solve depends on)."""
        return hashlib.sha256(
            repr((sorted(self.source_row.items()), sorted(self.succeeds.items()))).encode()
        ).digest()
