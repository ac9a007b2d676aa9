"""Explain an infeasible model: which requirement cannot be met, and by how much it must give.

Four families are hard requirements: reserve (6), minimum output (2b), survival targets (10) and
group limits (12);
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
from model.families.capacity import site_capacity_expr
from model.families.dependency import cap_cell, caps_of
from model.families.groups import members
from model.families.reserve import reserve_requirement
from model.network import Network
from model.solve import SolveOptions, solve

TOL = 1e-6


@dataclass(frozen=True)
class Conflict:
    """One requirement that no design can meet, and how far it must move."""

    kind: str  # "reserve", "min_output", "survival" or "group"
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
                f"{_when(net, t)}{p}: reserve_share {net.reserve_share[p]:.4g} ({cell}) asks for "
                f"{_amount(need)} {unit} of spare capacity outside concern countries, but at most "
                f"{_amount(can)} can be held there; "
                f"reserve_share would have to fall to {can / total:.4g} (by {_amount(slack)} {unit}), or more "
                "capacity outside concern countries be allowed on the Sites sheet.".replace("  ", " "),
            )
        )
    out += _group_conflicts(m, net)
    out += _min_output_conflicts(m, net)
    short = {
        key: pyo.value(m.survival_shortfall[key])
        for key in m.SURVIVAL
        if pyo.value(m.survival_shortfall[key]) > TOL * max(1.0, net.at(key[2]).scenario_demand(key[3], *key[:2]))
    }
    if short and net.caps_hold_in_scenarios:
        del m, res
        gc.collect()  # free the elastic model before building the one with the caps lapsed
        by_caps = _caused_by_caps(net, options, set(short))
    else:
        by_caps = set()
    for (p, mk, t, w), slack in short.items():
        dem = net.at(t).scenario_demand(w, p, mk)
        target = net.max_shortfall[w]
        allowed = target * dem
        needed = allowed + slack
        target_cell = net.given.get("max_shortfall") or net.cell("Scenarios", w, "max_shortfall")
        cells = [target_cell, net.cell("Demand", (p, mk), "demand")]
        factor = net.at(t).demand_factor.get((w, p, mk))
        shock = f" x demand_factor {factor:g}" if factor is not None else ""
        unit = net.unit.get(p, "")
        if (p, mk, t, w) in by_caps:
            message = (
                f"{_when(net, t)}scenario '{w}', {p} in {mk}: the dependency caps hold in the crisis "
                f"(caps_in_scenarios: hold, {_setting_cell(net, 'caps_in_scenarios')}), and with "
                f"them at least {_amount(needed)} {unit} of the scenario demand {_amount(dem)} "
                f"({cells[1]}{shock}) goes unserved, more than the {_amount(allowed)} that max_shortfall "
                f"{target:.4g} ({cells[0]}) allows; {_crisis_cap_text(net, p, mk, t)}. Something has to "
                "give: the cap (or a crisis without it: caps_in_scenarios: lapse), the target (to "
                f"{needed / dem:.4g}), or supply outside the concern countries that survives the crisis "
                "(capacity, or stock held)."
            )
        else:
            message = (
                f"{_when(net, t)}scenario '{w}', {p} in {mk}: max_shortfall {target:.4g} ({cells[0]}) allows "
                f"{_amount(allowed)} {unit} of the scenario demand {_amount(dem)} ({cells[1]}{shock}) "
                f"to go unserved, but at least {_amount(needed)} goes unserved with any design; the "
                f"target would have to give to {needed / dem:.4g} (by {slack / dem:.2%} of demand), "
                "or more capacity or stock be allowed outside the disrupted countries.".replace("  ", " ")
            )
        out.append(Conflict("survival", p, mk, w, allowed, needed, tuple(cells), message))
    return out


def _caused_by_caps(
    net: Network, options: SolveOptions, short: set[tuple[str, str, int, str]]
) -> set[tuple[str, str, int, str]]:
    """The survival targets (p, m, t, ω) of ``short`` that can be met once the dependency caps lapse
    in crises: the caps holding in the crisis are what the target conflicts with. Empty when the
    caps already lapse or the crises have no cap to lapse."""
    if not net.caps_hold_in_scenarios:
        return set()
    lapsed = net.with_settings(caps_in_scenarios="lapse")
    m = build_model(lapsed, elastic=True)
    res = solve(m, options)
    if not res.has_solution:
        return set()
    return {
        key
        for key in short
        if key in m.SURVIVAL
        and pyo.value(m.survival_shortfall[key]) <= TOL * max(1.0, net.at(key[2]).scenario_demand(key[3], *key[:2]))
    }


def _setting_cell(net: Network, name: str) -> str:
    """Where a setting comes from: the command line (or a Python call) where it was given there,
    else its Settings cell, else "the default" (``Network.setting_cell``)."""
    return net.setting_cell(name)


def _crisis_cap_text(net: Network, p: str, mk: str, t: int) -> str:
    """The caps that bind the crisis's supply of p in m, in words with their cells."""
    view = net.at(t)
    caps = []
    if caps_of(view).each.get((p, mk), 1.0) < 1:
        caps.append(
            f"{p} in {mk} is capped at {caps_of(view).each[(p, mk)]:.4g} from concern countries, look-through "
            f"({cap_cell(view, p, mk, 'lookthrough')})"
        )
    if caps_of(view).each_direct.get((p, mk), 1.0) < 1:
        caps.append(f"at {caps_of(view).each_direct[(p, mk)]:.4g} direct ({cap_cell(view, p, mk, 'direct')})")
    for tc in caps_of(view).total:
        if tc.product == p and mk in tc.markets and tc.cap < 1:
            caps.append(f"at {tc.cap:.4g} in total over {', '.join(tc.markets)} (Caps row {tc.row})")
    if not caps:
        return "the caps that bind are upstream of it (on the inputs its plants need)"
    return "; ".join(caps)


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


