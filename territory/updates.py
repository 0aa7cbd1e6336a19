"""The CRM update files of a plan, and the guard that withholds a mass change.

``owner_changes.csv`` lists every account whose owner changes (from another rep, or from
nobody: a first owner is an owner change in the CRM too), in the form the CRM's bulk update
takes. With product ICPs an account has one owner per product, so there is one file per
product, ``owner_changes_<product>.csv``, whose owner column is the CRM field that holds that
product's owner (``outputs.product_owner_fields``), or a Salesforce account-team insert.

Before a file goes near the CRM it is checked: when it would change the owner of more than
``outputs.max_owner_change_share`` of the accounts it covers, or when no account had a current
owner (the owner column was probably not read), the files are withheld unless
``outputs.allow_mass_change`` is set. assignments.csv and summary.json are written either way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .assignment import Plan
from .config import PlanConfig
from .errors import ConfigError, Problem
from .io.crm import PRESETS as CRM_PRESETS
from .plan_result import CrmFile, CrmUpdate
from .products import ROLE_PREFIX

# Salesforce AccountTeamMember insert (Data Loader, object Account Team Member).
TEAM_COLUMNS = ("AccountId", "UserId", "TeamMemberRole")
UPDATE_FILE_GLOB = "owner_changes*.csv"


@dataclass(frozen=True)
class UpdateFile:
    """One upload: the changed rows of one owner field, and what they are out of."""

    file: str
    product: str | None
    owner_field: str
    frame: pd.DataFrame
    accounts: int  # accounts (rows of this product) the file covers: the share's denominator
    first_owners: int  # rows that had no owner before

    @property
    def rows(self) -> int:
        return len(self.frame)

    @property
    def share(self) -> float:
        return self.rows / self.accounts if self.accounts else 0.0


@dataclass(frozen=True)
class OwnerUpdates:
    """The update files of a plan and the guard's verdict on them."""

    files: tuple[UpdateFile, ...]
    max_share: float
    reasons: tuple[str, ...] = ()  # why the guard objects; empty when it does not
    allowed: bool = False  # written despite the reasons (outputs.allow_mass_change)

    @property
    def written(self) -> bool:
        return not self.reasons or self.allowed

    @property
    def changes(self) -> int:
        return sum(f.rows for f in self.files)

    def frames(self) -> dict[str, pd.DataFrame]:
        """File name -> frame for the files to write (none when withheld)."""
        return {f.file: f.frame for f in self.files} if self.written else {}

    def record(self) -> CrmUpdate:
        """The ``crm_update`` record of summary.json."""
        return CrmUpdate(
            written=self.written,
            withheld_because=() if self.written else self.reasons,
            written_despite=self.reasons if self.written else (),
            max_owner_change_share=self.max_share,
            files=tuple(
                CrmFile(
                    file=f.file,
                    product=f.product,
                    owner_field=f.owner_field,
                    rows=f.rows,
                    first_owners=f.first_owners,
                    accounts=f.accounts,
                    share=f.share,
                )
                for f in self.files
            ),
        )


def share_text(share: float) -> str:
    """0.3 -> '30%', 0.125 -> '12.5%'."""
    return f"{share:.0%}" if abs(share * 100 - round(share * 100)) < 1e-9 else f"{share:.1%}"


def _file_name(product: str, taken: set[str]) -> str:
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", product).strip("-.") or "product"
    name, n = f"owner_changes_{slug}.csv", 1
    while name in taken:
        n += 1
        name = f"owner_changes_{slug}-{n}.csv"
    return name


def owner_value_problems(reps: pd.DataFrame, cfg: PlanConfig, roster_file: str) -> list[Problem]:
    """Reps without the value the update file names owners by (HubSpot: the email).

    Their rows would carry the rep id instead, which the CRM matches to no user.
    """
    from .io.presets import owner_changes_layout

    _id_col, _owner_col, value = owner_changes_layout(
        cfg.inputs.preset, cfg.outputs.owner_changes, cfg.outputs.owner_value
    )
    if value not in ("email", "name") or value not in reps.columns:
        return []
    missing = reps["rep_id"].astype(str)[reps[value].astype(str).str.strip().eq("")].tolist()
    if not missing:
        return []
    why = " (HubSpot matches users by email)" if value == "email" else ""
    shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
    one = len(missing) == 1
    return [
        Problem(
            roster_file,
            f"the CRM update (owner_changes) names owners by {value}{why}, but rep{'' if one else 's'} {shown} "
            f"{'has' if one else 'have'} no {value}: their rows would carry the rep id "
            + (f"'{missing[0]}' " if one else "")
            + "instead, which the CRM matches to no user",
            column=value,
            severity="warning",
            hint=f'add their {value} to {roster_file}, or set outputs.owner_value = "id"',
        )
    ]


