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
    per_value,
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
    country = per_value(country_text, country_code)
    st_codes, st_uniques = pd.factorize(state_text, sort=False)
    us_state = _per_unique(st_codes, st_uniques, state_code)
    pc_codes, pc_uniques = pd.factorize(postal_text, sort=False)
    u_zip, u_restored, u_postal = _postal_uniques(np.asarray(pc_uniques, dtype=object))
    zip5 = u_zip[pc_codes] if len(pc_uniques) else np.zeros(0, dtype=object)
    restored = u_restored[pc_codes] if len(pc_uniques) else np.zeros(0, dtype=bool)
    territory = np.isin(country, list(TERRITORY_COUNTRIES))
    us_state = np.where(territory & (us_state == ""), country, us_state)
    # A blank country is the US when the state is a US state or the postal code is a full ZIP
    # (a 4-digit code could be Australian or Swiss, so it does not make a blank country US).
    blank_us = (country == "") & ((us_state != "") | ((zip5 != "") & ~restored))
    us = (country == US) | territory | blank_us
    state = np.where(us, us_state, _per_unique(st_codes, st_uniques, lambda t: " ".join(t.upper().split())))
    zip5 = np.where(us, zip5, "")
    restored = restored & us
    city_arr = city_text.to_numpy(dtype=object)
    codes, first = group_codes(city_arr, state)
    keys = np.array([city_key(clean_city(city_arr[i], state[i])) for i in first], dtype=object)
    ckey = keys[codes] if len(codes) else np.zeros(0, dtype=object)
    return Addresses(
        # territories (country 'Puerto Rico', 'PR', ...) are US addresses with that state code
        country=np.where(us, US, country),
        state=state.astype(object),
        state_text=state_text.to_numpy(dtype=object),
        us=us.astype(bool),
        zip5=zip5.astype(object),
        zip_restored=restored,
        postal=u_postal[pc_codes] if len(pc_uniques) else np.zeros(0, dtype=object),
        postal_text=postal_text.to_numpy(dtype=object),
        city_key=ckey,
        city_text=city_text.to_numpy(dtype=object),
        country_text=country_text.to_numpy(dtype=object),
    )


def _per_unique(codes: np.ndarray, uniques: Any, fn: Callable[[str], str]) -> np.ndarray:
    """``fn`` of each distinct value (``pd.factorize`` output), spread back over the rows."""
    if not len(uniques):
        return np.zeros(len(codes), dtype=object)
    mapped: np.ndarray = np.array([fn(u) for u in uniques], dtype=object)
    return mapped[codes]


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
