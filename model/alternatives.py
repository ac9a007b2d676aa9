"""Near-optimal alternatives (modelling to generate alternatives): designs that cost almost the
optimum and decide as differently as possible (``docs/contract/run.md``, Alternatives).

After the optimum, alternative k maximises the sum, over the optimum and alternatives 1..k-1, of
the number of (candidate or closable site, period) operate decisions ``b[s,t]`` in which it
differs from each of them (modules do not count):

    max  sum_j sum_(s,t) |b[s,t] - b_j[s,t]|   =   sum_j sum_(s,t) (b[s,t] if b_j = 0 else 1 - b[s,t])
    s.t. every row of the model,  cost <= (1 + slack) * optimum,
         sum_(s,t) |b[s,t] - b_j[s,t]| >= 1 for every j (a new design)

(linear: each reference b_j is data; D(b) below is the summed distance). With cost a constraint
that MIP is slow to find any design, so the search weighs the two instead: each solve minimises

    cost - lambda * D(b)      (the model's own MIP with the operate decisions' costs moved by lambda)

with the "new design" rows, stopping within a tenth of the slack or two units of distance at its
lambda. lambda starts at four times slack * optimum / max D, grows while the design found fits
the slack (by the share of the slack it left unspent, 1.5 to 4 times), and once a design does not
fit moves to the slope between the most different design that fits and the least different that
does not (a walk along the lower hull of cost against distance), at most ``PROBES`` solves. Every
solve proves a bound: a design within the limit L has D <= D0 + (L - its dual bound) / lambda (D0
the constant of D): the ``distance_bound`` column, equal to ``distance`` when the design is proven the most
different. The most different design that fits is kept; the exact MIP above runs only where no
weighted solve found one (it then decides whether any new design fits), or for ``improve``
seconds from the design found. The search stops early when no design within the slack differs
from all of them (proven by a bound, or the exact MIP infeasible). The model is built and
compiled once; each solve changes costs, bounds and limits in HiGHS. Each alternative's reported
``objective`` is the cost of its design (what operates and its modules, per period, fixed) with
everything else re-optimised (flows, reserve, stock held), an LP: the cost anyone finds by fixing
those decisions alone.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np
import pandas as pd

from model.build import build_model
from model.families.protocol import PERIOD, Col, Table
from model.network import Network
from model.solve import Prepared, SolveOptions, run_interruptibly
from model.stress import design_of

PROBES = 2
"""Weighted solves (cost - lambda x distance) per alternative, at most."""
START = 4.0
"""lambda starts at this many times slack x optimum / (the largest distance): at that "safe"
lambda the design found would cost at most the limit if the optimum were still allowed."""
GROWTH = 4.0
"""lambda grows by at most this factor while every design found fits in the slack."""
PROBE_GAP = 0.1
"""Each weighted solve stops within this share of the slack (an absolute gap on cost - lambda x distance)."""
PROBE_UNITS = 2.0
"""... or within this many units of distance at its lambda, whichever is looser."""
PROBE_TIME = 4.0
"""Each weighted solve after the first stops after this many times the first's seconds, or
``PROBE_FLOOR_S``, whichever is longer (a design found by then still counts)."""
PROBE_FLOOR_S = 2.0
IMPROVE_S = 0.0
"""Seconds the exact MIP gets, from the best weighted design, to find a more different one."""

TABLES = (
    Table(
        "Alternatives",
        "one row per design: the optimum (0) and each near-optimal alternative found after it",
        ("alternative",),
        (
            Col("alternative", "count", "0: the optimum; k: the k-th alternative found"),
            Col("objective", "money", "the design's cost, everything but what operates and its modules re-optimised"),
            Col("over_optimum", "share", "how much dearer than the optimum"),
            Col("differs_by", "count", "the (site, period) operate decisions that differ from the optimum's"),
            Col("distance", "count", "the summed count of decisions that differ from each design before it"),
            Col("distance_bound", "count", "no design within the slack has a larger distance (equal: proven)"),
            Col("built", "text", "the candidates it builds (with periods: from when)"),
        ),
        when="with --alternatives K or Settings.alternatives",
        place=220,
    ),
    Table(
        "AlternativeSites",
        "one row per design, period and candidate or closable site: whether it operates",
        ("alternative", "period", "site"),
        (
            Col("alternative", "count", "the design (0: the optimum)"),
            PERIOD,
            Col("site", "name", "the site"),
            Col("status", "text", "candidate or closable"),
            Col("operates", "bool", "whether it operates in the period"),
            Col("modules", "count", "the expansion modules in place in the period"),
        ),
        when="with --alternatives K or Settings.alternatives",
        place=230,
    ),
)
"""The alternatives' sheets, declared as the families declare theirs (``model.tables``)."""
ALTERNATIVE_COLUMNS = [c.name for c in TABLES[0].columns]
SITE_COLUMNS = [c.name for c in TABLES[1].columns]


