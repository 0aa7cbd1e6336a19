"""Territories of whole geographic units (geo.units): contiguity, units, locks (issue 15)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from territory.geo.territories import geo_setup, unit_graph
from territory.model import solve_pools
from territory.pipeline import model_input, solve_input

from helpers import make_input

COUNTY = {"WA": "53033", "OR": "41051", "CA": "06037"}


def chain(n_wa: int = 5, n_or: int = 10, n_ca: int = 5, locked_ca: int = 0, *settings: str):
    """WA - OR - CA (WA does not touch CA). Today R1 holds WA and CA, R2 holds OR: perfectly
    balanced with no move, but R1's territory is in two pieces."""
    rows = []
    for state, n, owner in (("WA", n_wa, "R1"), ("OR", n_or, "R2"), ("CA", n_ca, "R1")):
        for i in range(n):
            rows.append(
                {
                    "account_id": f"{state}{i}",
                    "region": "West",
                    "tier": 1,
                    "potential": 100,
                    "owner_id": owner,
                    "county_fips": COUNTY[state],
                    "locked": "true" if state == "CA" and i < locked_ca else "false",
                }
            )
    reps = [{"rep_id": "R1", "region": "West"}, {"rep_id": "R2", "region": "West"}]
    return make_input(rows, reps, "geo.units=state", *settings)


def owners_by_state(plan) -> dict[str, set[str]]:
    a = plan.accounts
    out: dict[str, set[str]] = {}
    for acc, owner in zip(a["account_id"], a["owner_id"]):
        out.setdefault(acc[:2], set()).add(owner)
    return out


def test_state_graph_links_only_touching_states() -> None:
    g = unit_graph("state", {"WA", "OR", "CA"})
    pos = g.index()
    assert sorted(g.ids[v] for v in g.nbrs[pos["OR"]]) == ["CA", "WA"]
    assert g.ids.index("CA") not in g.nbrs[pos["WA"]]
    assert g.links == ()


@pytest.mark.parametrize("method", ["exact", "aggregate"])
def test_dropping_contiguity_gives_the_disconnected_plan(method: str) -> None:
    """Without the contiguity family the best plan keeps today's books (R1: WA and CA, which do
    not touch); with it, every territory is one piece and each state has one owner."""
    inp = chain(5, 10, 5, 0, f"solver.method={method}")
    cfg = inp.config
    geo = geo_setup(inp.accounts, inp.reps, "state", "", state=inp.state)
    mi = model_input(inp.accounts, inp.reps, cfg, geo, state=inp.state)
    dropped = dataclasses.replace(cfg, geo=dataclasses.replace(cfg.geo, units="none"))
    loose = solve_pools(mi, dropped)
    by_unit = dict(zip(mi.unit_key.tolist(), loose.owner.tolist()))
    assert by_unit["geo:WA"] == by_unit["geo:CA"] != by_unit["geo:OR"]
    plan = solve_input(inp)
    states = owners_by_state(plan)
    assert all(len(v) == 1 for v in states.values())  # accounts follow their unit
    (wa,), (or_,), (ca,) = states["WA"], states["OR"], states["CA"]
    assert or_ in (wa, ca) and wa != ca  # one piece each: OR joins WA or CA


def test_locked_accounts_stay_account_level() -> None:
    inp = chain(5, 10, 5, 2)
    plan = solve_input(inp)
    a = plan.accounts.set_index("account_id")["owner_id"]
    assert a["CA0"] == a["CA1"] == "R1"  # locked to R1, wherever CA goes
    rest = {a[f"CA{i}"] for i in range(2, 5)}
    assert len(rest) == 1


