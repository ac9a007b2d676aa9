"""Explain an infeasible model: which requirement cannot be met, and by how much it must give.

Three families are hard requirements: reserve (6), survival targets (10) and group limits (12);
everything else has unmet demand as its release (a chain that cannot reach a market under its
caps leaves that demand unmet: it is warned before solving, tier by tier, and shows in Unmet).
``explain_infeasibility`` rebuilds the model with slack on those requirements
(``build_model(elastic=True)``), minimises the sum of the relative violations, and reports every
requirement that had to give, with the cells that set it.
"""

from __future__ import annotations

import dataclasses
import gc
import math
from dataclasses import dataclass

import pyomo.core as pyo

from model.build import build_model
from model.families.groups import members
from model.families.reserve import reserve_requirement
from model.network import Network
from model.solve import SolveOptions, solve

TOL = 1e-6


@dataclass(frozen=True)
class Conflict:
    """One requirement that no design can meet, and how far it must move."""

    kind: str  # "reserve", "survival" or "group"
    product: str
    market: str
    scenario: str
    required: float
    achievable: float
    cells: tuple[str, ...]
    message: str


def explain_infeasibility(net: Network, options: SolveOptions | None = None) -> list[Conflict]:
    """Smallest (in summed relative terms) violations that make the model feasible."""
    options = dataclasses.replace(options or SolveOptions(), polish=False, progress=None)
    gc.collect()  # free the infeasible run's model before building this one (see model.collector.hold_for_the_process)
    m = build_model(net, elastic=True)
    res = solve(m, options)
    if not res.has_solution:
        return []
    out: list[Conflict] = []
    for p, t in m.RESERVE_PRODUCTS:
        slack = pyo.value(m.reserve_shortfall[p, t])
        need = reserve_requirement(net.at(t), p)
        if slack <= TOL * max(1.0, need):
            continue
        total = need / net.reserve_share[p]
        can = need - slack
        cell = net.cell("Products", p, "reserve_share")
        unit = net.unit.get(p, "")
        out.append(
            Conflict(
                "reserve",
                p,
                "",
                "",
                need,
                can,
                (cell,),
                f"{_when(net, t)}{p}: reserve_share {net.reserve_share[p]:.4g} ({cell}) asks for {need:,.4g} {unit} of "
                f"spare capacity outside concern countries, but at most {can:,.4g} can be held there; "
                f"reserve_share would have to fall to {can / total:.4g} (by {slack:,.4g} {unit}), or more "
                "capacity outside concern countries be allowed on the Sites sheet.".replace("  ", " "),
            )
        )
    out += _group_conflicts(m, net)
    for w, p, mk, t in m.SURVIVAL:
        slack = pyo.value(m.survival_shortfall[w, p, mk, t])
        dem = net.at(t).scenario_demand(w, p, mk)
        if slack <= TOL * max(1.0, dem):
            continue
        target = net.max_shortfall[w]
        allowed = target * dem
        needed = allowed + slack
        cells = [net.cell("Scenarios", w, "max_shortfall"), net.cell("Demand", (p, mk), "demand")]
        factor = net.at(t).demand_factor.get((w, p, mk))
        shock = f" x demand_factor {factor:g}" if factor is not None else ""
        unit = net.unit.get(p, "")
        out.append(
            Conflict(
                "survival",
                p,
                mk,
                w,
                allowed,
                needed,
                tuple(cells),
                f"{_when(net, t)}scenario '{w}', {p} in {mk}: max_shortfall {target:.4g} ({cells[0]}) allows "
                f"{allowed:,.4g} {unit} of the scenario demand {dem:,.4g} ({cells[1]}{shock}) "
                f"to go unserved, but at least {needed:,.4g} goes unserved with any design; the "
                f"target would have to give to {needed / dem:.4g} (by {slack / dem:.2%} of demand), "
                "or more capacity or stock be allowed outside the disrupted countries.".replace("  ", " "),
            )
        )
    return out


def _group_conflicts(m: pyo.ConcreteModel, net: Network) -> list[Conflict]:
    """Group limits (12) that had to give: a min_open no design can reach (too few sites of the
    group can operate) or a max_open below the group's existing sites."""
    out: list[Conflict] = []
    groups = members(net)
    for g, t in m.GROUP_LIMITS:
        low, high = net.groups[g]
        sites = groups[g]
        short = pyo.value(m.group_shortfall[g, t]) if (g, t) in m.group_min_open else 0.0
        over = pyo.value(m.group_excess[g, t]) if (g, t) in m.group_max_open else 0.0
        if short > TOL:
            cell = net.cell("Groups", g, "min_open")
            can = low - short
            out.append(
                Conflict(
                    "group",
                    "",
                    "",
                    "",
                    low,
                    can,
                    (cell,),
                    f"{_when(net, t)}group '{g}': min_open {low} ({cell}) asks for {low} operating sites, but at most "
                    f"{can:.0f} of its {len(sites)} sites ({', '.join(sites) or 'none'}) can operate; min_open "
                    f"would have to fall to {can:.0f}, or more sites be put in the group on the Sites sheet "
                    "(column group).",
                )
            )
        if over > TOL:
            cell = net.cell("Groups", g, "max_open")
            view = net.at(t)
            existing = [s for s in sites if s in view.sites and s not in view.decided]
            limit = int(high or 0)
            if len(existing) > limit:  # the group's existing sites alone exceed it
                text = (
                    f"its {len(existing)} existing sites ({', '.join(existing)}) always operate; max_open would "
                    f"have to rise to {len(existing)}, or some of them be made closable on the Sites sheet."
                )
            else:  # the other requirements need more of the group's sites than it allows
                operating = [s for s in sites if s in view.sites and (s not in view.decided or _operates(m, s, t))]
                need = math.ceil(limit + over - TOL)
                text = (
                    f"the other requirements can only be met with {need} of its sites operating (the design "
                    f"that comes closest operates {', '.join(operating) or 'none'}); max_open would have to rise "
                    f"to {need}, or the requirements listed with it give further."
                )
            out.append(
                Conflict(
                    "group",
                    "",
                    "",
                    "",
                    float(limit),
                    float(limit) + over,
                    (cell,),
                    f"{_when(net, t)}group '{g}': max_open {high} ({cell}) allows {high} operating sites, but {text}",
                )
            )
    return out


def _operates(m: pyo.ConcreteModel, site: str, t: int) -> bool:
    """Whether the elastic design operates a decided site (candidate or closable) in period t."""
    var = m.build[site, t] if (site, t) in m.build else None  # noqa: SIM401 - an IndexedVar has no .get
    return var is not None and (var.value or 0.0) > 0.5


def _when(net: Network, t: int) -> str:
    """``in 2030: `` before a conflict of period t, when the workbook has periods."""
    return f"in {t}: " if net.shows_periods else ""