@dataclass
class Design:
    """Operate decisions b[s,t] and modules n[s,t] of one design."""

    operates: dict[tuple[str, int], int]
    modules: dict[tuple[str, int], int]


@dataclass
class Alternatives:
    """The Alternatives and AlternativeSites tables, and how long the search took."""

    table: pd.DataFrame
    sites: pd.DataFrame
    seconds: float
    stopped: str
    """Why the search ended: "found all" (K alternatives), or the reason it stopped early."""


def optimum_design(tables: dict[str, pd.DataFrame], net: Network) -> Design:
    """The solved design (``model.stress.design_of``): the operate decisions of the decided sites
    (candidates and closable) in the periods they are available, and the modules."""
    solved = design_of(tables, net)
    decided = set(net.decided)
    operates = {(s, t): int(b) for (s, t), b in solved.operates.items() if s in decided and net.available(s, t)}
    return Design(operates, solved.modules)


def distance(a: dict[tuple[str, int], int], b: dict[tuple[str, int], int]) -> int:
    """How many operate decisions differ between two designs (over the decisions of ``a``)."""
    return sum(1 for k, v in a.items() if b.get(k, 0) != v)


@dataclass
class _Point:
    """One solve's design: its solution, summed distance and cost (the solution's, an upper bound
    on the design's re-optimised cost)."""

    x: np.ndarray
    distance: int
    cost: float


@dataclass
class Found:
    """One alternative: its design, its cost (everything else re-optimised), its summed distance
    from the designs before it and the largest any design within the slack can have."""

    design: Design
    cost: float
    distance: int
    bound: int


