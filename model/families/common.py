"""Helpers shared by the constraint families: expression makers, adjacency lists, and numbers in
words for the console."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd
import pyomo.core as pyo

from model.network import Network


def linear(terms: Iterable[tuple[float, Any]]) -> Any:
    """sum_k c_k v_k for (c_k, v_k) in ``terms``, made by Pyomo's public ``quicksum``.

    ``quicksum`` adds the terms in place (one linear expression, not a copy per ``+``); with no
    terms it is the number 0. Building the expression node by hand (``LinearExpression`` from a
    list, Pyomo's internal classes) saved 0.04 s of L's 0.2 s build (docs/performance.md): not
    worth resting on Pyomo's internals.
    """
    return pyo.quicksum(c * v for c, v in terms)


def total(variables: Iterable[Any]) -> Any:
    """sum_k v_k for the variables v_k (Pyomo's ``quicksum``; see ``linear``)."""
    return pyo.quicksum(variables)


class Adjacency:
    """Precomputed index lists, so that Pyomo rules never filter sets (see the performance notes)."""

    def __init__(self, net: Network):
        self.arcs_from: dict[str, list[str]] = defaultdict(list)
        self.arcs_to: dict[tuple[str, str], list[str]] = defaultdict(list)
        for s, mk in net.arcs:
            self.arcs_from[s].append(mk)
            self.arcs_to[(net.site_product[s], mk)].append(s)
        self.concern_sites = set(net.concern_sites)  # Q
        self.sites_of: dict[str, list[str]] = defaultdict(list)  # product -> its sites
        for s in net.sites:
            self.sites_of[net.site_product[s]].append(s)
        self.markets_of: dict[str, list[str]] = defaultdict(list)  # product -> markets with demand > 0
        for p, mk in net.positive_demand:
            self.markets_of[p].append(mk)


def money(v: float) -> str:
    """Money for people: ``1,408,412.83``."""
    return f"{v:,.2f}"


def qty(v: float) -> str:
    """Quantities for people: 14,000 not 1.4e+04; 17.8 not 17.800000."""
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.3g}"


Line = Callable[[str], None]
"""Where a family's console lines go (``console(line, net, tables)``)."""


def capacity_outside_concern(net: Network, product: str) -> float:
    """The most capacity of ``product`` that could be built outside concern countries (plants:
    a hub's throughput makes nothing)."""
    return sum(
        net.max_capacity(s)
        for s in net.sites
        if net.site_product[s] == product and s not in net.concern_sites and s not in net.hubs
    )


def amount(x: float) -> str:
    """A quantity as a planner reads it in an explanation: 12,266 (never 1.227e+04), 30, 0.1667."""
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"


def when(net: Network, t: int) -> str:
    """``in 2030: `` before a message of period t, when the workbook has periods."""
    return f"in {t}: " if net.shows_periods else ""


CONFLICT_TOL = 1e-6
"""A slack below this (relative to its requirement, at least 1) is no conflict."""


def last_period(table: pd.DataFrame) -> tuple[pd.DataFrame, Any]:
    """A table's rows of its last period, and that period (None where it has no ``period``)."""
    if not len(table) or "period" not in table.columns:
        return table, None
    last = table["period"].iloc[-1]
    return table[table["period"] == last], last
