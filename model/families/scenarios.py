"""Disruption scenarios: the survival target (10) on the crises' unmet demand; the Scenarios,
ScenarioFlows, ScenarioSummary, ScenarioSites and ScenarioInputs tables (and the busiest-scenario
columns of Sites); the scenario invariants, the expected disruption cost among them.

A crisis is a member of the scenario dimension like the normal year: its pool balance (7) is
``flows``' (1), its capacity (8) ``capacity``'s (2) with the loss, its stock draws (9)
``stockpiles``', its caps (14) ``dependency``'s and ``concern_free``'s. What is a crisis's own is
here: the survival target, and what the results say of each crisis beside the normal year.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from html import escape
from typing import Any

import pandas as pd
import pyomo.core as pyo
from xlsxwriter.worksheet import Worksheet

from model import htmlkit as kit
from model.columns import Column, Record, Sheet, SheetData, valid
from model.families.common import CONFLICT_TOL, Line, amount, last_period, money, qty, when
from model.families.dependency import caps_in_words
from model.families.protocol import (
    EXPECTED_DISRUPTION_LABEL,
    PERIOD,
    Change,
    Col,
    Conflict,
    Context,
    Equation,
    Extraction,
    Glance,
    Metric,
    Section,
    Table,
    by_case,
    column_names,
    period_columns,
    reported_value,
    value,
    with_period,
)
from model.families.stockpiles import held, stocks_of
from model.families.verify import TOL, close, cost_problems, rows_of, site_capacity
from model.issues import Issues, did_you_mean
from model.network import NORMAL, Network
from model.sidebyside import MERGED, differs, pct, union
from model.xlsx import BAR_CM, CM, HEADER_FILL, SHARE, Book, clean, series

# The input sheets it reads (model.schema assembles the workbook's sheets from these)

SCENARIOS = Sheet(
    name="Scenarios",
    description="Disruptions the network must withstand. Build decisions are shared; each "
    "scenario has its own flows, unmet demand and stock draws.",
    columns=(
        Column("scenario", "name", "Name."),
        Column(
            "weight",
            "number",
            "The yearly probability of the scenario: in any year at most one scenario happens, "
            "and with the rest of the probability, 1 - the sum of the weights, the year is "
            "normal. 0 makes it a pure stress test. The weights must sum to less than 1.",
            required=False,
            default=0.0,
            minimum=0,
        ),
        Column(
            "max_shortfall",
            "share",
            "Most share of any market's demand for any product that may go unserved in this scenario.",
            required=False,
            blank_means="no limit (shortfall is only penalised)",
        ),
    ),
    key=("scenario",),
    place=70,
    row_is="scenario",
    without="no crisis would be planned for",
)


DISRUPTIONS = Sheet(
    name="Disruptions",
    description="What each scenario takes away. A site's loss is the largest capacity_loss "
    "among the scenario's rows that match it (its country or the site itself, and its product "
    "or blank). A loss takes the capacity from the country's own plants too; an export ban, "
    "which stops trade but leaves the country's own supply, is a Closures row.",
    columns=(
        Column("scenario", "name", "Scenario.", ref="scenario"),
        Column(
            "country",
            "name",
            "The country hit (blank only when site is given).",
            required=False,
            ref="country",
        ),
        Column(
            "site",
            "name",
            "A single site hit instead of a whole country.",
            required=False,
            ref="site",
            blank_means="the whole country",
        ),
        Column(
            "product",
            "name",
            "Product hit.",
            required=False,
            ref="product",
            blank_means="every product",
        ),
        Column(
            "capacity_loss",
            "share",
            "Share of capacity lost (1 = cut off entirely: sanctions, blockade, embargo).",
        ),
    ),
    key=(),
    place=80,
    without="every crisis would run with no capacity lost (and report full survival)",
)


SHOCKS = Sheet(
    name="Shocks",
    description="Demand surges or drops in a scenario. For each (product, market) the most "
    "specific row of the scenario wins: (product, market) over (product, blank) over "
    "(blank, market) over (blank, blank); with no matching row the factor is 1.",
    columns=(
        Column("scenario", "name", "Scenario.", ref="scenario"),
        Column(
            "market",
            "name",
            "Market.",
            required=False,
            ref="country",
            blank_means="every market",
        ),
        Column(
            "product",
            "name",
            "Product.",
            required=False,
            ref="product",
            blank_means="every product",
        ),
        Column(
            "demand_factor",
            "number",
            "Demand multiplier in the scenario (1.5 = +50%).",
            minimum=0,
        ),
    ),
    key=("scenario", "product", "market"),
    place=90,
    without="no crisis would change demand",
)


CLOSURES = Sheet(
    name="Closures",
    description="Trade that stops in a scenario: export bans, embargoes, sanctions, closed "
    "straits. In the scenario, no site in a matching origin ships the product into a matching "
    "destination. The origin is the country of the shipping site: a hub in a third country ships "
    "from that country (close the hub's lanes too to model transshipment evasion). Domestic "
    "supply is never closed by a row (a country that loses its own production is a Disruptions "
    "row). A row with both origin and destination blank is an error. An export ban by China on "
    "NdPr oxide is (scenario, China, blank, NdPr oxide); allies stopping exports to China is "
    "(scenario, Ally, China, blank) where the allies carry the bloc label Ally. A bloc label that "
    "is also a country's name and groups other countries too is an error while the sheet has rows "
    "(a row naming it would be ambiguous); a country that is its own bloc is not.",
    columns=(
        Column("scenario", "name", "Scenario.", ref="scenario"),
        Column(
            "origin",
            "name",
            "Shipping country, or a bloc label of the Countries sheet (each of its countries).",
            required=False,
            blank_means="every country",
        ),
        Column(
            "destination",
            "name",
            "Receiving country, or a bloc label.",
            required=False,
            blank_means="every country",
        ),
        Column(
            "product",
            "name",
            "Product whose trade stops.",
            required=False,
            ref="product",
            blank_means="every product",
        ),
    ),
    key=("scenario", "origin", "destination", "product"),
    place=100,
    without="no crisis would stop trade on any lane",
)


SHEETS = (SCENARIOS, DISRUPTIONS, SHOCKS, CLOSURES)
"""The input sheets this family declares (``model.schema``)."""

TABLES = (
    Table(
        "Scenarios",
        "one row per crisis, final demand (product and market) and period",
        ("period", "scenario", "product", "market"),
        (
            PERIOD,
            Col("scenario", "name", "the crisis"),
            Col("product", "name", "the product"),
            Col("market", "name", "the market"),
            Col("demand", "quantity", "its demand in the crisis (with the demand shock)"),
            Col("supplied", "quantity", "what reaches final demand"),
            Col("stock_drawn", "quantity", "stock drawn into the market"),
            Col("unmet", "quantity", "what is left unserved"),
            Col("served_share", "share", "(supplied + stock drawn) / demand"),
            Col("max_shortfall", "share", "the survival target (blank: none)"),
            Col("penalty", "money/unit", "the market's value of lost supply"),
            Col("drawn_for_shortfall", "bool", "the stock was drawn because supply fell short (not only cheaper)"),
        ),
        when="with scenarios",
        place=100,
        units="product",
    ),
    Table(
        "ScenarioFlows",
        "one row per flow in a crisis",
        ("period", "scenario", "site", "market"),
        (
            PERIOD,
            Col("scenario", "name", "the crisis"),
            Col("site", "name", "the site that ships"),
            Col("origin", "name", "its country"),
            Col("product", "name", "what it ships"),
            Col("market", "name", "where to"),
            Col("quantity", "quantity", "yearly quantity shipped in the crisis"),
            Col("delivered_unit_cost", "money/unit", "its delivered cost per unit"),
        ),
        when="with scenarios",
        place=120,
        units="product",
    ),
    Table(
        "ScenarioSummary",
        "one row per crisis, final product and period",
        ("period", "scenario", "product"),
        (
            PERIOD,
            Col("scenario", "name", "the crisis"),
            Col("product", "name", "the product"),
            Col("unit", "text", "its unit"),
            Col("weight", "share", "the crisis's yearly probability"),
            Col("max_shortfall", "share", "the survival target (blank: none)"),
            Col("demand", "quantity", "demand in every market, in the crisis"),
            Col("supplied", "quantity", "what reaches final demand"),
            Col("stock_drawn", "quantity", "stock drawn"),
            Col("stock_drawn_for_shortfall", "quantity", "of it, drawn because supply fell short"),
            Col("unmet", "quantity", "left unserved"),
            Col("served_share", "share", "served over demand, every market"),
            Col("worst_served_share", "share", "the lowest served share of a market"),
            Col("worst_market", "name", "that market"),
            Col("scenario_cost", "money", "a year of the crisis costs (the whole network)"),
            Col("normal_cost", "money", "a normal year costs"),
            Col("extra_cost", "money", "scenario_cost - normal_cost"),
            Col("cause", "text", "why a crisis costs less than a normal year, where it does"),
        ),
        when="with scenarios",
        place=110,
    ),
    Table(
        "ScenarioSites",
        "one row per crisis, site and period",
        ("period", "scenario", "site"),
        (
            PERIOD,
            Col("scenario", "name", "the crisis"),
            Col("site", "name", "the site"),
            Col("capacity_loss", "share", "the share of its capacity lost"),
            Col("capacity_left", "quantity", "capacity left"),
            Col("production", "quantity", "what it makes in the crisis"),
            Col("baseline_production", "quantity", "what it makes in a normal year"),
            Col("starved", "bool", "an input it needs is short in the crisis"),
            Col("inputs_missing", "text", "which"),
        ),
        when="with scenarios",
        place=130,
        units="site",
    ),
    Table(
        "ScenarioInputs",
        "one row per crisis, input pool (product and country) and period",
        ("period", "scenario", "product", "market"),
        (
            PERIOD,
            Col("scenario", "name", "the crisis"),
            Col("product", "name", "the input"),
            Col("market", "name", "the country whose plants use it"),
            Col("supplied", "quantity", "what arrives"),
            Col("stock_drawn", "quantity", "stock drawn"),
            Col("used", "quantity", "what the plants there use"),
            Col("baseline_used", "quantity", "what they use in a normal year"),
            Col("drawn_for_shortfall", "bool", "the stock was drawn because supply fell short"),
        ),
        when="with scenarios and recipes",
        place=140,
        units="product",
    ),
)
"""The result tables this family makes (their columns' units format the results workbook)."""
ADDS = {
    "Sites": (
        Col("busiest_scenario", "name", "the crisis in which the site makes most", when="with scenarios"),
        Col("busiest_scenario_production", "quantity", "what it makes then", when="with scenarios"),
        Col("busiest_scenario_utilization", "share", "over its capacity", when="with scenarios"),
    ),
}
"""Columns this family adds to the Sites table."""

EQUATIONS = (
    Equation(
        "10",
        "`u[p,m,ω] − σ^ω[p,m] ≤ max_shortfall[ω]·D[p,m]·f^ω[p,m]`",
        ("survival",),
        "Scenarios.`max_shortfall`",
    ),
)
"""The constraints this family writes, as docs/formulation.md's table shows them (generated)."""

DIMENSIONS = {
    "SURVIVAL": ("product", "market", "period", "scenario"),
    "survival_shortfall": ("product", "market", "period", "scenario"),
    "survival": ("product", "market", "period", "scenario"),
}


def build(m: pyo.ConcreteModel, ctx: Context) -> None:
    """Constraint (10) ``survival`` for every crisis ω with a ``max_shortfall``:

    (10) u[p,m,t,ω] <= max_shortfall[ω] * D[p,m,t] * f^ω[p,m]      each (p, m) with D f > 0

    With ``ctx.elastic``, (10) gets a slack ``survival_shortfall`` (to explain infeasibility);
    otherwise the slack is held at 0. No costs (a crisis's costs are the operating costs of the
    families that build its rows, weighted by its probability in the objective).
    """
    net = ctx.net
    keys = [
        (p, mk, t, w)
        for t, w in ctx.cases
        if w != NORMAL and net.max_shortfall.get(w) is not None
        for p, mk in ctx.at(t, w).positive_demand
    ]
    dem = {(p, mk, t, w): ctx.at(t, w).positive_demand[(p, mk)] for p, mk, t, w in keys}
    m.SURVIVAL = pyo.Set(dimen=4, initialize=keys, ordered=True, doc="(p, m, t, ω) with a survival target")
    m.survival_shortfall = pyo.Var(
        m.SURVIVAL,
        within=pyo.NonNegativeReals,
        bounds=(0, None if ctx.elastic else 0),
        doc="slack of (10); held at 0 unless the model is built elastic to explain infeasibility",
    )
    u = dict(m.unmet.items())
    m.survival = pyo.Constraint(
        m.SURVIVAL,
        rule=lambda _m, p, mk, t, w: (
            u[p, mk, t, w] - m.survival_shortfall[p, mk, t, w] <= net.max_shortfall[w] * dem[(p, mk, t, w)]
        ),
        doc="(10) unmet within the survival target",
    )
    if ctx.elastic:
        ctx.violations += [m.survival_shortfall[k] / dem[k] for k in keys]


SCENARIO_COLUMNS = column_names(TABLES, "Scenarios")
SCENARIO_FLOW_COLUMNS = column_names(TABLES, "ScenarioFlows")
SCENARIO_SITE_COLUMNS = column_names(TABLES, "ScenarioSites")


def yearly_costs(m: pyo.ConcreteModel, ctx: Context, solved: Any) -> dict[tuple[int, str], tuple[float, float]]:
    """Per (period, scenario): the year's cost in that scenario (every first-stage cost of the
    period, paid whatever happens, plus the scenario's operating cost op[t, w], the restock of what
    it draws included), and the normal year's cost of the same period."""
    out = {}
    for t in ctx.periods:
        first = sum(reported_value(solved, m.component(f"cost_{k}")[t]) for k in ctx.costs)
        normal = first + sum(reported_value(solved, m.component(f"cost_{j}")[t, NORMAL]) for j in ctx.operating_costs)
        for w in ctx.net.scenarios:
            out[(t, w)] = (first + reported_value(solved, m.operating_cost[t, w]), normal)
    return out


def tables(m: pyo.ConcreteModel, ctx: Context, solved: Any, out: Extraction) -> None:
    """With scenarios: the busiest-scenario columns of Sites, Scenarios (per (ω, p, m)),
    ScenarioFlows (per arc with a flow), ScenarioSummary (per (ω, p)), ScenarioSites, and with
    recipes ScenarioInputs; and the extra figure ``survival_marginal_per_point``."""
    net = ctx.net
    out.extra["survival_marginal_per_point"] = survival_marginal(m, ctx, solved)
    if not net.scenarios:
        return
    flows, unmets, draws = by_case(m.flow), by_case(m.unmet), by_case(m.stock_draw)
    scen_prod: dict[tuple[str, str, int], float] = defaultdict(float)  # (ω, s, t): production in ω
    supplied: dict[tuple[str, str, str, int], float] = defaultdict(float)  # (ω, p, m, t): arriving in ω
    flow_rows = []
    for t in ctx.periods:
        for w in net.scenarios:
            view = ctx.at(t, w)
            for (s, mk), q in flows.get((t, w), {}).items():
                scen_prod[(w, s, t)] += q
                supplied[(w, net.site_product[s], mk, t)] += q
                if q > 1e-9:
                    row = {
                        "scenario": w,
                        "site": s,
                        "origin": net.site_country[s],
                        "product": net.site_product[s],
                        "market": mk,
                        "quantity": q,
                        "delivered_unit_cost": view.delivered_cost(s, mk),
                    }
                    flow_rows.append(with_period(row, t))
    out.tables["ScenarioFlows"] = pd.DataFrame(flow_rows, columns=period_columns(SCENARIO_FLOW_COLUMNS))
    arrived = dict(supplied)  # (ω, p, m, t): everything of p arriving in m, inputs included
    for (s, i), rate in net.input_rate.items():  # supplied to final demand: less the plants' use
        for w in net.scenarios:
            for t in ctx.periods:
                use = rate * scen_prod.get((w, s, t), 0.0)
                if use:
                    supplied[(w, i, net.site_country[s], t)] -= use
    baseline_in: dict[tuple[str, str, int], float] = defaultdict(float)
    for t in ctx.periods:
        for (s, mk), q in flows.get((t, NORMAL), {}).items():
            baseline_in[(net.site_product[s], mk, t)] += q
    drawn_at = {(w, p, mk, t): q for (t, w), d in draws.items() for (p, mk), q in d.items()}
    stock = {(p, mk, t): value(m.stock[p, mk, t]) for p, mk, t in m.STOCKPILES}
    capacity_of = {
        (s, t): float(c)
        for s, t, c in zip(
            out.tables["Sites"]["site"], out.tables["Sites"]["period"], out.tables["Sites"]["capacity"], strict=True
        )
    }
    at_cap = _capped_in_crisis(out.tables.get("Dependency"))
    supply = {
        (t, w): Supply(ctx, t, w, scen_prod, capacity_of, stock, drawn_at, at_cap.get((t, w), set()))
        for t in ctx.periods
        for w in net.scenarios
    }
    sites = out.tables["Sites"]
    period = sites["period"].tolist()
    busiest_w, busiest_q = [], []
    for s, t in zip(sites["site"].tolist(), period, strict=True):
        best_w, best_q = "", 0.0
        for w in net.scenarios:
            if scen_prod[(w, s, t)] > best_q + 1e-9:
                best_w, best_q = w, scen_prod[(w, s, t)]
        busiest_w.append(best_w)
        busiest_q.append(best_q)
    cap = sites["capacity"].tolist()
    sites["busiest_scenario"] = busiest_w
    sites["busiest_scenario_production"] = busiest_q
    sites["busiest_scenario_utilization"] = [q / c if c > 0 else 0.0 for q, c in zip(busiest_q, cap, strict=True)]
    costs = yearly_costs(m, ctx, solved)
    out.extra["scenario_costs"] = costs
    detail, summary = _scenario_tables(ctx, unmets, supplied, costs, draws, out, supply)
    out.tables["Scenarios"], out.tables["ScenarioSummary"] = detail, summary
    site_rows = list(zip(sites["site"].tolist(), period, cap, sites["production"].tolist(), strict=True))
    out.tables["ScenarioSites"] = pd.DataFrame(
        [
            with_period(
                {
                    "scenario": w,
                    "site": s,
                    "capacity_loss": ctx.loss(s, w),
                    "capacity_left": (1 - ctx.loss(s, w)) * c,
                    "production": scen_prod[(w, s, t)],
                    "baseline_production": prod,
                    **_starved(
                        net, w, s, t, c, prod, scen_prod[(w, s, t)], arrived, drawn_at, baseline_in, supply[(t, w)]
                    ),
                },
                t,
            )
            for w in net.scenarios
            for s, t, c, prod in site_rows
            if c > 0 or scen_prod[(w, s, t)] > 0
        ],
        columns=period_columns(SCENARIO_SITE_COLUMNS),
    )
    if net.input_rate:
        base_prod: dict[tuple[str, int], float] = defaultdict(float)
        for t in ctx.periods:
            for (s, _), q in flows.get((t, NORMAL), {}).items():
                base_prod[(s, t)] += q
        out.tables["ScenarioInputs"] = _scenario_inputs(ctx, scen_prod, arrived, drawn_at, base_prod, supply)


SCENARIO_INPUT_COLUMNS = column_names(TABLES, "ScenarioInputs")


def _capped_in_crisis(dependency: pd.DataFrame | None) -> dict[tuple[int, str], set[tuple[str, str]]]:
    """Per (period, crisis), the pools (product, market) whose `each` cap stands at its limit in
    the crisis (the Dependency sheet's crisis rows with ``at_cap``): there concern supply could
    not grow. Empty where the caps lapse in crises."""
    out: dict[tuple[int, str], set[tuple[str, str]]] = defaultdict(set)
    if dependency is None or "scenario" not in dependency.columns:
        return out
    rows = dependency[
        (dependency["scenario"] != "") & (dependency["scope"] == "each") & dependency["at_cap"].astype(bool)
    ]
    periods = rows["period"] if "period" in rows.columns else [0] * len(rows)
    for t, w, p, mk in zip(periods, rows["scenario"], rows["product"], rows["market"], strict=True):
        out[(int(t), w)].add((p, mk))
    return out


class Supply:
    """Whether more of a product could have reached a country in one crisis of one period, with
    the design and the solution's production as they are: the test behind "starved of inputs"
    and "stock drawn because supply fell short".

    More of p could reach c (``could_get_more``) when stock of p held in c was left undrawn, or
    more could be shipped in (``could_ship_more``): some site with a lane into c open in the
    crisis has capacity left beyond what it made (``(1 - loss) cap``: the reserve is released in a
    crisis) and could get more of each of its inputs in its own country (a hub: of its product),
    recursively up the chain. Where the crisis's cap on (p, c) stands at its limit (caps holding
    in crises), a concern site's spare capacity does not count: more from it would break the cap.
    A cycle of hubs is cut pessimistically (no more through it)."""

    def __init__(
        self,
        ctx: Context,
        t: int,
        w: str,
        production: dict[tuple[str, str, int], float],
        capacity: dict[tuple[str, int], float],
        stock: dict[tuple[str, str, int], float],
        drawn: dict[tuple[str, str, str, int], float],
        at_cap: set[tuple[str, str]],
    ) -> None:
        self.net, self.t, self.w = ctx.net, t, w
        self.arcs_to = ctx.adj_at(t, w).arcs_to
        self.production, self.capacity, self.stock, self.drawn, self.at_cap = production, capacity, stock, drawn, at_cap
        self._known: dict[tuple[str, str], bool] = {}

    def stock_left(self, p: str, c: str) -> float:
        """Stock of p held in c that the crisis did not draw."""
        return self.stock.get((p, c, self.t), 0.0) - self.drawn.get((self.w, p, c, self.t), 0.0)

    def could_get_more(self, p: str, c: str) -> bool:
        """More of p could have reached the pool (p, c): stock left there, or more shipped in."""
        left = self.stock_left(p, c)
        return left > TOL * max(1.0, left) or self.could_ship_more(p, c)

    def could_ship_more(self, p: str, c: str) -> bool:
        """Some site with a lane into c open in the crisis could have made and shipped more of p."""
        return self._more(p, c, set())[0]

    def _more(self, p: str, c: str, visiting: set[tuple[str, str]]) -> tuple[bool, bool]:
        """(could ship more of p into c, whether a cycle was cut on the way: then a "no" is not kept)."""
        key = (p, c)
        if key in self._known:
            return self._known[key], False
        if key in visiting:
            return False, True
        visiting.add(key)
        net, cut = self.net, False
        capped = key in self.at_cap
        for s in self.arcs_to.get(key, ()):
            if capped and s in net.concern_sites:
                continue
            left = (1 - net.loss.get((self.w, s), 0.0)) * self.capacity.get((s, self.t), 0.0)
            if left - self.production.get((self.w, s, self.t), 0.0) <= TOL * max(1.0, left):
                continue
            inputs_ok = True
            for i, _ in net.inputs_of.get(s, ()):
                home = net.site_country[s]
                if self.stock_left(i, home) > TOL:
                    continue
                more, cycle = self._more(i, home, visiting)
                cut = cut or cycle
                if not more:
                    inputs_ok = False
                    break
            if inputs_ok:
                visiting.discard(key)
                self._known[key] = True
                return True, cut
        visiting.discard(key)
        if not cut:
            self._known[key] = False
        return False, cut

    def drawn_for_shortfall(self, p: str, c: str, drawn: float, unmet: float = 0.0) -> bool:
        """Whether stock ``drawn`` of p in c was drawn because supply fell short: demand went unmet
        there, or no more could have been shipped in (False where nothing was drawn)."""
        if drawn <= TOL * max(1.0, drawn):
            return False
        return unmet > TOL * max(1.0, unmet) or not self.could_ship_more(p, c)


def _scenario_inputs(
    ctx: Context,
    scen_prod: dict[tuple[str, str, int], float],
    arrived: dict[tuple[str, str, str, int], float],
    drawn: dict[tuple[str, str, str, int], float],
    base_prod: dict[tuple[str, int], float],
    supply: dict[tuple[int, str], Supply],
) -> pd.DataFrame:
    """ScenarioInputs: per scenario and pool that plants consume from (product = the input, market
    = the plants' country): what arrives (``supplied``), the stock drawn, what the plants there use
    (sum a[s,i] prod^ω[s]) and what they use in the baseline, and ``drawn_for_shortfall``: whether
    the stock was drawn because no more could be shipped in (``Supply``). A starved plant shows
    here as ``used`` below ``baseline_used``."""
    net = ctx.net
    rows = []
    for t in ctx.periods:
        for (i, c), users in net.consumers.items():
            base_used = sum(rate * base_prod.get((s, t), 0.0) for s, rate in users)
            for w in net.scenarios:
                row = {
                    "scenario": w,
                    "product": i,
                    "market": c,
                    "supplied": arrived.get((w, i, c, t), 0.0),
                    "stock_drawn": drawn.get((w, i, c, t), 0.0),
                    "used": sum(rate * scen_prod.get((w, s, t), 0.0) for s, rate in users),
                    "baseline_used": base_used,
                    "drawn_for_shortfall": supply[(t, w)].drawn_for_shortfall(i, c, drawn.get((w, i, c, t), 0.0)),
                }
                rows.append(with_period(row, t))
    return pd.DataFrame(rows, columns=period_columns(SCENARIO_INPUT_COLUMNS))


def _starved(
    net: Network,
    w: str,
    s: str,
    t: int,
    cap: float,
    baseline: float,
    production: float,
    arrived: dict[tuple[str, str, str, int], float],
    drawn: dict[tuple[str, str, str, int], float],
    baseline_in: dict[tuple[str, str, int], float],
    supply: Supply,
) -> dict[str, Any]:
    """Whether site s was starved of inputs in scenario ω: a plant with a recipe that, with
    capacity left, makes less than in the baseline while at least one of its inputs is short in
    its country: it arrives (shipped or drawn from stock) in smaller quantity than in the
    baseline, and no more of it could have (``Supply.could_get_more``: no stock left undrawn,
    no site with a lane there able to make and ship more). A plant that makes less because its
    inputs went to a cheaper plant, or its output was not needed, is not starved. The short
    inputs are named in ``inputs_missing``."""
    inputs = [i for i, _ in net.inputs_of.get(s, ())] if s not in net.hubs else []
    left = (1 - net.loss.get((w, s), 0.0)) * cap
    if not inputs or production >= min(left, baseline) - TOL * max(1.0, baseline):
        return {"starved": False, "inputs_missing": ""}
    c = net.site_country[s]
    missing = [
        i
        for i in inputs
        if arrived.get((w, i, c, t), 0.0) + drawn.get((w, i, c, t), 0.0)
        < baseline_in.get((i, c, t), 0.0) - TOL * max(1.0, baseline_in.get((i, c, t), 0.0))
        and not supply.could_get_more(i, c)
    ]
    return {"starved": bool(missing), "inputs_missing": ", ".join(missing)}


def survival_marginal(m: pyo.ConcreteModel, ctx: Context, solved: Any) -> float:
    """Cost of one point less ``max_shortfall`` in every scenario, from the LP with integer
    decisions and stocks fixed: rhs of (10) is ms * D * f, so d(cost)/d(ms) = sum y * D * f and
    one point less costs -0.01 * sum y * D * f (y <= 0 when binding). A stress test (probability
    0) is left out: its duals in the polish price its own cost, which the objective does not count."""
    total_ = 0.0
    prob = ctx.net.probability
    for p, mk, t, w in m.SURVIVAL:
        if prob[w] <= 0:
            continue
        y = solved.duals.get(m.survival[p, mk, t, w])
        if y is not None:
            total_ += -0.01 * y * ctx.at(t, w).positive_demand[(p, mk)]
    return max(total_, 0.0)


def _scenario_tables(
    ctx: Context,
    unmets: dict[tuple[int, str], dict[tuple[Any, ...], float]],
    supplied: dict[tuple[str, str, str, int], float],
    costs: dict[tuple[int, str], tuple[float, float]],
    draws: dict[tuple[int, str], dict[tuple[Any, ...], float]],
    out: Extraction,
    supply: dict[tuple[int, str], Supply],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scenarios (one row per (ω, p, m) with demand) and ScenarioSummary (per (ω, p));
    ``supplied[ω, p, m, t]`` is sum_s x[s, m, t, ω] over the sites of p, less what the plants in m
    use of it. The final demand served, D f - u, is counted as shipped first (``supplied``:
    min(max(supplied, 0), served)) and the rest as drawn from stock (``stock_drawn``): without
    plants using p in m these are the flows and the draw; the stock drawn for the plants is in
    ScenarioInputs. ``scenario_cost`` is the year's cost in the crisis, ``normal_cost`` the normal
    year's, ``extra_cost`` their difference and ``cause`` why it is negative, where it is.
    ``drawn_for_shortfall`` (Scenarios) says whether a row's stock was drawn because supply fell
    short (``Supply.drawn_for_shortfall``), and ``stock_drawn_for_shortfall`` (ScenarioSummary)
    sums the stock so drawn: the rest was drawn though supply was to be had."""
    net = ctx.net
    rows = []
    for t in ctx.periods:
        for w in net.scenarios:
            view = ctx.at(t, w)
            unmet_of = unmets.get((t, w), {})
            for p, mk in view.positive_demand:
                dem = view.positive_demand[(p, mk)]
                unmet = unmet_of.get((p, mk), 0.0)
                served = max(dem - unmet, 0.0)
                shipped = min(max(supplied[(w, p, mk, t)], 0.0), served)
                row = {
                    "scenario": w,
                    "product": p,
                    "market": mk,
                    "demand": dem,
                    "supplied": shipped,
                    "stock_drawn": served - shipped,
                    "unmet": unmet,
                    "served_share": 1 - unmet / dem if dem > 0 else 1.0,
                    "max_shortfall": net.max_shortfall.get(w),
                    "penalty": view.penalty(p, mk),
                    "drawn_for_shortfall": supply[(t, w)].drawn_for_shortfall(p, mk, served - shipped, unmet),
                }
                rows.append({**row, "period": t})
    detail = pd.DataFrame(rows, columns=[*SCENARIO_COLUMNS, "period"])
    summary = []
    for (t, w), d in detail.groupby(["period", "scenario"], sort=False):
        scenario_cost, normal_cost = costs[(t, w)]
        extra = scenario_cost - normal_cost
        cheaper = extra < -cost_tolerance(normal_cost)
        cause = crisis_cause(ctx, t, w, draws.get((t, w), {}), out) if cheaper else ""
        for p, dp in d.groupby("product", sort=False):
            dem, unmet = float(dp["demand"].sum()), float(dp["unmet"].sum())
            worst = dp["served_share"].idxmin()
            row = {
                "scenario": w,
                "product": p,
                "unit": net.unit.get(p, ""),
                "weight": net.weight[w],
                "max_shortfall": net.max_shortfall.get(w),
                "demand": dem,
                "supplied": float(dp["supplied"].sum()),
                "stock_drawn": float(dp["stock_drawn"].sum()),
                "stock_drawn_for_shortfall": float(dp.loc[dp["drawn_for_shortfall"], "stock_drawn"].sum()),
                "unmet": unmet,
                "served_share": 1 - unmet / dem if dem > 0 else 1.0,
                "worst_served_share": float(dp.loc[worst, "served_share"]),
                "worst_market": str(dp.loc[worst, "market"]),
                "scenario_cost": scenario_cost,
                "normal_cost": normal_cost,
                "extra_cost": extra,
                "cause": cause,
            }
            summary.append(with_period(row, t))
    detail = detail[period_columns(SCENARIO_COLUMNS)]
    return detail, pd.DataFrame(summary)


def cost_tolerance(normal_cost: float) -> float:
    """How far below the normal year's cost a crisis must be before it is called cheaper (the
    solver's tolerance on a year's cost)."""
    return 1e-6 * max(1.0, abs(normal_cost))


def crisis_cause(ctx: Context, t: int, w: str, drawn: dict[tuple[Any, ...], float], out: Extraction) -> str:
    """Why the year of crisis w in period t costs less than a normal year, found from the solution:
    the caps lapse in crises and bind the normal year; demand falls in the crisis; stock is drawn
    at a restock cost below what supplying it costs in the normal year; reserve held in the normal
    year is released; plants held at their minimum output in the normal year make less in the
    crisis. Every cause found is named; if none is, that is said."""
    net, view = ctx.net, ctx.at(t)
    causes = []
    dependency = out.tables.get("Dependency")
    if not net.caps_hold_in_scenarios and dependency is not None:
        rows = dependency[dependency["binding"].astype(bool)]
        if "period" in rows.columns:
            rows = rows[rows["period"] == t]
        if len(rows):
            caps = ", ".join(dict.fromkeys(f"{r.product} in {r.market}" for r in rows.itertuples()))
            causes.append(
                f"the dependency caps lapse in crises (caps_in_scenarios: lapse) and bind the normal year ({caps})"
            )
    drops = [k for k, d in view.demand.items() if d > 0 and view.demand_factor.get((w, *k), 1.0) < 1]
    if drops:
        named = ", ".join(f"{p} in {mk}" for p, mk in drops[:3]) + (" and more" if len(drops) > 3 else "")
        causes.append(f"demand falls in the crisis ({named})")
    cheap = _cheap_stock(ctx, t, drawn, out)
    if cheap:
        causes.append(cheap)
    released = _reserve_used(t, w, out)
    if released:
        causes.append(
            f"the reserve held in the normal year is released in the crisis, and the plants that hold it run on it "
            f"({released})"
        )
    floors = _floors_released(ctx, t, w, out)
    if floors:
        causes.append(
            f"the minimum outputs (Sites.min_output) bind the normal year only, and in the crisis these plants make "
            f"less than their floor ({floors})"
        )
    if not causes:
        causes.append("no cause found in the data (a cheaper response than the normal year's, within the solver's gap)")
    return "; ".join(causes)


def _floors_released(ctx: Context, t: int, w: str, out: Extraction) -> str:
    """The sites with a minimum output that run at their floor in the normal year of period t and
    make less than it in crisis w: a normal year's offtake obligation a crisis is free of ("" if none)."""
    net = ctx.net
    sites, flows = out.tables.get("Sites"), out.tables.get("ScenarioFlows")
    if not net.min_output or sites is None or flows is None:
        return ""
    if "period" in sites.columns:
        sites, flows = sites[sites["period"] == t], flows[flows["period"] == t]
    produced = flows[flows["scenario"] == w].groupby("site")["quantity"].sum()
    out_sites = []
    for r in sites.itertuples():
        floor = net.min_output.get(r.site, 0.0) * r.capacity
        at_floor = floor > TOL and r.production <= floor + TOL * max(1.0, floor)
        if at_floor and float(produced.get(r.site, 0.0)) < floor - TOL * max(1.0, floor):
            out_sites.append(r.site)
    return ", ".join(out_sites)


def _reserve_used(t: int, w: str, out: Extraction) -> str:
    """The sites that, in crisis w of period t, produce into the capacity they hold in reserve in
    the normal year ("" if none)."""
    sites, flows = out.tables.get("Sites"), out.tables.get("ScenarioFlows")
    if sites is None or flows is None:
        return ""
    if "period" in sites.columns:
        sites, flows = sites[sites["period"] == t], flows[flows["period"] == t]
    produced = flows[flows["scenario"] == w].groupby("site")["quantity"].sum()
    used = [
        r.site
        for r in sites.itertuples()
        if r.reserve > TOL and float(produced.get(r.site, 0.0)) > r.capacity - r.reserve + TOL * max(1.0, r.capacity)
    ]
    return ", ".join(used)


def _cheap_stock(ctx: Context, t: int, drawn: dict[tuple[Any, ...], float], out: Extraction) -> str:
    """The stock drawn (``drawn``: (p, m) -> quantity, one crisis of period t) whose restock cost is
    below the normal year's average delivered cost of the same product into the same country, from
    Flows ("" if none)."""
    net = ctx.net
    flows = out.tables.get("Flows")
    if flows is None:
        return ""
    if "period" in flows.columns:
        flows = flows[flows["period"] == t]
    cheap = []
    for (p, mk), quantity in drawn.items():
        if quantity <= TOL:
            continue
        into = flows[(flows["product"] == p) & (flows["market"] == mk)]
        arrived = float(into["quantity"].sum())
        if arrived <= 0:
            continue
        average = float((into["quantity"] * into["delivered_unit_cost"]).sum()) / arrived
        restock = stocks_of(net).restock_cost.get((p, mk), 0.0)
        if restock < average:
            cheap.append(f"{quantity:,.4g} {p} in {mk} at {restock:g} a unit against {average:,.4g}")
    if not cheap:
        return ""
    return "stock is drawn at a restock cost below what supplying it costs in a normal year (" + "; ".join(cheap) + ")"


def operating_costs(res: Any, net: Network) -> tuple[float, dict[str, float]]:
    """The yearly operating cost of the normal year and of each crisis, recomputed from the tables
    and the inputs alone: the flows at their delivered cost (``Network.delivered_cost``), the
    unmet demand at its market's penalty, and (crises) the stock drawn at its restock cost. A
    pool's draw is ScenarioInputs' ``stock_drawn`` where plants consume from it, else Scenarios'."""

    def delivered(s: str, mk: str) -> float:  # a flow on no lane (reported by the lane checks) costs nothing here
        return net.delivered_cost(s, mk) if (s, mk) in net.tariff_rate else 0.0

    normal = sum(q * delivered(s, mk) for s, mk, q in rows_of(res["Flows"], "site", "market", "quantity"))
    normal += sum(net.penalty(p, mk) * u for p, mk, u in rows_of(res["Unmet"], "product", "market", "unmet"))
    crisis: dict[str, float] = defaultdict(float)
    for w, s, mk, q in rows_of(res["ScenarioFlows"], "scenario", "site", "market", "quantity"):
        crisis[w] += q * delivered(s, mk)
    drawn: dict[tuple[str, str, str], float] = {}
    for w, p, mk, u, d in rows_of(res["Scenarios"], "scenario", "product", "market", "unmet", "stock_drawn"):
        crisis[w] += net.penalty(p, mk) * u
        drawn[(w, p, mk)] = d
    if "ScenarioInputs" in res.tables:  # the whole draw of a pool that plants consume from
        for w, p, mk, d in rows_of(res["ScenarioInputs"], "scenario", "product", "market", "stock_drawn"):
            drawn[(w, p, mk)] = d
    for (w, p, mk), d in drawn.items():
        crisis[w] += stocks_of(net).restock_cost.get((p, mk), 0.0) * d
    return float(normal), dict(crisis)


def check(res: Any, net: Network) -> list[str]:
    """Per crisis: demand = supplied + drawn + unmet; production <= (1 - loss) cap; drawn <= stock;
    unmet within max_shortfall; no flow on a lane its Closures rows close, or from a site it cuts
    off; with recipes, in every input pool the plants' use is their production (ScenarioSites)
    times the recipe and at most what arrives plus the stock drawn. The expected disruption cost
    recomputes from the ScenarioSummary (sum_ω π[ω] extra_cost[ω]); a crisis cheaper than the
    normal year names its cause."""
    if not net.scenarios:
        return []
    out = []
    stock = held(res)
    summary = res["ScenarioSummary"]
    extra: dict[str, float] = {}  # every row of a scenario carries its costs
    for w, scenario_cost, normal_cost, extra_cost, cause in rows_of(
        summary, "scenario", "scenario_cost", "normal_cost", "extra_cost", "cause"
    ):
        extra.setdefault(w, extra_cost)
        if not close(scenario_cost - normal_cost, extra_cost, max(abs(scenario_cost), abs(normal_cost))):
            out.append(f"{w}: extra_cost {extra_cost:g} is not scenario_cost - normal_cost")
        if extra_cost < -cost_tolerance(normal_cost) and not cause:
            out.append(f"{w}: costs less than a normal year, with no cause given")
    expected = float(sum(net.weight[w] * x for w, x in extra.items()))
    out += cost_problems(res, EXPECTED_DISRUPTION_LABEL, expected)
    normal_op, crisis_op = operating_costs(res, net)
    for w, x in extra.items():
        recomputed = crisis_op.get(w, 0.0) - normal_op
        if not close(x, recomputed, max(abs(normal_op), abs(crisis_op.get(w, 0.0)))):
            out.append(
                f"{w}: extra_cost {x:,.6g} but the crisis's flows, unmet demand and stock drawn cost "
                f"{recomputed:,.6g} more than the normal year's"
            )
    columns = ("scenario", "product", "market", "demand", "supplied", "stock_drawn", "unmet")
    for w, p, mk, demand, supplied, drawn, unmet in rows_of(res["Scenarios"], *columns):
        expected = net.scenario_demand(w, p, mk)
        if not close(demand, expected, expected):
            out.append(f"{w}: demand of {p} in {mk} is {demand:g}, input says {expected:g}")
        if not close(supplied + drawn + unmet, demand, demand):
            out.append(f"{w}: {p} in {mk}: supplied + drawn + unmet != demand")
        if drawn > stock.get((p, mk), 0.0) + TOL * max(1.0, drawn):
            out.append(f"{w}: {p} in {mk}: drew {drawn:g}, more than the stock held")
        ms = net.max_shortfall.get(w)
        if ms is not None and unmet > ms * demand + TOL * max(1.0, demand):
            out.append(f"{w}: {p} in {mk}: unmet {unmet:g} above max_shortfall {ms:g}")
    allowed = set(net.arcs)
    for w, site, market, quantity in rows_of(res["ScenarioFlows"], "scenario", "site", "market", "quantity"):
        if quantity <= TOL:
            continue
        if (site, market) not in allowed:
            out.append(f"{w}: flow from {site} to {market} uses no allowed lane")
        closing = [
            c.row
            for c in net.closures
            if c.scenario == w and c.closes(net.site_country[site], market, net.site_product[site])
        ]
        if closing:
            out.append(f"{w}: {quantity:g} shipped from {site} to {market}, a lane Closures row {closing[0]} closes")
    cap = site_capacity(net, res["Sites"])
    produced: dict[tuple[str, str], float] = {}
    for w, site, production in rows_of(res["ScenarioSites"], "scenario", "site", "production"):
        produced[(w, site)] = production
        left = (1 - net.loss.get((w, site), 0.0)) * cap[site]
        if production > left + TOL * max(1.0, left):
            out.append(f"{w}: {site} produces {production:g} with only {left:g} capacity left")
    if "ScenarioInputs" in res.tables:
        columns = ("scenario", "product", "market", "supplied", "stock_drawn", "used")
        for w, i, c, supplied, drawn, used in rows_of(res["ScenarioInputs"], *columns):
            expected = sum(rate * produced.get((w, s), 0.0) for s, rate in net.consumers.get((i, c), ()))
            if not close(used, expected, expected):
                out.append(f"{w}: the plants in {c} use {used:g} {i}, but their production needs {expected:g}")
            if used > supplied + drawn + TOL * max(1.0, used):
                out.append(f"{w}: the plants in {c} use {used:g} {i}, more than arrives ({supplied:g}) and is drawn")
            if drawn > stock.get((i, c), 0.0) + TOL * max(1.0, drawn):
                out.append(f"{w}: {i} in {c}: drew {drawn:g}, more than the stock held")
    return out


def charts(book: Book, sheets: dict[str, Worksheet], tables: dict[str, pd.DataFrame]) -> None:
    """The ScenarioSummary sheet's chart of the share of demand served (``scenario_chart``)."""
    ss = tables.get("ScenarioSummary")
    if ss is not None and len(ss) and "ScenarioSummary" in sheets:
        scenario_chart(book, sheets["ScenarioSummary"], ss)


def scenario_chart(book: Book, ws: Worksheet, ss: pd.DataFrame) -> None:
    """Served share per scenario and product: a block beside the table (scenarios down, products
    across: the chart's data, in the sheet for anyone to read) and a horizontal bar chart of it,
    one bar per product in each scenario's group, a legend naming the products, as tall as the
    scenarios need. With periods, a row per scenario and period ("Oxide ban, 2025"): every
    period, not the last one alone."""
    if "period" in ss.columns:
        label = [f"{w}, {t}" for w, t in zip(ss["scenario"], ss["period"], strict=True)]
    else:
        label = [str(w) for w in ss["scenario"]]
    scenarios = list(dict.fromkeys(label))
    products = list(dict.fromkeys(ss["product"]))
    served = dict(zip(zip(label, ss["product"], strict=True), ss["served_share"], strict=True))
    c0 = len(ss.columns) + 1
    header = book.format(bold=True, fill=HEADER_FILL)
    title = "served_share by scenario" + (" and period" if "period" in ss.columns else "")
    ws.write_string(0, c0, title, header)
    for j, p in enumerate(products):
        ws.write_string(0, c0 + 1 + j, str(p), header)
    share = book.format(SHARE)
    for i, w in enumerate(scenarios):
        ws.write_string(i + 1, c0, str(w))
        for j, p in enumerate(products):
            v = clean(served.get((w, p)))
            if v is not None:
                ws.write_number(i + 1, c0 + 1 + j, v, share)
    ws.set_column(c0, c0, max(len(title), *(len(str(w)) for w in scenarios)) + 2)
    name = ws.get_name()
    n = len(scenarios)
    chart = book.wb.add_chart({"type": "bar"})
    for j in range(len(products)):
        chart.add_series(series(name, n, c0 + 1 + j, (c0, c0)) | {"gap": 80})
    each = "each scenario and period" if "period" in ss.columns else "each scenario"
    chart.set_title({"name": f"Share of demand served in {each}, by product", "name_font": {"size": 11}})
    chart.set_x_axis({"num_format": "0%", "min": 0, "max": 1, "major_gridlines": {"visible": True}})
    chart.set_y_axis({"reverse": True})
    chart.set_legend({"position": "bottom"})
    height = 4.0 + n * (BAR_CM * len(products) + 0.4)
    chart.set_size({"width": 18 * CM, "height": height * CM})
    ws.insert_chart(n + 3, c0, chart)


SUMMARY_MEANINGS = {  # scenario.<name>[.<product>].<what>
    "cost": "yearly cost in this scenario, with the design fixed",
    "worst_served_share": "in this scenario, the smallest share of demand served in any market",
    "served_share": "in this scenario, share of this product's demand served",
    "stock_drawn": "in this scenario, strategic stock of this product drawn",
}


def summary(tables: dict[str, pd.DataFrame], net: Network) -> list[Metric]:
    """Each crisis in the Summary (with periods, in the last period): its yearly cost, the worst
    share of demand served in any market, and per product the share served and the stock drawn
    (``scenario.<name>[.<product>].<what>``)."""
    ss = tables.get("ScenarioSummary")
    if ss is None:
        return []
    ss, last = last_period(ss)

    def metric(name: str, value: Any) -> Metric:
        return Metric(name, value, SUMMARY_MEANINGS[name.rsplit(".", 1)[-1]], last, "ScenarioSummary")

    out = []
    for w, d in ss.groupby("scenario", sort=False):
        out.append(metric(f"scenario.{w}.cost", float(d["scenario_cost"].iloc[0])))
        out.append(metric(f"scenario.{w}.worst_served_share", float(d["worst_served_share"].min())))
        for r in d.itertuples():
            out.append(metric(f"scenario.{w}.{r.product}.served_share", r.served_share))
            out.append(metric(f"scenario.{w}.{r.product}.stock_drawn", r.stock_drawn))
    return out


def console(line: Line, net: Network, tables: dict[str, pd.DataFrame]) -> None:
    """Each crisis on the console (with periods, in the last period): its yearly cost and what it
    adds to a normal year, why it is cheaper where it is, per product the share served (worst
    market) and the stock drawn because supply fell short, the plants starved of inputs, the stock
    used though supply did not fall short, and the caps binding in the crisis."""
    if "ScenarioSummary" not in tables:
        return
    cur = net.settings.currency
    dep = tables["Dependency"]
    if "period" in dep.columns:
        dep = dep[dep["period"] == net.periods[-1].year]
    crisis_caps = dep[dep["scenario"] != ""] if "scenario" in dep.columns else dep.iloc[:0]
    line("Scenarios: share of demand served per product (worst market), stock drawn:")
    summary = tables["ScenarioSummary"]
    if "period" in summary.columns:
        summary = summary[summary["period"] == net.periods[-1].year]
    for w, d in summary.groupby("scenario", sort=False):
        target = d["max_shortfall"].iloc[0]
        rule = f", at most {target:.0%} short per market" if target == target and target is not None else ""
        extra = float(d["extra_cost"].iloc[0])
        line(
            f"  {w} (yearly cost {money(float(d['scenario_cost'].iloc[0]))} {cur}, "
            f"{'+' if extra >= 0 else '-'}{money(abs(extra))} on a normal year{rule})"
        )
        cause = str(d["cause"].iloc[0]) if "cause" in d.columns and d["cause"].iloc[0] else ""
        if cause:
            line(f"    << cheaper than a normal year: {cause}")
        wp = max(len(str(p)) for p in d["product"])
        for r in d.itertuples():
            short = getattr(r, "stock_drawn_for_shortfall", r.stock_drawn)  # drawn because supply fell short
            drawn = f", stock drawn {qty(short)} {r.unit}" if short > 1e-9 else ""
            line(
                f"    {r.product:<{wp}}  {r.served_share:6.1%} (worst: {r.worst_market} "
                f"{r.worst_served_share:.1%}){drawn}"
            )
        by_choice = _tiers_in_scenario(line, net, tables, w) + _draws_by_choice(net, tables, w)
        if by_choice:
            line(f"    stock used though supply did not fall short: {'; '.join(by_choice)}")
        held = crisis_caps[(crisis_caps["scenario"] == w) & crisis_caps["binding"].astype(bool)]
        if len(held):
            line(
                "    caps binding in the crisis (they hold, caps_in_scenarios: hold): "
                + "; ".join(f"{r.product} in {r.market} {r.concern_share:.0%} / {r.cap:.0%}" for r in held.itertuples())
            )


def _tiers_in_scenario(line: Line, net: Network, tables: dict[str, pd.DataFrame], scenario: str) -> list[str]:
    """With recipes: the plants a scenario starves of inputs (an input they need was short: no
    more of it could reach them), and the stock of inputs it draws because their supply fell
    short (with periods, in the last period, as the lines above). Returns the input stock drawn
    though supply was to be had, for ``console``."""

    def last(table: Any) -> Any:
        return table[table["period"] == net.periods[-1].year] if "period" in table.columns else table

    sites = tables.get("ScenarioSites")
    if sites is not None and "starved" in sites:
        sites = last(sites)
        starved = sites[(sites["scenario"] == scenario) & sites["starved"].astype(bool)]
        if len(starved):
            names = ", ".join(dict.fromkeys(f"{r.site} (short of {r.inputs_missing})" for r in starved.itertuples()))
            line(f"    starved of inputs: {names}")
    by_choice: list[str] = []
    inputs = tables.get("ScenarioInputs")
    if inputs is not None:
        inputs = last(inputs)
        drawn = inputs[(inputs["scenario"] == scenario) & (inputs["stock_drawn"] > 1e-9)]
        for r in drawn.itertuples():
            what = " ".join(filter(None, (qty(r.stock_drawn), net.unit.get(r.product, ""), r.product)))
            if getattr(r, "drawn_for_shortfall", True):
                line(f"    input stock drawn: {what} in {r.market}")
            else:
                by_choice.append(f"{what} in {r.market}")
    return by_choice


def _draws_by_choice(net: Network, tables: dict[str, pd.DataFrame], scenario: str) -> list[str]:
    """The stock of final products a scenario draws though supply into the market did not fall
    short (the Scenarios rows with stock drawn and ``drawn_for_shortfall`` FALSE; with periods,
    in the last period): ``4,000 t NdFeB magnets in USA``."""
    detail = tables.get("Scenarios")
    if detail is None or "drawn_for_shortfall" not in detail.columns:
        return []
    if "period" in detail.columns:
        detail = detail[detail["period"] == net.periods[-1].year]
    rows = detail[
        (detail["scenario"] == scenario) & (detail["stock_drawn"] > 1e-9) & ~detail["drawn_for_shortfall"].astype(bool)
    ]
    return [
        " ".join(filter(None, (qty(r.stock_drawn), net.unit.get(r.product, ""), f"{r.product} in {r.market}")))
        for r in rows.itertuples()
    ]


def compare(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame], pk: list[str]) -> dict[str, pd.DataFrame]:
    """Each crisis's service of two runs side by side (the ScenarioSummary sheets, as the
    comparison's Scenarios sheet)."""
    if "ScenarioSummary" not in a and "ScenarioSummary" not in b:
        return {}
    return {"Scenarios": _side_by_side(a.get("ScenarioSummary"), b.get("ScenarioSummary"), pk)}


