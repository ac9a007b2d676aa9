"""What the model needs, derived from the checked workbook: pure functions of plain data.

``model.workbook`` reads and checks the sheets (``model.checks``), turns the valid records into
the plain rows below, and calls these functions to fill the ``Network``. None of them reads a
file, reports a problem or depends on the order of checks: each is a function of its arguments,
tested on small hand-made inputs (``tests/test_derive.py``). Symbols follow
``docs/formulation.md``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from model.network import (
    Closure,
    Key,
    most_specific,
)

Arc = tuple[str, str]
"""(site, market)."""


@dataclass(frozen=True)
class Lane:
    """One Lanes row: shipping from ``origin`` to ``destination`` (``product`` None: every product)."""

    origin: str
    destination: str
    product: str | None
    freight_cost: float = 0.0
    tariff_rate: float = 0.0


@dataclass(frozen=True)
class Disruption:
    """One Disruptions row (``site`` None: the whole ``country``; ``product`` None: every product)."""

    row: int
    scenario: str
    country: str | None
    site: str | None
    product: str | None
    capacity_loss: float


@dataclass(frozen=True)
class Shock:
    """One Shocks row (``product`` or ``market`` None: every one)."""

    scenario: str
    product: str | None
    market: str | None
    demand_factor: float


@dataclass(frozen=True)
class RecipeRow:
    """One Recipes row: ``quantity`` of ``input`` per unit of ``product`` (``site`` None: every plant)."""

    row: int
    product: str
    input: str
    quantity: float
    site: str | None = None


@dataclass(frozen=True)
class Arcs:
    """A with the cost data of each arc: ``freight_cost[s, m]`` and ``tariff_rate[s, m]``."""

    arcs: tuple[Arc, ...]
    freight_cost: dict[Arc, float]
    tariff_rate: dict[Arc, float]


def markets_with_demand(demand: Mapping[Key, float]) -> dict[str, list[str]]:
    """Per product p, the markets m with D[p, m] > 0, in Demand order."""
    out: dict[str, list[str]] = defaultdict(list)
    for (p, m), d in demand.items():
        if d > 0:
            out[p].append(m)
    return dict(out)


def arcs(
    sites: Sequence[str],
    site_country: Mapping[str, str],
    site_product: Mapping[str, str],
    demand: Mapping[Key, float],
    lanes: Iterable[Lane],
    pools: Iterable[Key] | None = None,
    hubs: frozenset[str] = frozenset(),
) -> Arcs:
    """A = {(s, m) : (p(s), m) in N and a lane from country(s) to m allows p(s)}, in Sites order;
    never (h, c(h)) for a hub h (a hub passes its product on to other countries).

    N is ``pools`` (final demand D[p, m] > 0 or a site in m consuming p; without it, the markets
    with demand, as in version 1). The lane of an arc is the Lanes row for (origin, destination,
    p(s)) if there is one, else the row with a blank product. A site always reaches its own
    country (domestic supply), free unless a lane row for (c, c) gives costs. Later duplicate rows
    replace earlier ones (duplicates are errors found before this is called).
    """
    table = {(ln.origin, ln.destination, ln.product): (ln.freight_cost, ln.tariff_rate) for ln in lanes}
    if pools is None:
        markets_of = markets_with_demand(demand)
    else:
        markets_of = defaultdict(list)
        for p, m in pools:
            markets_of[p].append(m)
    out: list[Arc] = []
    freight: dict[Arc, float] = {}
    tariff: dict[Arc, float] = {}
    for s in sites:
        o, p = site_country[s], site_product[s]
        for m in markets_of.get(p, ()):
            if s in hubs and m == o:
                continue
            row = table.get((o, m, p)) or table.get((o, m, None))
            if row is None:
                if o != m:
                    continue
                row = (0.0, 0.0)
            out.append((s, m))
            freight[(s, m)], tariff[(s, m)] = row
    return Arcs(tuple(out), freight, tariff)


def input_rates(
    rows: Iterable[RecipeRow], site_product: Mapping[str, str], hubs: frozenset[str] = frozenset()
) -> dict[tuple[str, str], float]:
    """a[s, i] > 0 per plant s and input i: for each input of p(s), the row naming s, else the row
    with a blank site; a site row with quantity 0 removes the input for that plant. Hubs get
    a[h, p(h)] = 1 (they pass their product on). Sites order, then row order."""
    general: dict[str, dict[str, float]] = defaultdict(dict)
    override: dict[str, dict[str, float]] = defaultdict(dict)
    for r in rows:
        (general[r.product] if r.site is None else override[r.site])[r.input] = r.quantity
    out: dict[tuple[str, str], float] = {}
    for s, p in site_product.items():
        if s in hubs:
            out[(s, p)] = 1.0
            continue
        recipe = dict(general.get(p, {}))
        recipe.update(override.get(s, {}))
        for i, q in recipe.items():
            if q > 0:
                out[(s, i)] = float(q)
    return out


def product_recipe(rows: Iterable[RecipeRow]) -> dict[tuple[str, str], float]:
    """a_P[q, i] > 0: the blank-site Recipes rows (for the reserve's gross requirement)."""
    return {(r.product, r.input): float(r.quantity) for r in rows if r.site is None and r.quantity > 0}


def recipe_cycle(rows: Iterable[RecipeRow]) -> list[RecipeRow] | None:
    """The rows of one cycle in the product -> input graph (rows with quantity > 0, site rows
    included), in chain order, or None. A cycle means a product needs itself: no finite amount
    can be made."""
    edges: dict[str, list[RecipeRow]] = defaultdict(list)
    for r in rows:
        if r.quantity > 0:
            edges[r.product].append(r)
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[RecipeRow] = []

    def visit(p: str) -> list[RecipeRow] | None:
        state[p] = 1
        for r in edges.get(p, ()):
            if state.get(r.input) == 1:
                start = next((k for k, e in enumerate(path) if e.product == r.input), len(path))
                return [*path[start:], r]
            if r.input not in state:
                path.append(r)
                found = visit(r.input)
                if found is not None:
                    return found
                path.pop()
        state[p] = 2
        return None

    for p in list(edges):
        if p not in state:
            found = visit(p)
            if found is not None:
                return found
    return None


def gross_requirement(
    demand: Mapping[Key, float], recipe: Mapping[tuple[str, str], float], products: Sequence[str]
) -> dict[str, float]:
    """R[p] = sum_c D[p, c] + sum_q a_P[q, p] R[q] (constraint 6), for an acyclic recipe.

    Computed by memoised recursion over the products that consume p."""
    final: dict[str, float] = defaultdict(float)
    for (p, _), d in demand.items():
        final[p] += d
    users: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for (q, i), a in recipe.items():
        users[i].append((q, a))
    memo: dict[str, float] = {}

    def req(p: str) -> float:
        if p not in memo:
            memo[p] = final[p] + sum(a * req(q) for q, a in users[p])
        return memo[p]

    return {p: req(p) for p in products}


def disruption_losses(
    disruptions: Iterable[Disruption],
    sites: Sequence[str],
    site_country: Mapping[str, str],
    site_product: Mapping[str, str],
) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], int]]:
    """(loss, loss_rows): loss^ω[s] = max capacity_loss over the scenario's rows that match s.

    A row matches s when it names s (``site``), or names no site and s's country, and its product
    is blank or s's product. Only losses > 0 are kept; ``loss_rows[ω, s]`` is the Disruptions row
    that sets the loss (the first of equal ones).
    """
    loss: dict[tuple[str, str], float] = {}
    rows: dict[tuple[str, str], int] = {}
    for d in disruptions:
        for s in sites:
            if d.site is not None:
                if d.site != s:
                    continue
            elif d.country != site_country[s]:
                continue
            if d.product is not None and d.product != site_product[s]:
                continue
            k = (d.scenario, s)
            if d.capacity_loss > loss.get(k, 0.0):
                loss[k] = float(d.capacity_loss)
                rows[k] = d.row
    return loss, rows


