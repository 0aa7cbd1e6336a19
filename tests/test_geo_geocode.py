"""Offline geocoding: coordinates, ZIP codes, cities; bad coordinates; coverage; no network."""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from territory.geo.address import read_addresses
from territory.geo.geocode import (
    _zip_columns,
    build_zip_table,
    county_at,
    county_fips,
    coverage,
    coverage_sentence,
    place_accounts,
    zip3_centroids,
    zip_table,
)

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def place(**cols: list[str]):  # type: ignore[no-untyped-def]
    n = len(next(iter(cols.values())))
    df = pd.DataFrame({"account_id": [f"A{i}" for i in range(n)], **cols})
    rows = np.arange(n) + 2
    return place_accounts(df, read_addresses(df), rows, "accounts.csv"), rows


@pytest.mark.parametrize(
    "lat, lon, fips",
    [
        (34.05, -118.25, "06037"),  # Los Angeles
        (40.75, -73.99, "36061"),  # Manhattan
        (61.2, -149.9, "02020"),  # Anchorage (inset frame)
        (21.3, -157.85, "15003"),  # Honolulu (inset frame)
        (18.45, -66.07, "72127"),  # San Juan (inset frame)
        (38.63, -90.2, "29510"),  # St. Louis city
        (43.65, -79.38, ""),  # Toronto: not in the US
        (30.0, -60.0, ""),  # the Atlantic
        (48.85, 2.35, ""),  # Paris
    ],
)
def test_county_at(lat: float, lon: float, fips: str) -> None:
    assert county_at(np.array([lon]), np.array([lat])).tolist() == [fips]


def test_county_names_map_to_fips() -> None:
    assert county_fips("TX", "Harris County") == "48201"
    assert county_fips("MO", "St. Louis city") == "29510"
    assert county_fips("MO", "Saint Louis County") == "29189"
    assert county_fips("LA", "Orleans Parish") == "22071"
    assert county_fips("NM", "Dona Ana County") == "35013"
    assert county_fips("AK", "Chugach Census Area") == "02261"
    assert county_fips("TX", "Nowhere County") == ""


def test_packaged_zip_table_is_the_one_the_zipcodes_package_gives() -> None:
    # scripts/build_zip_table.py writes it; rerun it when the zipcodes pin changes
    assert build_zip_table() == zip_table()


def test_zip_table_maps_nearly_every_us_zip_to_a_county() -> None:
    t = zip_table()
    us = [
        v for v in t.zips.values() if v[2] not in {"AA", "AE", "AP", "VI", "GU", "AS", "MP", "FM", "MH", "PW"}
    ]
    with_county = sum(1 for v in us if v[3])
    assert with_county / len(us) > 0.99


def test_postal_code_then_city() -> None:
    p, _ = place(
        country=["US", "US", "", "US", "US", "US"],
        state=["NY", "MA", "MA", "MO", "VA", "TX"],
        postal_code=["10001-1234", "2110", "", "", "", "99999"],
        city=["", "", "Boston", "St. Louis", "McLean", "Dallas"],
    )
    assert p.placed_by.tolist() == ["postal code", "postal code", "city", "city", "city", "city"]
    # 'Saint Louis' is the postal city of most of St. Louis County too: the county with most
    # of a postal city's ZIPs wins
    assert p.county.tolist() == ["36061", "25025", "25025", "29189", "51059", "48113"]
    assert abs(p.latitude[0] - 40.75) < 0.05 and abs(p.longitude[0] + 74.0) < 0.05
    assert p.restored_zips == 1


def test_zip_in_another_state_is_not_used() -> None:
    p, _ = place(country=["US", "US"], state=["CA", "CT"], postal_code=["10001", "6103"], city=["", ""])
    assert p.placed_by.tolist() == ["", "postal code"]
    assert [(q.message, q.row) for q in p.problems] == [
        (
            "1 account has a postal code that belongs to another state than their state column; "
            "the postal code was not used",
            2,
        ),
        (
            "1 US postal code had lost leading zeros; read with the zeros back (e.g. '6103' as "
            "'06103'), and it matches the account's state",
            3,
        ),
    ]
    assert p.reason.tolist() == ["postal code of another state than the state column", ""]