COMPARED = ["served_share", "worst_served_share", "stock_drawn", "unmet"]
"""The ScenarioSummary columns compared across runs."""


def _side_by_side(a: pd.DataFrame | None, b: pd.DataFrame | None, pk: list[str]) -> pd.DataFrame:
    """ScenarioSummary side by side per (period,) scenario and product, rows of either run kept
    (``present``: a scenario new in B, or one B dropped, has its other side blank)."""
    keys = [*pk, "scenario", "product"]
    empty = pd.DataFrame(columns=[*keys, *COMPARED])
    a = empty if a is None else a[[*keys, *COMPARED]]
    b = empty if b is None else b[[*keys, *COMPARED]]
    merged = a.merge(b, on=keys, how="outer", suffixes=("_A", "_B"), indicator=True, sort=False)
    merged.insert(len(keys), "present", merged.pop("_merge").map(MERGED).astype(str))
    listed = union(
        [tuple(k) for k in a[keys].itertuples(index=False)], [tuple(k) for k in b[keys].itertuples(index=False)]
    )
    rank = {k: i for i, k in enumerate(listed)}  # the runs' own order (a merge sorts the keys)
    order = sorted(range(len(merged)), key=lambda i: rank[tuple(merged.loc[i, keys])])
    return merged.iloc[order].reset_index(drop=True)