def demand_factors(shocks: Iterable[Shock], demand: Mapping[Key, float]) -> dict[tuple[str, str, str], float]:
    """demand_factor^ω[p, m] per (scenario, product, market) of Demand, where it is not 1.

    For each scenario the most specific matching row wins: (p, m) over (p, blank) over (blank, m)
    over (blank, blank); with no matching row the factor is 1 (and is left out).
    """
    by_scenario: dict[str, list[Shock]] = defaultdict(list)
    for shock in shocks:
        by_scenario[shock.scenario].append(shock)
    out: dict[tuple[str, str, str], float] = {}
    for w, rows in by_scenario.items():
        for p, m in demand:
            best = most_specific(rows, p, m, lambda r: r.product, lambda r: r.market)
            if best is not None and best.demand_factor != 1.0:
                out[(w, p, m)] = float(best.demand_factor)
    return out


def unmet_penalties(given: Mapping[str, float | None], default: float | None) -> dict[str, float | None]:
    """Per product, its own unmet_penalty, else Settings.unmet_penalty (checked to exist before)."""
    return {p: v if v is not None else default for p, v in given.items()}


def study_values(rows: Iterable[tuple[str, float]]) -> dict[str, tuple[float, ...]]:
    """Study sheet: parameter -> its values, loosest first (largest first)."""
    out: dict[str, list[float]] = defaultdict(list)
    for parameter, value in rows:
        out[parameter].append(float(value))
    return {k: tuple(sorted(v, reverse=True)) for k, v in out.items()}


def closures(
    rows: Iterable[tuple[int, str, str | None, str | None, str | None]],
    countries: Sequence[str],
    bloc: Mapping[str, str],
) -> tuple[Closure, ...]:
    """The Closures rows (row, scenario, origin, destination, product) with each origin and
    destination resolved to the countries it names: a country itself, or every country whose
    ``bloc`` is that label; blank (None) is every country."""

    def countries_of(name: str | None) -> frozenset[str] | None:
        if name is None:
            return None
        if name in countries:
            return frozenset([name])
        return frozenset(c for c in countries if bloc.get(c) == name)

    return tuple(
        Closure(row, scenario, countries_of(origin), countries_of(destination), product)
        for row, scenario, origin, destination, product in rows
    )