def test_every_unit_of_the_covered_states_has_one_owner() -> None:
    rows = [
        {
            "account_id": f"a{i}",
            "region": "West",
            "tier": 1 + i % 3,
            "potential": 10 + i,
            "owner_id": "",
            "county_fips": f,
            "locked": "false",
        }
        for i, f in enumerate(["41051", "41005", "41067", "41047", "41039", "41029"])
    ]
    reps = [{"rep_id": "R1", "region": "West"}, {"rep_id": "R2", "region": "West"}]
    inp = make_input(rows, reps, "geo.units=county")
    plan = solve_input(inp)
    terr = plan.extras.get("territories")
    assert terr is not None
    oregon = [u for u in unit_graph("county", {"OR"}).ids]
    assert sorted(terr["unit_id"]) == sorted(oregon)  # 36 counties, 6 with accounts
    assert set(terr["owner_id"]) <= {"R1", "R2"}
    assert int(terr["accounts"].sum()) == 6
    own = dict(zip(terr["unit_id"], terr["owner_id"]))
    a = plan.accounts
    for f, o in zip(a["county_fips"], a["owner_id"]):
        assert own[f] == o


def test_the_final_check_finds_a_territory_in_two_pieces() -> None:
    """The contiguity family's exact check (networkx) names the rep whose units do not touch."""
    from territory.model.families import active_families
    from territory.model.pools import build_pools
    from territory.model.units import build_units
    from territory.model.verify import check_all, pool_state

    inp = chain(5, 10, 5)
    cfg = inp.config
    mi = model_input(
        inp.accounts,
        inp.reps,
        cfg,
        geo_setup(inp.accounts, inp.reps, "state", "", state=inp.state),
        state=inp.state,
    )
    units = build_units(mi, cfg)
    (pool,) = build_pools(mi, cfg, units)
    r1 = pool.rep_ids.index("R1")
    rep_of_unit = np.array([r1 if u in ("geo:WA", "geo:CA") else 1 - r1 for u in pool.unit_ids])
    st = pool_state(pool, units, cfg, rep_of_unit, np.zeros(2, dtype=np.int64))
    broken = [v for v in check_all(st, active_families(cfg)) if v.family == "contiguity"]
    assert [v.message for v in broken] == ["R1's territory is in 2 pieces that do not touch (geo.units)"]


@pytest.mark.parametrize("method", ["exact", "aggregate"])
def test_compactness_penalty_gives_a_unit_to_the_nearer_territory(method: str) -> None:
    """OR (one new account) touches both territories. By balance it goes to R2 (CA: 4
    accounts, R1 has 6 in WA); priced by distance to today's centres it goes to R1, whose
    WA is about 390 km away against about 750 km for CA."""
    rows = [
        {
            "account_id": f"{s}{i}",
            "region": "West",
            "tier": 1,
            "potential": 100,
            "owner_id": o,
            "county_fips": COUNTY[s],
            "locked": "false",
        }
        for s, n, o in (("WA", 6, "R1"), ("OR", 1, ""), ("CA", 4, "R2"))
        for i in range(n)
    ]
    reps = [{"rep_id": "R1", "region": "West"}, {"rep_id": "R2", "region": "West"}]
    plain = solve_input(make_input(rows, reps, "geo.units=state", f"solver.method={method}"))
    priced = solve_input(
        make_input(rows, reps, "geo.units=state", "geo.compactness_penalty=1000", f"solver.method={method}")
    )
    assert plain.accounts.set_index("account_id")["owner_id"]["OR0"] == "R2"
    assert priced.accounts.set_index("account_id")["owner_id"]["OR0"] == "R1"


def test_territories_csv_lists_every_unit_with_its_accounts(tmp_path) -> None:
    from territory.pipeline import write_plan

    inp = chain(5, 10, 5, 2)
    plan = solve_input(inp)
    summary = write_plan(plan, tmp_path / "plan")
    text = (tmp_path / "plan" / "territories.csv").read_text(encoding="utf-8").splitlines()
    assert text[0] == "unit_id,unit_name,state,owner_id,accounts,tier_1,tier_2,tier_3,potential"
    rows = {line.split(",")[0]: line for line in text[1:]}
    assert sorted(rows) == ["CA", "OR", "WA"]
    own = plan.accounts.set_index("account_id")["owner_id"]
    assert rows["CA"] == f"CA,California,CA,{own['CA4']},3,3,0,0,300"  # 2 of 5 locked: account-level
    assert "territories.csv" in summary["files"]
    terr = summary["geography"]["territories"]
    assert terr["units_total"] == 3 and terr["accounts_account_level"] == 2
    assert terr["every_territory_one_piece"] is True


