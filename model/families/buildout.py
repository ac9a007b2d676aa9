"""Build-out over time: constraint (13), the links between consecutive periods; availability
windows (S(t)); the ``opens``/``closes`` columns of Sites; the build-out invariants.

Availability needs no row of its own: the views ``ctx.at(t)`` hold only the sites of S(t), so a
site outside its window has no arcs, no capacity row, no b[s,t] and no n[s,t] (b = 0: it does
not operate), and its fixed cost is not paid. This family links the periods.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from typing import Any

import pandas as pd
import pyomo.core as pyo

from model.columns import Column
from model.families.protocol import Col, Context, Equation, Extraction
from model.families.verify import TOL, rows_of
from model.network import Network

# The input columns it reads (model.schema adds them to the sheet another family declares)

SHEET_ADDS = {
    "Sites": (
        Column(
            "available_from",
            "integer",
            "First year in which the site can operate: for an existing site under construction, its "
            "start of production; for a candidate, the earliest year it could produce if decided now "
            "(its lead time). Used only with a Periods sheet.",
            required=False,
            blank_means="from the first period",
        ),
        Column(
            "available_until",
            "integer",
            "Last year in which the site can operate (a planned closure, the end of a contract). "
            "Used only with a Periods sheet.",
            required=False,
            blank_means="no end",
        ),
    ),
}

ADDS = {
    "Sites": (
        Col("opens", "year", "the period it starts to operate (blank: from the start, or never)", when="with periods"),
        Col("closes", "year", "the period it stops operating (blank: it does not)", when="with periods"),
    ),
}
"""Columns this family adds to the Sites table (their units format the results workbook)."""

EQUATIONS = (
    Equation(
        "13a",
        "`b[s,t] ≥ b[s,t−1]`, candidate `s` available in both `t−1` and `t`: a candidate stays built",
        ("candidate_stays_built",),
        "Periods, Sites.`available_from`, `available_until`",
    ),
    Equation(
        "13b",
        ("`b[s,t] ≤ b[s,t−1]`, closable `s` available in both `t−1` and `t`: a closed site stays closed"),
        ("closable_stays_closed",),
        "Periods, Sites.`status`",
    ),
    Equation(
        "13c",
        "`n[s,t] ≥ n[s,t−1]` (closable: `− max_modules[s]·(1 − b[s,t])`, while it operates): modules stay",
        ("modules_stay",),
        "Periods, Sites.`max_modules`",
    ),
)
"""The constraints this family writes, as docs/formulation.md's table shows them (generated)."""

DIMENSIONS = {
    "candidate_stays_built": ("site", "period"),
    "closable_stays_closed": ("site", "period"),
    "modules_stay": ("site", "period"),
}

HORIZON = True
"""Its invariants read the whole horizon (``model.invariants.check_all`` gives it every period
at once; the other families are checked period by period)."""


def links(ctx: Context, component: dict[tuple[str, int], Any]) -> list[tuple[str, int]]:
    """(s, t) for each period t after the first in which ``component`` (a variable's members by
    (site, period)) exists at t and at the period before: within the site's availability."""
    prev = {t: p for p, t in itertools.pairwise(ctx.periods)}
    return [(s, t) for s, t in component if t in prev and (s, prev[t]) in component]


def build(m: pyo.ConcreteModel, ctx: Context) -> None:
    """Constraint (13), for consecutive periods t-1, t where the site is available in both:

    (13a) b[s,t] >= b[s,t-1]                          a candidate stays built
    (13b) b[s,t] <= b[s,t-1]                          a closable site stays closed
    (13c) n[s,t] >= n[s,t-1]                          modules stay (a site that is not closable)
          n[s,t] >= n[s,t-1] - max_modules[s] (1 - b[s,t])   (closable: while it operates)

    Without a Periods sheet there is one period and no row. No variables, no costs. Needs
    ``capacity`` first (b and n).
    """
    closable = set(ctx.net.closable)
    b = dict(m.build.items())
    n = dict(m.modules.items())
    cand = set(ctx.net.candidates)
    prev = {t: p for p, t in itertools.pairwise(ctx.periods)}
    build_links = links(ctx, b)
    m.candidate_stays_built = pyo.Constraint(
        [(s, t) for s, t in build_links if s in cand],
        rule=lambda _m, s, t: b[s, t] >= b[s, prev[t]],
        doc="(13a) a candidate once built stays built",
    )
    m.closable_stays_closed = pyo.Constraint(
        [(s, t) for s, t in build_links if s in closable],
        rule=lambda _m, s, t: b[s, t] <= b[s, prev[t]],
        doc="(13b) a closable site once closed stays closed",
    )

    def modules_rule(_m: pyo.ConcreteModel, s: str, t: int) -> object:
        if s in closable and (s, t) in b:
            return n[s, t] >= n[s, prev[t]] - ctx.net.max_modules[s] * (1 - b[s, t])
        return n[s, t] >= n[s, prev[t]]

    m.modules_stay = pyo.Constraint(links(ctx, n), rule=modules_rule, doc="(13c) modules once added stay")