def changes(compared: dict[str, pd.DataFrame]) -> list[Change]:
    """(text, period) for the scenarios: one line per scenario in one run only, with the share of
    demand it serves per product (``Port strike: a scenario only in B; served NdFeB magnets
    100.0%, ...``), and one per product whose served share moved."""
    scenarios = compared.get("Scenarios")
    if scenarios is None:
        return []
    out: list[Change] = []
    present = scenarios["present"] if "present" in scenarios.columns else pd.Series("both", index=scenarios.index)
    one_side = scenarios[present != "both"]
    keys = ["period", "scenario"] if "period" in scenarios.columns else ["scenario"]
    for key, group in one_side.groupby(keys, sort=False):
        period = key[0] if len(keys) == 2 else None
        scenario = key[-1] if isinstance(key, tuple) else key
        side = "B" if group["present"].iloc[0] == "only in B" else "A"
        served = ", ".join(f"{r.product} {pct(getattr(r, f'served_share_{side}'))}" for r in group.itertuples())
        which = "a new scenario, only in B" if side == "B" else "a scenario only in A (dropped in B)"
        out.append(Change(f"{scenario}: {which}; served {served}", period))
    for r in scenarios[present == "both"].itertuples():
        if differs(r.served_share_A, r.served_share_B):
            text = f"{r.scenario}, {r.product}: served {pct(r.served_share_A)} -> {pct(r.served_share_B)}"
            out.append(Change(text, getattr(r, "period", None)))
    return out