def test_book_maps_shade_the_whole_territory(tmp_path) -> None:
    """With territories of whole states, a rep's map shades every county of the rep's states
    (not only those with accounts), and the plan map colours every county by its owner."""
    from territory.geo.book_maps import plan_map, rep_map, territory_units
    from territory.geo.units import counties
    from territory.pipeline import write_plan
    from territory.reporting.context import load_plan_dir

    inp = chain(5, 10, 5)
    inp.accounts["latitude"] = inp.accounts["county_fips"].map(lambda f: f"{counties()[f].latitude:.5f}")
    inp.accounts["longitude"] = inp.accounts["county_fips"].map(lambda f: f"{counties()[f].longitude:.5f}")
    plan = solve_input(inp)
    write_plan(plan, tmp_path / "plan")
    pd_ = load_plan_dir(tmp_path / "plan")
    units = territory_units(pd_)
    assert units is not None and units[0] == "county"
    terr = units[1]
    owner = plan.accounts.set_index("account_id")["owner_id"]
    wa = sum(c.state == "WA" for c in counties().values())
    assert sum(1 for f, o in terr.items() if counties()[f].state == "WA" and o == owner["WA0"]) == wa
    fig = rep_map(pd_, str(owner["WA0"]))
    assert fig is not None
    mine = sum(1 for o in terr.values() if o == owner["WA0"])
    assert f"shaded: your territory, {mine:,} counties." in fig.caption
    whole = plan_map(pd_)
    assert whole is not None and "shaded in the colour of the rep whose territory it is" in whole.caption


