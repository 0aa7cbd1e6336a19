"""The accounts' address columns, read once into normalised arrays (country code, US state
code, ZIP, postal key, city key) that region rules and geocoding both use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
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
    """Normalised address fields of the accounts.

    Each field is kept as a code per account into a short list of distinct values (a million
    accounts have a few hundred countries and states and at most ~100,000 postal codes); the
    per-account text arrays below are built from them on first use, and geocoding works on
    the codes alone.
    """

    us: np.ndarray  # bool: a US address (50 states, DC, territories, military mail)
    zip_restored: np.ndarray  # bool: leading zeros were added back ('2134' -> '02134')
    country_at: np.ndarray  # code per account into country_values
    country_values: np.ndarray  # 'US', 'CA', ... ('' when unknown)
    state_id: np.ndarray  # code per account into state_values (equal codes: equal states)
    state_values: np.ndarray  # US state code, or the upper-cased text for other countries
    zip_at: np.ndarray  # code per account into zip_values
    zip_values: np.ndarray  # 5-digit ZIP for US addresses ('' if none)
    postal_at: np.ndarray  # code per account into postal_values and postal_text_values
    postal_values: np.ndarray  # postal key for any country (upper case, no spaces)
    postal_text_values: np.ndarray  # the postal code as written
    state_text_at: np.ndarray  # code per account into state_text_values
    state_text_values: np.ndarray  # the state cell as written
    country_text_at: np.ndarray  # code per account into country_text_values
    country_text_values: np.ndarray
    city_at: np.ndarray  # code per account into city_values
    city_values: np.ndarray  # matching key of the city (state and ZIP typed into it removed)
    city_column: pd.Series | None  # the city cells as written (None: no city column)

    @cached_property
    def country(self) -> np.ndarray:
        return self.country_values[self.country_at]

    @cached_property
    def state(self) -> np.ndarray:
        return self.state_values[self.state_id]

    @cached_property
    def state_text(self) -> np.ndarray:
        return self.state_text_values[self.state_text_at]

    @cached_property
    def country_text(self) -> np.ndarray:
        return self.country_text_values[self.country_text_at]

    @cached_property
    def zip5(self) -> np.ndarray:
        return self.zip_values[self.zip_at]

    @cached_property
    def postal(self) -> np.ndarray:
        return self.postal_values[self.postal_at]

    @cached_property
    def postal_text(self) -> np.ndarray:
        return self.postal_text_values[self.postal_at]

    @cached_property
    def city_key(self) -> np.ndarray:
        return self.city_values[self.city_at]

    @cached_property
    def city_text(self) -> np.ndarray:
        if self.city_column is None:
            return np.full(len(self.us), "", dtype=object)
        return self.city_column.to_numpy(dtype=object)

    @cached_property
    def has_zip(self) -> np.ndarray:
        """Per account: a US address with a 5-digit ZIP."""
        return (self.zip_values != "")[self.zip_at]

    @cached_property
    def has_state(self) -> np.ndarray:
        return (self.state_values != "")[self.state_id]

    @cached_property
    def has_city(self) -> np.ndarray:
        return (self.city_values != "")[self.city_at]


def _col(accounts: pd.DataFrame, name: str) -> pd.Series:
    if name in accounts.columns:
        return accounts[name].astype(str)  # each reader strips, once per distinct value
    return pd.Series([""] * len(accounts), index=accounts.index, dtype=object)


def read_addresses(accounts: pd.DataFrame) -> Addresses:
    country_text = _col(accounts, "country")
    state_text = _col(accounts, "state")
    postal_text = _col(accounts, "postal_code")
    # Every rule below is worked out once per distinct value, then spread over the rows by
    # their codes: text is compared per value, rows only as integers and booleans, and a
    # text column per row is built (by one take from its distinct values) only when asked for.
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
    # one code per distinct state text, so that rows compare states as integers
    s_codes, s_values = pd.factorize(states, sort=False)
    state_id = s_codes[state_at]
    state_values = np.asarray(s_values, dtype=object)
    if "city" in accounts.columns:
        city_column = _col(accounts, "city")
        city_arr = city_column.to_numpy(dtype=object)
        city_at, first = group_codes(city_arr, state_values[state_id])
        keys = [city_key(clean_city(city_arr[i], state_values[state_id[i]])) for i in first]
        city_values = np.array(keys + [""], dtype=object)[:-1]
    else:
        city_column = None
        city_at, city_values = np.zeros(len(accounts), dtype=np.int64), np.array([""], dtype=object)
    # territories (country 'Puerto Rico', 'PR', ...) are US addresses with that state code
    return Addresses(
        us=us.astype(bool),
        zip_restored=restored & us,
        country_at=np.where(us, n_c, c_codes),
        country_values=np.append(u_country, US).astype(object),
        state_id=state_id,
        state_values=state_values,
        zip_at=np.where(us, pc_codes, n_pc),
        zip_values=np.append(u_zip, "").astype(object),
        postal_at=pc_codes,
        postal_values=u_postal,
        postal_text_values=u_pc,
        state_text_at=st_codes,
        state_text_values=np.asarray(st_uniques, dtype=object),
        country_text_at=c_codes,
        country_text_values=np.asarray(c_uniques, dtype=object),
        city_at=city_at,
        city_values=city_values,
        city_column=city_column,
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