def _min_output_conflicts(m: pyo.ConcreteModel, net: Network) -> list[Conflict]:
    """Minimum outputs (2b) that had to give: a site that must make a share of its capacity while
    it operates, but whose output the network cannot take (no market or plant it may reach wants
    that much, under the caps) or cannot make (its inputs cannot reach it)."""
    out: list[Conflict] = []
    for s, t in m.MIN_OUTPUT_SITES:
        slack = pyo.value(m.min_output_shortfall[s, t])
        need = net.min_output[s] * pyo.value(site_capacity_expr(m, net, s, t))
        if slack <= TOL * max(1.0, need):
            continue
        can = need - slack
        cell = net.cell("Sites", s, "min_output")
        unit = net.unit.get(net.site_product[s], "")
        operating = (
            "always operates (existing)" if s not in net.decided else "operates in the design that comes closest"
        )
        out.append(
            Conflict(
                "min_output",
                net.site_product[s],
                "",
                "",
                need,
                can,
                (cell,),
                f"{_when(net, t)}site '{s}' {operating} and must make {_amount(need)} {unit} "
                f"(min_output {net.min_output[s]:.4g}, {cell}), but the network can take or make at most "
                f"{_amount(can)} of it (demand it may reach, its inputs, the caps); min_output would have to "
                f"fall to {net.min_output[s] * can / need if need > 0 else 0:.4g}, or a lane or market be added "
                "for its output.".replace("  ", " "),
            )
        )
    return out


def _operates(m: pyo.ConcreteModel, site: str, t: int) -> bool:
    """Whether the elastic design operates a decided site (candidate or closable) in period t."""
    var = m.build[site, t] if (site, t) in m.build else None  # noqa: SIM401 - an IndexedVar has no .get
    return var is not None and (var.value or 0.0) > 0.5


def _amount(x: float) -> str:
    """A quantity as a planner reads it: 12,266 (never 1.227e+04), 30, 0.1667."""
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"


def _when(net: Network, t: int) -> str:
    """``in 2030: `` before a conflict of period t, when the workbook has periods."""
    return f"in {t}: " if net.shows_periods else ""