def test_coordinates_first_and_bad_coordinates_fall_back() -> None:
    p, _ = place(
        country=["US"] * 7,
        state=["TX"] * 7,
        postal_code=["75201"] * 7,
        latitude=["32.78", "-96.8", "0", "123", "40.71", "abc", ""],
        longitude=["-96.80", "32.78", "0", "-96.8", "74.0", "-96.8", "-96.8"],
    )
    assert p.placed_by.tolist() == [
        "coordinates",
        "postal code",
        "postal code",
        "postal code",
        "postal code",
        "postal code",
        "postal code",
    ]
    assert p.county.tolist()[0] == "48113"
    # each warning is about one row, which its location names: the message does not repeat it
    got = sorted((q.message, q.row) for q in p.problems)
    assert got == sorted(
        [
            (
                "1 account has latitude and longitude the wrong way round (e.g. a US address at "
                "latitude -100); they were not used",
                3,
            ),
            ("1 account has latitude and longitude 0, 0 (a placeholder, not a place)", 4),
            ("1 account has coordinates out of range (latitude -90..90, longitude -180..180)", 5),
            (
                "1 account has a US address but coordinates outside the US (a lost minus sign?); they "
                "were not used",
                6,
            ),
            ("1 account has a latitude or longitude that is not a number", 7),
            ("1 account has only one of latitude and longitude", 8),
        ]
    )
    assert all(q.severity == "warning" for q in p.problems)


def test_coordinates_outside_the_us_are_kept_for_non_us_accounts() -> None:
    p, _ = place(country=["Canada"], state=["ON"], latitude=["43.65"], longitude=["-79.38"])
    assert p.placed_by.tolist() == ["coordinates"]
    assert p.county.tolist() == [""]


def test_not_placed_reasons_and_coverage_sentence() -> None:
    p, rows = place(
        country=["US", "Canada", "US", "US", "", "US"],
        state=["TX", "ON", "TX", "", "", "NY"],
        postal_code=["75201", "K1A 0B1", "", "", "", ""],
        city=["", "Ottawa", "Dalas", "Springfield", "", "New York"],
    )
    cov = coverage(p, rows)
    assert cov["placed"] == 2 and cov["by"] == {"coordinates": 0, "postal_code": 1, "city": 1}
    assert [(r["reason"], r["rows"]) for r in cov["not_placed_reasons"]] == [
        ("city not found", [4]),
        ("city without a state", [5]),
        ("no address", [6]),
        ("outside the US (offline data covers US addresses only)", [3]),
    ]
    assert coverage_sentence(cov) == (
        "2 of 6 accounts placed on the map: 1 by postal code, 1 by city; 4 not placed "
        "(1 city not found; 1 city without a state; 1 no address; 1 for other reasons): rows 3, 4, 5, 6."
    )


def test_no_network_while_geocoding(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*a, **k):  # type: ignore[no-untyped-def]
        raise AssertionError("a socket was opened")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    zip_table.cache_clear()
    p, _ = place(country=["US", "US"], state=["NY", "MO"], postal_code=["10001", ""], city=["", "St Louis"])
    assert p.placed_by.tolist() == ["postal code", "city"]


@pytest.mark.skipif(not (SHARED / "fortune500-hq-2017").exists(), reason="shared data not available")
def test_fortune500_coordinates_land_in_their_counties() -> None:
    f = pd.read_csv(SHARED / "fortune500-hq-2017" / "fortune_500_hq.csv", dtype=str, keep_default_na=False)
    got = county_at(f["LONGITUDE"].astype(float).to_numpy(), f["LATITUDE"].astype(float).to_numpy())
    want = f["COUNTYFIPS"].str.zfill(5).to_numpy()
    agree = (got == want).mean()
    # the file's own FIPS codes are wrong in a few dozen rows (SOURCES.md: Omaha has '55',
    # Boston 25023, downtown Richmond VA the county rather than the independent city)
    assert agree > 0.9, agree
    assert (got != "").all()
    by_name = dict(zip(f["NAME"], got))
    assert by_name["BERKSHIRE HATHAWAY"] == "31055"  # Douglas County, NE
    assert by_name["STATE STREET CORP."] == "25025"  # Suffolk County, MA
    assert by_name["DOMINION RESOURCES"] == "51760"  # Richmond city, VA


