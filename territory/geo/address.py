"""The accounts' address columns, read once into normalised arrays (country code, US state
code, ZIP, postal key, city key) that region rules and geocoding both use."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

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
    us_state = per_value(state_text, state_code)
    pc_codes, pc_uniques = pd.factorize(postal_text, sort=False)
    pairs = [us_zip(u) for u in pc_uniques]
    zip5 = (
        np.array([p[0] for p in pairs] or [""], dtype=object)[pc_codes]
        if len(pairs)
        else np.zeros(0, dtype=object)
    )
    restored = (
        np.array([p[1] for p in pairs] or [False], dtype=bool)[pc_codes]
        if len(pairs)
        else np.zeros(0, dtype=bool)
    )
    territory = np.isin(country, list(TERRITORY_COUNTRIES))
    us_state = np.where(territory & (us_state == ""), country, us_state)
    # A blank country is the US when the state is a US state or the postal code is a full ZIP
    # (a 4-digit code could be Australian or Swiss, so it does not make a blank country US).
    blank_us = (country == "") & ((us_state != "") | ((zip5 != "") & ~restored))
    us = (country == US) | territory | blank_us
    state = np.where(us, us_state, per_value(state_text, lambda t: " ".join(t.upper().split())))
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
        postal=per_value(postal_text, postal_key),
        postal_text=postal_text.to_numpy(dtype=object),
        city_key=ckey,
        city_text=city_text.to_numpy(dtype=object),
        country_text=country_text.to_numpy(dtype=object),
    )
