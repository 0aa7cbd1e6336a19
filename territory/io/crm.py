"""The CRM preset registry: everything territory knows about one CRM's exports, in one object.

A preset (``CrmPreset``) says how to read that CRM's account export as it comes out, how to
recognise such an export when no preset is given, and how to write owner changes for its
bulk update:

* ``accounts`` / ``roster``: export header -> canonical column, read with the preset;
* ``aliases``: header spellings read even without the preset (canonical -> spellings),
  merged into ``territory.io.loading.ACCOUNT_COLUMNS``;
* ``id_pattern`` / ``id_key``: the form of the CRM's record ids, and (when two forms of one
  id exist, as Salesforce's 15- and 18-character ids) the key under which they match;
  ``check_ids`` adds the CRM's own id checks when the preset is applied;
* ``footer_lines``: lines a report export appends after the data (dropped, with a warning),
  and ``footer_marks``: which of them mark the file as this CRM's;
* ``decisive`` / ``api_names`` / ``labels`` / ``label_prefixes`` / ``decisive_suffixes``: the
  headers that mark an export (see ``territory.io.presets.export_evidence``);
* ``update_headers`` / ``update_owner_value`` / ``account_teams``: the owner_changes.csv layout.

To add a CRM, add one ``CrmPreset`` to ``PRESETS`` below: the settings (``inputs.preset``,
``outputs.owner_changes``), ``--preset``, header reading, export detection, footer lines and
owner_changes.csv all follow from it (docs/crm-presets.md says what else to document).

This module imports the standard library only (the settings read it at start-up); the id
checks import pandas when they run. Header lists: ``shared/data/crm-export-headers/HEADERS.md``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from ..errors import Problem


@dataclass(frozen=True)
class CrmPreset:
    """One CRM's exports and bulk update (see the module docstring for each field)."""

    name: str  # as given to --preset and inputs.preset
    title: str  # as shown to the user
    accounts: Mapping[str, str]
    roster: Mapping[str, str]
    id_pattern: str
    update_headers: tuple[str, str]  # owner_changes.csv: (account id header, owner header)
    update_owner_value: str = "id"  # what the bulk update matches owners by: id, email or name
    account_teams: bool = False  # "role:<Team Role>" product owners are account-team inserts
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    id_key: Callable[[str], str | None] | None = None
    check_ids: Callable[[pd.DataFrame, str], list[Problem]] | None = None
    footer_lines: tuple[str, ...] = ()  # regular expressions, matched whole, any case
    footer_marks: str = ""  # a regular expression found in a footer line of this CRM
    decisive: frozenset[str] = frozenset()  # header keys (see ``header_key``) only this preset reads
    decisive_suffixes: tuple[str, ...] = ()  # header endings (lower case) only this CRM writes
    api_names: frozenset[str] = frozenset()  # keys of API field names, counted when written as one word
    labels: frozenset[str] = frozenset()  # keys of labels, counted as written
    label_prefixes: tuple[str, ...] = ()  # header beginnings (lower case) only this CRM writes

    def __repr__(self) -> str:
        return f"<CrmPreset {self.name}: {len(self.accounts)} headers, owner_changes {','.join(self.update_headers)}>"


# A header typed or upper-cased in a Turkish Excel: 'ACCOUNT_İD' (dotted capital I), 'account_ıd'
# (dotless i). str.lower() makes 'İ' an 'i' plus a combining dot, so they would match nothing.
TURKISH_I = str.maketrans({"İ": "I", "ı": "i"})


def header_key(header: str) -> str:
    """A header compared ignoring case, spaces, dashes and underscores (and Turkish I's dot)."""
    return re.sub(r"[\s_\-]+", "", header.strip().translate(TURKISH_I).lower())


# --------------------------------------------------------------------------- Salesforce

SALESFORCE_ID = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")
_SF_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def salesforce_id18(sf_id: str) -> str:
    """The 18-character, case-insensitive-safe form of a 15- or 18-character Salesforce id."""
    if len(sf_id) == 18:
        return sf_id[:15] + salesforce_id18(sf_id[:15])[15:]
    if len(sf_id) != 15:
        raise ValueError(f"not a 15- or 18-character Salesforce id: {sf_id!r}")
    suffix = ""
    for chunk in range(3):
        bits = 0
        for j, ch in enumerate(sf_id[chunk * 5 : chunk * 5 + 5]):
            if "A" <= ch <= "Z":
                bits |= 1 << j
        suffix += _SF_SUFFIX[bits]
    return sf_id + suffix


def _salesforce_id_key(value: str) -> str | None:
    """A 15- and an 18-character Salesforce id of one record share their first 15 characters."""
    return value[:15] if SALESFORCE_ID.match(value) else None