@pytest.mark.skipif(not (SHARED / "inc5000-2019").exists(), reason="shared data not available")
def test_inc5000_cities_are_placed() -> None:
    f = pd.read_csv(SHARED / "inc5000-2019" / "INC 5000 Companies 2019.csv", dtype=str, keep_default_na=False)
    p, rows = place(country=["US"] * len(f), state=f["state"].tolist(), city=f["city"].tolist())
    cov = coverage(p, rows)
    assert cov["placed"] >= 4950, cov["placed"]
    assert cov["with_county"] >= cov["placed"] - 5


def test_zip3_units_for_phase_b() -> None:
    from territory.geo.geocode import zip3_centroids

    z3 = zip3_centroids()
    lat, lon, state, n = z3["941"]
    assert state == "CA" and 37.6 < lat < 37.9 and -122.6 < lon < -122.3 and n > 20
    assert z3["021"][2] == "MA"
    assert 850 < len(z3) < 1000


def test_military_mail_zips_are_not_placed_at_0_0() -> None:
    """The ZIP table lists military mail (AE, AA, AP) and some special-use ZIPs at 0, 0: an
    account with one is not placed (it was drawn at 0, 0, in the Gulf of Guinea, and counted
    as placed); a city and state still place it."""
    p, _ = place(
        country=["US", "US", "US"],
        state=["AE", "AP", "WA"],
        postal_code=["09001", "96201", "98101"],
        city=["APO", "FPO", ""],
    )
    assert p.placed_by.tolist() == ["", "", "postal code"]
    assert np.isnan(p.latitude[:2]).all() and p.county.tolist()[:2] == ["", ""]
    assert (
        p.reason.tolist()[:2]
        == ["military mail or special-use address (APO/FPO/DPO): no place on the map"] * 2
    )
    z3 = zip3_centroids()
    assert "090" not in z3 and all((lat, lon) != (0, 0) for lat, lon, _s, _n in z3.values())


# --------------------------------------------------------------------------- one lookup per distinct value

# Cells as CRM exports write them: blanks, mixed case, names and codes, ZIP+4, lost leading
# zeros, Excel's '.0', ZIPs in another state, military mail, other countries' codes.
_COUNTRIES = ["", "US", "usa", "United States", "ca", "Canada", "PR", "Puerto Rico", "DE", "gu", " us "]
_STATES = [
    "",
    "MA",
    "ma",
    "Massachusetts",
    "NY",
    "new york",
    "CA",
    "calif.",
    "PR",
    "AE",
    "Ontario",
    "BY",
    "MO",
]
_POSTALS = [
    "",
    "02134",
    "2134",
    "02134-1234",
    "021341234",
    "2134.0",
    "10001",
    "10001 0001",
    "601",
    "00601",
    "501",
    "09001",
    "94105",
    "99999",
    "K1A 0B1",
    "80331",
    "abc",
    "1234",
]
_CITIES = [
    "",
    "Boston",
    "BOSTON",
    "boston, ma",
    "St. Louis",
    "Saint Louis",
    "New York",
    "APO",
    "Nowhere",
    "San Juan",
]
_COORDS = ["", "40.75", "-73.99", "0", "abc", "34,05", "-118.25", "200"]