def tables(m: pyo.ConcreteModel, ctx: Context, solved: Any, out: Extraction) -> None:
    """With periods: Sites gets ``opens`` (the first period a site operates, when it did not
    operate from the first period, or it is a candidate) and ``closes`` (the first period it no
    longer operates after operating: its window ended, or the model closed it; for a closable
    site, which operates today, the first period of its window when the model closes it from
    the start), on every row of the site."""
    net = ctx.net
    if not net.shows_periods:
        return
    sites = out.tables["Sites"]
    operates: dict[str, list[tuple[int, bool]]] = defaultdict(list)
    for s, t, built in rows_of(sites, "site", "period", "built"):
        operates[s].append((t, bool(built)))
    opens: dict[str, int | None] = {}
    closes: dict[str, int | None] = {}
    closable = set(net.closable)
    for s, seq in operates.items():
        seq.sort()
        on = [t for t, o in seq if o]
        first = on[0] if on else None
        opens[s] = first if first is not None and (first != seq[0][0] or s in net.candidates) else None
        closes[s] = next((t for t, o in seq if first is not None and t > first and not o), None)
        if first is None and s in closable:  # operating today, closed before its first period in the plan
            closes[s] = next((t for t, _ in seq if net.available(s, t)), None)
    sites["opens"] = pd.Series([opens[s] for s in sites["site"]], dtype=object)
    sites["closes"] = pd.Series([closes[s] for s in sites["site"]], dtype=object)


def site_changes(sites: pd.DataFrame) -> dict[int, tuple[str, str]]:
    """Per period, the sites that open in it and those that close in it, each joined by ", " in
    the order of the Sites table: what its ``opens`` and ``closes`` columns say (empty without them)."""
    if "opens" not in sites.columns or "closes" not in sites.columns:
        return {}
    first = sites.drop_duplicates("site")
    opening: dict[int, list[str]] = defaultdict(list)
    closing: dict[int, list[str]] = defaultdict(list)
    for s, opens, closes in rows_of(first, "site", "opens", "closes"):
        if opens is not None and opens == opens:
            opening[int(opens)].append(s)
        if closes is not None and closes == closes:
            closing[int(closes)].append(s)
    return {t: (", ".join(opening.get(t, [])), ", ".join(closing.get(t, []))) for t in {*opening, *closing}}


def check(res: Any, net: Network) -> list[str]:
    """From the Sites and Flows tables over the whole horizon: a candidate once built stays built
    while available; modules never decrease while a site operates; no site operates, produces or
    ships outside its availability window."""
    if not net.shows_periods:
        return []
    out = []
    closable = set(net.closable)
    history: dict[str, list[tuple[int, bool, int]]] = defaultdict(list)
    for s, t, built, mods, prod in rows_of(res["Sites"], "site", "period", "built", "modules_added", "production"):
        history[s].append((t, bool(built), int(mods)))
        if not net.available(s, t) and (built or mods or prod > TOL):
            out.append(f"{s} operates in {t}, outside its availability window")
    for s, t in rows_of(res["Flows"], "site", "period"):
        if not net.available(s, t):
            out.append(f"{s} ships in {t}, outside its availability window")
    for s, seq in history.items():
        seq.sort()
        for (t0, b0, n0), (t1, b1, n1) in itertools.pairwise(seq):
            both = net.available(s, t0) and net.available(s, t1)
            if not both:
                continue
            if s in net.candidates and b0 and not b1:
                out.append(f"candidate {s} is built in {t0} but not in {t1}")
            if s in closable and b1 and not b0:
                out.append(f"closable site {s} is closed in {t0} but operates in {t1}")
            if b1 and n1 < n0:
                out.append(f"{s} has {n0} modules in {t0} but {n1} in {t1}")
    return out