def check_salesforce_ids(accounts: pd.DataFrame, file: str) -> list[Problem]:
    """Every account id must be a 15- or 18-character Salesforce id, each account once."""
    import numpy as np

    from ..errors import Problem, more_problems
    from .loading import spreadsheet_rows

    problems: list[Problem] = []
    if "account_id" not in accounts.columns:
        return problems
    ids = accounts["account_id"].astype(str)
    rows = spreadsheet_rows(accounts)

    def listed(mask: np.ndarray, message: str, hint: str, what: str) -> None:
        idx = np.flatnonzero(mask)
        for i in idx[:20]:
            problems.append(
                Problem(file, message, row=int(rows[i]), column="account_id", value=ids.iat[i], hint=hint)
            )
        if len(idx) > 20:
            problems.append(more_problems(file, len(idx) - 20, what, column="account_id"))

    bad = (~ids.str.fullmatch(SALESFORCE_ID) & ids.ne("")).to_numpy()
    listed(
        bad,
        "not a Salesforce id (15 or 18 letters and digits)",
        "export the Id / Account ID field unchanged; Excel may have cut or reformatted it",
        "ids that are not Salesforce ids",
    )
    ok18 = ids.str.len().eq(18).to_numpy() & ~bad
    wrong = np.zeros(len(ids), dtype=bool)
    for i in np.flatnonzero(ok18):
        v = ids.iat[i]
        wrong[i] = salesforce_id18(v[:15]) != v
    listed(
        wrong,
        "the last 3 characters of this 18-character id do not match its first 15",
        "the id's letter case was changed; export it again (ids are case-sensitive)",
        "18-character ids whose last 3 characters do not match",
    )
    key15 = ids.str.slice(0, 15)
    twin = (key15.duplicated(keep="first") & ~ids.duplicated(keep="first")).to_numpy() & ~bad
    listed(
        twin,
        "the same account appears with a 15- and an 18-character id",
        "keep one row per account",
        "accounts listed with both id forms",
    )
    return problems


SALESFORCE = CrmPreset(
    name="salesforce",
    title="Salesforce",
    # Data Loader / API field names and report labels (Account object).
    accounts={
        "Id": "account_id",
        "Account ID": "account_id",
        "Name": "name",
        "Account Name": "name",
        "Industry": "industry",
        "NumberOfEmployees": "employees",
        "Employees": "employees",
        "AnnualRevenue": "annual_revenue",
        "Annual Revenue": "annual_revenue",
        "BillingCountry": "country",
        "Billing Country": "country",
        "BillingState": "state",
        "Billing State/Province": "state",
        "BillingCity": "city",
        "Billing City": "city",
        "BillingPostalCode": "postal_code",
        "Billing Zip/Postal Code": "postal_code",
        "ParentId": "parent_id",
        "Parent Account ID": "parent_id",
        "Parent Account": "parent_id",
        "OwnerId": "owner_id",
        "Account Owner ID": "owner_id",
        "Account Owner": "owner_id",
        # Conventional custom fields; any other name goes in plan.toml [columns.accounts].
        "Region__c": "region",
        "Territory__c": "region",
        "Tier__c": "tier",
        "Potential__c": "potential",
        "Segment__c": "segment",
        "Locked__c": "locked",
    },
    roster={"User ID": "rep_id", "Full Name": "name"},
    aliases={
        "country": ("billingcountry", "billing country"),
        "state": ("billingstate", "billing state/province", "billing state"),
        "city": ("billingcity", "billing city"),
        "postal_code": ("billingpostalcode", "billing zip/postal code", "billing postal code"),
        # Salesforce's geocoded billing address, for maps (territory.geo).
        "latitude": ("billinglatitude", "billing latitude"),
        "longitude": ("billinglongitude", "billing longitude"),
        "parent_id": ("parent account id",),
        "owner_id": ("account owner id",),
    },
    id_pattern=SALESFORCE_ID.pattern,
    id_key=_salesforce_id_key,
    check_ids=check_salesforce_ids,
    update_headers=("Id", "OwnerId"),
    account_teams=True,
    # Trailing lines of a report export (see shared/data/crm-export-headers/HEADERS.md).
    footer_lines=(
        r"confidential information\s*-\s*do not distribute",
        r"copyright\s*\(c\)\s*\d{4}(\s*-\s*\d{4})?\s+salesforce\.com,?\s+inc\.?\s+all rights reserved\.?",
    ),
    footer_marks=r"confidential information|salesforce\.com",
    # Report labels only a Salesforce report writes, which change what is read.
    decisive=frozenset({"accountowner", "parentaccount", "accountownerid", "parentaccountid"}),
    decisive_suffixes=("__c",),
    # API field names as Data Loader writes them (any case, no spaces), standard Account fields.
    api_names=frozenset(
        {
            "ownerid",
            "parentid",
            "billingstreet",
            "billingcity",
            "billingstate",
            "billingpostalcode",
            "billingcountry",
            "billinglatitude",
            "billinglongitude",
            "billingstatecode",
            "billingcountrycode",
            "shippingstreet",
            "shippingcity",
            "shippingstate",
            "numberofemployees",
            "annualrevenue",
            "accountnumber",
            "accountsource",
            "createddate",
            "createdbyid",
            "lastmodifieddate",
            "lastmodifiedbyid",
            "systemmodstamp",
            "isdeleted",
            "masterrecordid",
            "recordtypeid",
            "lastactivitydate",
            "sicdesc",
            "tickersymbol",
            "photourl",
        }
    ),
    labels=frozenset(
        {
            "billingstate/province",
            "billingzip/postalcode",
            "accountsource",
            "accountsite",
            "lastactivity",
            "accountphone",
            "accountfax",
            "accounttype",
        }
    ),
)

