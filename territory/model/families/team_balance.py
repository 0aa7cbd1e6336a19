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
from .base import Build, Family, Solution, Tracker, Violation, band_excess, band_rows, register


class TeamShares:
    """Fair shares and bands of each team of a pool, over ``3 + M`` dimensions: the three
    tiers (accounts), then the balanced measures (in their own units)."""

    def __init__(self, pool: Pool, cfg: PlanConfig):
        band = cfg.balance.team_band
        assert band is not None
        self.band = float(band)
        meas = measures_of(cfg)
        self.measure_index = [k for k, m in enumerate(meas) if m.balanced]
        self.names = [f"Tier {t}" for t in TIERS] + [meas[k].name for k in self.measure_index]
        self.G = len(pool.teams)
        team = pool.rep_team if pool.rep_team.size else np.full(pool.n_reps, -1, dtype=np.int64)
        self.rep_team = team
        cap = np.asarray(pool.capacity, dtype=float)
        total_cap = float(cap.sum())
        self.team_cap = np.array([cap[team == g].sum() for g in range(self.G)], dtype=float)
        share = self.team_cap / total_cap if total_cap > 0 else np.zeros(self.G)
        totals = np.concatenate(
            [pool.comp.sum(axis=0).astype(float), pool.value[:, self.measure_index].sum(axis=0)]
        )
        self.fair = share[:, None] * totals[None, :]  # (G, D)
        lo_t, hi_t = tier_band(self.fair[:, :3], self.band, cfg.balance.tier_band_min_accounts)
        self.lo = np.concatenate([lo_t.astype(float), (1 - self.band) * self.fair[:, 3:]], axis=1)
        self.hi = np.concatenate([hi_t.astype(float), (1 + self.band) * self.fair[:, 3:]], axis=1)
        self.has = self.fair > 0
        self.penalty = np.asarray(
            [cfg.balance.tier_penalty] * 3 + [meas[k].penalty for k in self.measure_index], dtype=float
        )
        inv = np.where(self.has, 1.0 / np.where(self.has, self.fair, 1.0), 0.0)
        inv[:, :3] = self.has[:, :3]
        self.weight = self.penalty[None, :] * inv  # the price of one unit (account, euro) outside

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
        k_all = np.flatnonzero(sh.rep_team[it.pair_r] >= 0)
        g_of = sh.rep_team[it.pair_r[k_all]]
        # (the count-only relaxation leaves the measure rows out, as measure_balance does)
        for d in range(len(sh.names) if b.measures != "none" else 3):
            teams = np.flatnonzero(sh.has[:, d])
            if not teams.size:
                continue
            rowmap = np.full(sh.G, -1)
            rowmap[teams] = np.arange(teams.size)
            if d < 3:
                cols, coef = b.y[k_all], it.comp[it.pair_i[k_all], d]
                lo, hi, penalty = sh.lo[teams, d], sh.hi[teams, d], b.cfg.balance.tier_penalty
            else:  # in shares of the team's fair share, priced per 100 % of it
                cols, coef = b.measure_terms(sh.measure_index[d - 3], k_all)
                coef = np.round(coef / np.where(sh.has[g_of, d], sh.fair[g_of, d], 1.0), 9)
                lo = np.full(teams.size, round(1 - sh.band, 9))
                hi = np.full(teams.size, round(1 + sh.band, 9))
                penalty = sh.penalty[d]
            nz = (coef != 0) & (rowmap[g_of] >= 0)
            what = sh.names[d].replace(" ", "_").lower()
            band_rows(
                b,
                self.name,
                f"team_{what}_band",
                f"team_{what}",
                teams.size,
                (rowmap[g_of[nz]], cols[nz], coef[nz]),
                lo.astype(np.float64),
                hi.astype(np.float64),
                penalty=penalty,
                labels={"team": np.asarray(p.teams, dtype=object)[teams]},
                info={
                    "team": teams,
                    "dim": np.full(teams.size, d),
                    "lo": sh.lo[teams, d],
                    "hi": sh.hi[teams, d],
                    "fair": sh.fair[teams, d],
                },
            )

    def tracker(self, st: PoolState) -> Tracker:
        return _Teams(self, st)

    def explain(self, info: dict[str, Any], amount: float, sol: Solution, notes: dict[str, Any]) -> list[str]:
        b = sol.b
        g, d = int(info["team"]), int(info["dim"])
        sh = TeamShares(b.pool, b.cfg)
        reps = np.flatnonzero(sh.rep_team == g)
        total = 0.0
        for r in reps.tolist():
            if d < 3:
                total += sol.rep_sum(r, b.items.comp[b.items.pair_i, d])
            else:
                total += sol.rep_measure(sh.measure_index[d - 3], r)
        fair = float(info["fair"])
        need = abs(total - fair) / fair if fair > 0 else math.inf
        notes["team_band"] = max(notes.get("team_band", 0.0), need)
        what = sh.names[d]
        team = b.pool.teams[g]
        if d < 3:
            return [
                f"Team band +-{sh.band:.0%} cannot hold for {team}'s team in {b.pool.name}: the best "
                f"split gives it {total:.0f} {what} accounts where the band allows "
                f"{float(info['lo']):.0f}-{float(info['hi']):.0f} (fair share {fair:.1f})."
            ]
        return [
            f"Team band +-{sh.band:.0%} cannot hold for {team}'s team in {b.pool.name}: {what} "
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
        self.sh = sh = TeamShares(st.pool, st.cfg)
        self.T = np.zeros((sh.G, len(sh.names)))
        if sh.G:
            g = sh.rep_team[st.rep_of_unit]
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
        g1, g2 = int(sh.rep_team[r1]), int(sh.rep_team[r2])
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
        g1 = sh.rep_team[np.broadcast_to(np.asarray(r, dtype=np.int64), (n,))]
        g2 = sh.rep_team[np.broadcast_to(np.asarray(r2, dtype=np.int64), (n,))]
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
                        m, tot, lo, hi, lambda g=g: sh.rep_team[st.account_reps()] == g, exact
                    )
                if inside:
                    continue
                team, what, fair = st.pool.teams[g], sh.names[d], float(sh.fair[g, d])
                if d < 3:
                    msg = (
                        f"{team}'s team: {what} accounts {tot:.0f} is outside the team band "
                        f"{lo:.0f}-{hi:.0f} (fair share {fair:.1f})"
                    )
                else:
                    msg = (
                        f"{team}'s team: {what} {tot:,.0f} is {tot / fair - 1:+.1%} from the team's fair "
                        f"share {fair:,.0f}, outside the band"
                    )
                out.append(
                    Violation(
                        self.family.name,
                        msg,
                        hint="locks, families or eligibility leave no better split; widen balance.team_band",
                        hard=hard,
                        rep=team,
                        amount=float(max(lo - tot, tot - hi)),
                        side="lo" if tot < lo else "hi",
                    )
                )
        return out
