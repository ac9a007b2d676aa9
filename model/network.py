"""The validated, frozen data object between the workbook and the model.

Everything here is plain Python (dicts keyed by names or name tuples, tuples of arcs), so that
Pyomo rules index dicts and never pandas. The validated tables are kept in ``tables`` for reports.
Nothing downstream re-reads Excel. Symbols follow ``docs/formulation.md``.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import pandas as pd

from model.issues import Issue

Key = tuple[str, str]  # (product, market)

NORMAL = ""
"""The normal year: the member of the scenario dimension that is no crisis (blank in result tables
that list crises beside it). Scenario names are never blank, so it cannot clash with one."""

CAPS_IN_SCENARIOS = ("hold", "lapse")
"""``Settings.caps_in_scenarios``: caps bind every crisis's flows too (``hold``), or the normal
year's only (``lapse``, version 2)."""


PER_PERIOD_FIELDS = frozenset(
    {
        "sites",
        "candidates",
        "closable",
        "input_rate",
        "demand",
        "market_penalty",
        "arcs",
        "tariff_rate",
        "freight_cost",
        "demand_factor",
        "parts",
        "views",
    }
)
"""The ``Network`` fields that hold the data in force in one period: ``model.horizon.period_changes``
makes exactly these from each period's rows (a test checks it, and that every other field is in
``HORIZON_FIELDS``), so a new field is either made per period or declared the same throughout."""

HORIZON_FIELDS = frozenset(
    {
        "settings", "countries", "concern", "bloc", "products", "unit", "unmet_penalty",
        "site_country", "site_product", "capacity", "unit_cost", "fixed_cost", "module_capacity", "module_cost",
        "max_modules", "scenarios", "weight", "max_shortfall", "loss", "loss_rows",
        "study", "tables", "rows", "columns", "warnings", "source", "source_sha256", "timings",
        "periods", "window", "hubs", "customs_value", "recipe", "closures",
        "site_concern", "min_output", "scenario", "given",
    }
)  # fmt: skip
"""The ``Network`` fields that hold for the whole horizon (every period's view keeps them)."""


@dataclass(frozen=True)
class Period:
    """One period of the planning horizon: its first ``year``, how many ``years`` it stands for,
    and its ``weight`` W[t] in the objective (its years, discounted to the first period's year).

    A workbook without a Periods sheet plans one typical year: the single period ``Period()``
    (year 0, one year, weight 1), which results do not show (no ``period`` column).
    """

    year: int = 0
    years: int = 1
    weight: float = 1.0


SINGLE_PERIOD: tuple[Period, ...] = (Period(),)
"""The horizon of a workbook without a Periods sheet."""


@dataclass(frozen=True)
class Settings:
    """Settings sheet, resolved (blanks take defaults; the command line may override)."""

    dependency_cap: float = 1.0
    unmet_penalty: float | None = None
    currency: str = "USD"
    time_limit_s: float = 300.0
    mip_gap: float = 1e-4
    threads: int = 0
    random_seed: int = 0
    discount_rate: float = 0.0
    caps_in_scenarios: str = "hold"
    stress_test: str = "none"
    alternatives: int = 0
    alternatives_slack: float = 0.02
    calibration_tolerance: float = 0.10


@dataclass(frozen=True)
class Closure:
    """One Closures row, resolved: in ``scenario``, no site in ``origins`` ships ``product`` into
    ``destinations`` (None: every country; ``product`` None: every product). Domestic supply is
    never closed."""

    row: int
    scenario: str
    origins: frozenset[str] | None
    destinations: frozenset[str] | None
    product: str | None

    def closes(self, origin: str, destination: str, product: str) -> bool:
        """Whether this row stops ``product`` shipped from ``origin`` into ``destination``."""
        return (
            origin != destination
            and (self.origins is None or origin in self.origins)
            and (self.destinations is None or destination in self.destinations)
            and (self.product is None or self.product == product)
        )


class Part(Protocol):
    """What a family reads of its own sheets into the network (``Network.parts``): it keeps every
    row it read, and ``at`` derives it for a network from the rows in force in the period starting
    in ``year`` (None: every row, a network without periods) and that network's data and settings.
    A part that varies by period records the ``year`` it was derived for (an attribute), so that a
    period's view derives it again for its own period when a setting changes."""

    def at(self, net: Network, year: int | None) -> Part: ...


