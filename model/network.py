"""The validated, frozen data object between the workbook and the model.

Everything here is plain Python (dicts keyed by names or name tuples, tuples of arcs), so that
Pyomo rules index dicts and never pandas. The validated tables are kept in ``tables`` for reports.
Nothing downstream re-reads Excel. Symbols follow ``docs/formulation.md``.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from model.issues import Issue

Key = tuple[str, str]  # (product, market)


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


@dataclass(frozen=True)
class CapRow:
    """One row of the Caps sheet (``product``/``market`` None means blank: every one)."""

    row: int
    product: str | None
    market: str | None
    cap: float
    scope: str


@dataclass(frozen=True)
class TotalCap:
    """Constraint 5: one `total` Caps row applied to one product over a set of markets."""

    row: int
    product: str
    markets: tuple[str, ...]
    cap: float


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
    reserve_share: dict[str, float]
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
    reserve_cost: dict[str, float]
    demand: dict[Key, float]
    """D[p, m] for every Demand row (zeros included)."""
    arcs: tuple[tuple[str, str], ...]
    """A: (site, market) allowed by Lanes (domestic always) with D[p(s), m] > 0."""
    tariff_rate: dict[tuple[str, str], float]
    freight_cost: dict[tuple[str, str], float]
    cap_rows: tuple[CapRow, ...]
    cap_each: dict[Key, float]
    """Resolved `each` cap per (product, market) with demand (1 = no cap)."""
    cap_total: tuple[TotalCap, ...]
    scenarios: tuple[str, ...] = ()
    weight: dict[str, float] = field(default_factory=dict)
    max_shortfall: dict[str, float | None] = field(default_factory=dict)
    loss: dict[tuple[str, str], float] = field(default_factory=dict)
    """loss^ω[s] > 0 per (scenario, site); absent = 0."""
    loss_rows: dict[tuple[str, str], int] = field(default_factory=dict)
    """Disruptions row that sets each loss."""
    demand_factor: dict[tuple[str, str, str], float] = field(default_factory=dict)
    """demand_factor^ω[p, m] per (scenario, product, market) where it is not 1."""
    max_stock: dict[Key, float] = field(default_factory=dict)
    holding_cost: dict[Key, float] = field(default_factory=dict)
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
    """a[s, i] > 0: units of input product i that site s consumes per unit it makes (recipes, a
    version-2 sheet). Empty for every version-1 workbook. The model does not balance inputs yet
    (the tiers issue adds that family); today only the tightening predicates read it, so that a
    tightening that assumes a product's need is data is never generated for a consumed product."""

    # ---- derived views -------------------------------------------------------------------
    @property
    def shows_periods(self) -> bool:
        """Whether results carry a ``period`` column (not for ``SINGLE_PERIOD``)."""
        return self.periods != SINGLE_PERIOD

    @functools.cached_property
    def consumed_products(self) -> frozenset[str]:
        """Products some site consumes as an input (a[s, i] > 0): their need is not data."""
        return frozenset(i for (_, i), rate in self.input_rate.items() if rate > 0)

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
        """dc[s, m] = unit_cost * (1 + tariff_rate) + freight_cost."""
        arc = (site, market)
        return self.unit_cost[site] * (1 + self.tariff_rate[arc]) + self.freight_cost[arc]

    def scenario_demand(self, scenario: str, product: str, market: str) -> float:
        """D[p, m] * demand_factor^ω[p, m]."""
        factor = self.demand_factor.get((scenario, product, market), 1.0)
        return self.demand.get((product, market), 0.0) * factor

    def address(self, sheet: str, key: Any, column: str) -> str:
        """``C7``: the cell of ``column`` in the record with ``key`` on ``sheet`` ("" if unknown).

        Keys: the name for sheets keyed by one column (Sites: site name), (product, market) for
        sheets keyed by market and product (Demand, Stockpiles), the setting name for Settings.
        """
        row = self.rows.get(sheet, {}).get(key)
        if row is None:
            return ""
        return f"{self.columns.get(sheet, {}).get(column, '')}{row}"

    def cell(self, sheet: str, key: Any, column: str) -> str:
        """``Sheet!C7`` (just ``Sheet`` if the record is unknown), for messages."""
        address = self.address(sheet, key, column)
        return f"{sheet}!{address}" if address else sheet

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

    def with_dependency_cap(self, cap: float) -> Network:
        """The same network with another ``Settings.dependency_cap`` (``--cap``), in every period
        (rows of the Caps sheet keep their own caps)."""

        def change(net: Network) -> Network:
            settings = dataclasses.replace(net.settings, dependency_cap=cap)
            return dataclasses.replace(
                net, settings=settings, cap_each=resolve_each_caps(net.cap_rows, cap, net.demand)
            )

        return self._each(change)

    def with_settings(self, **changes: Any) -> Network:
        """The same network with some settings overridden (command-line options)."""
        changes = {k: v for k, v in changes.items() if v is not None}
        net = self
        if "dependency_cap" in changes:
            net = net.with_dependency_cap(changes.pop("dependency_cap"))
        return net._each(lambda n: dataclasses.replace(n, settings=dataclasses.replace(n.settings, **changes)))

    def with_max_shortfall(self, value: float) -> Network:
        """Every scenario's ``max_shortfall`` set to ``value`` (resilience sweeps)."""
        return self._each(lambda n: dataclasses.replace(n, max_shortfall={w: value for w in n.scenarios}))

    def without_scenarios(self) -> Network:
        """The baseline network alone (no scenarios, so no stockpile use either)."""
        return self._each(
            lambda n: dataclasses.replace(
                n, scenarios=(), weight={}, max_shortfall={}, loss={}, loss_rows={}, demand_factor={}
            )
        )


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


def resolve_each_caps(cap_rows: tuple[CapRow, ...], default_cap: float, demand: dict[Key, float]) -> dict[Key, float]:
    """cap_pm for every (product, market) with demand, per the `each` precedence rule."""
    each = [r for r in cap_rows if r.scope == "each"]
    out: dict[Key, float] = {}
    for p, m in demand:
        row = most_specific(each, p, m, lambda r: r.product, lambda r: r.market)
        out[(p, m)] = row.cap if row is not None else default_cap
    return out


def resolve_total_caps(cap_rows: tuple[CapRow, ...], demand: dict[Key, float]) -> tuple[TotalCap, ...]:
    """One TotalCap per `total` Caps row and matching product, over the matching markets."""
    out: list[TotalCap] = []
    products = list(dict.fromkeys(p for p, _ in demand))
    for r in cap_rows:
        if r.scope != "total":
            continue
        for p in products:
            if r.product is not None and r.product != p:
                continue
            markets = tuple(
                m for (pp, m), d in demand.items() if pp == p and d > 0 and (r.market is None or r.market == m)
            )
            if markets:
                out.append(TotalCap(row=r.row, product=p, markets=markets, cap=r.cap))
    return tuple(out)
