"""Each manager's team keeps a capacity-fair tier mix and share of every balanced measure.

A team is the reps with one manager on the roster (reps without a manager belong to none).
Its fair share in a pool is the team's capacity over the pool's capacity times the pool's
total: ``N[t] * C_g / C`` accounts of tier t and ``V[m] * C_g / C`` of measure m, which is the
sum of its reps' fair shares. Without this family every rep may be inside its own band while
one team holds all the large accounts (each rep a little above fair, every rep of the other
team a little below).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...config import PlanConfig
from ..pools import TIERS, Pool, tier_band
from ..state import PoolState
from ..units import measures_of
from .base import Build, Family, Solution, Tracker, Violation, band_excess, band_hint, band_rows, register


class TeamShares:
    """Fair shares and bands of each team of a pool, per product its reps carry, over
    ``3 + M`` dimensions: the three tiers (accounts), then the balanced measures (in their
    own units).

    A *group* is one team's reps of one product (``g * P + q``; without product ICPs P = 1
    and a group is a team). Its fair share is the sum of its reps' fair shares for that
    product. A rep with product = auto whose product is not chosen yet (``chosen`` None and
    ``rep_product`` -1, as in the exact MIP) counts in no group's fixed share: its share
    enters a group's band with the product choice (``auto_fair``, see ``TeamBalance.emit``).
    """

    def __init__(self, pool: Pool, cfg: PlanConfig, chosen: np.ndarray | None = None):
        band = cfg.balance.team_band
        assert band is not None
        self.band = float(band)
        meas = measures_of(cfg)
        self.measure_index = [k for k, m in enumerate(meas) if m.balanced]
        self.names = [f"Tier {t}" for t in TIERS] + [meas[k].name for k in self.measure_index]
        P = self.P = max(len(pool.products), 1)
        team = pool.rep_team if pool.rep_team.size else np.full(pool.n_reps, -1, dtype=np.int64)
        self.rep_team = team
        self.G = len(pool.teams) * P
        rp = np.asarray(pool.rep_product if chosen is None else chosen, dtype=np.int64)
        self.rep_group = np.where((team >= 0) & (rp >= 0), team * P + np.maximum(rp, 0), -1)
        self.auto = np.flatnonzero((team >= 0) & (rp < 0))  # product still to be chosen
        share = np.concatenate(
            [pool.fair_tier_p, pool.fair_value_p[:, :, self.measure_index]], axis=2
        )  # (R, P, D): each rep's fair share if it carries product q
        D = share.shape[2]
        self.fair = np.zeros((self.G, D))
        fixed = np.flatnonzero(self.rep_group >= 0)
        np.add.at(self.fair, self.rep_group[fixed], share[fixed, rp[fixed]])
        # auto_fair[a, q]: what auto rep a adds to its team's group of q when it carries q
        self.auto_fair = share[self.auto]  # (A, P, D)
        self.auto_group = (team[self.auto][:, None] * P + np.arange(P)[None, :]).astype(np.int64)
        lo_t, hi_t = tier_band(self.fair[:, :3], self.band, cfg.balance.tier_band_min_accounts)
        self.lo = np.concatenate([lo_t.astype(float), (1 - self.band) * self.fair[:, 3:]], axis=1)
        self.hi = np.concatenate([hi_t.astype(float), (1 + self.band) * self.fair[:, 3:]], axis=1)
        self.has = self.fair > 0
        may = self.has.copy()  # a group that may hold something: a fixed share or an auto rep's
        if self.auto.size:
            np.logical_or.at(may, self.auto_group.reshape(-1), (self.auto_fair > 0).reshape(-1, D))
        self.may = may
        self.penalty = np.asarray(
            [cfg.balance.tier_penalty] * 3 + [meas[k].penalty for k in self.measure_index], dtype=float
        )
        inv = np.where(self.has, 1.0 / np.where(self.has, self.fair, 1.0), 0.0)
        inv[:, :3] = self.has[:, :3]
        self.weight = self.penalty[None, :] * inv  # the price of one unit (account, euro) outside
        self.teams = list(pool.teams)
        self.products = list(pool.products)

    def label(self, k: int) -> str:
        """ "Rachel Goldberg's team", with " (core)" when reps carry products."""
        team = self.teams[k // self.P]
        prod = self.products[k % self.P] if self.P > 1 or (self.products and self.products[0]) else ""
        return f"{team}'s team" + (f" ({prod})" if prod else "")

    def group_of(self, r: np.ndarray) -> np.ndarray:
        """The group of each rep (-1: no team)."""
        return self.rep_group[np.asarray(r, dtype=np.int64)]

    def amounts(self, pool: Pool, u: np.ndarray) -> np.ndarray:
        """(n, D) what units ``u`` add to their holder's team."""
        return np.concatenate([pool.comp[u].astype(float), pool.value[u][:, self.measure_index]], axis=1)