class Search:
    """The model built and compiled once; each solve of the search changes only its costs, column
    bounds, the cost row's bound and the limits (see the module docstring)."""

    def __init__(self, net: Network, options: SolveOptions, optimum: float, limit: float) -> None:
        m = build_model(net)
        prepared = Prepared(m, dataclasses.replace(options, polish=False, progress=None))
        compiled = prepared.compiled
        self.h = compiled.highs
        self.optimum, self.limit = optimum, limit
        self.cost = np.asarray(compiled.cost, dtype=float).copy()
        self.offset = float(compiled.offset)
        self.all_cols = np.arange(len(self.cost), dtype=np.int32)
        self.keys = list(m.build.keys())
        self.cols = np.array([prepared.column_of(m.build[k]) for k in self.keys], dtype=np.int64)
        self.module_keys = list(m.modules.keys())
        self.module_cols = np.array([prepared.column_of(m.modules[k]) for k in self.module_keys], dtype=np.int64)
        self.ints = np.array(compiled.integer_cols, dtype=np.int32)
        self.lower = prepared.lower[self.ints]
        self.upper = prepared.upper[self.ints]
        self.cost_row = self.h.getLp().num_row_  # cost <= limit, free but in the exact search
        nz = np.flatnonzero(self.cost)
        self.h.addRow(-highspy.kHighsInf, highspy.kHighsInf, len(nz), nz.astype(np.int32), self.cost[nz])
        self.refs = 0
        self.probe_cap = math.inf
        self.abs_gap = PROBE_GAP * max(limit - optimum, 0.0)

    def design(self, x: np.ndarray) -> Design:
        def at(cols: np.ndarray, keys: list[Any]) -> dict[Any, int]:
            return {k: (round(x[j]) if j >= 0 else 0) for k, j in zip(keys, cols.tolist(), strict=True)}

        return Design(at(self.cols, self.keys), at(self.module_cols, self.module_keys))

    def _weights(self, refs: list[Design]) -> tuple[np.ndarray, int]:
        """Summed distance = constant + weights . b (over the build columns)."""
        w = np.zeros(len(self.keys))
        constant = 0
        for ref in refs:
            on = np.array([ref.operates.get(k, 0) == 1 for k in self.keys])
            w += np.where(on, -1.0, 1.0)
            constant += int(on.sum())
        has = self.cols >= 0
        return np.where(has, w, 0.0), constant

    def _new_designs(self, refs: list[Design]) -> None:
        """Rows: differs from each reference in at least one operate decision."""
        for ref in refs[self.refs :]:
            on = np.array([ref.operates.get(k, 0) == 1 for k in self.keys])
            has = self.cols >= 0
            idx = self.cols[has].astype(np.int32)
            self.h.addRow(1.0 - float(on.sum()), highspy.kHighsInf, len(idx), idx, np.where(on[has], -1.0, 1.0))
        self.refs = len(refs)

    def _run(self, seconds: float, abs_gap: float) -> tuple[Any, np.ndarray | None, float]:
        """Solve as set; the status, the solution (None without one) and the dual bound."""
        h = self.h
        h.setOptionValue("time_limit", max(seconds, 0.01) if math.isfinite(seconds) else highspy.kHighsInf)
        h.setOptionValue("mip_abs_gap", abs_gap)
        if not run_interruptibly(h):
            raise KeyboardInterrupt
        ms = h.getModelStatus()
        if ms == highspy.HighsModelStatus.kInterrupt:
            raise KeyboardInterrupt
        info = h.getInfo()
        x = np.array(h.getSolution().col_value, dtype=float) if info.primal_solution_status == 2 else None
        return ms, x, float(info.mip_dual_bound)

    def _distance(self, x: np.ndarray, w: np.ndarray, constant: int) -> int:
        has = self.cols >= 0
        return constant + round(float(w[has] @ np.round(x[self.cols[has]])))

    def _set_cost(self, cost: np.ndarray, offset: float) -> None:
        self.h.changeColsCost(len(cost), self.all_cols, cost)
        self.h.changeObjectiveOffset(offset)

    def _probe(self, lam: float, w: np.ndarray, constant: int, seconds: float) -> tuple[_Point | None, float, Any]:
        """min cost - lam * distance: its design (None without one), the bound it proves on the
        distance of any design within the limit, and HiGHS's status."""
        cost = self.cost.copy()
        has = self.cols >= 0
        cost[self.cols[has]] -= lam * w[has]
        self._set_cost(cost, self.offset)
        ms, x, bound = self._run(seconds, max(self.abs_gap, PROBE_UNITS * lam))
        if lam > 0 and math.isfinite(bound) and abs(bound) < 1e50:
            at_most = constant + (self.limit - bound) / lam
        elif math.isfinite(bound) and abs(bound) < 1e50 and bound > self.limit * (1 + 1e-9):
            at_most = -1.0  # not even the cheapest new design fits
        else:
            at_most = math.inf
        if ms == highspy.HighsModelStatus.kInfeasible:
            return None, -1.0, ms
        if x is None:
            return None, at_most, ms
        return _Point(x, self._distance(x, w, constant), float(self.cost @ x + self.offset)), at_most, ms

    def _exact(
        self, w: np.ndarray, constant: int, seconds: float, start: np.ndarray | None
    ) -> tuple[np.ndarray | None, float, Any]:
        """max distance s.t. cost <= limit (the module docstring's MIP), from ``start``; its
        solution, the bound it proves on the distance, and HiGHS's status."""
        cost = np.zeros_like(self.cost)
        has = self.cols >= 0
        cost[self.cols[has]] = -w[has]
        self._set_cost(cost, 0.0)
        self.h.changeRowBounds(self.cost_row, -highspy.kHighsInf, self.limit - self.offset)
        if start is not None:
            self.h.setSolution(len(start), self.all_cols, start)
        try:
            ms, x, bound = self._run(seconds, 0.5)
        finally:
            self.h.changeRowBounds(self.cost_row, -highspy.kHighsInf, highspy.kHighsInf)
        if ms == highspy.HighsModelStatus.kInfeasible:
            return None, -1.0, ms
        at_most = constant - bound if math.isfinite(bound) and abs(bound) < 1e50 else math.inf
        return x, at_most, ms

    def fixed(self, x: np.ndarray) -> tuple[float | None, np.ndarray | None]:
        """The design of ``x`` (its integer columns) fixed, everything else re-optimised for cost:
        an LP (HiGHS keeps its basis from one to the next)."""
        h, ints = self.h, self.ints
        self._set_cost(self.cost, self.offset)
        values = np.round(x[ints])
        h.changeColsBounds(len(ints), ints, values, values)
        h.changeColsIntegrality(len(ints), ints, np.full(len(ints), highspy.HighsVarType.kContinuous))
        try:
            _, y, _ = self._run(math.inf, 0.0)
        finally:
            h.changeColsIntegrality(len(ints), ints, np.full(len(ints), highspy.HighsVarType.kInteger))
            h.changeColsBounds(len(ints), ints, self.lower, self.upper)
        if y is None:
            return None, None
        return float(self.cost @ y + self.offset), y

    def next(self, refs: list[Design], seconds: float, improve: float) -> tuple[Found | None, str]:
        """The alternative after ``refs``: weighted solves, then the exact MIP from the best one
        (see the module docstring); None and why where there is none."""
        t0 = time.perf_counter()

        def left() -> float:
            return seconds - (time.perf_counter() - t0)

        self._new_designs(refs)
        w, constant = self._weights(refs)
        at_most = constant + float(np.maximum(w, 0).sum())
        safe = max(self.limit - self.optimum, 1e-9) / max(at_most, 1.0)
        lam = START * safe
        best = feasible = dearer = None
        tried: set[float] = set()
        for _ in range(PROBES):
            tried.add(lam)
            started = time.perf_counter()
            point, bound, ms = self._probe(lam, w, constant, min(left(), self.probe_cap))
            if not math.isfinite(self.probe_cap):
                self.probe_cap = max(PROBE_TIME * (time.perf_counter() - started), PROBE_FLOOR_S)
            at_most = min(at_most, bound)
            if point is None:
                if ms == highspy.HighsModelStatus.kInfeasible:
                    return None, "no design within the slack differs from those found"
                break
            if point.cost <= self.limit:
                if best is None or (point.distance, -point.cost) > (best.distance, -best.cost):
                    best = point
                if feasible is None or point.distance > feasible.distance:
                    feasible = point
            elif dearer is None or point.distance < dearer.distance:
                dearer = point
            if best is not None and best.distance >= math.floor(at_most + 1e-6):
                break
            if at_most < len(refs) or left() <= 0:  # a new design differs from each by at least 1
                break
            if dearer is None:  # grow by the share of the slack left unspent, 1.5 to GROWTH times
                spent = (point.cost - self.optimum) / max(self.limit - self.optimum, 1e-9)
                lam *= min(GROWTH, max(1.5, 1 / spent)) if spent > 0 else GROWTH
            elif feasible is None:  # back to the safe lambda, then to the cheapest new design
                lam = safe if lam > safe else 0.0
            elif dearer.distance <= feasible.distance:
                break
            else:
                lam = (dearer.cost - feasible.cost) / (dearer.distance - feasible.distance)
            if lam in tried:
                break
        at_most = math.floor(at_most + 1e-6)
        x, cost = None, None
        if best is not None:
            cost, x = self.fixed(best.x)
            if cost is None or x is None:
                best, x = None, None
        distance = best.distance if best is not None else -1
        if best is None and at_most < len(refs):
            return None, "no design within the slack differs from those found"
        if distance < at_most and left() > 0 and (best is None or improve > 0):
            budget = left() if best is None else min(improve, left())
            y, bound, ms = self._exact(w, constant, budget, x)
            at_most = min(at_most, math.floor(bound + 1e-6))
            if y is None and best is None:
                if ms == highspy.HighsModelStatus.kInfeasible:
                    return None, "no design within the slack differs from those found"
                return None, f"the search for another design stopped ({_status(ms)})"
            if y is not None:
                d = self._distance(y, w, constant)
                if d > distance:
                    exact_cost, z = self.fixed(y)
                    if exact_cost is not None and z is not None and exact_cost <= self.limit * (1 + 1e-9):
                        x, cost, distance = z, exact_cost, d
        if x is None or cost is None:
            return None, "the search for another design stopped (no design found within the slack)"
        return Found(self.design(x), cost, distance, max(at_most, distance)), ""