# --------------------------------------------------------------------------- HubSpot

HUBSPOT = CrmPreset(
    name="hubspot",
    title="HubSpot",
    # Companies export (view or "all properties"); labels as exported in English.
    accounts={
        "Record ID": "account_id",
        "Company ID": "account_id",
        "Company name": "name",
        "Industry": "industry",
        "Number of Employees": "employees",
        "Annual Revenue": "annual_revenue",
        "Country/Region": "country",
        "State/Region": "state",
        "City": "city",
        "Postal Code": "postal_code",
        "Parent Company": "parent_id",
        "Parent Company ID": "parent_id",
        "Company owner": "owner_id",
        "HubSpot Owner": "owner_id",
        "hubspot_owner_id": "owner_id",
        # HubSpot's standard "Ideal customer profile tier" holds "Tier 1" / "Tier 2" / "Tier 3".
        "Ideal Customer Profile Tier": "tier",
    },
    roster={"Owner ID": "rep_id", "User ID": "rep_id"},
    aliases={
        "account_id": ("record id", "company id"),
        "country": ("country/region",),
        "state": ("state/region",),
        "owner_id": ("company owner id",),
    },
    id_pattern=r"^\d+$",
    # HubSpot's import matches owners by email.
    update_headers=("Record ID", "Company owner"),
    update_owner_value="email",
    decisive=frozenset(
        {
            "companyowner",
            "hubspotowner",
            "hubspotownerid",
            "parentcompany",
            "parentcompanyid",
            "idealcustomerprofiletier",
            "companyid",
        }
    ),
    labels=frozenset(
        {
            "recordid",
            "companyname",
            "companydomainname",
            "country/region",
            "state/region",
            "lifecyclestage",
            "leadstatus",
            "createdate",
            "lastactivitydate",
            "websiteurl",
            "phonenumber",
            "timezone",
            "yearfounded",
            "totalrevenue",
            "streetaddress",
        }
    ),
    label_prefixes=("associated ",),
)

# --------------------------------------------------------------------------- the registry

PRESETS: dict[str, CrmPreset] = {p.name: p for p in (SALESFORCE, HUBSPOT)}

NO_PRESET = "none"  # read the columns as they are, even when the file looks like a CRM export
CANONICAL_LAYOUT = "canonical"  # owner_changes.csv with territory's own headers
CANONICAL_UPDATE_HEADERS = ("account_id", "owner_id")

# The allowed values of the settings that name a preset (territory.config reads these).
PRESET_SETTING_VALUES = ("", *PRESETS, NO_PRESET)
OWNER_LAYOUT_VALUES = ("auto", CANONICAL_LAYOUT, *PRESETS)


def _listed(words: list[str], last: str) -> str:
    """'a', 'a or b', 'a, b or c' (``last``: "or", "and")."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" {last} " + words[-1]


# The help texts that name the presets (settings, --preset), so that a new preset shows in them.
PRESET_NAMES_TEXT = _listed([f"'{name}'" for name in PRESETS], "or")  # 'salesforce' or 'hubspot'
PRESET_TITLES_TEXT = _listed([p.title for p in PRESETS.values()], "or")  # Salesforce or HubSpot
OWNER_LAYOUTS_TEXT = ", ".join(f"'{p.name}' ({','.join(p.update_headers)})" for p in PRESETS.values())
OWNER_VALUE_AUTO_TEXT = _listed(  # the email for HubSpot (its import matches ...) and the id otherwise
    [
        *(
            f"the {p.update_owner_value} for {p.title} (its import matches owners by {p.update_owner_value})"
            for p in PRESETS.values()
            if p.update_owner_value != "id"
        ),
        "the id otherwise",
    ],
    "and",
)


def preset_aliases(base: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """``base`` (canonical column -> header spellings) with every preset's ``aliases`` added."""
    out = {canon: tuple(spellings) for canon, spellings in base.items()}
    for preset in PRESETS.values():
        for canon, spellings in preset.aliases.items():
            out[canon] = tuple(dict.fromkeys([*out.get(canon, ()), *spellings]))
    return out


def footer_patterns() -> tuple[str, ...]:
    """Every preset's report footer lines (regular expressions)."""
    return tuple(line for p in PRESETS.values() for line in p.footer_lines)