@register
class TeamBalance(Family):
    """Per team g and dimension d: lo[g,d] <= sum over the team's reps <= hi[g,d]; tier rows
    in accounts (priced at ``balance.tier_penalty``), measure rows scaled by 1 / fair share
    (priced at the measure's penalty per 100 %); hard with ``balance.hard_bands``."""

    name = "team_balance"
    order = 35
    hard = False

    @classmethod
    def active(cls, cfg: PlanConfig) -> bool:
        return cfg.balance.team_band is not None

    def emit(self, b: Build) -> None:
        p, it = b.pool, b.items
        sh = TeamShares(p, b.cfg)
        P = sh.P
        team_of = sh.rep_team[it.pair_r]
        prod = it.product[it.pair_i] if P > 1 else np.zeros(it.n_pairs, dtype=np.int64)
        k_all = np.flatnonzero(team_of >= 0)
        g_of = team_of[k_all] * P + prod[k_all]
        # Reps with product = auto (exact MIP): a group's band grows with the product choice,
        # by each such rep's fair share of the product (a linear band: the rep's share times
        # 1 -+ team_band, never narrower than the band of the choice; the finished plan is
        # checked against the exact band of the reps' chosen products).
        a_idx, a_q = np.nonzero(np.ones((sh.auto.size, P), dtype=bool))
        a_z = b.z[sh.auto[a_idx], a_q] if sh.auto.size and b.z.size else np.zeros(0, dtype=np.int64)
        a_g = sh.auto_group[a_idx, a_q] if sh.auto.size else np.zeros(0, dtype=np.int64)
        a_p = np.zeros(0)  # for measure rows: the chance each auto rep takes each product
        if a_z.size:
            lvl = p.rep_level[sh.auto[a_idx]]
            per_level = np.maximum(p.auto_count.sum(axis=0), 1)
            a_p = p.auto_count[a_q, lvl] / per_level[lvl]
        for d in range(len(sh.names) if b.measures != "none" else 3):
            groups = np.flatnonzero(sh.may[:, d])
            if not groups.size:
                continue
            rowmap = np.full(sh.G, -1)
            rowmap[groups] = np.arange(groups.size)
            a_f = sh.auto_fair[a_idx, a_q, d] if a_z.size else np.zeros(0)
            a_keep = np.flatnonzero((a_f > 0) & (a_z >= 0) & (rowmap[a_g] >= 0)) if a_z.size else a_z
            zr, zc, zf = rowmap[a_g[a_keep]], a_z[a_keep], a_f[a_keep]
            lo, hi = sh.lo[groups, d], sh.hi[groups, d]
            if d < 3:
                cols, coef = b.y[k_all], it.comp[it.pair_i[k_all], d]
                penalty = b.cfg.balance.tier_penalty
            else:  # in shares of the team's fair share, priced per 100 % of it
                cols, coef = b.measure_terms(sh.measure_index[d - 3], k_all)
                scale = sh.fair[:, d].copy()
                if a_keep.size:
                    np.add.at(scale, a_g[a_keep], zf * a_p[a_keep])
                scale = np.where(scale > 0, scale, 1.0)
                coef = np.round(coef / scale[g_of], 9)
                lo, hi = np.round(lo / scale[groups], 9), np.round(hi / scale[groups], 9)
                zf = zf / scale[a_g[a_keep]]
                penalty = sh.penalty[d]
            nz = (coef != 0) & (rowmap[g_of] >= 0)
            what = sh.names[d].replace(" ", "_").lower()
            labels: dict[str, Any] = {"team": np.asarray(sh.teams, dtype=object)[groups // P]}
            if P > 1:
                labels["product"] = np.asarray(sh.products, dtype=object)[groups % P]
            band_rows(
                b,
                self.name,
                f"team_{what}_band",
                f"team_{what}",
                groups.size,
                (rowmap[g_of[nz]], cols[nz], coef[nz]),
                lo.astype(np.float64),
                hi.astype(np.float64),
                penalty=penalty,
                labels=labels,
                info={
                    "team": groups,
                    "dim": np.full(groups.size, d),
                    "lo": sh.lo[groups, d],
                    "hi": sh.hi[groups, d],
                    "fair": sh.fair[groups, d],
                },
                z_terms=(
                    (zr, zc, np.round((1 - sh.band) * zf, 9), np.round((1 + sh.band) * zf, 9))
                    if zr.size
                    else None
                ),
                z_ends=True,
            )

    def tracker(self, st: PoolState) -> Tracker:
        return _Teams(self, st)

    def explain(self, info: dict[str, Any], amount: float, sol: Solution, notes: dict[str, Any]) -> list[str]:
        b = sol.b
        g, d = int(info["team"]), int(info["dim"])
        sh = TeamShares(b.pool, b.cfg)
        q = g % sh.P
        reps = np.flatnonzero(sh.rep_team == g // sh.P)
        total = 0.0
        for r in reps.tolist():
            if q not in b.pool.rep_products(r):
                continue
            if d < 3:
                total += sol.rep_sum(r, b.items.comp[b.items.pair_i, d], q if sh.P > 1 else None)
            else:
                total += sol.rep_measure(sh.measure_index[d - 3], r, q if sh.P > 1 else None)
        fair = float(info["fair"])
        need = abs(total - fair) / fair if fair > 0 else math.inf
        notes["team_band"] = max(notes.get("team_band", 0.0), need)
        what = sh.names[d]
        team = sh.label(g)
        if d < 3:
            return [
                f"Team band +-{sh.band:.0%} cannot hold for {team} in {b.pool.name}: the best "
                f"split gives it {total:.0f} {what} accounts where the band allows "
                f"{float(info['lo']):.0f}-{float(info['hi']):.0f} (fair share {fair:.1f})."
            ]
        return [
            f"Team band +-{sh.band:.0%} cannot hold for {team} in {b.pool.name}: {what} "
            f"{total:,.0f} against a fair share of {fair:,.0f} ({total / fair - 1:+.1%})."
        ]

    def summarize(self, notes: dict[str, Any], cfg: PlanConfig) -> list[str]:
        need = notes.get("team_band", 0.0)
        if need <= 0:
            return []
        return [f"Widen balance.team_band to +-{math.ceil(need * 100)} %, or set balance.hard_bands = false."]


class _Teams(Tracker):
    """Running totals per team (G, D); a move between two reps of one team changes nothing."""

    def __init__(self, family: Family, st: PoolState):
        super().__init__(family, st)
        self.sh = sh = TeamShares(st.pool, st.cfg, st.chosen)
        self.T = np.zeros((sh.G, len(sh.names)))
        if sh.G:
            g = sh.rep_group[st.rep_of_unit]
            held = np.flatnonzero(g >= 0)
            np.add.at(self.T, g[held], sh.amounts(st.pool, held))

    def _cost(self, g: np.ndarray, total: np.ndarray) -> np.ndarray:
        sh = self.sh
        gg = np.maximum(g, 0)
        c = (band_excess(total, sh.lo[gg], sh.hi[gg]) * sh.weight[gg]).sum(axis=-1)
        return np.where(g >= 0, c, 0.0)

    def _excess(self, g: np.ndarray, total: np.ndarray) -> np.ndarray:
        sh = self.sh
        gg = np.maximum(g, 0)
        e = (band_excess(total, sh.lo[gg], sh.hi[gg]) * sh.has[gg]).sum(axis=-1)
        return np.where(g >= 0, e, 0.0)

    def penalty(self) -> float:
        if not self.sh.G:
            return 0.0
        return float(self._cost(np.arange(self.sh.G), self.T).sum())

    def move(self, u: int, r1: int, r2: int) -> None:
        sh = self.sh
        g1, g2 = int(sh.rep_group[r1]), int(sh.rep_group[r2])
        if g1 == g2:
            return
        a = sh.amounts(self.st.pool, np.array([u]))[0]
        if g1 >= 0:
            self.T[g1] -= a
        if g2 >= 0:
            self.T[g2] += a

    def delta(
        self, a: np.ndarray, r: Any, r2: Any, b: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        sh = self.sh
        n = max(np.size(x) for x in (a, r, r2, b) if x is not None)
        if not sh.G:
            return np.zeros(n), np.ones(n, dtype=bool)
        a = np.broadcast_to(np.asarray(a, dtype=np.int64), (n,))
        g1 = sh.rep_group[np.broadcast_to(np.asarray(r, dtype=np.int64), (n,))]
        g2 = sh.rep_group[np.broadcast_to(np.asarray(r2, dtype=np.int64), (n,))]
        d = sh.amounts(self.st.pool, a)
        if b is not None:
            d = d - sh.amounts(self.st.pool, np.broadcast_to(np.asarray(b, dtype=np.int64), (n,)))
        same = g1 == g2
        old1, old2 = self.T[np.maximum(g1, 0)], self.T[np.maximum(g2, 0)]
        new1, new2 = old1 - d, old2 + d
        dpen = self._cost(g1, new1) + self._cost(g2, new2) - self._cost(g1, old1) - self._cost(g2, old2)
        ok = np.ones(n, dtype=bool)
        if self.st.cfg.balance.hard_bands:
            for g, new, old in ((g1, new1, old1), (g2, new2, old2)):
                e_new = self._excess(g, new)
                ok &= (e_new <= 0) | (e_new <= self._excess(g, old))
        return np.where(same, 0.0, dpen), ok | same

    def excess(self) -> float:
        if not self.st.cfg.balance.hard_bands or not self.sh.G:
            return 0.0
        return float(self._excess(np.arange(self.sh.G), self.T).sum())

    def violations(self, exact: bool = False) -> list[Violation]:
        st, sh = self.st, self.sh
        hard = bool(st.cfg.balance.hard_bands)
        out = []
        for g in range(sh.G):
            for d in np.flatnonzero(sh.has[g]).tolist():
                tot, lo, hi = float(self.T[g, d]), float(sh.lo[g, d]), float(sh.hi[g, d])
                if d < 3:
                    tot = float(round(tot))
                    inside = lo <= tot <= hi
                else:
                    m = sh.measure_index[d - 3]
                    inside, tot = st.within(
                        m, tot, lo, hi, lambda g=g: sh.rep_group[st.account_reps()] == g, exact
                    )
                if inside:
                    continue
                team, what, fair = sh.label(g), sh.names[d], float(sh.fair[g, d])
                if d < 3:
                    msg = (
                        f"{team}: {what} accounts {tot:.0f} is outside the team band "
                        f"{lo:.0f}-{hi:.0f} (fair share {fair:.1f})"
                    )
                else:
                    msg = (
                        f"{team}: {what} {tot:,.0f} is {tot / fair - 1:+.1%} from the team's fair "
                        f"share {fair:,.0f}, outside the band"
                    )
                out.append(
                    Violation(
                        self.family.name,
                        msg,
                        hint=band_hint(
                            st.cfg,
                            "locks, families or eligibility leave no better split; widen balance.team_band",
                        ),
                        hard=hard,
                        rep=st.pool.teams[g // sh.P],
                        amount=float(max(lo - tot, tot - hi)),
                        side="lo" if tot < lo else "hi",
                    )
                )
        return out
