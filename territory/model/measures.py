"""The measures a plan balances (``balance.measures``): account columns made numeric.

Each measure names an account column (potential, arr, pipeline, renewals_next_2q ...). The
column is matched by its name, or by the name with case, spaces, dashes and underscores
ignored ('ARR', 'Renewals next 2Q'), when that is unambiguous. Its cells are read with
potential's rules and messages (``territory.io.numbers.read_measure``): amounts ('1,200',
'$1.2M'), blank cells counting as 0 with a warning; a missing column, text, a percentage, a
negative or out-of-range amount, or a total too large to add up is an input problem naming
the file, row, column and value.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..config import PlanConfig
from ..errors import Problem


def _key(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", str(name).strip().lower())


def prepare_measures(
    accounts: pd.DataFrame, cfg: PlanConfig, file: str
) -> tuple[pd.DataFrame, list[Problem]]:
    """The accounts with every balanced measure as a float column under its own name, and the
    problems found (all of them). ``potential`` is the loader's (0 when there is none)."""
    from ..io.numbers import measure_column, read_measure

    problems: list[Problem] = []
    out = accounts
    for name in cfg.balance.measures:
        if name == "potential":
            continue
        col: str | None = name if name in out.columns else None
        if col is None:
            hits = [c for c in out.columns if not str(c).startswith("_") and _key(c) == _key(name)]
            if len(hits) > 1:
                problems.append(
                    Problem(
                        file,
                        f"balance.measures.{name} matches several columns: {', '.join(map(repr, hits))}",
                        row=1,
                        column=name,
                        hint=f"rename the columns, or map one of them to '{name}' under [columns.accounts]",
                    )
                )
                continue
            col = hits[0] if hits else None
        if col is None:
            numeric = [
                str(c)
                for c in out.columns
                if not str(c).startswith("_")
                and c not in ("account_id", "name", "tier", "owner_id", "parent_id", "region", "postal_code")
                and pd.to_numeric(out[c].astype(str).str.strip().replace("", np.nan), errors="coerce")
                .notna()
                .any()
            ]
            problems.append(
                Problem(
                    file,
                    f"balance.measures lists '{name}', but the accounts have no column '{name}'",
                    row=1,
                    column=name,
                    hint=f"add a column '{name}' with an amount per account, or remove "
                    f"[balance.measures.{name}] from the settings; numeric columns found: "
                    + (", ".join(numeric[:12]) or "none"),
                )
            )
            continue
        vals, found = read_measure(out, file, measure_column(name, col))
        problems += found
        out = out.assign(**{name: vals.to_numpy(dtype=float)})
    return out, problems