# The HTML report

SECTION_PLACE = 40
"""Where its section stands in the HTML report: after the caps, before the chains."""


def html(tables: Mapping[str, pd.DataFrame], facts: kit.Facts) -> list[Section]:
    """Its section of the HTML report (``crises_section``), when there is a Scenarios table."""
    text = crises_section(tables, facts)
    return [Section(SECTION_PLACE, text)] if text else []


def glance(tables: Mapping[str, pd.DataFrame], facts: kit.Facts) -> list[Glance]:
    """Its line of the headline, linking to its section: the worst served share of any crisis in
    the last period (``_worst_crisis``)."""
    worst = _worst_crisis(tables, facts)
    if not worst:
        return []
    return [Glance(SECTION_PLACE, line=f'<li><a href="#crises">What happens in each crisis</a>: {escape(worst)}</li>')]


def _worst_crisis(tables: Mapping[str, pd.DataFrame], facts: kit.Facts) -> str:
    """The worst served share of any crisis in the last period, in words (or "")."""
    scen = tables.get("Scenarios")
    if scen is None or not len(scen) or "served_share" not in scen.columns:
        return ""
    periods = kit.periods_of({"Scenarios": scen})
    part = kit.at_period(scen, periods[-1]) if periods else scen
    part = part[part["demand"] > kit.EPS]
    if not len(part):
        return ""
    r = part.loc[part["served_share"].astype(float).idxmin()]
    when = f" in {periods[-1]}" if periods else ""
    if float(r["served_share"]) >= 1 - 1e-6:
        return f"every crisis{when} serves every market in full"
    return (
        f"worst: {r['scenario']}{when}, {float(r['served_share']):.0%} of {r['product']} demand served in {r['market']}"
    )