def test_the_geo_example_plans_county_territories(tmp_path) -> None:
    """examples/geo: regions from the Census divisions, territories of whole counties; every
    county of the 50 states and DC has one owner, and every account is in a territory."""
    import csv
    from pathlib import Path

    from click.testing import CliRunner

    from territory_cli.main import cli

    ex = Path(__file__).resolve().parents[1] / "examples" / "geo"
    out = tmp_path / "plan"
    args = ["plan", str(ex / "accounts.csv"), str(ex / "roster.csv"), "--out", str(out)]
    args += ["--region-rules", "us-census-divisions", "--geo-units", "county", "--allow-mass-change"]
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 0, r.output
    assert (
        "Territories of whole counties: 3,142 counties (275 with accounts), every territory one connected piece"
        in r.output
    )
    with (out / "territories.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len({x["unit_id"] for x in rows}) == 3142
    assert sum(int(x["accounts"]) for x in rows) == 992
    assert all(x["owner_id"] for x in rows)


def test_zip3_graph_is_symmetric_and_connected() -> None:
    """ZIP3 areas touch when their packaged outlines share a border, both ways; links join
    what stays apart, so one territory can always be one piece."""
    from territory.geo.territories import components

    g = unit_graph("zip3", {"OR", "WA", "HI"})
    assert g.n > 20 and all(i in g.nbrs[j] for i in range(g.n) for j in g.nbrs[i])
    assert len(components(g.nbrs)) == 1
    assert any("967" in link or "968" in link for link in g.links)  # Hawaii joined by a link


def test_zip3_neighbours_are_the_areas_whose_outlines_share_a_border() -> None:
    """The graph a ZIP3 plan keeps connected is the one the map draws: two ZIP3 areas are
    neighbours exactly when their outlines share an edge, so a one-piece territory is one
    piece on the map."""
    from territory.geo.units import zip3_areas

    z = zip3_areas()
    edges: dict[tuple[int, int, int, int], set[str]] = {}
    for zid, rings in z.outlines[2.0].items():
        for ring in rings:
            pts = ring.tolist()
            for (ax, ay), (bx, by) in zip(pts, pts[1:] + pts[:1]):
                key = (ax, ay, bx, by) if (ax, ay) < (bx, by) else (bx, by, ax, ay)
                edges.setdefault(key, set()).add(zid)
    sharing = {tuple(sorted(u)) for u in edges.values() if len(u) == 2}
    linked = {tuple(sorted(pair)) for pair in z.adjacency}
    inside = {pair for pair in linked if set(pair) & set(z.without_area)}
    assert linked - inside == sharing
    # Portland (972) touches Beaverton/Hillsboro (971), not Seattle (981, 230 km away); areas
    # touch across the state line too (Oregon's and Washington's along the Columbia)
    nb = unit_graph("zip3", {"OR", "WA"})
    i = nb.index()
    assert "971" in {nb.ids[j] for j in nb.nbrs[i["972"]]}
    assert "981" not in {nb.ids[j] for j in nb.nbrs[i["972"]]}
    assert any(nb.state[a] != nb.state[b] for a in range(nb.n) for b in nb.nbrs[a]) and not nb.links


def test_zip3_areas_cover_their_states_without_overlap() -> None:
    """Every ZIP3 of the 50 states, DC and Puerto Rico with a ZIP of its own has an area; the
    areas of a state add up to the state (the Voronoi cells are clipped to its outline)."""
    from territory.geo.geocode import zip3_centroids
    from territory.geo.maps import area_path
    from territory.geo.units import shapes, states, zip3_areas

    z = zip3_areas()
    on_map = {k for k, v in zip3_centroids().items() if v[2] in states()}
    assert set(z.without_area) == {"192", "459", "733", "938"}  # on other ZIP3s' points
    # and 569 (federal agencies in DC; most of its ZIPs are listed at 0, 0 and left out, the
    # few placed in DC make a speck); 888 (ZIP 88888, letters to Santa) has no place at all,
    # so it is no unit
    assert "888" not in on_map
    assert on_map - set(z.outlines[2.0]) == set(z.without_area) | {"569"}

    def area(d: str) -> float:
        total = 0.0
        for ring in d.split("M")[1:]:
            head, _, rest = ring.rstrip("z").partition("l")
            x, y = (float(v) for v in head.split())
            nums = [float(v) for v in rest.split()]
            pts = [(x, y)]
            for dx, dy in zip(nums[::2], nums[1::2]):
                x, y = x + dx, y + dy
                pts.append((x, y))
            total += abs(sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(pts, pts[1:] + pts[:1])) / 2)
        return total

    oregon = [k for k, st in z.state.items() if st == "OR"]
    union = area(area_path("zip3", oregon, 2.0))
    state = area(area_path("state", ["OR"], 2.0))
    assert union == pytest.approx(state, rel=0.02) and shapes().grid_km == 0.5


def test_zip3_territory_maps_shade_the_territorys_zip3_areas(tmp_path) -> None:
    """With --geo-units zip3 the maps shade the ZIP3 areas of each territory (not the counties
    that hold its accounts): the rep's map its own, the plan map every one in its owner's
    colour."""
    import json
    import re

    import pandas as pd
    from test_geo_maps import plan_with_coordinates

    from territory.geo.book_maps import plan_map, rep_map, territory_units
    from territory.geo.maps import area_path
    from territory.reporting.context import load_plan_dir

    plan = plan_with_coordinates(tmp_path / "plan")
    summary = json.loads((plan / "summary.json").read_text())
    summary["geography"] = {"territories": {"units": "zip3"}}
    (plan / "summary.json").write_text(json.dumps(summary))
    owners = {"970": "R01", "971": "R01", "972": "R01", "973": "R02"}
    pd.DataFrame({"unit_id": list(owners), "owner_id": list(owners.values())}).to_csv(
        plan / "territories.csv", index=False
    )
    pd_ = load_plan_dir(plan)
    assert territory_units(pd_) == ("zip3", owners)
    fig = rep_map(pd_, "R01")
    assert fig is not None and "shaded: your territory, 3 ZIP3 areas." in fig.caption
    whole = plan_map(pd_)
    assert whole is not None and "each ZIP3 area is shaded in the colour of the rep" in whole.caption
    shades = re.findall(r'<path d="([^"]*)" fill="#[0-9a-f]{6}" fill-rule="evenodd"', str(whole.svg))
    assert sorted(shades) == sorted(
        [area_path("zip3", ["970", "971", "972"], 5.0), area_path("zip3", ["973"], 5.0)]
    )