@dataclass(frozen=True)
class Network:
    """A checked supply network, ready for ``build_model``.

    Sets (formulation symbols): ``countries`` (C), ``concern`` (K), ``products`` (P),
    ``sites`` (S), ``candidates`` (S_c), ``markets`` (M), ``arcs`` (A), ``scenarios`` (Ω).
    """

    settings: Settings
    countries: tuple[str, ...]
    concern: frozenset[str]
    bloc: dict[str, str]
    products: tuple[str, ...]
    unit: dict[str, str]
    unmet_penalty: dict[str, float]
    sites: tuple[str, ...]
    site_country: dict[str, str]
    site_product: dict[str, str]
    candidates: tuple[str, ...]
    capacity: dict[str, float]
    unit_cost: dict[str, float]
    fixed_cost: dict[str, float]
    module_capacity: dict[str, float]
    module_cost: dict[str, float]
    max_modules: dict[str, int]
    demand: dict[Key, float]
    """D[p, m] for every Demand row (zeros included)."""
    arcs: tuple[tuple[str, str], ...]
    """A: (site, market) allowed by Lanes (domestic always) into a pool (p(s), m) of N (final
    demand D[p(s), m] > 0 or a site in m that consumes p(s)); never a hub into its own country."""
    tariff_rate: dict[tuple[str, str], float]
    freight_cost: dict[tuple[str, str], float]
    scenarios: tuple[str, ...] = ()
    weight: dict[str, float] = field(default_factory=dict)
    max_shortfall: dict[str, float | None] = field(default_factory=dict)
    loss: dict[tuple[str, str], float] = field(default_factory=dict)
    """loss^ω[s] > 0 per (scenario, site); absent = 0."""
    loss_rows: dict[tuple[str, str], int] = field(default_factory=dict)
    """Disruptions row that sets each loss."""
    demand_factor: dict[tuple[str, str, str], float] = field(default_factory=dict)
    """demand_factor^ω[p, m] per (scenario, product, market) where it is not 1."""
    study: dict[str, tuple[float, ...]] = field(default_factory=dict)
    """Study sheet: parameter -> values to sweep (sorted loosest first)."""
    tables: dict[str, pd.DataFrame] = field(default_factory=dict, compare=False)
    rows: dict[str, dict[Any, int]] = field(default_factory=dict, compare=False)
    """Excel row of each record, per sheet and key, for messages that name cells."""
    columns: dict[str, dict[str, str]] = field(default_factory=dict, compare=False)
    """Column letter of each header, per sheet."""
    warnings: tuple[Issue, ...] = ()
    source: str = ""
    source_sha256: str = ""
    timings: dict[str, float] = field(default_factory=dict, compare=False)
    """Seconds spent reading the file and checking it (``read``, ``check``)."""
    periods: tuple[Period, ...] = SINGLE_PERIOD
    """T: the periods, ordered by year (``SINGLE_PERIOD`` without a Periods sheet)."""
    window: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)
    """(available_from, available_until) of each site whose window is set (None: open on that
    side); read only with a Periods sheet. S(t) = sites whose window holds year t."""
    views: dict[int, Network] = field(default_factory=dict, compare=False, repr=False)
    """The network as it stands in each period t (``at``), made by the reader from the Periods
    sheet (``model.horizon``): demand, arcs, tariffs, freight, caps and the sites of S(t) in
    force in t. Empty without a Periods sheet: every period is this network."""
    input_rate: dict[tuple[str, str], float] = field(default_factory=dict)
    """a[s, i] > 0: units of input product i that site s consumes per unit it makes: the resolved
    recipe of each plant (Recipes sheet, site rows over blank-site rows, 0 removing an input) and
    a[h, p(h)] = 1 for each hub. Empty for a version-1 workbook without hubs."""
    hubs: frozenset[str] = frozenset()
    """H: sites with ``role = hub`` (they pass their product on, 1 to 1, to other countries)."""
    closable: tuple[str, ...] = ()
    """Sites with ``status = closable``: they operate today and the model may close them."""
    customs_value: dict[str, float] = field(default_factory=dict)
    """Products.customs_value where given: the tariff base of the product (else the site's unit_cost)."""
    recipe: dict[tuple[str, str], float] = field(default_factory=dict)
    """a_P[q, i] > 0: the product-level recipe rows (blank site) of the Recipes sheet, for the
    reserve's gross requirement (constraint 6: site overrides ignored, hubs add nothing)."""
    market_penalty: dict[Key, float] = field(default_factory=dict)
    """Demand.unmet_penalty of the (product, market) row in force, where the row gives one: the
    value of lost supply to that market (else the product's ``unmet_penalty``)."""
    closures: tuple[Closure, ...] = ()
    """The Closures rows: trade stopped by lane in a scenario (``A^ω(t) ⊆ A(t)``)."""
    site_concern: dict[str, bool] = field(default_factory=dict)
    """Sites.concern where filled: True for a plant owned or controlled by an entity of concern
    wherever it stands, False for the reverse (see ``concern_sites``)."""
    min_output: dict[str, float] = field(default_factory=dict)
    """Sites.min_output > 0: the share of cap[s, t] that site s must make in a normal year while it
    operates (take-or-pay, offtake, must-run)."""
    scenario: str = NORMAL
    """The member of the scenario dimension this network stands in: ``NORMAL`` for the workbook's
    network and its period views; a crisis for the views ``in_scenario`` makes (its demand scaled
    by the shocks, its arcs those the crisis leaves open)."""
    parts: dict[str, Part] = field(default_factory=dict)
    """What a family reads of its own sheets, by family name (``read``): the dependency family's
    caps, the reserve, the groups, the stock that may be held, the Observed shares. Each part is derived for
    each period's view (and again when a setting changes) by its own ``at``; the network knows
    nothing else of it."""
    given: dict[str, str] = field(default_factory=dict, compare=False)
    """Where a setting changed after reading was given, for messages that name it: setting name
    (or ``max_shortfall``, every scenario's target at once) -> words such as "the command line
    (--cap)". A setting not here is the Settings sheet's, or the default (``setting_cell``)."""

    # ---- derived views -------------------------------------------------------------------
    @property
    def probability(self) -> dict[str, float]:
        """π[ω] per member of the scenario dimension: each crisis's ``Scenarios.weight`` (its yearly
        probability) and, for ``NORMAL``, the rest, 1 - sum π (formulation.md, objective)."""
        out = {NORMAL: 1.0 - sum(self.weight.get(w, 0.0) for w in self.scenarios)}
        out.update({w: self.weight.get(w, 0.0) for w in self.scenarios})
        return out

    @functools.cached_property
    def concern_sites(self) -> frozenset[str]:
        """Q: the concern sites. A site whose ``Sites.concern`` is filled is what that cell says,
        whatever its country (an entity of concern's plant in an allied country; the rare reverse);
        any other site is a concern site when its country is in K. Everything that says "concern"
        (direct and look-through shares, the concern-free mass balance, reserve outside concern)
        reads Q, not K."""
        return frozenset(s for s in self.sites if self.site_concern.get(s, self.site_country[s] in self.concern))

    @property
    def caps_hold_in_scenarios(self) -> bool:
        """Whether the dependency caps (4, 5) and the mass balance (11) bind every crisis too."""
        return self.settings.caps_in_scenarios == "hold"

    def penalty(self, product: str, market: str) -> float:
        """penalty[p, m, t]: the Demand row's ``unmet_penalty`` where given, else the product's."""
        return self.market_penalty.get((product, market), self.unmet_penalty[product])

    def in_scenario(self, scenario: str) -> Network:
        """This (period's) network as it stands in ``scenario``: D[p,m]·f^ω[p,m] as its demand, the
        pools N^ω that still need something (final demand left, or a consuming site), and the arcs
        A^ω: those into such a pool that no Closures row of ω closes, from sites that keep some
        capacity (loss^ω < 1). ``NORMAL`` gives this network itself."""
        if scenario == NORMAL:
            return self
        demand = {k: d * self.demand_factor.get((scenario, *k), 1.0) for k, d in self.demand.items()}
        case = dataclasses.replace(self, demand=demand, scenario=scenario, views={})
        pools = set(case.pools)
        closures = [c for c in self.closures if c.scenario == scenario]
        arcs = tuple(
            (s, mk)
            for s, mk in self.arcs
            if (self.site_product[s], mk) in pools
            and self.loss.get((scenario, s), 0.0) < 1
            and not any(c.closes(self.site_country[s], mk, self.site_product[s]) for c in closures)
        )
        return dataclasses.replace(case, arcs=arcs)

    @property
    def shows_periods(self) -> bool:
        """Whether results carry a ``period`` column (not for ``SINGLE_PERIOD``)."""
        return self.periods != SINGLE_PERIOD

    @functools.cached_property
    def consumed_products(self) -> frozenset[str]:
        """Products some site consumes as an input (a[s, i] > 0): their need is not data."""
        return frozenset(i for (_, i), rate in self.input_rate.items() if rate > 0)

    @property
    def decided(self) -> tuple[str, ...]:
        """Sites with a decision b[s, t]: candidates (built or not) and closable sites (kept or closed)."""
        return self.candidates + self.closable

    @functools.cached_property
    def pools(self) -> tuple[Key, ...]:
        """N: pools (p, c) where D[p, c] > 0 or a site in c consumes p (a[s, p] > 0), in the order
        of Demand then of the sites. A pool is where all supply of p arriving in c meets all need
        of p in c: the final demand and the inputs of the plants (and hubs) there."""
        return pools_of(self.demand, self.site_country, self.input_rate)

    @functools.cached_property
    def inputs_of(self) -> dict[str, list[tuple[str, float]]]:
        """Per site s, its inputs (i, a[s, i]) in recipe order (a hub: its own product, 1)."""
        out: dict[str, list[tuple[str, float]]] = {}
        for (s, i), rate in self.input_rate.items():
            if rate > 0:
                out.setdefault(s, []).append((i, rate))
        return out

    @functools.cached_property
    def consumers(self) -> dict[Key, list[tuple[str, float]]]:
        """Per pool (i, c), the sites s in c that consume i, with a[s, i]."""
        out: dict[Key, list[tuple[str, float]]] = {}
        for (s, i), rate in self.input_rate.items():
            if rate > 0:
                out.setdefault((i, self.site_country[s]), []).append((s, rate))
        return out

    def tariff_base(self, site: str) -> float:
        """base[s]: Products.customs_value of p(s) where given, else unit_cost[s]."""
        return self.customs_value.get(self.site_product[site], self.unit_cost[site])

    @property
    def markets(self) -> tuple[str, ...]:
        """M: countries with positive demand, in Countries order."""
        with_demand = {m for (_, m), d in self.demand.items() if d > 0}
        return tuple(c for c in self.countries if c in with_demand)

    @functools.cached_property
    def positive_demand(self) -> dict[Key, float]:
        """D[p, m] > 0 (computed once per Network: the data are frozen). Do not modify the dict."""
        return {k: d for k, d in self.demand.items() if d > 0}

    def max_capacity(self, site: str) -> float:
        """Largest capacity a site can reach: capacity + module_capacity * max_modules."""
        return self.capacity[site] + self.module_capacity[site] * self.max_modules[site]

    def delivered_cost(self, site: str, market: str) -> float:
        """dc[s, m] = unit_cost + base[s] * tariff_rate + freight_cost (base: ``tariff_base``)."""
        arc = (site, market)
        return self.unit_cost[site] + self.tariff_base(site) * self.tariff_rate[arc] + self.freight_cost[arc]

    def scenario_demand(self, scenario: str, product: str, market: str) -> float:
        """D[p, m] * demand_factor^ω[p, m]."""
        factor = self.demand_factor.get((scenario, product, market), 1.0)
        return self.demand.get((product, market), 0.0) * factor

    def address(self, sheet: str, key: Any, column: str) -> str:
        """``C7``: the cell of ``column`` in the record with ``key`` on ``sheet`` ("" if unknown).

        Keys: the name for sheets keyed by one column (Sites: site name), (product, market) for
        sheets keyed by product and market (Demand, Stockpiles), the setting name for Settings.
        """
        row = self.rows.get(sheet, {}).get(key)
        if row is None:
            return ""
        return f"{self.columns.get(sheet, {}).get(column, '')}{row}"

    def cell(self, sheet: str, key: Any, column: str) -> str:
        """``Sheet!C7`` (just ``Sheet`` if the record is unknown), for messages."""
        address = self.address(sheet, key, column)
        return f"{sheet}!{address}" if address else sheet

    def setting_cell(self, name: str) -> str:
        """Where setting ``name`` comes from, for messages: what ``given`` says (the command line,
        a sweep, a Python call), else its Settings cell (``Settings!B3``), else "the default"."""
        if name in self.given:
            return self.given[name]
        return self.cell("Settings", name, "value") if self.address("Settings", name, "value") else "the default"

    def at(self, t: int) -> Network:
        """This network as it stands in period ``t`` (``Context.at``): the data in force in that
        period (``views[t]``); the network itself without a Periods sheet."""
        return self.views.get(t, self)

    def available(self, site: str, year: int) -> bool:
        """Whether ``site`` may operate in the period starting in ``year``:
        available_from <= year <= available_until (a blank side is open)."""
        start, end = self.window.get(site, (None, None))
        return (start is None or start <= year) and (end is None or year <= end)

    def _each(self, change: Any) -> Network:
        """``change`` applied to this network and to each period's view (the views stay in step)."""
        net = change(self)
        if self.views:
            net = dataclasses.replace(net, views={t: change(v) for t, v in self.views.items()})
        return net

    def with_parts_at(self, year: int | None) -> Network:
        """This network (a period's view: ``year``; None without periods) with every family's part
        derived again for it (``Part.at``): after its data or its settings changed."""
        return dataclasses.replace(self, parts={name: part.at(self, year) for name, part in self.parts.items()})

    def _rederived(self) -> Network:
        """Every part derived again: on this network at the first period's year and on each period's
        view at its year (a network with periods); else each part for the period it was derived
        for (a period's view, or a network without periods: None)."""
        if not self.views:
            return dataclasses.replace(
                self, parts={name: part.at(self, getattr(part, "year", None)) for name, part in self.parts.items()}
            )
        net = self.with_parts_at(self.periods[0].year)
        return dataclasses.replace(net, views={t: v.with_parts_at(t) for t, v in self.views.items()})

    def with_dependency_cap(self, cap: float, given_by: str | None = None) -> Network:
        """The same network with another ``Settings.dependency_cap`` (``--cap``, a sweep's point), in
        every period (rows of the Caps sheet keep their own caps); ``given_by`` says where the
        value comes from in messages (default: ``given_in_python``)."""
        return self.with_settings({"dependency_cap": given_by} if given_by else None, dependency_cap=cap)

    def with_settings(self, given_by: Mapping[str, str] | None = None, **changes: Any) -> Network:
        """The same network with some settings overridden (command-line options, a Python call);
        ``given_by`` says where each was given, for messages (the command line: "the command line
        (--cap)"; default: ``given_in_python``). None leaves a setting as it is. The families'
        parts are derived again under the new settings (the default cap resolves the caps)."""
        changes = {k: v for k, v in changes.items() if v is not None}
        if not changes:
            return self
        where = {k: (given_by or {}).get(k) or given_in_python(k, v) for k, v in changes.items()}
        net = self._each(
            lambda n: dataclasses.replace(n, settings=dataclasses.replace(n.settings, **changes), given=n.given | where)
        )
        return net._rederived()

    def with_max_shortfall(self, value: float, given_by: str | None = None) -> Network:
        """Every scenario's ``max_shortfall`` set to ``value`` (resilience sweeps); ``given_by`` says
        where the value comes from in messages, in place of the Scenarios cells."""
        where = given_by or given_in_python("max_shortfall", value)
        return self._each(
            lambda n: dataclasses.replace(
                n, max_shortfall={w: value for w in n.scenarios}, given=n.given | {"max_shortfall": where}
            )
        )

    def without_scenarios(self) -> Network:
        """The baseline network alone (no scenarios, so no stockpile use either)."""
        return self._each(
            lambda n: dataclasses.replace(
                n, scenarios=(), weight={}, max_shortfall={}, loss={}, loss_rows={}, demand_factor={}
            )
        )