def _served_css(v: float) -> str:
    return "s-full" if v >= 1 - 1e-6 else "s-mild" if v >= 0.9 else "s-bad" if v >= 0.5 else "s-worse"


def crises_section(tables: Mapping[str, pd.DataFrame], facts: kit.Facts) -> str:
    """What happens in each crisis: per period (the last open, the others folded), a row per crisis
    and product with demand: the share of demand served in each market (shaded; the worst market of
    a row that falls short marked ▼), over all markets, the stock drawn, the crisis's probability,
    what its year costs beyond a normal one (the costliest marked) and the inputs drawn from stock."""
    scen = tables.get("Scenarios")
    if scen is None or not len(scen) or "served_share" not in scen.columns:
        return ""
    summary = tables.get("ScenarioSummary")
    inputs = tables.get("ScenarioInputs")
    periods = kit.periods_of({"Scenarios": scen}) or [None]
    blocks = []
    for k, t in enumerate(reversed(periods)):
        part = kit.at_period(scen, t) if t is not None else scen
        summ = (
            kit.at_period(summary, t)
            if summary is not None and t is not None and "period" in summary.columns
            else summary
        )
        ins = (
            kit.at_period(inputs, t) if inputs is not None and t is not None and "period" in inputs.columns else inputs
        )
        table = _crisis_table(part, summ, ins, facts)
        when = f" in {t}" if t is not None else ""
        title = f"Crises{when}"
        if k == 0:
            blocks.append(f"<h3>{escape(title)}</h3>{table}")
        else:
            blocks.append(f"<details><summary>{escape(title)} (click to show)</summary>{table}</details>")
    intro = (
        "<p>Each crisis as the design meets it: the share of each market's demand served (supply and stock drawn; "
        "▼ marks the worst market of a row that falls short), what the year costs beyond a normal one, and the "
        "stock drawn. The Scenarios and ScenarioSummary sheets have every number.</p>"
    )
    return '<section id="crises"><h2>What happens in each crisis</h2>' + intro + "".join(blocks) + "</section>"