def test_zip3_unit_of_an_account_is_its_zip_prefix() -> None:
    import pandas as pd

    from territory.geo.territories import account_unit_ids

    a = pd.DataFrame(
        {
            "country": ["US", "US"],
            "state": ["OR", "WA"],
            "postal_code": ["97201", "98101-1234"],
            "county_fips": ["41051", "53033"],
            "latitude": ["45.5", "47.6"],
            "longitude": ["-122.7", "-122.3"],
        }
    )
    assert account_unit_ids(a, "zip3").tolist() == ["972", "981"]
    assert account_unit_ids(a, "state").tolist() == ["OR", "WA"]


PLACE = {"WA": (47.61, -122.33), "OR": (45.52, -122.68), "CA": (34.05, -118.24)}


def product_chain(*settings: str):
    """The WA - OR - CA chain with product ICPs: every account fits core and ins. Today R1
    (core) and R3 (ins) hold WA and CA, R2 (core) and R4 (ins, via owner_id_ins) hold OR:
    balanced within each product, but R1's and R3's territories are in two pieces."""
    rows = []
    for state, n, core, ins in (("WA", 5, "R1", "R3"), ("OR", 10, "R2", "R4"), ("CA", 5, "R1", "R3")):
        for i in range(n):
            rows.append(
                {
                    "account_id": f"{state}{i}",
                    "region": "West",
                    "tier_core": 1,
                    "tier_ins": 1 + i % 2,
                    "potential": 100,
                    "owner_id": core,
                    "owner_id_ins": ins,
                    "county_fips": COUNTY[state],
                    "latitude": PLACE[state][0],
                    "longitude": PLACE[state][1],
                    "locked": "false",
                }
            )
    reps = [
        {"rep_id": r, "region": "West", "product": p}
        for r, p in (("R1", "core"), ("R2", "core"), ("R3", "ins"), ("R4", "ins"))
    ]
    return make_input(rows, reps, "geo.units=state", *settings)


@pytest.mark.parametrize("method", ["exact", "aggregate"])
def test_product_territories_are_per_product(method: str) -> None:
    """Each product's reps split that product's units: every state has one owner per product,
    every territory is one piece, and territories.csv has a row per unit and product."""
    plan = solve_input(product_chain(f"solver.method={method}"))
    a = plan.accounts
    for prod, reps in (("core", {"R1", "R2"}), ("ins", {"R3", "R4"})):
        mine = a[a["product"] == prod]
        by_state: dict[str, set[str]] = {}
        for acc, owner in zip(mine["account_id"], mine["owner_id"]):
            by_state.setdefault(acc[:2], set()).add(owner)
        assert all(len(v) == 1 for v in by_state.values()), (prod, by_state)
        (wa,), (or_,), (ca,) = by_state["WA"], by_state["OR"], by_state["CA"]
        assert {wa, or_, ca} <= reps
        assert or_ in (wa, ca) and wa != ca  # one piece each
    terr = plan.extras["territories"]
    assert list(terr.columns[:5]) == ["unit_id", "unit_name", "state", "product", "owner_id"]
    assert sorted(zip(terr["product"], terr["unit_id"])) == [
        (p, s) for p in ("core", "ins") for s in ("CA", "OR", "WA")
    ]
    assert int(terr["accounts"].sum()) == len(a)
    geo = plan.extras["geography"]["territories"]
    assert sorted(geo["products"]) == ["core", "ins"]
    assert geo["products"]["core"]["units_total"] == 3
    assert geo["every_territory_one_piece"] is True