# (state, city) pairs the city table knows, in several counties, spelt as CRMs do
_KNOWN_CITIES = [
    ("MA", "Boston"),
    ("ma", "boston, ma"),
    ("NY", "New York"),
    ("MO", "St. Louis"),
    ("MO", "Saint Louis"),
    ("CA", "Los Angeles"),
    ("california", "san francisco"),
    ("PR", "San Juan"),
    ("TX", "Houston"),
    ("AE", "APO"),
]
_ANY = st.tuples(*(st.sampled_from(v) for v in (_COUNTRIES, _STATES, _POSTALS, _CITIES, _COORDS, _COORDS)))
_IN_A_KNOWN_CITY = st.builds(
    lambda country, sc, postal, lat, lon: (country, sc[0], postal, sc[1], lat, lon),
    st.sampled_from(["", "US", "usa"]),
    st.sampled_from(_KNOWN_CITIES),
    st.sampled_from(["", "99999", "abc", "2134", "10001"]),
    st.sampled_from(_COORDS),
    st.sampled_from(_COORDS),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(_ANY, _IN_A_KNOWN_CITY), min_size=1, max_size=12), st.booleans(), st.booleans())
def test_accounts_placed_together_as_each_alone(
    rows: list[tuple[str, ...]], city: bool, coords: bool
) -> None:
    # Addresses are read and placed once per distinct value and spread over the accounts by
    # codes: each account must end where it would on its own.
    cols = ["country", "state", "postal_code", "city", "latitude", "longitude"]
    keep = [c for c in cols if (city or c != "city") and (coords or c not in ("latitude", "longitude"))]
    df = pd.DataFrame(rows, columns=cols)[keep]
    df.insert(0, "account_id", [f"A{i}" for i in range(len(df))])
    together = place_accounts(df, read_addresses(df), np.arange(len(df)) + 2, "accounts.csv")
    fields = ("country", "state", "zip5", "postal", "postal_text", "city_key", "state_text", "country_text")
    addr = read_addresses(df)
    for i in range(len(df)):
        one = df.iloc[[i]].reset_index(drop=True)
        alone = place_accounts(one, read_addresses(one), np.array([i + 2]), "accounts.csv")
        got = (together.placed_by[i], together.county[i], together.reason[i])
        assert got == (alone.placed_by[0], alone.county[0], alone.reason[0]), df.iloc[i].tolist()
        np.testing.assert_array_equal(
            [together.latitude[i], together.longitude[i]], [alone.latitude[0], alone.longitude[0]]
        )
        one_addr = read_addresses(one)
        assert [getattr(addr, f)[i] for f in fields] == [getattr(one_addr, f)[0] for f in fields]
        assert bool(addr.us[i]) == bool(one_addr.us[0])
    cov = coverage(together, np.arange(len(df)) + 2)
    assert cov["placed"] == int((together.placed_by != "").sum())
    assert cov["with_county"] == int((together.county != "").sum())
    assert sum(g["accounts"] for g in cov["not_placed_reasons"]) == cov["not_placed"]


def test_zip_columns_are_the_zip_table() -> None:
    # geocoding reads the packaged ZIP file straight into arrays; zip_table() reads it as a dict
    z = _zip_columns()
    table = zip_table()
    assert z.source == table.source
    assert list(z.position) == list(table.zips)
    got = list(zip(z.lat.tolist(), z.lon.tolist(), z.state.tolist(), z.county.tolist()))
    assert got[:-1] == list(table.zips.values())
    assert got[-1][2:] == ("", "") and np.isnan(got[-1][0])


def test_given_county_replaces_the_found_one() -> None:
    p, _ = place(
        country=["US", "US", "US"], state=["MA", "NY", "MA"], postal_code=["02134", "10001", "99999"]
    )
    assert p.county.tolist() == ["25025", "36061", ""]
    p.keep_given_county(np.array(["", "36047", "25017"], dtype=object))
    assert p.county.tolist() == ["25025", "36047", "25017"]
    assert p.county_column(pd.RangeIndex(3)).tolist() == ["25025", "36047", "25017"]
    assert coverage(p, np.arange(3) + 2)["with_county"] == 3


def test_zip_lookup_finds_each_zip_of_the_table_and_no_other() -> None:
    z = _zip_columns()
    codes = list(z.position)
    asked = np.array([codes[5], "99999", "", codes[0], "0213", codes[-1], codes[5]], dtype=object)
    assert z.lookup(asked).tolist() == [5, -1, -1, 0, -1, len(codes) - 1, 5]
