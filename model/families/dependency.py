"""Dependency caps: constraints (4) `each` and (5) `total` on concern supply (the sites of Q), on
the ``lookthrough`` basis (the concern-free mass balance of ``concern_free``) or the ``direct``
one, and on single countries (``Caps.of`` a country or ``any``, measured per stage, direct); the
Dependency table with both shares and each cap's marginal cost; the cap invariants."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

import pandas as pd
import pyomo.core as pyo
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from model import htmlkit as kit
from model.charts import CONCERN_COLOR
from model.columns import Column, Sheet, SheetData, valid
from model.derive import gross_requirement
from model.families.common import Adjacency, Line, capacity_outside_concern, money
from model.families.flows import same_supply_cost, supply_costs
from model.families.protocol import (
    PERIOD,
    Change,
    Col,
    Context,
    Equation,
    Extraction,
    Glance,
    Section,
    Table,
    by_case,
    column_names,
    period_columns,
    with_period,
)
from model.families.recipes import chain_tiers, chains, recipe_edges
from model.families.verify import TOL, rows_of
from model.horizon import in_force
from model.issues import Issue, Issues, did_you_mean
from model.network import NORMAL, Key, Network, most_specific
from model.sidebyside import differs, pct
from model.xlsx import BAR_CM, CM, HEADER_FILL, Book, rows_for, runs

# The input sheets it reads (model.schema assembles the workbook's sheets from these)

CAPS = Sheet(
    name="Caps",
    description="Dependency caps other than the default. For `each`, the most specific row "
    "wins: (product, market) over (product, blank) over (blank, market) over "
    "Settings.dependency_cap. Every `total` row adds one constraint per matching product over "
    "the sum of the matching markets.",
    columns=(
        Column(
            "product",
            "name",
            "Product.",
            required=False,
            ref="product",
            blank_means="every product",
        ),
        Column(
            "market",
            "name",
            "Market.",
            required=False,
            ref="country",
            blank_means="every market",
        ),
        Column(
            "cap",
            "share",
            "Most share of supply that may come from concern sites (or from the countries `of` names).",
        ),
        Column(
            "of",
            "name",
            "Whose share is capped: `concern` (concern countries' sites and sites flagged "
            "Sites.concern); a country: what that one country ships; `any`: every single country "
            "other than the market itself, each separately (the EU Critical Raw Materials Act's "
            "'no more than 65% from any single third country, at each stage'). A single-country "
            "cap is measured per stage, on the product as it arrives from the country that ships "
            "it (basis `direct`): give a row for each stage's product. The most specific row wins "
            "among rows with the same `of`; rows with different `of` all hold.",
            required=False,
            blank_means="concern",
        ),
        Column(
            "scope",
            "choice",
            "`each`: the cap holds in each market separately; `total`: it holds for the sum over the matching markets.",
            required=False,
            default="each",
            choices=("each", "total"),
        ),
        Column(
            "basis",
            "choice",
            "`lookthrough`: supply counts as concern supply when it, or anything upstream of it "
            "through the recipes, was made at a concern site (mass balance); `direct`: only the "
            "site that ships it counts. Without recipes the two agree. A single-country cap (`of` "
            "a country or `any`) is `direct` only.",
            required=False,
            choices=("lookthrough", "direct"),
            blank_means="`lookthrough`; `direct` where `of` is a country or `any`",
        ),
        Column(
            "period",
            "integer",
            "The row holds from this period on, until a later row for the same product, market, "
            "scope, basis and of (a phased cap). Used only with a Periods sheet.",
            required=False,
            blank_means="from the first period",
        ),
    ),
    key=("product", "market", "scope", "basis", "of", "period"),
    place=60,
    without="no Caps row would hold (only Settings.dependency_cap)",
)


SHEETS = (CAPS,)
"""The input sheets this family declares (``model.schema``)."""


# The caps it reads (the Caps sheet): its part of the network


ANY = "any"
"""``Caps.of`` for every single country other than the market, each separately (the EU Critical
Raw Materials Act's "no more than 65% from any single third country, at each stage")."""

CONCERN_OF = "concern"
"""``Caps.of`` for concern supply (the same as a blank cell)."""


def cap_of(value: str | None) -> str | None:
    """A ``Caps.of`` cell as the model reads it: None for blank or ``concern`` (concern supply),
    ``ANY`` for ``any`` (any case), else the country it names."""
    if value is None or str(value).strip().lower() in ("", CONCERN_OF):
        return None
    if str(value).strip().lower() == ANY:
        return ANY
    return str(value).strip()


@dataclass(frozen=True)
class CapRow:
    """One row of the Caps sheet (``product``/``market`` None means blank: every one)."""

    row: int
    product: str | None
    market: str | None
    cap: float
    scope: str
    basis: str = "lookthrough"
    """``lookthrough`` (constraint 11's mass balance) or ``direct`` (the shipping site's country)."""
    of: str | None = None
    """Whose share is capped: None for concern supply (the sites of Q); a country for what that one
    country ships; ``ANY`` for every single country other than the market, each separately."""


@dataclass(frozen=True)
class TotalCap:
    """Constraint 5: one `total` Caps row applied to one product over a set of markets."""

    row: int
    product: str
    markets: tuple[str, ...]
    cap: float
    basis: str = "lookthrough"
    of: str | None = None
    """As ``CapRow.of``: None (concern supply), a country, or ``ANY``."""


def cap_keys(demand: dict[Key, float], pools: tuple[Key, ...]) -> tuple[Key, ...]:
    """The (product, market) pairs that get a resolved `each` cap: every Demand row and every pool."""
    return tuple(dict.fromkeys([*demand, *pools]))


def resolve_each_caps(
    cap_rows: tuple[CapRow, ...],
    default_cap: float,
    keys: Any,
    concern: frozenset[str] = frozenset(),
    basis: str = "lookthrough",
) -> dict[Key, float]:
    """cap[p, m] of one basis for every (product, market) of ``keys``, per the `each` precedence:
    (p, m) over (p, blank) over (blank, m) over (blank, blank) over the default.

    The default is ``default_cap`` (Settings.dependency_cap) for the ``lookthrough`` basis and 1
    (no cap) for ``direct``. In a concern market only rows that name it apply: the default and
    blank-market rows guard the other markets against dependency (contract v2)."""
    each = [r for r in cap_rows if r.scope == "each" and r.basis == basis and r.of is None]
    default = default_cap if basis == "lookthrough" else 1.0
    out: dict[Key, float] = {}
    for p, m in keys:
        rows = [r for r in each if r.market is not None] if m in concern else each
        row = most_specific(rows, p, m, lambda r: r.product, lambda r: r.market)
        out[(p, m)] = row.cap if row is not None else (1.0 if m in concern else default)
    return out


def resolve_total_caps(
    cap_rows: tuple[CapRow, ...], keys: Any, concern: frozenset[str] = frozenset()
) -> tuple[TotalCap, ...]:
    """One TotalCap per `total` Caps row and matching product, over the matching markets: the
    (p, m) of ``keys`` (the pools: markets with final demand or a consuming site); a row with a
    blank market leaves out concern markets."""
    out: list[TotalCap] = []
    keys = list(keys)
    products = list(dict.fromkeys(p for p, _ in keys))
    for r in cap_rows:
        if r.scope != "total":
            continue
        for p in products:
            if r.product is not None and r.product != p:
                continue
            markets = tuple(
                m for (pp, m) in keys if pp == p and (m == r.market if r.market is not None else m not in concern)
            )
            if markets:
                out.append(TotalCap(row=r.row, product=p, markets=markets, cap=r.cap, basis=r.basis, of=r.of))
    return tuple(out)


def resolve_single_caps(
    cap_rows: tuple[CapRow, ...], keys: Any, concern: frozenset[str] = frozenset()
) -> dict[tuple[str, str, str], float]:
    """cap[p, m, of] < 1 of every single-country `each` row (``of`` a country or ``ANY``, basis
    ``direct``) for every (product, market) of ``keys``: among the rows with the same ``of``, the
    most specific wins ((p, m) over (p, blank) over (blank, m) over (blank, blank)); rows with
    different ``of`` all hold. In a concern market only rows that name it apply (as for concern
    caps: blank-market rows guard the other markets)."""
    out: dict[tuple[str, str, str], float] = {}
    each = [r for r in cap_rows if r.scope == "each" and r.of is not None]
    for of in dict.fromkeys(r.of for r in each):
        rows = [r for r in each if r.of == of]
        for p, m in keys:
            usable = [r for r in rows if r.market is not None] if m in concern else rows
            row = most_specific(usable, p, m, lambda r: r.product, lambda r: r.market)
            if row is not None and row.cap < 1 and of is not None:
                out[(p, m, of)] = row.cap
    return out


def resolved_caps(
    cap_rows: Sequence[CapRow],
    dependency_cap: float,
    demand: Mapping[Key, float],
    pools: Sequence[Key] | None = None,
    concern: frozenset[str] = frozenset(),
) -> tuple[dict[Key, float], tuple[TotalCap, ...]]:
    """(each, total) of the ``lookthrough`` basis and every `total` row: cap[p, m] per
    (product, market) of Demand and of the pools N by the `each` precedence ((p, m) over
    (p, blank) over (blank, m) over ``dependency_cap``; in a concern market only rows naming it),
    and one ``TotalCap`` per `total` row and matching product over its matching pools
    (constraint 5). ``pools`` None: the markets with demand (version 1)."""
    rows = tuple(cap_rows)
    demand = dict(demand)
    keys = tuple(k for k, d in demand.items() if d > 0) if pools is None else tuple(pools)
    each = resolve_each_caps(rows, dependency_cap, cap_keys(demand, keys), concern)
    return each, resolve_total_caps(rows, keys, concern)


def direct_caps(cap_rows: Sequence[CapRow], keys: Sequence[Key], concern: frozenset[str]) -> dict[Key, float]:
    """cap[p, m] of the ``direct`` basis per (product, market) of ``keys`` where a `direct` row sets
    one below 1 (there is no default direct cap)."""
    resolved = resolve_each_caps(tuple(cap_rows), 1.0, keys, concern, basis="direct")
    return {k: c for k, c in resolved.items() if c < 1}


PART = "dependency"
"""This family's key in ``Network.parts``."""
NO_PERIODS = 10**9
"""The year at which every row is in force (a network without periods reads them all)."""


def _in_force_key(listed: tuple[CapRow, int | None]) -> tuple[Any, ...]:
    r = listed[0]
    return (r.product, r.market, r.scope, r.basis, r.of)


@dataclass(frozen=True)
class Caps:
    """The caps of the network (``Network.parts["dependency"]``): every Caps row with its period
    (None: blank, or no Periods sheet) and, for the network they are derived for, the rows in force
    and their resolution against its Demand rows and pools N (``at``)."""

    listed: tuple[tuple[CapRow, int | None], ...]
    """Every valid Caps row, with its period."""
    rows: tuple[CapRow, ...] = ()
    """The rows in force: per (product, market, scope, basis, of), the latest that has started."""
    each: dict[Key, float] = field(default_factory=dict)
    """Resolved `each` cap of the ``lookthrough`` basis per (product, market) of Demand and of the
    pools N (1 = no cap; ``Settings.dependency_cap`` and blank-market rows skip concern markets)."""
    each_direct: dict[Key, float] = field(default_factory=dict)
    """Resolved `each` cap of the ``direct`` basis per (product, market): only where a Caps row
    with ``basis = direct`` sets one below 1 (there is no default direct cap)."""
    total: tuple[TotalCap, ...] = ()
    """One per `total` row and matching product over its matching pools (constraint 5)."""
    single: dict[tuple[str, str, str], float] = field(default_factory=dict)
    """Resolved single-country `each` caps below 1 (``of`` a country or ``ANY``, basis ``direct``),
    per (product, market, of): the most specific row among those with the same ``of``; rows with
    different ``of`` all hold."""
    year: int | None = None
    """The period these are derived for (None: every row, a network without periods)."""

    def lookthrough(self) -> list[tuple[str, tuple[str, ...], float]]:
        """Every cap below 1 measured on the ``lookthrough`` basis, as (product, the markets it
        sums over, cap): each `each` cap on its pool, each `total` row over its markets. What the
        concern-free mass balance (11) must let meet (``concern_free``)."""
        out = [(p, (mk,), cap) for (p, mk), cap in self.each.items() if cap < 1]
        out += [(tc.product, tc.markets, tc.cap) for tc in self.total if tc.basis == "lookthrough" and tc.cap < 1]
        return out

    def at(self, net: Network, year: int | None) -> Caps:
        """The caps of ``net`` (a period's view, ``year``; None: every row) from the rows in force,
        resolved against its demand, pools, concern countries and ``Settings.dependency_cap``."""
        when = NO_PERIODS if year is None else year
        rows = tuple(c for c, _ in in_force(self.listed, _in_force_key, lambda r: r[1], when))
        keys = cap_keys(net.demand, net.pools)
        each, total = resolved_caps(rows, net.settings.dependency_cap, net.demand, net.pools, net.concern)
        return Caps(
            self.listed,
            rows,
            each,
            direct_caps(rows, keys, net.concern),
            total,
            resolve_single_caps(rows, keys, net.concern),
            year,
        )


def read(data: Mapping[str, SheetData], net: Network) -> Caps:
    """The Caps sheet's valid rows (with their period where the workbook has a Periods sheet),
    derived for ``net`` (``Caps.at``: the first period's rows in force, with periods)."""
    periods = bool(net.views) or net.shows_periods
    listed = tuple(
        (
            CapRow(
                r.row,
                r.values.get("product"),
                r.values.get("market"),
                float(r.values["cap"]),
                r.values.get("scope") or "each",
                r.values.get("basis") or ("direct" if cap_of(r.values.get("of")) else "lookthrough"),
                cap_of(r.values.get("of")),
            ),
            r.values.get("period") if periods else None,
        )
        for r in valid(data.get("Caps"))
    )
    return Caps(listed).at(net, net.periods[0].year if periods else None)


def caps_of(net: Network) -> Caps:
    """The caps of ``net`` (read from the Caps sheet, derived for it: ``Caps.at``; none where it
    was not read from a workbook)."""
    part = net.parts.get(PART)
    return part if part is not None else Caps(())


def caps_in_words(net: Network, p: str, mk: str, t: int) -> str:
    """The caps on the supply of p in m in period t, in words with their cells (a crisis's
    explanation names them: ``scenarios.reconsider``)."""
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


# The products the look-through caps reach: where the concern-free mass balance (11) is needed


def lookthrough_capped(net: Network) -> set[str]:
    """Products with a ``lookthrough`` cap below 1: an `each` cap on one of their pools, or a
    `total` row of that basis."""
    return {p for p, _, _ in caps_of(net).lookthrough()}


def upstream_closure(net: Network, products: set[str]) -> set[str]:
    """``products`` and every product their sites consume, at every tier (through hubs too)."""
    sites_of: dict[str, list[str]] = defaultdict(list)
    for s in net.sites:
        sites_of[net.site_product[s]].append(s)
    out, todo = set(), list(products)
    while todo:
        p = todo.pop()
        if p in out:
            continue
        out.add(p)
        todo += [i for s in sites_of[p] for i, _ in net.inputs_of.get(s, ())]
    return out


def mass_balance_products(net: Network) -> set[str]:
    """L: the products whose flows need a concern-free part g in the model. The upstream closure
    of the look-through-capped products, but only if some site in it consumes an input: otherwise
    every look-through cap equals its direct form (a site outside K with no input counts all its
    output concern-free, so E = sum of the concern sites' flows) and no g is needed: the
    concern-free part adds only what it must."""
    closure = upstream_closure(net, lookthrough_capped(net))
    if any(net.inputs_of.get(s) for s in net.sites if net.site_product[s] in closure):
        return closure
    return set()


def mass_balance_products_over(ctx: Context) -> set[str]:
    """L over the horizon: the products with a mass balance in some period (caps may phase in)."""
    out: set[str] = set()
    for t in ctx.periods:
        out |= mass_balance_products(ctx.at(t))
    return out


def prepare_records(data: Mapping[str, SheetData]) -> None:
    """The Caps records as the model keys them, before the duplicate check: one key per cap, so
    ``concern`` is a blank ``of`` and a blank basis its default."""
    if data.get("Caps") is None:
        return
    for rec in data["Caps"].records:
        if "of" in rec.values:
            rec.values["of"] = cap_of(rec.values["of"])
        if "basis" in rec.values and rec.values["basis"] is None:
            rec.values["basis"] = "direct" if rec.values.get("of") else "lookthrough"


SHEET_ADDS = {
    "Sites": (
        Column(
            "concern",
            "bool",
            "Whether this site's output counts as concern supply, whatever its country: TRUE for a "
            "plant owned or controlled by an entity of concern in an allied country (the IRA's "
            "'foreign entity of concern': a Chinese-owned cathode plant in Hungary), FALSE for the "
            "rare reverse. Every concern share (direct and look-through), the concern-free "
            "accounting and the reserve outside concern follow the site.",
            required=False,
            blank_means="its country's concern",
        ),
    ),
}
"""The columns it adds to a sheet another family declares."""

TABLES = (
    Table(
        "Dependency",
        "one row per pool (product and market) and period, a row per cap on it, and one per `total` row",
        ("period", "scenario", "product", "market", "scope", "basis", "of"),
        (
            PERIOD,
            Col("product", "name", "the product (a stage of its chain)"),
            Col("market", "name", "the market (a `total` row: its markets)"),
            Col("supplied", "quantity", "everything of the product arriving there, for final use and as input"),
            Col(
                "concern_supplied",
                "quantity",
                "of it, concern supply on the row's basis (single-country cap: from that country)",
            ),
            Col("concern_share", "share", "concern_supplied / supplied"),
            Col("cap", "share", "the cap (1: none)"),
            Col("at_cap", "bool", "the share sits at the cap"),
            Col("binding", "bool", "at the cap, and loosening it would save money"),
            Col("marginal_cost_per_point", "money/point", "what one point less cap costs (over the horizon)"),
            Col("scope", "text", "each (one market) or total (summed over the row's markets)"),
            Col("caps_row", "row", "the Caps row that sets the cap (blank: Settings.dependency_cap)"),
            Col("basis", "text", "lookthrough (through every tier) or direct (the site that ships)"),
            Col("of", "name", "blank: concern supply; else the country a single-country cap measures"),
            Col("concern_share_direct", "share", "the pool's concern share counting the shipping site"),
            Col("concern_share_lookthrough", "share", "the pool's concern share through every tier"),
            Col("scenario", "name", "the crisis (blank: the normal year)", when="with scenarios and caps that hold"),
        ),
        place=30,
        units="product",
    ),
)
"""The result tables this family makes (their columns' units format the results workbook)."""
ADDS = {
    "Unmet": (Col("binding_cap", "text", "the caps that bind on the pool and hold its supply back, with their cells"),),
}
"""Columns this family adds to a table of a family before it."""

EQUATIONS = (
    Equation(
        "4, 14",
        (
            "`E[p,m,w] − cap_pm·Σ_s x[s,m,w] ≤ 0`, capped pool, in the normal year and, with "
            "`caps_in_scenarios: hold`, in every crisis; look-through: `E = Σ_s x[s,m,w] − Σ_{s∉K} g[s,m,w]`"
            " for `p ∈ L`, else `E = Σ_{s: c(s)∈K} x[s,m,w]` (stock drawn is no flow: in neither E nor the "
            "total)"
        ),
        ("dependency_each",),
        "Caps (`each`, `lookthrough`), Settings.`dependency_cap`, `caps_in_scenarios`",
    ),
    Equation(
        "4d",
        "the same on the direct basis, `E = Σ_{s∈Q} x[s,m]`, with `cap^d_pm`",
        ("dependency_each_direct",),
        "Caps (`each`, `direct`)",
    ),
    Equation(
        "4s",
        (
            "single-country cap, per stage (`of` a country `k`, or `any`: one row for every country `k ≠ m` "
            "shipping into the pool): `Σ_{s: c(s)=k} x[s,m,w] − cap_pmk·Σ_s x[s,m,w] ≤ 0`"
        ),
        ("dependency_single",),
        "Caps.`of`",
    ),
    Equation(
        "5",
        "the same summed over a `total` row's markets, one per matching product, on the row's basis",
        ("dependency_total",),
        "Caps (`total`)",
    ),
    Equation(
        "5s",
        "(4s) summed over a `total` row's markets (with `any`: every country `k` not one of them)",
        ("dependency_total_single",),
        "Caps (`total`, `of`)",
    ),
)
"""The constraints this family writes, as docs/formulation.md's table shows them (generated)."""

DIMENSIONS = {
    "DEPENDENCY_EACH": ("product", "market", "period", "scenario"),
    "DEPENDENCY_EACH_DIRECT": ("product", "market", "period", "scenario"),
    "DEPENDENCY_TOTAL": ("total_cap", "period", "scenario"),
    "DEPENDENCY_SINGLE": ("product", "market", "of", "country", "period", "scenario"),
    "DEPENDENCY_TOTAL_SINGLE": ("total_cap", "country", "period", "scenario"),
    "dependency_each": ("product", "market", "period", "scenario"),
    "dependency_each_direct": ("product", "market", "period", "scenario"),
    "dependency_total": ("total_cap", "period", "scenario"),
    "dependency_single": ("product", "market", "of", "country", "period", "scenario"),
    "dependency_total_single": ("total_cap", "country", "period", "scenario"),
}
BINDING_TOL = 1e-6
PRICED_TOL = 1e-6  # money per point: a cap whose marginal cost is below this saves nothing if loosened


def each_caps(net: Network, adj: Adjacency, basis: str = "lookthrough") -> list[tuple[str, str]]:
    """Pools (p, m) of N whose resolved cap of ``basis`` is < 1 and that can bind: concern sites
    reach the pool, or (look-through) p has a mass balance (``mass_balance_products``), so that
    concern content may come from upstream."""
    caps = caps_of(net).each if basis == "lookthrough" else caps_of(net).each_direct
    upstream = mass_balance_products(net) if basis == "lookthrough" else set()
    pools = set(net.pools)
    return [
        (p, mk)
        for (p, mk), cap in caps.items()
        if cap < 1
        and (p, mk) in pools
        and adj.arcs_to.get((p, mk))
        and (p in upstream or any(s in adj.concern_sites for s in adj.arcs_to[(p, mk)]))
    ]


def total_caps(net: Network, adj: Adjacency) -> list[int]:
    """Indices into ``caps_of(net).total`` (the ``total_cap`` position) that can bind."""
    upstream = mass_balance_products(net)
    return [
        i
        for i, tc in enumerate(caps_of(net).total)
        if tc.cap < 1
        and tc.of is None
        and (
            (
                tc.basis == "lookthrough"
                and tc.product in upstream
                and any(adj.arcs_to.get((tc.product, mk)) for mk in tc.markets)
            )
            or any(s in adj.concern_sites for mk in tc.markets for s in adj.arcs_to[(tc.product, mk)])
        )
    ]


def measured(of: str, country: str, markets: Any) -> bool:
    """Whether a single-country cap ``of`` measures supply from ``country`` into ``markets``: the
    country it names, or (``ANY``) every country that is not one of the markets."""
    return country == of if of != ANY else country not in markets


def single_caps(net: Network, adj: Adjacency) -> list[tuple[str, str, str, str]]:
    """(p, m, of, k) of every single-country `each` cap below 1 and country k it measures that
    ships p into m: of a country, that country; ``ANY``, every country k != m with a site shipping
    into the pool (one constraint (4) each)."""
    pools = set(net.pools)
    out = []
    for (p, mk, of), cap in caps_of(net).single.items():
        if cap >= 1 or (p, mk) not in pools:
            continue
        shippers = dict.fromkeys(net.site_country[s] for s in adj.arcs_to.get((p, mk), ()))
        out += [(p, mk, of, k) for k in shippers if measured(of, k, (mk,))]
    return out


def total_single_caps(net: Network, adj: Adjacency) -> list[tuple[int, str]]:
    """(index into ``caps_of(net).total``, k) of every single-country `total` row below 1 and country k
    it measures that ships the row's product into one of its markets (5)."""
    out = []
    for i, tc in enumerate(caps_of(net).total):
        if tc.of is None or tc.cap >= 1:
            continue
        shippers = dict.fromkeys(
            net.site_country[s] for mk in tc.markets for s in adj.arcs_to.get((tc.product, mk), ())
        )
        out += [(i, k) for k in shippers if measured(tc.of, k, tc.markets)]
    return out


def build(m: pyo.ConcreteModel, ctx: Context) -> None:
    """Constraints ``dependency_each`` (4, look-through basis), ``dependency_each_direct`` (4, direct
    basis) and ``dependency_total`` (5, each row on its basis), in every period t and every
    scenario w where the caps bind (``ctx.capped``: the normal year, and each crisis under
    ``caps_in_scenarios: hold``, formulation (14)). No variables, no costs.

    (4)  E[p,m,t,w] - cap_pm * sum_s x[s,m,t,w] <= 0                            for each capped pool
    (5)  sum_{m in row} [ E[p,m,t,w] - cap * sum_s x[s,m,t,w] ] <= 0   for each `total` row and product

    with the concern supply E: on the direct basis E = sum_{s: c(s) in K} x[s,m,t,w]; on the
    look-through basis E = sum_s x[s,m,t,w] - sum_{s not in K} g[s,m,t,w] for a product with a mass
    balance (``concern_free``), and the direct E for any other (its sites have no inputs, so the
    two agree). Sums run over the sites making p that ship in (t, w); x into a pool is everything
    of p arriving in m, for final use and as input. Stock drawn in a crisis is not a flow: it is
    in neither E nor the total.
    """
    upstream = mass_balance_products_over(ctx)
    g = dict(m.concern_free.items())
    x = dict(m.flow.items())
    cases = [(t, w) for t, w in ctx.cases if w in ctx.capped]

    def share_excess(p: str, mk: str, cap: float, t: int, w: str, basis: str = "lookthrough") -> object:
        adj = ctx.adj_at(t, w)
        if basis == "lookthrough" and p in upstream:
            flows = sum((1 - cap) * x[s, mk, t, w] for s in adj.arcs_to[(p, mk)])
            return flows - sum(g[s, mk, t, w] for s in adj.arcs_to[(p, mk)] if (s, mk, t, w) in g)
        concern = adj.concern_sites
        return sum(((1 - cap) if s in concern else -cap) * x[s, mk, t, w] for s in adj.arcs_to[(p, mk)])

    m.DEPENDENCY_EACH = pyo.Set(
        dimen=4,
        initialize=[(p, mk, t, w) for t, w in cases for p, mk in each_caps(ctx.at(t, w), ctx.adj_at(t, w))],
        ordered=True,
        doc="capped (product, market, period, scenario), look-through basis",
    )
    m.dependency_each = pyo.Constraint(
        m.DEPENDENCY_EACH,
        rule=lambda _m, p, mk, t, w: share_excess(p, mk, caps_of(ctx.at(t)).each[(p, mk)], t, w) <= 0,
        doc="(4) concern share of supply <= cap, each market (look-through)",
    )
    m.DEPENDENCY_EACH_DIRECT = pyo.Set(
        dimen=4,
        initialize=[(p, mk, t, w) for t, w in cases for p, mk in each_caps(ctx.at(t, w), ctx.adj_at(t, w), "direct")],
        ordered=True,
        doc="capped (product, market, period, scenario), direct basis",
    )
    m.dependency_each_direct = pyo.Constraint(
        m.DEPENDENCY_EACH_DIRECT,
        rule=lambda _m, p, mk, t, w: share_excess(p, mk, caps_of(ctx.at(t)).each_direct[(p, mk)], t, w, "direct") <= 0,
        doc="(4) concern share of supply <= cap, each market (direct: the shipping site's country)",
    )
    m.DEPENDENCY_TOTAL = pyo.Set(
        dimen=3,
        initialize=[(i, t, w) for t, w in cases for i in total_caps(ctx.at(t, w), ctx.adj_at(t, w))],
        ordered=True,
        doc="(index into the total caps, period, scenario) that can bind",
    )

    def total_rule(_m: pyo.ConcreteModel, i: int, t: int, w: str) -> object:
        tc = caps_of(ctx.at(t, w)).total[i]
        return sum(share_excess(tc.product, mk, tc.cap, t, w, tc.basis) for mk in tc.markets) <= 0

    m.dependency_total = pyo.Constraint(
        m.DEPENDENCY_TOTAL, rule=total_rule, doc="(5) concern share <= cap, summed over markets"
    )

    def country_excess(p: str, mk: str, k: str, cap: float, t: int, w: str) -> object:
        adj = ctx.adj_at(t, w)
        return sum(((1 - cap) if net.site_country[s] == k else -cap) * x[s, mk, t, w] for s in adj.arcs_to[(p, mk)])

    net = ctx.net
    m.DEPENDENCY_SINGLE = pyo.Set(
        dimen=6,
        initialize=[(*key, t, w) for t, w in cases for key in single_caps(ctx.at(t, w), ctx.adj_at(t, w))],
        ordered=True,
        doc="single-country caps: (product, market, of, country measured, period, scenario)",
    )
    m.dependency_single = pyo.Constraint(
        m.DEPENDENCY_SINGLE,
        rule=lambda _m, p, mk, of, k, t, w: country_excess(p, mk, k, caps_of(ctx.at(t)).single[(p, mk, of)], t, w) <= 0,
        doc="(4) one country's share of supply <= cap, each market (direct)",
    )
    m.DEPENDENCY_TOTAL_SINGLE = pyo.Set(
        dimen=4,
        initialize=[(i, k, t, w) for t, w in cases for i, k in total_single_caps(ctx.at(t, w), ctx.adj_at(t, w))],
        ordered=True,
        doc="single-country `total` rows: (index into the total caps, country measured, period, scenario)",
    )

    def total_single_rule(_m: pyo.ConcreteModel, i: int, k: str, t: int, w: str) -> object:
        tc = caps_of(ctx.at(t, w)).total[i]
        return sum(country_excess(tc.product, mk, k, tc.cap, t, w) for mk in tc.markets) <= 0

    m.dependency_total_single = pyo.Constraint(
        m.DEPENDENCY_TOTAL_SINGLE, rule=total_single_rule, doc="(5) one country's share <= cap, summed over markets"
    )


DEPENDENCY_COLUMNS = column_names(TABLES, "Dependency", "scenario")


def tables(m: pyo.ConcreteModel, ctx: Context, solved: Any, out: Extraction) -> None:
    """Dependency: per pool (`each`, a row on the look-through basis, and one on the direct basis
    where a `direct` row caps it) and `total` row: supply, concern supply and share on the row's
    basis, both shares, whether the cap binds and its marginal cost per point; and the extra
    figure ``default_cap_marginal_per_point``. The look-through concern supply is
    sum x - sum g with g the allocation of ``concern_free`` (``out.extra["concern_free"]``).

    The normal year has a row for every pool. Where the caps hold in crises
    (``caps_in_scenarios: hold`` with scenarios), a ``scenario`` column is added (blank for the
    normal year) and each crisis has a row for every cap below 1 on a pool it still supplies."""
    net = ctx.net
    allocations = out.extra.get("concern_free", {})
    crises = len(ctx.capped) > 1
    flows = by_case(m.flow)
    prob = net.probability
    single_rows: dict[tuple[Any, ...], list[tuple[Any, ...]]] = defaultdict(list)  # a cap's rows, one per country
    for p, mk, of, k, t, w in m.DEPENDENCY_SINGLE:
        single_rows[(p, mk, of, t, w)].append((p, mk, of, k, t, w))
    total_rows: dict[tuple[Any, ...], list[tuple[Any, ...]]] = defaultdict(list)
    for i, k, t, w in m.DEPENDENCY_TOTAL_SINGLE:
        total_rows[(i, t, w)].append((i, k, t, w))
    rows = []
    for t in ctx.periods:
        view = ctx.at(t)
        for w in ctx.capped:
            supplied, direct, lookthrough = _supply(net, flows.get((t, w), {}), allocations.get((t, w)))
            sums = (supplied, direct, lookthrough, _supply_by_country(net, flows.get((t, w), {})))

            # A stress test (probability 0) is outside the objective: its rows' duals in the polish
            # price its own cost, which the objective does not count, so its caps cost nothing there.
            priced = prob[w] > 0

            def add(row: dict[str, Any], w: str = w, t: int = t) -> None:
                rows.append(with_period({**row, "scenario": w} if crises else row, t))

            pools = ctx.at(t, w).pools
            for p, mk in pools:
                k = (p, mk)
                shares = _shares(supplied[k], direct[k], lookthrough.get(k, 0.0))
                cap = caps_of(view).each.get(k, 1.0)
                if w == NORMAL or cap < 1:
                    key = (p, mk, t, w)
                    constraint = m.dependency_each[key] if key in m.DEPENDENCY_EACH and priced else None
                    row = _row(
                        p,
                        mk,
                        "each",
                        supplied[k],
                        lookthrough.get(k, 0.0),
                        cap,
                        constraint,
                        solved,
                        cap_row(view, p, mk, "lookthrough"),
                    )
                    add({**row, "basis": "lookthrough", "of": "", **shares})
                if k in caps_of(view).each_direct and (w == NORMAL or caps_of(view).each_direct[k] < 1):
                    key = (p, mk, t, w)
                    constraint = m.dependency_each_direct[key] if key in m.DEPENDENCY_EACH_DIRECT and priced else None
                    cap = caps_of(view).each_direct[k]
                    row = _row(
                        p, mk, "each", supplied[k], direct[k], cap, constraint, solved, cap_row(view, p, mk, "direct")
                    )
                    add({**row, "basis": "direct", "of": "", **shares})
            for (p, mk, of), cap in caps_of(view).single.items():
                if (p, mk) in pools:
                    found = [m.dependency_single[i] for i in single_rows.get((p, mk, of, t, w), ())] if priced else []
                    add(_single_row(p, mk, "each", of, cap, found, solved, single_cap_row(view, p, mk, of), sums))
            for i, tc in enumerate(caps_of(view).total):
                if w != NORMAL and tc.cap >= 1:
                    continue
                keys = [(tc.product, mk) for mk in tc.markets]
                label = ", ".join(tc.markets)
                if tc.of is not None:
                    found = [m.dependency_total_single[j] for j in total_rows.get((i, t, w), ())] if priced else []
                    add(_single_row(tc.product, label, "total", tc.of, tc.cap, found, solved, tc.row, sums, keys))
                    continue
                sup, con_direct, con_look = (sum(d.get(k, 0.0) for k in keys) for d in (supplied, direct, lookthrough))
                constraint = m.dependency_total[i, t, w] if (i, t, w) in m.DEPENDENCY_TOTAL and priced else None
                con = con_look if tc.basis == "lookthrough" else con_direct
                row = _row(tc.product, label, "total", sup, con, tc.cap, constraint, solved, tc.row)
                add({**row, "basis": tc.basis, "of": "", **_shares(sup, con_direct, con_look)})
    columns = [*DEPENDENCY_COLUMNS, "scenario"] if crises else DEPENDENCY_COLUMNS
    table = pd.DataFrame(rows, columns=period_columns(columns))
    out.tables["Dependency"] = table
    normal_rows = table[table["scenario"] == NORMAL] if crises else table
    # the default cap holds in every period (and, where caps hold, every crisis): one point less costs the sum
    out.extra["default_cap_marginal_per_point"] = sum(
        default_cap_marginal(ctx.at(t), _rows_of_period(table, t)) for t in ctx.periods
    )
    unmet = out.tables.get("Unmet")
    if unmet is not None:
        period = unmet["period"].tolist()
        unmet["binding_cap"] = [
            _binding_cap(ctx.at(t), _rows_of_period(normal_rows, t), p, mk)
            for p, mk, t in zip(unmet["product"], unmet["market"], period, strict=True)
        ]


def normal_year(dependency: pd.DataFrame) -> pd.DataFrame:
    """The normal year's rows of a Dependency table: all of them where it lists no crisis (no
    ``scenario`` column), else those with a blank scenario (blank or NaN once read from Excel)."""
    if "scenario" not in dependency.columns:
        return dependency
    w = dependency["scenario"]
    return dependency[w.isna() | (w.astype(str) == "")]


def concern_caps(dependency: pd.DataFrame) -> pd.DataFrame:
    """The normal year's rows on concern supply (``of`` blank): what charts of the concern share
    read. A single-country cap's row (``of`` a country) measures one country's share instead."""
    rows = normal_year(dependency)
    if "of" not in rows.columns:
        return rows
    of = rows["of"]
    return rows[of.isna() | (of.astype(str) == "")]


def _rows_of_period(table: pd.DataFrame, t: int) -> pd.DataFrame:
    """The rows of period t."""
    return table[table["period"] == t]


def _supply(
    net: Network, flow: dict[tuple[Any, ...], float], alloc: Any
) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], float], dict[tuple[str, str], float]]:
    """Per pool (p, m) of one period and scenario: everything supplied, the concern supply on the
    direct basis, and on the look-through basis (sum x - sum g, g from the allocation ``alloc``;
    without one, g = x outside K)."""
    supplied: dict[tuple[str, str], float] = defaultdict(float)
    direct: dict[tuple[str, str], float] = defaultdict(float)
    free: dict[tuple[str, str], float] = defaultdict(float)
    for (s, mk), q in flow.items():
        if q <= 1e-9:
            continue
        key = (net.site_product[s], mk)
        supplied[key] += q
        if s in net.concern_sites:
            direct[key] += q
        free[key] += alloc.g.get((s, mk), 0.0) if alloc is not None else (q if s not in net.concern_sites else 0.0)
    lookthrough = {k: max(v - free[k], 0.0) for k, v in supplied.items()}
    return supplied, direct, lookthrough


