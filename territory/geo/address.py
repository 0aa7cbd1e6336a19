"""The accounts' address columns, read once into normalised arrays (country code, US state
code, ZIP, postal key, city key) that region rules and geocoding both use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..io.textops import matches
from .places import (
    TERRITORY_COUNTRIES,
    US,
    city_key,
    clean_city,
    country_code,
    group_codes,
    postal_key,
    state_code,
    us_zip,
)


@dataclass(frozen=True)
class Addresses:
    """Normalised address fields, one entry per account row."""

    country: np.ndarray  # 'US', 'CA', ... ('' when unknown)
    state: np.ndarray  # US state code, or the upper-cased text for other countries
    state_text: np.ndarray  # the state cell as written
    us: np.ndarray  # bool: a US address (50 states, DC, territories, military mail)
    zip5: np.ndarray  # 5-digit ZIP for US addresses ('' if none)
    zip_restored: np.ndarray  # bool: leading zeros were added back ('2134' -> '02134')
    postal: np.ndarray  # postal key for any country (upper case, no spaces)
    postal_text: np.ndarray  # the postal code as written
    city_key: np.ndarray  # matching key of the city (state and ZIP typed into it removed)
    city_text: np.ndarray
    country_text: np.ndarray


def _col(accounts: pd.DataFrame, name: str) -> pd.Series:
    if name in accounts.columns:
        return accounts[name].astype(str)  # each reader strips, once per distinct value
    return pd.Series([""] * len(accounts), index=accounts.index, dtype=object)


def read_addresses(accounts: pd.DataFrame) -> Addresses:
    country_text = _col(accounts, "country")
    state_text = _col(accounts, "state")
    postal_text = _col(accounts, "postal_code")
    city_text = _col(accounts, "city")
    # Every rule below is worked out once per distinct value (a million accounts have a few
    # hundred countries and states and at most ~100,000 postal codes), then spread over the
    # rows by their codes: text is compared per value, rows only as integers and booleans, and
    # each text column is built by one take from its distinct values (not per row).
    c_codes, c_uniques = pd.factorize(country_text, sort=False)
    u_country = _each(c_uniques, country_code)
    st_codes, st_uniques = pd.factorize(state_text, sort=False)
    u_state = _each(st_uniques, state_code)
    pc_codes, pc_uniques = pd.factorize(postal_text, sort=False)
    u_pc = np.asarray(pc_uniques, dtype=object)
    u_zip, u_restored, u_postal = _postal_uniques(u_pc)
    n_c, n_st, n_pc = len(u_country), len(u_state), len(u_zip)
    territory = np.isin(u_country, list(TERRITORY_COUNTRIES))[c_codes]
    no_country = (u_country == "")[c_codes]
    restored = u_restored[pc_codes]
    no_state = (u_state == "")[st_codes]
    from_country = territory & no_state  # a territory's own code is its state
    no_us_state = no_state & ~territory
    # A blank country is the US when the state is a US state or the postal code is a full ZIP
    # (a 4-digit code could be Australian or Swiss, so it does not make a blank country US).
    blank_us = no_country & (~no_us_state | ((u_zip != "")[pc_codes] & ~restored))
    us = (u_country == US)[c_codes] | territory | blank_us
    # state: the US state code; the country's code for a territory; else the text upper-cased
    states = np.concatenate([u_state, _each(st_uniques, lambda t: " ".join(t.upper().split())), u_country])
    state_at = np.where(us, np.where(from_country, 2 * n_st + c_codes, st_codes), n_st + st_codes)
    city_arr = city_text.to_numpy(dtype=object)
    if "city" in accounts.columns:
        state = states[state_at]
        codes, first = group_codes(city_arr, state)
        keys = np.array([city_key(clean_city(city_arr[i], state[i])) for i in first], dtype=object)
        ckey = keys[codes] if len(codes) else np.zeros(0, dtype=object)
    else:
        ckey = np.full(len(accounts), "", dtype=object)
    # territories (country 'Puerto Rico', 'PR', ...) are US addresses with that state code
    countries = np.append(u_country, US).astype(object)
    zips = np.append(u_zip, "").astype(object)
    return Addresses(
        country=countries[np.where(us, n_c, c_codes)],
        state=states[state_at],
        state_text=np.asarray(st_uniques, dtype=object)[st_codes],
        us=us.astype(bool),
        zip5=zips[np.where(us, pc_codes, n_pc)],
        zip_restored=restored & us,
        postal=u_postal[pc_codes],
        postal_text=u_pc[pc_codes],
        city_key=ckey,
        city_text=city_arr,
        country_text=np.asarray(c_uniques, dtype=object)[c_codes],
    )


def _each(uniques: Any, fn: Callable[[str], str]) -> np.ndarray:
    """``fn`` of each distinct value (as ``pd.factorize`` gives them), as an object array."""
    return np.array([fn(u) for u in uniques] + [""], dtype=object)[:-1]


def _postal_uniques(uniques: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(``us_zip`` ZIP, leading zeros restored, ``postal_key``) of each distinct postal code.

    Five plain digits (most codes of a US export) are all three as they are; only the other
    codes go through the text rules, one by one.
    """
    zip5 = uniques.copy()
    key = uniques.copy()
    restored = np.zeros(len(uniques), dtype=bool)
    for i in np.flatnonzero(~matches(uniques, r"^[0-9]{5}$")).tolist():
        zip5[i], restored[i] = us_zip(uniques[i])
        key[i] = postal_key(uniques[i])
    return zip5, restored, key