def _crisis_table(
    scen: pd.DataFrame, summary: pd.DataFrame | None, inputs: pd.DataFrame | None, facts: kit.Facts
) -> str:
    """One period's crisis table (see ``crises_section``)."""
    markets = list(dict.fromkeys(scen["market"].astype(str)))
    crises = list(dict.fromkeys(scen["scenario"].astype(str)))
    extra: dict[str, float] = {}
    weight: dict[str, float] = {}
    target: dict[str, float] = {}
    if summary is not None and len(summary):
        for r in summary.to_dict("records"):
            w = str(r["scenario"])
            if not kit.isnan(r.get("extra_cost")) and r.get("extra_cost") is not None:
                extra[w] = float(r["extra_cost"])
            if not kit.isnan(r.get("weight")) and r.get("weight") is not None:
                weight[w] = float(r["weight"])
            if r.get("max_shortfall") is not None and not kit.isnan(r.get("max_shortfall")):
                target[w] = float(r["max_shortfall"])
    costliest = max(extra, key=lambda w: extra[w]) if extra and max(extra.values()) > kit.EPS else None
    drawn_inputs: dict[str, list[str]] = defaultdict(list)
    if inputs is not None and len(inputs) and "stock_drawn" in inputs.columns:
        for r in inputs[inputs["stock_drawn"] > kit.EPS].to_dict("records"):
            unit = facts.unit.get(str(r["product"]), "")
            drawn_inputs[str(r["scenario"])].append(
                f"{kit.qty(float(r['stock_drawn']))} {unit} {r['product']} in {r['market']}".replace("  ", " ")
            )
    header = [
        kit.Cell("crisis", header=True),
        kit.Cell("extra cost of the year", header=True),
        kit.Cell("product", header=True),
        kit.Cell("all markets", header=True),
        *(kit.Cell(m, header=True) for m in markets),
        kit.Cell("stock drawn", header=True),
    ]
    body = []
    for w in crises:
        rows = scen[scen["scenario"].astype(str) == w]
        products = list(dict.fromkeys(rows["product"].astype(str)))
        for j, p in enumerate(products):
            pr = rows[rows["product"].astype(str) == p]
            share = dict(zip(pr["market"].astype(str), pr["served_share"].astype(float)))
            demand = float(pr["demand"].sum())
            unmet = float(pr["unmet"].sum()) if "unmet" in pr.columns else 0.0
            overall = 1 - unmet / demand if demand > kit.EPS else 1.0
            worst = min(share, key=lambda m: share[m]) if share else None
            worst = worst if worst is not None and share[worst] < 1 - 1e-6 else None
            unit = facts.unit.get(p, "")
            stock = float(pr["stock_drawn"].sum()) if "stock_drawn" in pr.columns else 0.0
            cells: list[kit.Cell] = []
            if j == 0:
                notes = []
                if w in weight:
                    notes.append(f"{weight[w]:.0%} a year")
                if w in target:
                    notes.append(f"at most {target[w]:.0%} short per market")
                if drawn_inputs.get(w):
                    notes.append("inputs drawn: " + "; ".join(drawn_inputs[w]))
                text = w + (f" ({'; '.join(notes)})" if notes else "")
                cells.append(kit.Cell(text, rowspan=len(products), css="crisis"))
                cost = extra.get(w)
                cells.append(
                    kit.Cell(
                        "" if cost is None else f"{'+' if cost >= 0 else '−'}{kit.money(abs(cost), facts.currency)}",
                        rowspan=len(products),
                        css="num worst" if w == costliest else "num",
                        title="the costliest crisis" if w == costliest else "",
                    )
                )
            cells.append(kit.Cell(p))
            cells.append(kit.Cell(f"{overall:.0%}", css=f"num {_served_css(overall)}"))
            for m in markets:
                if m not in share:
                    cells.append(kit.Cell("", css="none"))
                    continue
                v = share[m]
                mark = m == worst
                cells.append(
                    kit.Cell(
                        ("▼ " if mark else "") + f"{v:.0%}",
                        css=f"num {_served_css(v)}" + (" worst" if mark else ""),
                        title=f"the worst market for {p} in {w}" if mark else "",
                    )
                )
            cells.append(kit.Cell(f"{kit.qty(stock)} {unit}".strip() if stock > kit.EPS else "", css="num"))
            body.append(cells)
    return kit.grid([header], body, scroll=len(body) > 2 * kit.SCROLL_ROWS, css="crises")


