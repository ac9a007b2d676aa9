"""Near-optimal alternatives (modelling to generate alternatives): designs that cost almost the
optimum and decide as differently as possible (``docs/contract/run.md``, Alternatives).

After the optimum, alternative k maximises the sum, over the optimum and alternatives 1..k-1, of
the number of (candidate or closable site, period) operate decisions ``b[s,t]`` in which it
differs from each of them (modules do not count):

    max  sum_j sum_(s,t) |b[s,t] - b_j[s,t]|   =   sum_j sum_(s,t) (b[s,t] if b_j = 0 else 1 - b[s,t])
    s.t. every row of the model,  cost <= (1 + slack) * optimum,
         sum_(s,t) |b[s,t] - b_j[s,t]| >= 1 for every j (a new design)

(linear: each reference b_j is data). The search stops early when no design within the slack
differs from all of them (the MIP is infeasible). Each alternative's reported ``objective`` is the cost of its
design (what operates and its modules, per period, fixed) with everything else re-optimised
(flows, reserve, stock held): the cost anyone finds by fixing those decisions alone.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import pyomo.core as pyo

from model.build import build_model
from model.network import Network
from model.solve import SolveOptions, solve
from model.stress import design_of, fix_at

ALTERNATIVE_COLUMNS = ["alternative", "objective", "over_optimum", "differs_by", "built"]
SITE_COLUMNS = ["alternative", "period", "site", "status", "operates", "modules"]


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


def _values(m: pyo.ConcreteModel) -> Design:
    return Design(
        {k: round(v.value or 0.0) for k, v in m.build.items()},
        {k: round(v.value or 0.0) for k, v in m.modules.items()},
    )


def distance(a: dict[tuple[str, int], int], b: dict[tuple[str, int], int]) -> int:
    """How many operate decisions differ between two designs (over the decisions of ``a``)."""
    return sum(1 for k, v in a.items() if b.get(k, 0) != v)


def most_different(
    net: Network, references: list[Design], limit: float, options: SolveOptions
) -> tuple[Design | None, str]:
    """The design within ``limit`` (a cost) that differs most, in operate decisions, from the
    ``references`` summed (see the module docstring); None and why where there is none."""
    m = build_model(net)
    spec = m.solve_spec  # the objective becomes the distance: the solve reads the active objective
    spec.objective.clear()
    spec.reported.clear()
    spec.polish_cost.clear()
    m.cost_limit = pyo.Constraint(expr=m.total_cost.expr <= limit, doc="cost <= (1 + slack) optimum")
    m.total_cost.deactivate()

    def differs(ref: Design) -> list[object]:
        return [(1 - var) if ref.operates.get(k, 0) == 1 else var for k, var in m.build.items()]

    m.new_design = pyo.Constraint(
        range(len(references)),
        rule=lambda _m, j: pyo.quicksum(differs(references[j])) >= 1,
        doc="differs from each design found in at least one operate decision",
    )
    terms = [term for ref in references for term in differs(ref)]
    m.distance = pyo.Objective(expr=-pyo.quicksum(terms), sense=pyo.minimize, doc="minus the summed distance")
    solved = solve(m, dataclasses.replace(options, polish=False, progress=None))
    if solved.status == "interrupted":
        raise KeyboardInterrupt
    if solved.status == "infeasible":
        return None, "no design within the slack differs from those found"
    if not solved.has_solution:
        return None, f"the search for another design stopped ({solved.status})"
    return _values(m), ""


def design_cost(net: Network, design: Design, options: SolveOptions) -> float | None:
    """The cost of ``design`` with its operate decisions and modules fixed and everything else
    re-optimised (the model's own objective); None where it has no solution."""
    m = build_model(net)
    fix_at(m.build, design.operates, "operate decision")
    fix_at(m.modules, design.modules, "modules")
    solved = solve(m, dataclasses.replace(options, polish=False, progress=None))
    if solved.status == "interrupted":
        raise KeyboardInterrupt
    return solved.objective if solved.has_solution else None


def find_alternatives(
    net: Network,
    tables: dict[str, pd.DataFrame],
    optimum: float,
    count: int,
    slack: float,
    options: SolveOptions,
    progress: Callable[[int, int, float], None] | None = None,
) -> Alternatives:
    """Up to ``count`` alternatives within ``(1 + slack)`` of ``optimum`` (the solved network's
    objective; ``tables`` its results), one at a time, each as different as possible from the
    optimum and the alternatives before it."""
    t0 = time.perf_counter()
    limit = (1 + slack) * optimum
    found = [optimum_design(tables, net)]
    costs: list[float | None] = [optimum]
    stopped = "found all"
    for k in range(1, count + 1):
        design, why = most_different(net, found, limit, options)
        if design is None:
            stopped = why
            break
        found.append(design)
        costs.append(design_cost(net, design, options))
        if progress is not None:
            progress(k, count, time.perf_counter() - t0)
    table, sites = tables_of(net, found, costs, optimum)
    return Alternatives(table, sites, time.perf_counter() - t0, stopped)


def tables_of(
    net: Network, designs: list[Design], costs: list[float | None], optimum: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Alternatives (one row per design, 0 the optimum) and AlternativeSites (per design, period and
    candidate or closable site: whether it operates and the modules in place)."""
    rows, site_rows = [], []
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
    decisions in AlternativeSites that differ from alternative 0's."""
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
    return out