def check_product_owner_fields(cfg: PlanConfig, products: list[str]) -> None:
    """``outputs.product_owner_fields`` names planned products and loadable fields."""
    from .io.presets import update_layout

    fields = cfg.outputs.product_owner_fields
    unknown = sorted(set(fields) - set(products))
    if unknown:
        raise ConfigError(
            f"outputs.product_owner_fields names product '{unknown[0]}', which this plan does not "
            f"have; products: {', '.join(products) or 'none'}"
        )
    layout = update_layout(cfg.inputs.preset, cfg.outputs.owner_changes)
    for prod, value in sorted(fields.items()):
        if not value.strip() or value.strip() == ROLE_PREFIX:
            raise ConfigError(
                f"outputs.product_owner_fields.{prod} is empty; give the CRM field, e.g. "
                f'"{prod.capitalize()}_Owner__c", or an account-team role, e.g. "role:{prod.capitalize()} Specialist"'
            )
        if value.startswith(ROLE_PREFIX) and layout is not None and not layout.account_teams:
            teams = [p.title for p in CRM_PRESETS.values() if p.account_teams]
            raise ConfigError(
                f"outputs.product_owner_fields.{prod} = {value!r}: account-team roles are a "
                f"{' and '.join(teams)} feature; for {layout.title} give a custom owner property, e.g. "
                f'"{prod.capitalize()} Owner"'
            )


def owner_updates(plan: Plan) -> OwnerUpdates:
    """The plan's update files (one, or one per product) and the guard's verdict."""
    from .pipeline import assignments_frame

    a = assignments_frame(plan)
    out = plan.config.outputs
    changed = (a["owner_id"] != a["previous_owner_id"]) & (a["owner_id"] != "")
    files: list[UpdateFile] = []
    if "product" in a.columns:
        taken: set[str] = set()
        for prod in sorted(set(a["product"]) - {""}):
            mine = a["product"] == prod
            name = _file_name(prod, taken)
            taken.add(name)
            field_name = out.product_owner_fields.get(prod, "") or f"owner_id_{prod}"
            frame = _update_frame(plan, a.loc[mine & changed], field_name)
            first = int((mine & changed & (a["previous_owner_id"] == "")).sum())
            files.append(UpdateFile(name, prod, field_name, frame, int(mine.sum()), first))
    else:
        frame = _update_frame(plan, a.loc[changed], None)
        first = int((changed & (a["previous_owner_id"] == "")).sum())
        field_name = str(frame.columns[1])
        files.append(UpdateFile("owner_changes.csv", None, field_name, frame, len(a), first))
    return OwnerUpdates(
        tuple(files),
        out.max_owner_change_share,
        tuple(_guard_reasons(plan, a, files)),
        out.allow_mass_change,
    )


def _update_frame(plan: Plan, changes: pd.DataFrame, field_name: str | None) -> pd.DataFrame:
    from .io.presets import owner_update_frame

    out = plan.config.outputs
    if field_name is not None and field_name.startswith(ROLE_PREFIX):
        # An account-team member, not a field: Salesforce wants the user id.
        role = field_name[len(ROLE_PREFIX) :].strip()
        return pd.DataFrame(
            {
                TEAM_COLUMNS[0]: changes["account_id"].astype(str).to_numpy(),
                TEAM_COLUMNS[1]: changes["owner_id"].astype(str).to_numpy(),
                TEAM_COLUMNS[2]: np.full(len(changes), role, dtype=object),
            }
        )
    return owner_update_frame(
        changes[["account_id", "owner_id"]].reset_index(drop=True),
        plan.reps,
        preset=plan.config.inputs.preset,
        owner_changes=out.owner_changes,
        owner_value=out.owner_value,
        owner_column=field_name,
    )


def _guard_reasons(plan: Plan, a: pd.DataFrame, files: list[UpdateFile]) -> list[str]:
    """Why the update files should not be loaded as they are (empty when they may be)."""
    limit = plan.config.outputs.max_owner_change_share
    reasons = []
    had_owner = bool(a["previous_owner_id"].ne("").any())
    if plan.state.owner_any is not None:  # product ICPs: an owner of another product counts
        had_owner = had_owner or bool((plan.state.owner_any != "").any())
    if len(a) and not had_owner:
        reasons.append(
            f"no account has a current owner in the input, so every one of the {len(a):,} "
            "accounts would get a new owner; check that the owner column was read (a Salesforce "
            "report needs --preset salesforce; any other header needs [columns.accounts], e.g. "
            '"Account Owner" = "owner_id")'
        )
    for f in files:
        if f.share > limit + 1e-12:
            what = f"{f.product} accounts" if f.product else "accounts"
            reasons.append(
                f"{f.file} would change the owner of {f.rows:,} of {f.accounts:,} {what} "
                f"({f.share:.1%}), above outputs.max_owner_change_share = {share_text(limit)}"
                + (f" ({f.first_owners:,} of them had no owner)" if f.first_owners else "")
            )
    return reasons