# Checks of its inputs (run by model.workbook: errors on the records, warnings on the network)


def check_records(data: Mapping[str, SheetData], known: Mapping[str, Any], issues: Issues) -> None:
    """The crises' sheets against the rest, before the network is assembled (errors): a
    disruption's site exists, the weights are probabilities that leave room for the normal year,
    and a closure names known countries or blocs (unless the Countries sheet is held back)."""
    check_disruption_targets(data.get("Disruptions"), known["site"], issues)
    check_scenario_weights(data.get("Scenarios"), issues)
    if known["country"] is not None:
        check_closures(data.get("Closures"), data.get("Countries"), issues)


def check_disruption_targets(disruptions: SheetData | None, sites: Mapping[str, Record] | None, issues: Issues) -> None:
    """A Disruptions row names a country or a site; a site's country, if given too, is its own."""
    if disruptions is None:
        return
    letter = disruptions.letters.get("country", "")
    for rec in valid(disruptions):
        site, country = rec.values.get("site"), rec.values.get("country")
        if site is None and country is None:
            issues.error(
                "Disruptions",
                f"{letter}{rec.row}",
                "both 'country' and 'site' are blank; name the country hit, or a single site",
            )
            rec.values["_invalid"] = True
        elif site is not None and country is not None and sites is not None and site in sites:
            site_country = sites[site].values.get("country")
            if site_country != country:
                issues.error(
                    "Disruptions",
                    f"{letter}{rec.row}",
                    f"site '{site}' is in {site_country}, not {country}; leave 'country' blank or correct it",
                )
                rec.values["_invalid"] = True