def _status(ms: Any) -> str:
    return "no_solution" if ms in (highspy.HighsModelStatus.kTimeLimit,) else str(ms).rsplit(".", 1)[-1]


def find_alternatives(
    net: Network,
    tables: dict[str, pd.DataFrame],
    optimum: float,
    count: int,
    slack: float,
    options: SolveOptions,
    progress: Callable[[int, int, float], None] | None = None,
    improve: float = IMPROVE_S,
) -> Alternatives:
    """Up to ``count`` alternatives within ``(1 + slack)`` of ``optimum`` (the solved network's
    objective; ``tables`` its results), one at a time, each as different as possible from the
    optimum and the alternatives before it; each gets ``options.time_limit`` seconds, of which at
    most ``improve`` for the exact MIP after a design is found."""
    t0 = time.perf_counter()
    limit = (1 + slack) * optimum
    found = [optimum_design(tables, net)]
    costs: list[float | None] = [optimum]
    distances: list[int | None] = [None]
    bounds: list[int | None] = [None]
    stopped = "found all"
    seconds = options.time_limit if options.time_limit > 0 else math.inf
    search = Search(net, options, optimum, limit) if count > 0 else None
    for k in range(1, count + 1):
        assert search is not None
        alternative, why = search.next(found, seconds, improve)
        if alternative is None:
            stopped = why
            break
        found.append(alternative.design)
        costs.append(alternative.cost)
        distances.append(alternative.distance)
        bounds.append(alternative.bound)
        if progress is not None:
            progress(k, count, time.perf_counter() - t0)
    table, sites = tables_of(net, found, costs, optimum, distances, bounds)
    return Alternatives(table, sites, time.perf_counter() - t0, stopped)