def test_product_maps_show_the_reps_product_territory(tmp_path) -> None:
    """A rep's map shades the territory of the product it carries; a map of reps of several
    products has no single owner per county, so it shades counties by their accounts."""
    from territory.geo.book_maps import rep_map, team_map, territory_units
    from territory.pipeline import write_plan
    from territory.reporting import load_plan_dir

    plan = solve_input(product_chain())
    write_plan(plan, tmp_path / "plan")
    d = load_plan_dir(tmp_path / "plan")
    core_u, ins_u = territory_units(d, ["R1"]), territory_units(d, ["R3"])
    assert core_u is not None and ins_u is not None
    (level, core), (_, ins) = core_u, ins_u
    assert level == "county"
    assert set(core.values()) == {"R1", "R2"} and set(ins.values()) == {"R3", "R4"}
    both = territory_units(d, ["R1", "R2"])
    assert both is not None and set(core) == set(ins) == set(both[1])
    assert territory_units(d) is None and territory_units(d, ["R1", "R3"]) is None
    fig = rep_map(d, "R1")
    assert fig is not None
    n = sum(o == "R1" for o in core.values())
    assert f"shaded: your territory, {n:,} counties." in fig.caption
    team = team_map(d, ["R1", "R3"])
    assert team is not None and "with most accounts there" in team.caption


