"""The whole-column text helpers agree with the value-by-value rules they stand in for."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from territory.io.loading import _parse_number_cells, parse_number, parse_tier
from territory.io.textops import grouped_amounts, isin, matches, plain_decimals, utf8_view, whole_numbers

NUMBERISH = st.text(alphabet=st.sampled_from(list("0123456789.,+-eE $%kKmM()\u00a0٣")), max_size=18)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.one_of(
            NUMBERISH,
            st.from_regex(r"[+-]?\d{1,17}(\.\d{0,17})?", fullmatch=True),
            st.from_regex(r"\$?\d{1,4}(,\d{2,4}){0,5}(\.\d{0,3})?", fullmatch=True),  # '$1,200.50'
        ),
        max_size=30,
    )
)
def test_parse_number_reads_every_cell_as_the_careful_rules_do(cells: list[str]) -> None:
    s = pd.Series(cells, dtype="str")
    values, bad = parse_number(s)
    # Before the pyarrow fast path, every cell went through _parse_number_cells.
    want_values, want_bad = _parse_number_cells(s.astype(str).str.strip())
    np.testing.assert_array_equal(values.to_numpy(dtype=float), want_values.to_numpy(dtype=float))
    assert bad.tolist() == want_bad.tolist()


def test_grouped_amounts_take_dollar_amounts_and_thousands_commas_only() -> None:
    got = grouped_amounts(
        pd.Series(
            ["$1,200.50", "1,200", "$300", "$.5", "12,345,678", "1,2000", "12,34", "$-5", "€1,200", "1,200k"]
        )
    )
    want = [1200.5, 1200, 300, 0.5, 12345678, np.nan, np.nan, np.nan, np.nan, np.nan]
    np.testing.assert_array_equal(got, np.array(want, dtype=float))


def test_plain_decimals_take_only_short_plain_numbers() -> None:
    got = plain_decimals(
        pd.Series(["12", "-3.5", ".25", "5.", "+7", "1,200", "1e6", "", "1234567890123456", "٣"])
    )
    want = [12, -3.5, 0.25, 5, 7, np.nan, np.nan, np.nan, np.nan, np.nan]
    np.testing.assert_array_equal(got, np.array(want, dtype=float))


def test_tier_column_of_plain_digits() -> None:
    tier, bad, empty = parse_tier(pd.Series(["1", "3", "2"], dtype="str"))
    assert tier.dtype == "Int8" and tier.tolist() == [1, 3, 2]
    assert not bad.any() and not empty.any()
    tier, bad, empty = parse_tier(pd.Series(["Tier 1", "4", ""], dtype="str"))
    assert (
        tier.tolist()[0] == 1
        and bad.tolist() == [False, True, False]
        and empty.tolist() == [False, False, True]
    )


def test_isin_both_ways_round() -> None:
    few = pd.Series(["A2", "", "zz", "A2"], dtype="str")
    many = pd.Series([f"A{i}" for i in range(100)], dtype="str")
    assert isin(few, many).tolist() == [True, False, False, True]  # few against many: flipped
    assert isin(many, few).sum() == 1
    assert isin(np.array(["1", 2, None], dtype=object), {"2", "1"}).tolist() == [True, True, False]
    assert isin(few, []).tolist() == [False] * 4


def test_matches_and_whole_numbers() -> None:
    assert matches(pd.Series(["02134", "2134", "02134-1"]), r"^[0-9]{5}$").tolist() == [True, False, False]
    assert whole_numbers(pd.Series(["1", "3"]), np.int8).tolist() == [1, 3]


def test_tier_as_hubspot_writes_its_internal_values() -> None:
    """HubSpot's 'Ideal Customer Profile Tier' holds tier_1 / tier_2 / tier_3 when exported by
    internal value (API, workflows, reverse ETL): read as the tier, like 'Tier 1'."""
    tier, bad, empty = parse_tier(pd.Series(["tier_1", "TIER_2", "Tier-3", "tier 1", "tier_4"], dtype="str"))
    assert tier.tolist()[:4] == [1, 2, 3, 1]
    assert bad.tolist() == [False, False, False, False, True] and not empty.any()


@settings(deadline=None)
@given(st.lists(st.text(max_size=6), min_size=1, max_size=20), st.integers(0, 25), st.integers(1, 4))
def test_utf8_view_reads_each_cell_of_a_chunked_or_sliced_column(
    cells: list[str], start: int, chunks: int
) -> None:
    # a column of one chunk is read in place (no copy), a sliced one from its offset
    whole = pa.array(cells, type=pa.large_string()).slice(min(start, len(cells)))
    cut = [whole.slice(k * len(whole) // chunks, len(whole) // chunks + 1) for k in range(chunks)]
    for column in (whole, pa.chunked_array([whole]), pa.chunked_array(cut[:1]), pa.chunked_array(cut)):
        bounds, raw = utf8_view(column)
        got = [raw[a:b].tobytes().decode("utf-8") for a, b in zip(bounds[:-1], bounds[1:])]
        assert got == column.to_pylist()
