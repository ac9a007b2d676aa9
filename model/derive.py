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

from model.network import CapRow, Key, TotalCap, most_specific, resolve_each_caps, resolve_total_caps

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
) -> Arcs:
    """A = {(s, m) : D[p(s), m] > 0 and a lane from country(s) to m allows p(s)}, in Sites order.

    The lane of an arc is the Lanes row for (origin, destination, p(s)) if there is one, else the
    row with a blank product. A site always reaches its own country (domestic supply), free unless
    a lane row for (c, c) gives costs. Later duplicate rows replace earlier ones (duplicates are
    errors found before this is called).
    """
    table = {(ln.origin, ln.destination, ln.product): (ln.freight_cost, ln.tariff_rate) for ln in lanes}
    markets_of = markets_with_demand(demand)
    out: list[Arc] = []
    freight: dict[Arc, float] = {}
    tariff: dict[Arc, float] = {}
    for s in sites:
        o, p = site_country[s], site_product[s]
        for m in markets_of.get(p, ()):
            row = table.get((o, m, p)) or table.get((o, m, None))
            if row is None:
                if o != m:
                    continue
                row = (0.0, 0.0)
            out.append((s, m))
            freight[(s, m)], tariff[(s, m)] = row
    return Arcs(tuple(out), freight, tariff)


def resolved_caps(
    cap_rows: Sequence[CapRow], dependency_cap: float, demand: Mapping[Key, float]
) -> tuple[dict[Key, float], tuple[TotalCap, ...]]:
    """(cap_each, cap_total): cap[p, m] per (product, market) of Demand by the `each` precedence
    ((p, m) over (p, blank) over (blank, m) over ``dependency_cap``), and one ``TotalCap`` per
    `total` row and matching product over its matching markets with D > 0 (constraint 5)."""
    rows = tuple(cap_rows)
    return resolve_each_caps(rows, dependency_cap, dict(demand)), resolve_total_caps(rows, dict(demand))


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
