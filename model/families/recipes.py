"""Recipes: what each plant consumes, and where every tier of a final product comes from.

The input use a[s,i] * prod[s,t] is a term of the pool balance (1), which ``flows`` builds for
every pool (``Network.consumers``); the production, tariffs and freight of intermediate flows are
the flows' costs. This family adds no component: it makes the Inputs table (per plant and input:
quantity used, and its concern-free part from the ``concern_free`` allocation), the Upstream
table (proportional tracing of every input at every tier of each final product and market) and
checks that every plant's recipe is respected, from the result tables alone.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyomo.core as pyo

from model import htmlkit as kit
from model.columns import Column, Record, Sheet, SheetData, valid
from model.derive import RecipeRow, recipe_cycle
from model.families.protocol import (
    PERIOD,
    Col,
    Context,
    Equation,
    Extraction,
    Table,
    column_names,
    period_columns,
    value,
    with_period,
)
from model.families.verify import TOL, close, rows_of
from model.issues import Issue, Issues
from model.network import NORMAL, Key, Network

# The input sheets it reads (model.schema assembles the workbook's sheets from these)

RECIPES = Sheet(
    name="Recipes",
    description="What a plant consumes to make its product. A plant's recipe is, for each input, the "
    "row naming the plant, else the row with a blank site; a site row with quantity 0 removes that "
    "input for that plant. A plant consumes its inputs in its own country: they must arrive there, "
    "from local plants or through Lanes. A cycle (a product that needs itself through any chain of "
    "inputs), a site row whose site does not make the product, and a hub named in a row are errors.",
    columns=(
        Column("product", "name", "The product made.", ref="product"),
        Column("input", "name", "A product consumed to make it.", ref="product"),
        Column(
            "quantity",
            "number",
            "Units of input per unit of product (yield losses included).",
            minimum=0,
            unit="input units/unit",
        ),
        Column(
            "site",
            "name",
            "The one plant this row is for.",
            required=False,
            ref="site",
            blank_means="every plant making the product",
        ),
    ),
    key=("product", "input", "site"),
    place=120,
    row_is="recipe row",
    without="plants would need no inputs",
)


SHEETS = (RECIPES,)
"""The input sheets this family declares (``model.schema``)."""

TABLES = (
    Table(
        "Inputs",
        "one row per plant, input and period: what it uses in the normal year",
        ("period", "site", "input"),
        (
            PERIOD,
            Col("site", "name", "the plant"),
            Col("country", "name", "its country"),
            Col("product", "name", "what it makes"),
            Col("input", "name", "the input"),
            Col("quantity_used", "quantity", "how much of the input it uses, a year (in the input's unit)"),
            Col("concern_free_used", "quantity", "of it, concern-free"),
        ),
        when="with recipes or hubs",
        place=50,
    ),
    Table(
        "Upstream",
        "one row per final product, market, input upstream and country: where each tier comes from",
        ("period", "product", "market", "input", "country"),
        (
            PERIOD,
            Col("product", "name", "the final product"),
            Col("market", "name", "its market"),
            Col("input", "name", "an input at some tier upstream"),
            Col("tier", "count", "how many steps upstream"),
            Col("country", "name", "where that input was made"),
            Col("share", "share", "the share of the input from that country (proportional tracing)"),
            Col("quantity_per_unit", "quantity", "units of the input per unit of the final product"),
        ),
        when="with recipes",
        place=70,
    ),
)
"""The result tables this family makes (their columns' units format the results workbook)."""

EQUATIONS: tuple[Equation, ...] = ()
"""No constraint of its own: it reads the flows and writes tables."""
DIMENSIONS: dict[str, tuple[str, ...]] = {}


def build(m: pyo.ConcreteModel, ctx: Context) -> None:
    """Nothing to add: the input use sum_{s in c} a[s,p] prod[s,t] is part of ``flows``' (1)."""


INPUT_COLUMNS = column_names(TABLES, "Inputs")
UPSTREAM_COLUMNS = column_names(TABLES, "Upstream")


def tables(m: pyo.ConcreteModel, ctx: Context, solved: Any, out: Extraction) -> None:
    """Inputs and Upstream (when some site consumes an input: recipes or hubs).

    Inputs: per site s, input i and period, quantity_used = a[s,i] prod[s,t] and
    concern_free_used = a[s,i] sum_m g[s,m,t] (the ConcernFree allocation; 0 in a concern country).
    Upstream: see ``upstream``."""
    net = ctx.net
    if not net.input_rate:
        return
    allocations = out.extra.get("concern_free", {})
    input_rows, upstream_rows = [], []
    for t in ctx.periods:
        flow = {(s, mk): value(v) for (s, mk, tt, w), v in m.flow.items() if tt == t and w == NORMAL}
        produced: dict[str, float] = defaultdict(float)
        for (s, _), q in flow.items():
            produced[s] += q
        alloc = allocations.get((t, NORMAL))
        free_out: dict[str, float] = defaultdict(float)
        if alloc is not None:
            for (s, _), g in alloc.g.items():
                free_out[s] += g
        for s in net.sites:
            for i, rate in net.inputs_of.get(s, ()):
                row = {
                    "site": s,
                    "country": net.site_country[s],
                    "product": net.site_product[s],
                    "input": i,
                    "quantity_used": rate * produced[s],
                    "concern_free_used": rate * free_out[s],
                }
                input_rows.append(with_period(row, t))
        for row in upstream(ctx.at(t), flow):
            upstream_rows.append(with_period(row, t))
    out.tables["Inputs"] = pd.DataFrame(input_rows, columns=period_columns(INPUT_COLUMNS))
    out.tables["Upstream"] = pd.DataFrame(upstream_rows, columns=period_columns(UPSTREAM_COLUMNS))


def tiers(net: Network, product: str) -> dict[str, int]:
    """Each product upstream of ``product`` with its tier: the fewest recipe steps from it (0 for
    the product itself), through every plant's resolved recipe."""
    edges: dict[str, set[str]] = defaultdict(set)
    for s, inputs in net.inputs_of.items():
        if s not in net.hubs:
            edges[net.site_product[s]].update(i for i, _ in inputs)
    depth = {product: 0}
    queue = deque([product])
    while queue:
        p = queue.popleft()
        for i in sorted(edges[p]):
            if i not in depth:
                depth[i] = depth[p] + 1
                queue.append(i)
    return depth


def upstream(net: Network, flow: dict[tuple[str, str], float]) -> list[dict[str, Any]]:
    """Proportional tracing: per final pool (p, m) with demand and supply, for every product i
    upstream of it (p itself at tier 0), the share of i from each country k.

    Each pool mixes its inflows: w[s] = x[s,c] / sum_s' x[s',c]. X[pool] holds, per (i, k), the
    units of i made in k embodied in one unit drawn from the pool:

        X[(p,c)] = sum_s w[s] v[s],   v[s] = e(p, c(s)) + sum_i a[s,i] X[(i, c(s))]   (a plant)
                                      v[h] = X[(p, c(h))]                              (a hub)

    a linear system (I - M) X = B over the pools, solved at once (hubs may pass a product back
    and forth). The share of i from k is X[(p,m)][(i,k)] / sum_k' X[(p,m)][(i,k')];
    ``quantity_per_unit`` is X[(p,m)][(i,k)]."""
    inflow: dict[Key, list[tuple[str, float]]] = defaultdict(list)
    for (s, mk), q in flow.items():
        if q > 1e-9:
            inflow[(net.site_product[s], mk)].append((s, q))
    pools = list(inflow)
    if not pools:
        return []
    index = {k: j for j, k in enumerate(pools)}
    keys: dict[tuple[str, str], int] = {}
    for s in net.sites:
        keys.setdefault((net.site_product[s], net.site_country[s]), len(keys))
    n = len(pools)
    mix = np.zeros((n, n))
    base = np.zeros((n, len(keys)))
    for (p, c), sources in inflow.items():
        row = index[(p, c)]
        supplied = sum(q for _, q in sources)
        for s, q in sources:
            w = q / supplied
            origin = net.site_country[s]
            if s not in net.hubs:
                base[row, keys[(p, origin)]] += w
            for i, rate in net.inputs_of.get(s, ()):
                col = index.get((i, origin))
                if col is not None:
                    mix[row, col] += w * rate
    try:
        embodied = np.linalg.solve(np.eye(n) - mix, base)
    except np.linalg.LinAlgError:
        embodied = np.linalg.lstsq(np.eye(n) - mix, base, rcond=None)[0]
    names = list(keys)
    rows = []
    depths: dict[str, dict[str, int]] = {}  # per final product: the same for each of its markets
    for p, mk in net.positive_demand:
        if (p, mk) not in index:
            continue
        vector = embodied[index[(p, mk)]]
        if p not in depths:
            depths[p] = tiers(net, p)
        depth = depths[p]
        for i in sorted(depth, key=lambda x: (depth[x], x)):
            amounts = {k: vector[j] for j, (ii, k) in enumerate(names) if ii == i and vector[j] > 1e-12}
            total = sum(amounts.values())
            for k, amount in amounts.items():
                rows.append(
                    {
                        "product": p,
                        "market": mk,
                        "input": i,
                        "tier": depth[i],
                        "country": k,
                        "share": amount / total,
                        "quantity_per_unit": amount,
                    }
                )
    return rows


def check(res: Any, net: Network) -> list[str]:
    """Recipes respected, from the result tables: each Inputs row is a[s,i] times the site's
    production in Flows (and its concern-free part within it); per country and input, what the
    plants there use arrives there (Flows into the country), and the Upstream shares of each
    (final product, market, input) sum to 1."""
    if "Inputs" not in res.tables:
        return []
    produced: dict[str, float] = defaultdict(float)
    arrived: dict[tuple[str, str], float] = defaultdict(float)
    for site, p, mk, q in rows_of(res["Flows"], "site", "product", "market", "quantity"):
        produced[site] += q
        arrived[(p, mk)] += q
    out = []
    used: dict[tuple[str, str], float] = defaultdict(float)
    for s, c, i, q, free in rows_of(res["Inputs"], "site", "country", "input", "quantity_used", "concern_free_used"):
        expected = net.input_rate.get((s, i), 0.0) * produced.get(s, 0.0)
        if not close(q, expected, expected):
            out.append(f"Inputs: {s} uses {q:g} {i}, but its recipe and production need {expected:g}")
        if free > q + TOL * max(1.0, q):
            out.append(f"Inputs: {s} counts {free:g} {i} as concern-free, more than the {q:g} it uses")
        used[(i, c)] += q
    for (i, c), q in used.items():
        if q > arrived.get((i, c), 0.0) + TOL * max(1.0, q):
            out.append(f"the plants in {c} use {q:g} {i}, but only {arrived.get((i, c), 0.0):g} arrives there")
    if "Upstream" in res.tables and len(res["Upstream"]):
        table = res["Upstream"]
        group = [c for c in ("period", "product", "market", "input") if c in table]
        for key, share in table.groupby(group)["share"].sum().items():
            if abs(share - 1) > 1e-6:
                out.append(f"Upstream: shares of {key} sum to {share:g}, not 1")
    return out


# The HTML report: the recipe graph that orders the report's stages and chains


def recipe_edges(tables: Mapping[str, pd.DataFrame]) -> set[tuple[str, str]]:
    """(product, input) pairs of the ``Inputs`` table with some quantity used."""
    t = tables.get("Inputs")
    if t is None or not len(t):
        return set()
    used = t[t["quantity_used"] > kit.EPS]
    return set(zip(used["product"].astype(str), used["input"].astype(str)))


def chain_tiers(products: Iterable[str], edges: set[tuple[str, str]]) -> dict[str, int]:
    """tier[p] = 0 for a product made from no input, else 1 + max tier of its inputs (a cycle, which
    the model forbids, is cut where it closes)."""
    inputs: dict[str, set[str]] = defaultdict(set)
    for p, i in edges:
        inputs[p].add(i)
    tier: dict[str, int] = {}

    def visit(p: str, path: frozenset[str]) -> int:
        if p not in tier:
            ins = [i for i in inputs[p] if i not in path]
            tier[p] = 1 + max(visit(i, path | {p}) for i in ins) if ins else 0
        return tier[p]

    for p in list(products) + [x for e in edges for x in e]:
        visit(p, frozenset())
    return tier


def chains(products: Iterable[str], edges: set[tuple[str, str]]) -> list[tuple[str, ...]]:
    """The connected components of the recipe graph (products; an edge per (product, input)), each
    ordered by tier then by first appearance in ``products``; chains in order of their first product."""
    order = list(dict.fromkeys([*products, *(x for e in edges for x in e)]))
    parent = {p: p for p in order}

    def find(p: str) -> str:
        while parent[p] != p:
            parent[p] = parent[parent[p]]
            p = parent[p]
        return p

    for p, i in edges:
        parent[find(p)] = find(i)
    tier = chain_tiers(order, edges)
    groups: dict[str, list[str]] = {}
    for p in order:
        groups.setdefault(find(p), []).append(p)
    return [tuple(sorted(g, key=lambda p: (tier[p], order.index(p)))) for g in groups.values()]


# Checks of its inputs (run by model.workbook: errors on the records, warnings on the network)


def check_records(data: Mapping[str, SheetData], known: Mapping[str, Any], issues: Issues) -> None:
    """The Recipes sheet before the network is assembled (errors): a recipe's site makes its
    product, and no product is its own input through a chain of recipes."""
    check_recipe_sites(data.get("Recipes"), known["site"], issues)
    check_recipe_cycles(data.get("Recipes"), issues)


def warnings(net: Network) -> list[Issue]:
    """The recipes' warnings on the assembled network: a plant's inputs can reach it."""
    return check_inputs_deliverable(net)


def check_recipe_sites(recipes: SheetData | None, sites: Mapping[str, Record] | None, issues: Issues) -> None:
    """A Recipes row that names a site: the site makes the row's product and is not a hub (a hub
    has no recipe: it passes its product on)."""
    if recipes is None or sites is None:
        return
    letter = recipes.letters.get("site", "")
    for rec in valid(recipes):
        site = rec.values.get("site")
        if site is None or site not in sites:
            continue
        made = sites[site].values.get("product")
        if sites[site].values.get("role") == "hub":
            issues.error(
                "Recipes",
                f"{letter}{rec.row}",
                f"site '{site}' is a hub (Sites.role); a hub passes its product on and has no recipe: "
                "remove this row, or make the site a plant",
            )
            rec.values["_invalid"] = True
        elif made != rec.values.get("product"):
            issues.error(
                "Recipes",
                f"{letter}{rec.row}",
                f"site '{site}' makes {made}, not {rec.values.get('product')}; a site row applies to a "
                "plant that makes the row's product",
            )
            rec.values["_invalid"] = True


def check_recipe_cycles(recipes: SheetData | None, issues: Issues) -> None:
    """No product needs itself through any chain of inputs: the error names the whole cycle
    (``magnet -> alloy -> magnet``) at the row that closes it."""
    if recipes is None:
        return
    rows = [
        RecipeRow(r.row, r.values["product"], r.values["input"], float(r.values["quantity"]), r.values.get("site"))
        for r in valid(recipes)
        if r.values.get("product") and r.values.get("input") and r.values.get("quantity") is not None
    ]
    cycle = recipe_cycle(rows)
    if cycle is None:
        return
    chain = " -> ".join([cycle[0].product, *(r.input for r in cycle)])
    letter = recipes.letters.get("input", "")
    cells = ", ".join(f"{letter}{r.row}" for r in cycle)
    issues.error(
        "Recipes",
        f"{letter}{cycle[-1].row}",
        f"the recipes form a cycle: {chain} (rows at {cells}); a product cannot need itself through "
        "its inputs. Remove or correct one of these rows",
    )
    for r in valid(recipes):
        if any(r.row == c.row for c in cycle):
            r.values["_invalid"] = True


def check_inputs_deliverable(net: Network) -> list[Issue]:
    """A plant whose recipe names an input that nothing can deliver to its country (no site makes
    it, or none has a lane there): the plant cannot produce."""
    delivered = {(net.site_product[s], mk) for s, mk in net.arcs if net.max_capacity(s) > 0}
    out: list[Issue] = []
    for s, inputs in net.inputs_of.items():
        if s in net.hubs:
            continue
        c = net.site_country[s]
        for i, _ in inputs:
            if (i, c) in delivered:
                continue
            makers = [x for x in net.sites if net.site_product[x] == i]
            why = "no site makes it" if not makers else f"no site making it has a lane for {i} into {c}"
            out.append(
                Issue(
                    "warning",
                    "Sites",
                    net.address("Sites", s, "site"),
                    f"plant '{s}' in {c} needs {i} (its recipe on the Recipes sheet), but nothing can deliver "
                    f"{i} to {c}: {why}; the plant cannot produce (add a site or a Lanes row)",
                )
            )
    return out