def tables_of(
    net: Network,
    designs: list[Design],
    costs: list[float | None],
    optimum: float,
    distances: list[int | None] | None = None,
    bounds: list[int | None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Alternatives (one row per design, 0 the optimum) and AlternativeSites (per design, period and
    candidate or closable site: whether it operates and the modules in place)."""
    rows, site_rows = [], []
    distances = distances or [None] * len(designs)
    bounds = bounds or [None] * len(designs)
    status = {s: "candidate" for s in net.candidates} | {s: "closable" for s in net.closable}
    for j, (design, cost) in enumerate(zip(designs, costs, strict=True)):
        first_built: dict[str, int] = {}
        for (s, t), b in sorted(design.operates.items(), key=lambda kv: kv[0][1]):
            if b and status.get(s) == "candidate":
                first_built.setdefault(s, t)
        built = ", ".join(
            f"{s} ({t})" if net.shows_periods else s for s, t in sorted(first_built.items(), key=lambda kv: kv[1])
        )
        rows.append(
            {
                "alternative": j,
                "objective": cost,
                "over_optimum": None if cost is None else cost / optimum - 1,
                "differs_by": distance(designs[0].operates, design.operates),
                "distance": distances[j],
                "distance_bound": bounds[j],
                "built": built or "none",
            }
        )
        for (s, t), b in design.operates.items():
            site_rows.append(
                {
                    "alternative": j,
                    "period": t,
                    "site": s,
                    "status": status[s],
                    "operates": bool(b),
                    "modules": design.modules.get((s, t), 0),
                }
            )
    table = pd.DataFrame(rows, columns=ALTERNATIVE_COLUMNS)
    sites = pd.DataFrame(site_rows, columns=SITE_COLUMNS)
    if len(sites):
        sites = sites.sort_values(["alternative", "period"], kind="stable").reset_index(drop=True)
    if not net.shows_periods:
        sites = sites.drop(columns="period")
    return table, sites


def robustness(sites: pd.DataFrame) -> dict[str, list[str]]:
    """Which candidates are built (in any period) in every design, in some, and in none."""
    cand = sites[sites["status"] == "candidate"]
    if not len(cand):
        return {"every": [], "some": [], "none": []}
    n = cand["alternative"].nunique()
    built_in = cand[cand["operates"].astype(bool)].groupby("site")["alternative"].nunique()
    names = list(dict.fromkeys(cand["site"]))
    return {
        "every": [s for s in names if built_in.get(s, 0) == n],
        "some": [s for s in names if 0 < built_in.get(s, 0) < n],
        "none": [s for s in names if built_in.get(s, 0) == 0],
    }


def check(table: pd.DataFrame, sites: pd.DataFrame, slack: float, gap: float) -> list[str]:
    """From the tables alone: every alternative costs at most (1 + slack) the optimum (to the
    solver's gap), and no less than the optimum allows; ``differs_by`` is the count of operate
    decisions in AlternativeSites that differ from alternative 0's; each alternative differs from
    every design before it, ``distance`` is the summed count of those differences and no more than
    ``distance_bound``."""
    out: list[str] = []
    if not len(table):
        return out
    optimum = float(table.loc[table["alternative"] == 0, "objective"].iloc[0])
    keys = [c for c in ("period", "site") if c in sites.columns]
    base = {tuple(r[k] for k in keys): bool(r["operates"]) for _, r in sites[sites["alternative"] == 0].iterrows()}
    for r in table.itertuples():
        if r.objective is None or r.objective != r.objective:
            out.append(f"alternative {r.alternative}: no cost")
            continue
        if r.objective > (1 + slack) * optimum * (1 + 1e-6) + 1e-6:
            out.append(f"alternative {r.alternative} costs {r.objective:,.6g}, above (1 + {slack:g}) x the optimum")
        if r.objective < optimum * (1 - gap) - 1e-6:
            out.append(f"alternative {r.alternative} costs {r.objective:,.6g}, below the optimum's bound")
        mine = sites[sites["alternative"] == r.alternative]
        differ = sum(1 for _, s in mine.iterrows() if base.get(tuple(s[k] for k in keys), False) != bool(s["operates"]))
        if differ != r.differs_by:
            out.append(f"alternative {r.alternative}: differs_by {r.differs_by} but AlternativeSites shows {differ}")
    designs = {
        a: {tuple(s[k] for k in keys): bool(s["operates"]) for _, s in d.iterrows()}
        for a, d in sites.groupby("alternative")
    }
    for r in table.itertuples():
        if r.alternative == 0 or r.alternative not in designs:
            continue
        mine = designs[r.alternative]
        apart = [
            sum(1 for key, on in mine.items() if designs[a].get(key, False) != on) for a in designs if a < r.alternative
        ]
        if min(apart, default=1) < 1:
            out.append(f"alternative {r.alternative} repeats a design before it")
        distance_, bound = getattr(r, "distance", None), getattr(r, "distance_bound", None)
        if distance_ is not None and distance_ == distance_ and distance_ != sum(apart):
            out.append(f"alternative {r.alternative}: distance {distance_:g} but AlternativeSites shows {sum(apart)}")
        if bound is not None and bound == bound and distance_ is not None and distance_ > bound:
            out.append(f"alternative {r.alternative}: distance {distance_:g} above its bound {bound:g}")
    return out