def check_scenario_weights(scenarios: SheetData | None, issues: Issues) -> None:
    """The Scenarios weights are yearly probabilities beside the normal year: they must sum to
    less than 1 (the normal year keeps 1 - their sum). An error names the sum and the cells."""
    if scenarios is None:
        return
    letter = scenarios.letters.get("weight", "")
    given = [(rec.row, float(rec.values.get("weight") or 0.0)) for rec in valid(scenarios)]
    total = sum(w for _, w in given)
    if total >= 1 - 1e-12:
        cells = ", ".join(f"{letter}{row}" for row, w in given if w > 0)
        issues.error(
            "Scenarios",
            f"{letter}{given[0][0]}" if given else "",
            f"the scenario weights ({cells}) sum to {total:g}; a weight is the yearly probability of its "
            "crisis, and the normal year keeps 1 minus their sum, so they must sum to less than 1 (a "
            "scenario that only tests the design takes weight 0)",
        )


def check_closures(closures: SheetData | None, countries: SheetData | None, issues: Issues) -> None:
    """Each Closures row's origin and destination is a country or a bloc label of the Countries
    sheet (did-you-mean for a near miss), not both blank; a bloc label that is also a country's
    name is ambiguous: an error at the Countries cell."""
    if closures is None or countries is None:
        return
    names = [r.values["country"] for r in valid(countries)]
    blocs = sorted({r.values.get("bloc") for r in valid(countries) if r.values.get("bloc")})
    bloc_letter = countries.letters.get("bloc", "")
    members: dict[str, set[str]] = {}
    for rec in valid(countries):
        if rec.values.get("bloc"):
            members.setdefault(rec.values["bloc"], set()).add(rec.values["country"])
    reported: set[str] = set()
    for rec in valid(countries):
        label = rec.values.get("bloc")
        if label and label in names and members[label] != {label} and closures.records and label not in reported:
            reported.add(label)
            issues.error(
                "Countries",
                f"{bloc_letter}{rec.row}",
                f"bloc '{label}' is also a country's name: a Closures row naming it would be ambiguous; "
                "rename the bloc",
            )
    for rec in valid(closures):
        origin, destination = rec.values.get("origin"), rec.values.get("destination")
        if origin is None and destination is None:
            issues.error(
                "Closures",
                f"{closures.letters.get('origin', '')}{rec.row}",
                "origin and destination are both blank: that would stop all trade everywhere; name the "
                "exporting country (an export ban) or the importing one (an embargo)",
            )
            rec.values["_invalid"] = True
            continue
        for column, name in (("origin", origin), ("destination", destination)):
            if name is None or name in names or name in blocs:
                continue
            issues.error(
                "Closures",
                f"{closures.letters.get(column, '')}{rec.row}",
                f"'{name}' is neither a country nor a bloc label of the Countries sheet"
                + did_you_mean(name, [*names, *blocs]),
            )
            rec.values["_invalid"] = True


# Explaining an infeasible model (model.diagnose)


def _survival_short(m: pyo.ConcreteModel, net: Network) -> dict[tuple[str, str, int, str], float]:
    """The survival targets (p, m, t, ω) that had to give in an elastic model, and by how much."""
    return {
        key: pyo.value(m.survival_shortfall[key])
        for key in m.SURVIVAL
        if pyo.value(m.survival_shortfall[key])
        > CONFLICT_TOL * max(1.0, net.at(key[2]).scenario_demand(key[3], *key[:2]))
    }


def _survival_conflict(net: Network, key: tuple[str, str, int, str], slack: float, by_caps: bool) -> Conflict:
    """A survival target (10) that had to give by ``slack``: what it allows, what goes unserved
    with any design, the cells that set them; ``by_caps``: the caps holding in the crisis are what
    it conflicts with (it can be met once they lapse)."""
    p, mk, t, w = key
    dem = net.at(t).scenario_demand(w, p, mk)
    target = net.max_shortfall[w]
    allowed = target * dem
    needed = allowed + slack
    target_cell = net.given.get("max_shortfall") or net.cell("Scenarios", w, "max_shortfall")
    cells = [target_cell, net.cell("Demand", (p, mk), "demand")]
    factor = net.at(t).demand_factor.get((w, p, mk))
    shock = f" x demand_factor {factor:g}" if factor is not None else ""
    unit = net.unit.get(p, "")
    if by_caps:
        message = (
            f"{when(net, t)}scenario '{w}', {p} in {mk}: the dependency caps hold in the crisis "
            f"(caps_in_scenarios: hold, {net.setting_cell('caps_in_scenarios')}), and with "
            f"them at least {amount(needed)} {unit} of the scenario demand {amount(dem)} "
            f"({cells[1]}{shock}) goes unserved, more than the {amount(allowed)} that max_shortfall "
            f"{target:.4g} ({cells[0]}) allows; {caps_in_words(net, p, mk, t)}. Something has to "
            "give: the cap (or a crisis without it: caps_in_scenarios: lapse), the target (to "
            f"{needed / dem:.4g}), or supply outside the concern countries that survives the crisis "
            "(capacity, or stock held)."
        )
    else:
        message = (
            f"{when(net, t)}scenario '{w}', {p} in {mk}: max_shortfall {target:.4g} ({cells[0]}) allows "
            f"{amount(allowed)} {unit} of the scenario demand {amount(dem)} ({cells[1]}{shock}) "
            f"to go unserved, but at least {amount(needed)} goes unserved with any design; the "
            f"target would have to give to {needed / dem:.4g} (by {slack / dem:.2%} of demand), "
            "or more capacity or stock be allowed outside the disrupted countries.".replace("  ", " ")
        )
    return Conflict("survival", p, mk, w, allowed, needed, tuple(cells), message, (key, slack))


def conflicts(m: pyo.ConcreteModel, net: Network) -> list[Conflict]:
    """Survival targets (10) that had to give in the elastic model (``reconsider`` then says
    which of them the caps holding in the crisis cause)."""
    return [_survival_conflict(net, key, slack, False) for key, slack in _survival_short(m, net).items()]


def reconsider(
    net: Network, found: list[Conflict], rerun: Callable[[Network], pyo.ConcreteModel | None]
) -> list[Conflict]:
    """The survival conflicts again, with the caps lapsed in the crises (``rerun``: that network
    solved elastic): a target that can then be met conflicts with the caps holding in the crisis,
    and says so. Unchanged where the caps already lapse."""
    survival = [c for c in found if c.kind == "survival"]
    if not survival or not net.caps_hold_in_scenarios:
        return found
    lapsed = rerun(net.with_settings(caps_in_scenarios="lapse"))
    if lapsed is None:
        return found
    still = _survival_short(lapsed, net)
    met = {c.key[0] for c in survival if c.key[0] in lapsed.SURVIVAL and c.key[0] not in still}
    return [
        _survival_conflict(net, c.key[0], c.key[1], True) if c.kind == "survival" and c.key[0] in met else c
        for c in found
    ]