def test_cli_plans_product_territories(tmp_path) -> None:
    """`--geo-units` with a roster that carries products plans (it used to be refused):
    territories.csv has a row per state and product, each product's reps hold them all."""
    import csv

    from click.testing import CliRunner

    from territory_cli.main import cli

    accounts = tmp_path / "accounts.csv"
    rows = [
        [
            "account_id",
            "name",
            "region",
            "tier_core",
            "tier_ins",
            "potential",
            "owner_id",
            "latitude",
            "longitude",
        ]
    ]
    for state, n in (("WA", 3), ("OR", 4), ("CA", 3)):
        for i in range(n):
            rows.append([f"{state}{i}", f"{state} Co {i}", "West", "1", "2", "100", "", *PLACE[state]])
    with accounts.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "rep_id,name,region,capacity,product\nR1,One,West,1,core\nR2,Two,West,1,core\nR3,Three,West,1,ins\n",
        encoding="utf-8",
    )
    out = tmp_path / "plan"
    result = CliRunner().invoke(
        cli,
        [
            "plan",
            str(accounts),
            str(roster),
            "--out",
            str(out),
            "--geo-units",
            "state",
            "--allow-mass-change",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Territories of whole states, per product: core: 3 states (3 with accounts)" in result.output
    with open(out / "territories.csv", newline="", encoding="utf-8") as fh:
        terr = list(csv.DictReader(fh))
    assert [(r["product"], r["unit_id"]) for r in terr] == [
        (p, s) for p in ("core", "ins") for s in ("CA", "OR", "WA")
    ]
    assert {r["owner_id"] for r in terr if r["product"] == "ins"} == {"R3"}
    assert {r["owner_id"] for r in terr if r["product"] == "core"} == {"R1", "R2"}


def test_a_family_without_its_head_row_follows_its_smallest_unit() -> None:
    """A family follows its head's unit; when the head's row is not among the rows (here:
    family_id names an account that is not there), it follows the smallest unit of its
    members (CA, before WA in the graph), not the unit of whichever member comes first."""
    inp = chain(2, 1, 2)
    a = inp.accounts.copy()
    a.loc[a["account_id"].isin(["WA0", "CA0"]), "family_id"] = "GONE"
    g = unit_graph("state", {"WA", "OR", "CA"})
    assert g.index()["CA"] < g.index()["WA"]
    geo = geo_setup(a, inp.reps, "state", "", state=inp.state)
    key = dict(zip(a["account_id"], geo.key.tolist()))
    assert (key["WA0"], key["CA0"], key["WA1"], key["CA1"]) == ("geo:CA", "geo:CA", "geo:WA", "geo:CA")


def test_a_family_follows_its_heads_unit_with_product_icps() -> None:
    """With product ICPs a row's family id is the head's row id (account::product), not its
    account id: the family still follows its head (OR0, in OR), not its first member (CA0)."""
    inp = product_chain()
    a = inp.accounts.copy()
    for prod in ("core", "ins"):
        a.loc[inp.state.row_id == f"CA0::{prod}", "family_id"] = f"OR0::{prod}"
        a.loc[inp.state.row_id == f"WA0::{prod}", "family_id"] = f"OR0::{prod}"
    geo = geo_setup(a, inp.reps, "state", "", state=inp.state)
    key = dict(zip(inp.state.row_id, geo.key.tolist()))
    for prod in ("core", "ins"):
        assert key[f"CA0::{prod}"] == key[f"WA0::{prod}"] == key[f"OR0::{prod}"] == key[f"OR1::{prod}"]
        assert key[f"CA1::{prod}"] != key[f"OR0::{prod}"]


def test_a_band_bent_by_whole_units_says_so_in_its_hint() -> None:
    """WA 5 - OR 10 - CA 5 accounts, two reps: one-piece territories of whole states give 5
    and 15 Tier 1 accounts against a fair 10. The warning's hint names the units, not 'locks,
    families or eligibility' (there are none), and no longer a grouping of the units without
    accounts before the solve (they are units of the model)."""
    plan = solve_input(chain(5, 10, 5))
    bent = [w for w in plan.warnings if "Tier 1 accounts" in w.message and "outside the band" in w.message]
    assert bent, [w.message for w in plan.warnings]
    for w in bent:
        assert w.hint.startswith(
            "territories of whole states, each one connected piece: the plan found no better split here"
        )
        assert "without accounts are joined" not in w.hint
        assert "locks, families or eligibility" not in w.hint


def test_territories_csv_sums_every_balanced_measure_per_unit(tmp_path) -> None:
    """With balance.measures arr and pipeline, territories.csv had potential only: each unit's
    sum of every balanced measure is a column after potential."""
    from territory.pipeline import write_plan

    rows = [
        {
            "account_id": f"{state}{i}",
            "region": "West",
            "tier": 1,
            "potential": 100,
            "arr": (i + 1) * 10,
            "pipeline": 7.5,
            "owner_id": owner,
            "county_fips": COUNTY[state],
            "locked": "true" if state == "CA" and i < 2 else "false",
        }
        for state, n, owner in (("WA", 5, "R1"), ("OR", 10, "R2"), ("CA", 5, "R1"))
        for i in range(n)
    ]
    reps = [{"rep_id": "R1", "region": "West"}, {"rep_id": "R2", "region": "West"}]
    measures = ("balance.measures.arr.band=0.5", "balance.measures.pipeline.band=0.5")
    plan = solve_input(make_input(rows, reps, "geo.units=state", *measures))
    write_plan(plan, tmp_path / "plan")
    text = (tmp_path / "plan" / "territories.csv").read_text(encoding="utf-8").splitlines()
    assert text[0] == "unit_id,unit_name,state,owner_id,accounts,tier_1,tier_2,tier_3,potential,arr,pipeline"
    rows = {line.split(",")[0]: line.split(",")[-2:] for line in text[1:]}
    assert rows["CA"] == ["120", "22.5"]  # CA2..CA4 follow the unit (CA0, CA1 locked): 30+40+50
    assert rows["OR"] == ["550", "75"]