def _supply_by_country(net: Network, flow: dict[tuple[Any, ...], float]) -> dict[tuple[str, str], dict[str, float]]:
    """Per pool (p, m) of one period and scenario: what each country ships into it."""
    out: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for (s, mk), q in flow.items():
        if q > 1e-9:
            out[(net.site_product[s], mk)][net.site_country[s]] += q
    return out


def _single_row(
    product: str,
    market: str,
    scope: str,
    of: str,
    cap: float,
    constraints: list[Any],
    solved: Any,
    caps_row: int | None,
    sums: tuple[Any, Any, Any, Any],
    keys: list[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """The Dependency row of a single-country cap on the pools ``keys`` (default: the one pool
    (product, market)): supply, the supply from the country it names or (``any``) the country it
    finds highest, named in ``of``, and the marginal cost of all its rows (``constraints``) moving
    together. ``sums`` are the case's supplied, direct, look-through and by-country supplies."""
    supplied, direct, lookthrough, by_country = sums
    keys = keys or [(product, market)]
    shipped: dict[str, float] = defaultdict(float)
    for key in keys:
        for c, q in by_country.get(key, {}).items():
            shipped[c] += q
    k, con = _highest(shipped, of, [mk for _, mk in keys])
    sup, con_direct, con_look = (sum(d.get(key, 0.0) for key in keys) for d in (supplied, direct, lookthrough))
    row = _row(product, market, scope, sup, con, cap, constraints or None, solved, caps_row)
    return {**row, "basis": "direct", "of": k, **_shares(sup, con_direct, con_look)}


def _highest(by_country: dict[str, float], of: str, markets: Any) -> tuple[str, float]:
    """The country a single-country cap ``of`` finds highest among those it measures, and its
    supply: the country named (whatever it ships), or, for ``ANY``, the largest shipper that is not
    one of ``markets`` (``any`` itself and 0 where none ships)."""
    if of != ANY:
        return of, by_country.get(of, 0.0)
    found = [(q, c) for c, q in by_country.items() if measured(of, c, markets) and q > 0]
    if not found:
        return ANY, 0.0
    q, c = max(found, key=lambda x: x[0])
    return c, q


def single_cap_row(net: Network, p: str, mk: str, of: str) -> int | None:
    """The sheet row of the Caps row that sets the single-country `each` cap (p, mk, of): the most
    specific matching row among those with the same ``of`` (in a concern market only rows that
    name it)."""
    rows = [r for r in caps_of(net).rows if r.scope == "each" and r.of == of]
    if mk in net.concern:
        rows = [r for r in rows if r.market is not None]
    row = most_specific(rows, p, mk, lambda r: r.product, lambda r: r.market)
    return None if row is None else row.row


def _binding_cap(net: Network, dependency: pd.DataFrame, p: str, mk: str) -> str:
    """Why an unmet final demand may be left unserved though capacity is on offer: the `each` caps
    on its pool that bind (basis, cap and the cell that sets it), "" if none does. A look-through
    cap binds when concern-free supply, at every tier upstream, runs short."""
    rows = dependency[(dependency["product"] == p) & (dependency["market"] == mk) & dependency["binding"]]
    letter = net.columns.get("Caps", {}).get("cap", "")
    return "; ".join(
        f"{r.basis} cap {r.cap:g} ({cap_cell(net, p, mk, r.basis)})"
        if not r.of
        else f"cap {r.cap:g} on the share from {r.of} (Caps!{letter}{r.caps_row})"
        for r in rows.itertuples()
    )


def cap_row(net: Network, p: str, mk: str, basis: str) -> int | None:
    """The sheet row of the Caps row that sets the `each` cap of (p, mk) on ``basis`` (the most
    specific matching row in force, as ``resolve_each_caps`` picks it; in a concern market only
    rows that name it), None where no row matches (the default applies)."""
    each = [r for r in caps_of(net).rows if r.scope == "each" and r.basis == basis]
    if mk in net.concern:
        each = [r for r in each if r.market is not None]
    row = most_specific(each, p, mk, lambda r: r.product, lambda r: r.market)
    return None if row is None else row.row


def cap_cell(net: Network, p: str, mk: str, basis: str) -> str:
    """The cell that sets the `each` cap of (p, mk) on ``basis``: the winning Caps row's ``cap``
    cell, else where the look-through default ``dependency_cap`` comes from (``Network.setting_cell``:
    its Settings cell, or the command line's ``--cap``, a sweep's point)."""
    row = cap_row(net, p, mk, basis)
    if row is not None:
        return f"Caps!{net.columns.get('Caps', {}).get('cap', '')}{row}"
    return net.setting_cell("dependency_cap")


def _shares(supplied: float, direct: float, lookthrough: float) -> dict[str, float]:
    """The concern share of a pool on both bases (0 where nothing is supplied)."""
    if supplied <= 0:
        return {"concern_share_direct": 0.0, "concern_share_lookthrough": 0.0}
    return {"concern_share_direct": direct / supplied, "concern_share_lookthrough": lookthrough / supplied}


def default_cap_pairs(net: Network) -> set[tuple[str, str]]:
    """The pools (product, market) whose look-through `each` cap is ``Settings.dependency_cap``:
    no Caps row of scope `each` and basis `lookthrough` matches them, and the market is not a
    concern country (the default does not cap those, contract v2)."""
    each_rows = [r for r in caps_of(net).rows if r.scope == "each" and r.basis == "lookthrough"]
    return {
        (p, mk)
        for (p, mk) in net.pools
        if mk not in net.concern and not any((r.product in (None, p)) and (r.market in (None, mk)) for r in each_rows)
    }


def default_cap_marginal(net: Network, dependency: pd.DataFrame) -> float:
    """Cost of one point less ``Settings.dependency_cap``: the sum of the marginal costs of the
    look-through `each` caps that take the default (``default_cap_pairs``)."""
    uses_default = default_cap_pairs(net)
    each = dependency[
        (dependency["scope"] == "each") & (dependency["basis"] == "lookthrough") & (dependency["of"] == "")
    ]
    return float(sum(r.marginal_cost_per_point for r in each.itertuples() if (r.product, r.market) in uses_default))


def _row(
    p: str,
    mk: str,
    scope: str,
    sup: float,
    con: float,
    cap: float,
    constraint: Any,
    solved: Any,
    caps_row: int | None = None,
) -> dict[str, Any]:
    """One Dependency row; the marginal cost is the cost of one percentage point less cap.

    ``at_cap``: the concern share sits at the cap (share >= cap - BINDING_TOL, cap < 1).
    ``binding``: at the cap and loosening it would save money (marginal cost > PRICED_TOL), or the
    marginal cost is unknown. A cap at its limit with marginal cost 0 is at_cap but not binding:
    another constraint holds the share there (the console says the same).

    With g = E - cap sum x <= 0 (E the concern supply on the row's basis) and HiGHS's row dual
    y = d(cost)/d(rhs) (<= 0 when it binds), the envelope theorem gives d(cost)/d(cap) = y * sum x,
    so one point (0.01) less cap costs -0.01 * y * supplied. A single-country `any` cap is one row
    per country it measures, all moving with the cap: ``constraint`` is then the list of them and
    one point costs -0.01 * (sum of their duals) * supplied.
    """
    share = con / sup if sup > 0 else 0.0
    if constraint is None:  # no constraint generated (cap 1, or no concern site can reach): costs nothing
        marginal: float | None = 0.0
    else:  # from the LP polish; None (a blank cell) if that LP could not be solved
        duals = [solved.duals.get(c) for c in (constraint if isinstance(constraint, list) else [constraint])]
        marginal = None if any(d is None for d in duals) else max(-0.01 * sum(duals) * sup, 0.0)
    priced = marginal is not None and marginal > PRICED_TOL
    at_cap = (cap < 1 and sup > 0 and share >= cap - BINDING_TOL) or priced  # a priced cap is at its limit
    binding = at_cap and (priced or marginal is None)  # unknown marginal: cannot say it is not binding
    return {
        "product": p,
        "market": mk,
        "supplied": sup,
        "concern_supplied": con,
        "concern_share": share,
        "cap": cap,
        "at_cap": bool(at_cap),
        "binding": bool(binding),
        "marginal_cost_per_point": marginal,
        "scope": scope,
        "caps_row": caps_row,
    }


def check(res: Any, net: Network) -> list[str]:
    """Concern share <= cap on each cap's basis, each pool and every `total` row, in the normal
    year and, under ``caps_in_scenarios: hold``, in every crisis: the direct share from the flows
    (Flows; a crisis's rows of ScenarioFlows), the look-through share from the ConcernFree table
    (flow minus its concern-free part; without one, the two bases agree). Stock drawn is no flow
    and is not counted."""
    free_parts = res.tables.get("ConcernFree")
    scenarios = [NORMAL, *net.scenarios] if net.caps_hold_in_scenarios else [NORMAL]
    crisis_flows = res.tables.get("ScenarioFlows")
    out = []
    for w in scenarios:
        if w == NORMAL:
            flows = res["Flows"]
        elif crisis_flows is None:
            continue
        else:
            flows = crisis_flows[crisis_flows["scenario"] == w]
        free = free_parts
        if free is not None and "scenario" in free.columns:
            free = free[free["scenario"] == w]
        where = f"{w}: " if w else ""
        out += [f"{where}{problem}" for problem in _check_case(flows, free, net)]
    return out


def _check_case(flows: pd.DataFrame, free_parts: pd.DataFrame | None, net: Network) -> list[str]:
    """The cap invariants of one scenario's flows and concern-free parts (see ``check``)."""
    sup: dict[tuple[str, str], float] = defaultdict(float)
    con: dict[tuple[str, str], float] = defaultdict(float)
    shipped: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for product, market, site, origin, q in rows_of(flows, "product", "market", "site", "origin", "quantity"):
        sup[(product, market)] += q
        shipped[(product, market)][origin] += q
        if site in net.concern_sites:
            con[(product, market)] += q
    look = dict(con)
    if free_parts is not None:
        look = defaultdict(float)
        for product, market, q, free in rows_of(free_parts, "product", "market", "flow", "concern_free"):
            look[(product, market)] += q - free
    out = []
    for basis, caps, concern in (("lookthrough", caps_of(net).each, look), ("direct", caps_of(net).each_direct, con)):
        for (p, mk), cap in caps.items():
            s, c = sup.get((p, mk), 0.0), concern.get((p, mk), 0.0)
            if c > cap * s + TOL * max(1.0, s):
                out.append(f"{p} in {mk}: concern share {c / s:.4f} ({basis}) exceeds cap {cap:g}")
    for (p, mk, of), cap in caps_of(net).single.items():
        s = sup.get((p, mk), 0.0)
        for k, q in shipped.get((p, mk), {}).items():
            if measured(of, k, (mk,)) and q > cap * s + TOL * max(1.0, s):
                out.append(f"{p} in {mk}: the share from {k} {q / s:.4f} exceeds its single-country cap {cap:g}")
    for tc in caps_of(net).total:
        if tc.of is not None:
            s = sum(sup.get((tc.product, mk), 0.0) for mk in tc.markets)
            summed: dict[str, float] = defaultdict(float)
            for mk in tc.markets:
                for k, q in shipped.get((tc.product, mk), {}).items():
                    summed[k] += q
            for k, q in summed.items():
                if measured(tc.of, k, tc.markets) and q > tc.cap * s + TOL * max(1.0, s):
                    out.append(
                        f"{tc.product}, total over {', '.join(tc.markets)}: the share from {k} {q / s:.4f} "
                        f"exceeds its single-country cap {tc.cap:g}"
                    )
            continue
        concern = look if tc.basis == "lookthrough" else con
        s = sum(sup.get((tc.product, mk), 0.0) for mk in tc.markets)
        c = sum(concern.get((tc.product, mk), 0.0) for mk in tc.markets)
        if c > tc.cap * s + TOL * max(1.0, s):
            out.append(
                f"{tc.product}, total over {', '.join(tc.markets)}: concern share {c / s:.4f} ({tc.basis}) "
                f"exceeds cap {tc.cap:g}"
            )
    return out


def as_written(tables: dict[str, pd.DataFrame]) -> None:
    """The Dependency sheet as the results workbook lays it out: the normal year's rows grouped by
    product (each product's chart reads one block of cells, ``dependency_charts``), then the
    crises'."""
    dep = tables.get("Dependency")
    if dep is not None and "product" in dep.columns:
        normal = concern_caps(dep)
        tables["Dependency"] = pd.concat([group_rows(normal, "product"), dep.drop(normal.index)], ignore_index=True)


def charts(book: Book, sheets: dict[str, Worksheet], tables: dict[str, pd.DataFrame]) -> None:
    """The Dependency sheet's charts (``dependency_charts``), from its first rows: the normal
    year's, as ``as_written`` lays them out."""
    dep = tables.get("Dependency")
    if dep is not None and len(dep) and "Dependency" in sheets:
        dependency_charts(book, sheets["Dependency"], concern_caps(dep))


CHART_LABEL = "chart label"
"""The header of the Dependency sheet's column beside the table that names each bar of its charts."""


def bar_labels(dep: pd.DataFrame) -> list[str]:
    """A Dependency chart's label of each row: its market, with its period (``EU, 2030``), and its
    basis where the same market and period has a row on each (``EU, 2030, direct``)."""
    has_period = "period" in dep.columns
    keys = list(zip(dep["product"], dep["market"], dep["period"] if has_period else [None] * len(dep), strict=True))
    count: dict[tuple[Any, ...], int] = {}
    for k in keys:
        count[k] = count.get(k, 0) + 1
    basis = dep["basis"].tolist() if "basis" in dep.columns else [""] * len(dep)
    out = []
    for k, b in zip(keys, basis, strict=True):
        text = str(k[1]) + (f", {k[2]}" if has_period else "")
        out.append(text + (f", {b}" if count[k] > 1 and b else ""))
    return out


def dependency_charts(book: Book, ws: Worksheet, dep: pd.DataFrame) -> None:
    """One horizontal bar chart per product (concern share and cap per market and period), each as
    tall as its bars need, stacked beside the table: readable with six markets or sixty, five
    products or fifty, one period or ten. Each chart reads the product's own rows (``group_rows``
    makes them contiguous); each bar is named in a column beside the table (``bar_labels``: the
    market and the period, and the basis where a market has a cap on each)."""
    cols = list(dep.columns)
    share, cap = cols.index("concern_share"), cols.index("cap")
    name = ws.get_name()
    label = len(cols) + 1
    header = book.format(bold=True, fill=HEADER_FILL)
    ws.write_string(0, label, CHART_LABEL, header)
    labels = bar_labels(dep)
    for i, text in enumerate(labels):
        ws.write_string(i + 1, label, text)
    ws.set_column(label, label, max([len(CHART_LABEL), *map(len, labels)]) + 2)
    each = "market and period" if "period" in dep.columns else "market"
    row = 1
    for product, first, last in runs(dep["product"].tolist()):
        n = last - first + 1
        chart = book.wb.add_chart({"type": "bar"})
        for j, color in ((share, CONCERN_COLOR), (cap, "#c9c9c9")):  # concern red, as in the HTML report
            chart.add_series(
                {
                    "name": f"='{name}'!{xl_rowcol_to_cell(0, j, True, True)}",
                    "categories": f"='{name}'!{xl_rowcol_to_cell(first + 1, label, True, True)}:"
                    f"{xl_rowcol_to_cell(last + 1, label, True, True)}",
                    "values": f"='{name}'!{xl_rowcol_to_cell(first + 1, j, True, True)}:"
                    f"{xl_rowcol_to_cell(last + 1, j, True, True)}",
                    "fill": {"color": color},
                    "gap": 60,
                }
            )
        chart.set_title(
            {"name": f"{product}: concern share of supply against its cap, by {each}", "name_font": {"size": 11}}
        )
        chart.set_x_axis({"num_format": "0%", "min": 0, "max": 1, "major_gridlines": {"visible": True}})
        chart.set_y_axis({"reverse": True})  # bars top to bottom, in the table's order
        chart.set_legend({"position": "bottom"})
        height = 3.2 + 2 * BAR_CM * n
        chart.set_size({"width": 16 * CM, "height": height * CM})
        ws.insert_chart(row, label + 2, chart)
        row += rows_for(height)


def group_rows(df: pd.DataFrame, column: str) -> pd.DataFrame:
    """The rows of each value of ``column`` together, values in order of first appearance (a
    product's chart then reads one block of cells)."""
    first = {v: i for i, v in reversed(list(enumerate(df[column])))}
    order = sorted(range(len(df)), key=lambda i: (first[df[column].iloc[i]], i))
    return df.iloc[order].reset_index(drop=True)


def console(line: Line, net: Network, tables: dict[str, pd.DataFrame]) -> None:
    """The normal year's capped shares on the console (with periods, in the last period): each
    against its cap, whether it binds and at what price per point."""
    dep = tables["Dependency"]
    if "period" in dep.columns:
        dep = dep[dep["period"] == net.periods[-1].year]
    if "scenario" in dep.columns:  # the normal year here; each crisis's caps under its scenario
        dep = dep[dep["scenario"] == ""]
    capped = dep[dep["cap"] < 1]
    if not len(capped):
        return
    cur = net.settings.currency
    line("Concern share of supply against cap:")
    labels = [
        r.market if r.scope == "each" else f"total over {len(str(r.market).split(', '))} markets"
        for r in capped.itertuples()
    ]
    wp = max(len(str(p)) for p in capped["product"])
    wm = max(len(m) for m in labels)
    for r, market in zip(capped.itertuples(), labels):
        tag = binding_tag(r.at_cap, r.binding, r.marginal_cost_per_point, cur)
        both = (  # with tiers: each capped product's direct and look-through share
            f"  (direct {r.concern_share_direct:.1%}, look-through {r.concern_share_lookthrough:.1%}; cap {r.basis})"
            if net.input_rate
            else ""
        )
        of = getattr(r, "of", "")
        whose = f"  (share from {of}: a single-country cap)" if isinstance(of, str) and of else ""
        line(f"  {r.product:<{wp}}  {market:<{wm}}  {r.concern_share:6.1%} / {r.cap:6.1%}{tag}{both}{whose}")


def binding_tag(at_cap: bool, binding: bool, price: float | None, currency: str) -> str:
    """How a cap reads, from the Dependency sheet's own ``at_cap`` and ``binding``: binding, with
    its price per point; at the cap but not binding (marginal cost 0: another constraint holds the
    share there, so loosening the cap saves nothing); at the cap with an unknown price; or nothing
    when the share is below the cap."""
    if not at_cap:
        return ""
    if price is None or price != price:
        return "  at the cap, marginal cost unknown"
    if not binding:
        return "  at the cap, not binding: loosening it saves nothing (another constraint holds the share)"
    shown = money(price) if abs(price) >= 0.005 else f"{price:.2g}"
    return f"  binding, {shown} {currency} per point"


def compare(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame], pk: list[str]) -> dict[str, pd.DataFrame]:
    """The normal year's caps on concern supply of two runs side by side, per pool the row that
    carries its cap (``cap_rows``), with the basis as a compared column: a cap moved from one
    basis to the other is a change of basis, not of the cap. A crisis's caps, and single-country
    caps (whose ``of`` is the country each run found highest), are not compared. A share that
    moved while supplying that market cost the same in both runs (the Flows sheets) is
    ``equally_cheap``: two equally cheap routings, a tie."""
    da, db = cap_rows(concern_caps(a["Dependency"])), cap_rows(concern_caps(b["Dependency"]))
    dkeys = [*pk, "product", "market", *(["scope"] if "scope" in da and "scope" in db else [])]
    # the basis of the cap and the shares on either basis, where both runs give them
    extra = [c for c in ("basis", "concern_share_direct", "concern_share_lookthrough") if c in da and c in db]
    dcols = ["concern_share", "cap", *extra, "binding", "marginal_cost_per_point"]
    dep = da[[*dkeys, *dcols]].merge(db[[*dkeys, *dcols]], on=dkeys, how="outer", suffixes=("_A", "_B"))
    cost_a, cost_b = supply_costs(a.get("Flows")), supply_costs(b.get("Flows"))
    dep["equally_cheap"] = [
        differs(r.concern_share_A, r.concern_share_B) and same_supply_cost(r.product, r.market, cost_a, cost_b)
        for r in dep.itertuples()
    ]
    return {"Dependency": dep}


def changes(compared: dict[str, pd.DataFrame]) -> list[Change]:
    """Concern shares and caps that moved, in words: a cap moved to the other basis (with the
    shares on both); a share that moved against its cap; a cap that moved with the share unchanged
    (kind "cap"); a share moved by an equally cheap routing (kind "tie")."""
    dep = compared.get("Dependency")
    out: list[Change] = []
    for r in dep.itertuples() if dep is not None else ():
        where = f"{r.product} in {r.market}"
        period = getattr(r, "period", None)
        basis_a, basis_b = getattr(r, "basis_A", None), getattr(r, "basis_B", None)
        rebased = "basis_A" in dep.columns and differs(basis_a, basis_b) and not (pd.isna(basis_a) or pd.isna(basis_b))
        if rebased:
            shares = ""
            if "concern_share_direct_A" in dep.columns:
                shares = (
                    f"; concern share direct {pct(r.concern_share_direct_A)} -> {pct(r.concern_share_direct_B)}, "
                    f"look-through {pct(r.concern_share_lookthrough_A)} -> {pct(r.concern_share_lookthrough_B)}"
                )
            cap = f"cap {pct(r.cap_A, 0)}" + (f" -> {pct(r.cap_B, 0)}" if differs(r.cap_A, r.cap_B) else "")
            out.append(Change(f"{where}: {cap} on the {basis_b} basis (was {basis_a}){shares}", period))
            continue
        if not (differs(r.concern_share_A, r.concern_share_B) or differs(r.cap_A, r.cap_B)):
            continue
        if _one_side_uncapped_and_clean(r):
            continue
        if not differs(r.concern_share_A, r.concern_share_B):
            text = f"cap {pct(r.cap_A, 0)} -> {pct(r.cap_B, 0)}, concern share unchanged: {where}"
            out.append(Change(text, period, "cap"))
            continue
        if r.equally_cheap and not differs(r.cap_A, r.cap_B):
            out.append(Change(where, period, "tie"))
            continue
        out.append(
            Change(
                f"{where}: concern share {pct(r.concern_share_A)} (cap {pct(r.cap_A, 0)}) -> "
                f"{pct(r.concern_share_B)} (cap {pct(r.cap_B, 0)})",
                period,
            )
        )
    return out


def cap_rows(dep: pd.DataFrame) -> pd.DataFrame:
    """The Dependency row of each pool (period, product, market, scope) that carries its cap: a
    pool capped on the basis other than the default has a row per basis (the default's with cap
    1, the capped one's with its cap); the lowest cap is kept (the first row on a tie)."""
    keys = [c for c in ("period", "product", "market", "scope") if c in dep.columns]
    if "basis" not in dep.columns or not dep.duplicated(keys).any():
        return dep
    order = dep.assign(_row=range(len(dep))).sort_values(["cap", "_row"], kind="stable")
    return order.drop_duplicates(keys).sort_values("_row").drop(columns="_row").reset_index(drop=True)


def _one_side_uncapped_and_clean(r: Any) -> bool:
    """A pool in one run only, with no concern supply and no cap there: nothing to report."""
    for x, y in (("A", "B"), ("B", "A")):
        if pd.isna(getattr(r, f"concern_share_{x}")) and not pd.isna(getattr(r, f"concern_share_{y}")):
            return getattr(r, f"concern_share_{y}") <= TOL and getattr(r, f"cap_{y}") >= 1 - TOL
    return False


# The HTML report

SECTION_PLACE = 30
"""Where its section stands in the HTML report: after what is built, before the crises."""


def html(tables: Mapping[str, pd.DataFrame], facts: kit.Facts) -> list[Section]:
    """Its section of the HTML report (``dependency_section``), when there is a Dependency table."""
    text = dependency_section(tables, facts)
    return [Section(SECTION_PLACE, text)] if text else []


def glance(tables: Mapping[str, pd.DataFrame], facts: kit.Facts) -> list[Glance]:
    """Its line of the headline, linking to its section: how many shares are capped below 100% in
    the normal year, how many of those caps bind and how many shares are over their cap."""
    dep = tables.get("Dependency")
    if dep is None or not len(dep) or "cap" not in dep.columns:
        return []
    capped = normal_year(dep)
    capped = capped[capped["cap"] < 1 - kit.EPS]
    if not len(capped):
        return []
    binding = capped[capped["binding"].fillna(False).astype(bool)] if "binding" in capped.columns else capped[:0]
    over = capped[capped["concern_share"] > capped["cap"] + 1e-6]
    text = f"{len(capped)} capped share{'s' if len(capped) != 1 else ''}, {len(binding)} binding"
    if len(over):
        text += f", {len(over)} over the cap"
    line = f'<li><a href="#dependency">How dependent, stage by stage</a>: {escape(text)}</li>'
    return [Glance(SECTION_PLACE, line=line)]


def _whose_label(of: object) -> str:
    """Whose share a row measures, in words: concern supply (``of`` blank) or one country's."""
    return f"single country: {of}" if isinstance(of, str) and of else "concern countries"


def dependency_rows(tables: Mapping[str, pd.DataFrame], facts: kit.Facts) -> list[dict[str, Any]]:
    """The capped shares of the normal year, one entry per (stage, market, whose share, basis)
    capped below 100% in some period, in chain and tier order, each with a ``periods`` map: period
    -> its row on that basis, or where the period has none (no cap on that basis then), another
    row of the same pool (every row carries both the direct and the look-through share) with its
    cap left out (``cap`` 1)."""
    dep = tables.get("Dependency")
    if dep is None or not len(dep) or "cap" not in dep.columns:
        return []
    rows = normal_year(dep)
    of = rows["of"] if "of" in rows.columns else pd.Series([None] * len(rows), index=rows.index)
    basis = rows["basis"] if "basis" in rows.columns else pd.Series(["lookthrough"] * len(rows), index=rows.index)
    rows = rows.assign(
        _of=[x if isinstance(x, str) and x else "" for x in of],
        _basis=[x if isinstance(x, str) and x else "lookthrough" for x in basis],
    )
    has_period = "period" in rows.columns
    pools: dict[tuple[str, str, str], dict[Any, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    capped: dict[tuple[str, str, str, str], None] = {}
    for r in rows.to_dict("records"):
        pool = (str(r["product"]), str(r["market"]), r["_of"])
        pools[pool][r["period"] if has_period else None].append(r)
        if float(r["cap"]) < 1 - kit.EPS:
            capped[(*pool, r["_basis"])] = None
    edges = recipe_edges(tables)
    tier = chain_tiers(facts.products, edges)
    chain_of = {p: k for k, chain in enumerate(chains(facts.products, edges)) for p in chain}
    out = []
    for key in capped:
        pool, on = key[:3], key[3]
        periods = {}
        for t, found in pools[pool].items():
            same = [r for r in found if r["_basis"] == on]
            periods[t] = same[0] if same else {**found[0], "cap": 1.0, "binding": False, "at_cap": False, "_basis": on}
        out.append({"product": pool[0], "market": pool[1], "of": pool[2], "basis": on, "periods": periods})
    return sorted(
        out,
        key=lambda e: (chain_of.get(e["product"], 99), tier.get(e["product"], 0), e["product"], e["market"], e["of"]),
    )


def _state(r: Mapping[str, Any]) -> str:
    share, cap = float(r["concern_share"]), float(r["cap"])
    if cap >= 1 - kit.EPS:
        return ""
    if share > cap + 1e-6:
        return "over cap"
    if bool(r.get("binding")) and not kit.isnan(r.get("binding")):
        return "binding"
    if bool(r.get("at_cap")) and not kit.isnan(r.get("at_cap")):  # at the cap, but loosening it would save nothing
        return "at cap, held by another constraint"
    return "under cap"


def dependency_section(tables: Mapping[str, pd.DataFrame], facts: kit.Facts) -> str:
    """How dependent each stage is, period by period: a heat map of the highest concern share over
    the markets outside concern countries (direct and look-through side by side), then every
    capped share against its cap: per stage, market and whose share (concern supply, or a single
    country's: ``Caps.of``), for each period the direct and the look-through share and the cap on
    its basis, the share on that basis marked binding (yellow) or over the cap (red)."""
    dep = tables.get("Dependency")
    if dep is None or not len(dep):
        return ""
    parts = [dependency_heatmap(tables, facts)]
    entries = dependency_rows(tables, facts)
    if not entries:
        parts.append("<p>No share is capped below 100%.</p>")
        return '<section id="dependency"><h2>How dependent, stage by stage</h2>' + "".join(parts) + "</section>"
    periods = sorted({t for e in entries for t in e["periods"]}, key=lambda v: (str(type(v)), v))
    lookthrough = "concern_share_lookthrough" in dep.columns
    sub = ["direct", "look-through", "cap"] if lookthrough else ["share", "cap"]
    labels = ("stage (product)", "market", "share of")
    if periods == [None]:
        head = [[kit.Cell(h, header=True) for h in (*labels, *sub)]]
    else:
        head = [[kit.Cell(h, header=True, rowspan=2) for h in labels], []]
        for t in periods:
            head[0].append(kit.Cell(str(t), header=True, colspan=len(sub)))
            head[1] += [kit.Cell(h, header=True) for h in sub]
    body = []
    for e in entries:
        cells = [kit.Cell(e["product"]), kit.Cell(e["market"]), kit.Cell(_whose_label(e["of"]))]
        for t in periods:
            r = e["periods"].get(t)
            if r is None:
                cells += [kit.Cell("")] * len(sub)
                continue
            cells += _dependency_cells(r, lookthrough, single=bool(e["of"]), currency=facts.currency)
        body.append(cells)
    parts.append(
        "<h3>Capped shares against their caps</h3><p>Each cap holds on its basis: <b>direct</b> counts only the "
        "site that ships, <b>look-through</b> also what it was made from. The share on the capped basis is "
        '<span class="binding-key">yellow where the cap binds</span> (loosening it would save money) and '
        '<span class="over-key">red where it is over</span>; "single country" rows cap one country\'s share '
        "(Caps.of), not the concern countries'.</p>" + kit.grid(head, body, table_id="dependency-table", scroll=True)
    )
    return '<section id="dependency"><h2>How dependent, stage by stage</h2>' + "".join(parts) + "</section>"


def _dependency_cells(r: Mapping[str, Any], lookthrough: bool, single: bool, currency: str) -> list[kit.Cell]:
    """One period's cells of a capped share: the direct and look-through shares (a single
    country's share is measured directly: its look-through cell is blank) and the cap on its basis
    with the cap's state; the share on the capped basis marked binding or over the cap."""
    state = _state(r)
    css = {"binding": "binding", "over cap": "over-cap"}.get(state, "")
    basis = str(r.get("_basis") or r.get("basis") or "lookthrough")
    capped = float(r["cap"]) < 1 - kit.EPS
    price = r.get("marginal_cost_per_point")
    why = state
    if state == "binding" and price is not None and not kit.isnan(price):
        why += f": {kit.money(float(price), currency)} per point of cap"
    cells = []
    if lookthrough:
        for b, column in (("direct", "concern_share_direct"), ("lookthrough", "concern_share_lookthrough")):
            value = r["concern_share"] if single and b == "direct" else r[column]
            mark = css if capped and b == basis else ""
            text = "" if single and b == "lookthrough" else kit.pct(value)
            cells.append(kit.Cell(text, css=f"num {mark}".strip(), title=why if mark else ""))
    else:
        cells.append(kit.Cell(kit.pct(r["concern_share"]), css=f"num {css}".strip(), title=why))
    if capped:
        words = "direct" if basis == "direct" else "look-through"
        cells.append(
            kit.Cell(
                f"{kit.pct(r['cap'])} {words}" + (f", {state}" if state != "under cap" else ""), css="cap", title=why
            )
        )
    else:
        cells.append(kit.Cell("none", css="num none"))
    return cells


def dependency_heatmap(tables: Mapping[str, pd.DataFrame], facts: kit.Facts) -> str:
    """Per stage (rows, in chain and tier order) and period (columns), the highest concern share of
    supply over the markets outside concern countries that are supplied, with the market named in
    the cell: direct and look-through side by side (one panel without the look-through column)."""
    dep = tables.get("Dependency")
    if dep is None or not len(dep) or "period" not in dep.columns:
        return ""
    rows = concern_caps(dep)
    rows = rows[~rows["market"].astype(str).isin(facts.concern)]
    if "supplied" in rows.columns:
        rows = rows[rows["supplied"] > kit.EPS]
    if not len(rows):
        return ""
    edges = recipe_edges(tables)
    tier = chain_tiers(facts.products, edges)
    chain_of = {p: k for k, chain in enumerate(chains(facts.products, edges)) for p in chain}
    stages = sorted(dict.fromkeys(rows["product"].astype(str)), key=lambda p: (chain_of.get(p, 99), tier.get(p, 0), p))
    periods = sorted(rows["period"].unique().tolist())
    panels = [("direct", "concern_share_direct"), ("look-through", "concern_share_lookthrough")]
    panels = [(n, c) for n, c in panels if c in rows.columns] or [("concern share", "concern_share")]
    data = []
    for k, (name, column) in enumerate(panels):
        z, text = [], []
        for p in stages:
            zr, tr = [], []
            for t in periods:
                part = rows[(rows["product"].astype(str) == p) & (rows["period"] == t)]
                if not len(part):
                    zr.append(None)
                    tr.append("")
                    continue
                i = part[column].astype(float).idxmax()
                zr.append(float(part.at[i, column]))
                tr.append(f"{float(part.at[i, column]):.0%} {escape(str(part.at[i, 'market']))}")
            z.append(zr)
            text.append(tr)
        data.append(
            {
                "type": "heatmap",
                "z": z,
                "x": [f"{t}" for t in periods],
                "y": [escape(p) for p in stages],
                "text": text,
                "texttemplate": "%{text}",
                "textfont": {"size": 10},
                "zmin": 0,
                "zmax": 1,
                "colorscale": [[0, "#ffffff"], [0.5, "#f4b183"], [1, kit.CONCERN_COLOR]],
                "showscale": k == len(panels) - 1,
                "colorbar": {"title": {"text": "share"}, "tickformat": ".0%"},
                "xaxis": "x" if k == 0 else f"x{k + 1}",
                "yaxis": "y" if k == 0 else f"y{k + 1}",
                "hovertemplate": f"%{{y}} in %{{x}}, {name}: %{{text}}<extra></extra>",
                "xgap": 2,
                "ygap": 2,
            }
        )
    gap = 0.06
    width = (1 - gap * (len(panels) - 1)) / len(panels)
    layout = kit.layout(
        "Highest concern share of supply by stage and period, over the markets outside concern countries",
        height=110 + 26 * len(stages),
        margin={"l": 10, "r": 20, "t": 80, "b": 30},
        annotations=[
            {
                "text": f"<b>{name}</b>",
                "x": k * (width + gap) + width / 2,
                "y": 1,
                "xref": "paper",
                "yref": "paper",
                "yanchor": "bottom",
                "showarrow": False,
            }
            for k, (name, _) in enumerate(panels)
        ],
    )
    for k in range(len(panels)):
        suffix = "" if k == 0 else str(k + 1)
        layout[f"xaxis{suffix}"] = {
            "domain": [k * (width + gap), k * (width + gap) + width],
            "type": "category",
            "side": "bottom",
            "title": {"text": "period"},
            "anchor": f"y{suffix}",
        }
        layout[f"yaxis{suffix}"] = {
            "autorange": "reversed",
            "automargin": True,
            "anchor": f"x{suffix}",
            "showticklabels": k == 0,
            **({"matches": "y"} if k else {}),
        }
    return kit.plot_div("dependency-heatmap", data, layout)


# Checks of its inputs (run by model.workbook: errors on the records, warnings on the network)


def check_records(data: Mapping[str, SheetData], known: Mapping[str, Any], issues: Issues) -> None:
    """The Caps sheet before the network is assembled (errors): an ``of`` names a known country,
    ``any`` or ``concern``, on a basis it can be measured on (unless the Countries sheet is held
    back)."""
    if known["country"] is not None:
        check_caps_of(data.get("Caps"), data.get("Countries"), issues)


def warnings(net: Network) -> list[Issue]:
    """The caps' warnings on the assembled network: a cap that the capacity outside concern
    countries cannot meet, and a direct cap that a hub in an allied country can launder."""
    return [*check_caps_reachable(net), *check_direct_caps_through_hubs(net)]


def check_caps_of(caps: SheetData | None, countries: SheetData | None, issues: Issues) -> None:
    """Each Caps row's ``of`` is blank, ``concern``, ``any`` or a country of the Countries sheet
    (did-you-mean for a near miss); a single-country row (``of`` a country or ``any``) is measured
    per stage, so a ``lookthrough`` basis on it is an error that says why."""
    if caps is None or "of" not in caps.letters:
        return
    names = [r.values["country"] for r in valid(countries)] if countries is not None else None
    for rec in valid(caps):
        raw = rec.values.get("of")
        of = cap_of(raw)
        if of is None:
            continue
        if of != ANY and names is not None and of not in names:
            issues.error(
                "Caps",
                f"{caps.letters['of']}{rec.row}",
                f"'{raw}' is not a country of the Countries sheet, nor 'concern' or 'any'"
                + did_you_mean(str(raw), [*names, CONCERN_OF, ANY]),
            )
            rec.values["_invalid"] = True
        elif rec.values.get("basis") == "lookthrough":
            issues.error(
                "Caps",
                f"{caps.letters.get('basis', '')}{rec.row}",
                f"a cap on a single country ('of' is {raw}) is measured per stage, on the product as it "
                "arrives from the country that ships it: its basis must be 'direct' (or blank). Looking "
                "through the tiers, a unit made from inputs of several countries belongs to none of them; "
                "to cap a country at each stage, give a row for each stage's product",
            )
            rec.values["_invalid"] = True


def check_caps_reachable(net: Network) -> list[Issue]:
    """Σ_m (1 − cap[p, m]) D[p, m] must be made outside concern countries; with recipes, so must
    the inputs of that concern-free part (look-through), tier by tier: need_out[i] =
    Σ_m (1 − cap[i, m]) D[i, m] + Σ_q a_P[q, i] need_out[q]. Warn per product (tier) whose need
    outside concern countries is more than the most capacity that could be built there."""
    final = {
        (p, m): (1 - caps_of(net).each[(p, m)]) * d
        for (p, m), d in net.demand.items()
        if d > 0 and (p, m) in caps_of(net).each
    }
    need_out = gross_requirement(final, net.recipe, net.products)
    out: list[Issue] = []
    for p in net.products:
        avail = capacity_outside_concern(net, p)
        need = need_out.get(p, 0.0)
        if need <= avail + 1e-9:
            continue
        own = sum(v for (pp, _), v in final.items() if pp == p)
        if own >= need - 1e-9:
            total = sum(d for (pp, _), d in net.demand.items() if pp == p)
            caps = sorted({caps_of(net).each[(p, m)] for (pp, m) in net.demand if pp == p})
            what = (
                f"{p}: demand {total:g} under dependency cap(s) {', '.join(f'{c:g}' for c in caps)} needs at "
                f"least {need:g} from outside concern countries"
            )
        else:
            users = sorted({q for (q, i) in net.recipe if i == p})
            what = (
                f"{p}: as an input of {', '.join(users)} (Recipes), the concern-free supply the caps ask for "
                f"needs at least {need:g} {p} made outside concern countries (this tier runs short)"
            )
        out.append(
            Issue(
                "warning",
                "Products",
                net.address("Products", p, "product"),
                f"{what}, but the most that could be built there is {avail:g}; the rest will show as unmet demand",
            )
        )
    return out


def check_direct_caps_through_hubs(net: Network) -> list[Issue]:
    """A `direct` cap counts the country of the site that ships (the contract): product p made in a
    concern country c can reach a hub h of p outside the concern countries, (s, c(h)) in A with
    c(s) in C, and leave it for a capped market m, (h, m) in A; it then counts as c(h)'s, so the
    cap can be met by routing concern supply through the hub. A warning per Caps row and hub,
    naming the row's `basis` cell and the hub's site, pointing to the `lookthrough` basis (which
    counts where a unit was made). One hop is looked at (a hub fed by a concern site)."""
    each = [r for r in caps_of(net).rows if r.basis == "direct" and r.scope == "each"]
    capped: dict[tuple[int, str], list[str]] = {}  # (Caps row, product) -> markets
    for (p, m), _cap in caps_of(net).each_direct.items():
        row = most_specific(each, p, m, lambda r: r.product, lambda r: r.market)
        if row is not None:
            capped.setdefault((row.row, p), []).append(m)
    for tc in caps_of(net).total:
        if tc.basis == "direct" and tc.cap < 1:
            capped.setdefault((tc.row, tc.product), []).extend(tc.markets)
    arcs = set(net.arcs)
    letter = net.columns.get("Caps", {}).get("basis", "")
    out: list[Issue] = []
    for (row, p), markets in capped.items():
        for h in (x for x in net.sites if x in net.hubs):
            hc = net.site_country[h]
            if net.site_product[h] != p or h in net.concern_sites:
                continue
            sources = sorted(
                {
                    net.site_country[s]
                    for s in net.sites
                    if net.site_product[s] == p and s in net.concern_sites and (s, hc) in arcs
                }
            )
            reached = [m for m in dict.fromkeys(markets) if (h, m) in arcs]
            if not sources or not reached:
                continue
            out.append(
                Issue(
                    "warning",
                    "Caps",
                    f"{letter}{row}",
                    f"the cap on {p} in {', '.join(reached)} is on the 'direct' basis, which counts the country "
                    f"of the site that ships: {p} made in {', '.join(sources)} can pass through hub '{h}' "
                    f"({hc}, {net.cell('Sites', h, 'site')}) and count as {hc}'s, so the cap can be met by "
                    "routing concern supply through the hub (Dependency would show a low direct share and a "
                    "high look-through share); set basis to 'lookthrough' to count where it was made",
                )
            )
    return out