def given_in_python(name: str, value: Any) -> str:
    """Where a setting set by a Python call comes from, in messages: ``dependency_cap=0.3 given in
    Python`` (the command line says "the command line (--cap)" instead)."""
    shown = f"{value:g}" if isinstance(value, float) else repr(value)
    return f"{name}={shown} given in Python"


def most_specific(rows: list[Any], product: str, market: str, product_of: Any, market_of: Any) -> Any | None:
    """The row that wins for (product, market): (p, m) > (p, blank) > (blank, m) > (blank, blank)."""
    best, best_rank = None, -1
    for r in rows:
        rp, rm = product_of(r), market_of(r)
        if rp is not None and rp != product:
            continue
        if rm is not None and rm != market:
            continue
        rank = (2 if rp is not None else 0) + (1 if rm is not None else 0)
        if rank > best_rank:
            best, best_rank = r, rank
    return best


def pools_of(
    demand: dict[Key, float], site_country: dict[str, str], input_rate: dict[tuple[str, str], float]
) -> tuple[Key, ...]:
    """N: (p, c) with D[p, c] > 0 or a site s in c with a[s, p] > 0 (Demand order, then Sites order)."""
    out = dict.fromkeys(k for k, d in demand.items() if d > 0)
    for (s, i), rate in input_rate.items():
        if rate > 0:
            out.setdefault((i, site_country[s]), None)
    return tuple(out)
