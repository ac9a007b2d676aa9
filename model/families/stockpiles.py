"""Strategic stockpiles: the stock held q (a first-stage quantity), the stock drawn w^ω in a crisis
and constraint (9); the holding cost and the restock cost of what a crisis draws; the Stockpiles
table and its invariants.

Stock is drawn in a crisis only: in the normal year the stock stays where it is (it would be
supply that costs nothing). That is said once, in ``DRAWN_IN``. Drawn stock enters the pool
balance (1, 7) through ``ctx.pool_supply``: it serves final demand and the plants of its country
alike, and it is neither supply a dependency cap measures nor concern-free input (it is not a flow).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyomo.core as pyo

from model.columns import Column, Sheet, SheetData, valid
from model.families.common import linear
from model.families.protocol import (
    PERIOD,
    Change,
    Col,
    Context,
    Equation,
    Extraction,
    Table,
    column_names,
    register_cost,
    register_operating_cost,
    value,
    with_period,
)
from model.families.verify import cost_problems, rows_of
from model.issues import Issue
from model.network import NORMAL, Key, Network
from model.sidebyside import differs, merge_on, num

# The input sheets it reads (model.schema assembles the workbook's sheets from these)

STOCKPILES = Sheet(
    name="Stockpiles",
    description="Strategic inventory that may be held in the baseline and drawn in a scenario. "
    "Stock of any product may be held, intermediates too: stock drawn in a country serves its "
    "final demand and its plants' inputs alike. A row for a country that neither demands nor "
    "uses the product is ignored.",
    columns=(
        Column("market", "name", "Where the stock is held.", ref="country"),
        Column("product", "name", "Product.", ref="product"),
        Column("max_stock", "number", "Most stock that may be held.", minimum=0, unit="units", magnitude=True),
        Column(
            "holding_cost",
            "number",
            "Cost per year per unit held.",
            required=False,
            default=0.0,
            minimum=0,
            unit="money/unit/year",
            magnitude=True,
        ),
        Column(
            "restock_cost",
            "number",
            "Cost of each unit drawn in a scenario (buying it back once the crisis is over). A draw "
            "that costs nothing is taken in every crisis, even where production is left.",
            required=False,
            minimum=0,
            unit="money/unit",
            blank_means="Products.customs_value; where that is blank too, 0 with a warning",
        ),
    ),
    key=("product", "market"),
    place=110,
    without="no strategic stock could be held",
)


SHEETS = (STOCKPILES,)
"""The input sheets this family declares (``model.schema``)."""


# The stock it reads: its part of the network

PART = "stockpiles"
"""This family's key in ``Network.parts``."""


@dataclass(frozen=True)
class Stocks:
    """The Stockpiles rows (``Network.parts["stockpiles"]``), per (product, market): the same in
    every period."""

    max_stock: dict[Key, float] = field(default_factory=dict)
    """Stockpiles.max_stock: the most that may be held."""
    holding_cost: dict[Key, float] = field(default_factory=dict)
    """Stockpiles.holding_cost: the yearly cost of each unit held."""
    restock_cost: dict[Key, float] = field(default_factory=dict)
    """Stockpiles.restock_cost: the cost of each unit drawn in a crisis (buying it back), default
    the product's customs_value, else 0."""

    def at(self, net: Network, year: int | None) -> Stocks:
        """The same stock for any network: it does not vary by period or setting."""
        return self


def read(data: Mapping[str, SheetData], net: Network) -> Stocks:
    """The Stockpiles sheet's valid rows (a blank restock_cost: the product's customs_value)."""
    out = Stocks()
    for r in valid(data.get("Stockpiles")):
        k = (r.values["product"], r.values["market"])
        out.max_stock[k] = float(r.values["max_stock"])
        out.holding_cost[k] = float(r.values.get("holding_cost") or 0.0)
        given = r.values.get("restock_cost")
        out.restock_cost[k] = float(given) if given is not None else net.customs_value.get(k[0], 0.0)
    return out


def stocks_of(net: Network) -> Stocks:
    """The stock that may be held in ``net`` (none where it has no Stockpiles sheet)."""
    part = net.parts.get(PART)
    return part if part is not None else Stocks()


TABLES = (
    Table(
        "Stockpiles",
        "one row per stockpile (product and market) and period",
        ("period", "product", "market"),
        (
            PERIOD,
            Col("product", "name", "the product stocked"),
            Col("market", "name", "where it is held"),
            Col("stock", "quantity", "the stock held, decided"),
            Col("max_stock", "quantity", "the most that may be held (Stockpiles.max_stock)"),
            Col("holding_cost", "money/unit", "yearly cost of each unit held"),
            Col("restock_cost", "money/unit", "cost of each unit drawn in a crisis"),
        ),
        when="with a Stockpiles sheet",
        place=150,
        units="product",
    ),
)
"""The result tables this family makes (their columns' units format the results workbook)."""

EQUATIONS = (
    Equation(
        "9",
        "`w^ω[p,m] ≤ q[p,m]`, every crisis",
        ("stock_limit",),
        "Stockpiles",
    ),
)
"""The constraints this family writes, as docs/formulation.md's table shows them (generated)."""

DIMENSIONS = {
    "STOCKPILES": ("product", "market", "period"),
    "STOCK_DRAWS": ("product", "market", "period", "scenario"),
    "stock": ("product", "market", "period"),
    "stock_draw": ("product", "market", "period", "scenario"),
    "stock_limit": ("product", "market", "period", "scenario"),
    "cost_stock_holding": ("period",),
    "cost_restock": ("period", "scenario"),
}

RESTOCK = "restock"
"""The operating cost of buying back what a crisis draws; it has no normal-year row on the Costs
sheet (nothing is drawn then), so it shows only in the expected disruption cost."""


def drawn_in(w: str) -> bool:
    """Whether stock may be drawn in scenario w: in a crisis, never in the normal year."""
    return w != NORMAL


def build(m: pyo.ConcreteModel, ctx: Context) -> None:
    """Variables q[p,m,t] (``stock``) and w^ω[p,m,t,ω] (``stock_draw``); constraint (9).

    (9)  w^ω[p,m,t,ω] <= q[p,m,t]        for every crisis ω and stockpile on a pool of N^ω(t)

    q exists for every Stockpiles row on a pool of N(t) (final demand or a consuming site). It is
    a first-stage quantity, held at its MIP value in the polish LP (``ctx.spec.fixed_in_polish``).
    Yearly costs: stock holding sum holding_cost[p,m] q[p,m,t] (first stage) and the restock
    cost sum restock_cost[p,m] w^ω[p,m,t,ω] of each crisis (operating; zero in the normal year).
    The draw joins the balance (1, 7) of its pool through ``ctx.pool_supply``.
    """
    net, periods = ctx.net, ctx.periods
    pools_at = {(t, w): set(ctx.at(t, w).pools) for t, w in ctx.cases}
    stocks = stocks_of(net)
    stock_pools = {t: [k for k, v in stocks.max_stock.items() if v > 0 and k in pools_at[(t, NORMAL)]] for t in periods}
    stock_keys = [(p, mk, t) for t in periods for p, mk in stock_pools[t]]
    m.STOCKPILES = pyo.Set(
        dimen=3, initialize=stock_keys, ordered=True, doc="(product, market, period) with a stockpile"
    )
    m.stock = pyo.Var(
        m.STOCKPILES,
        within=pyo.NonNegativeReals,
        bounds={(p, mk, t): (0, stocks_of(net).max_stock[(p, mk)]) for p, mk, t in stock_keys},
        doc="q[p,m,t]: strategic stock held",
    )
    ctx.spec.fixed_in_polish.append(m.stock)
    register_cost(
        m,
        ctx,
        "stock_holding",
        "stock holding",
        lambda t: linear((stocks_of(net).holding_cost[(p, mk)], m.stock[p, mk, t]) for p, mk in stock_pools[t]),
        "sum holding_cost[p,m] * q[p,m,t]",
    )
    draw_keys = [
        (p, mk, t, w) for t, w in ctx.cases if drawn_in(w) for p, mk in stock_pools[t] if (p, mk) in pools_at[(t, w)]
    ]
    m.STOCK_DRAWS = pyo.Set(dimen=4, initialize=draw_keys, ordered=True, doc="(p, m, t, ω) where stock may be drawn")
    m.stock_draw = pyo.Var(m.STOCK_DRAWS, within=pyo.NonNegativeReals, doc="w^ω[p,m,t]: stock drawn in crisis ω")
    m.stock_limit = pyo.Constraint(
        m.STOCK_DRAWS,
        rule=lambda _m, p, mk, t, w: m.stock_draw[p, mk, t, w] <= m.stock[p, mk, t],
        doc="(9) draw <= stock",
    )
    draws_of: dict[tuple[int, str], list[tuple[str, str]]] = {}
    for p, mk, t, w in draw_keys:
        ctx.pool_supply.setdefault((p, mk, t, w), []).append(m.stock_draw[p, mk, t, w])
        draws_of.setdefault((t, w), []).append((p, mk))
    register_operating_cost(
        m,
        ctx,
        RESTOCK,
        "",
        lambda t, w: linear(
            (stocks.restock_cost.get((p, mk), 0.0), m.stock_draw[p, mk, t, w]) for p, mk in draws_of.get((t, w), ())
        ),
        "sum restock_cost[p,m] * w^ω[p,m,t] (buying back what a crisis draws)",
    )


STOCKPILE_COLUMNS = column_names(TABLES, "Stockpiles")


def tables(m: pyo.ConcreteModel, ctx: Context, solved: Any, out: Extraction) -> None:
    """Stockpiles (when a workbook has any on a pool): per row and period, the stock held."""
    net = ctx.net
    if not len(m.STOCKPILES):
        return
    out.tables["Stockpiles"] = pd.DataFrame(
        [
            with_period(
                {
                    "product": p,
                    "market": mk,
                    "stock": value(m.stock[p, mk, t]),
                    "max_stock": stocks_of(net).max_stock[(p, mk)],
                    "holding_cost": stocks_of(net).holding_cost[(p, mk)],
                    "restock_cost": stocks_of(net).restock_cost.get((p, mk), 0.0),
                },
                t,
            )
            for p, mk, t in m.STOCKPILES
        ]
    )


def held(res: Any) -> dict[tuple[str, str], float]:
    """The stock held per (product, market), from the Stockpiles table (empty without one)."""
    if "Stockpiles" not in res.tables:
        return {}
    return {(p, mk): x for p, mk, x in rows_of(res["Stockpiles"], "product", "market", "stock")}


def check(res: Any, net: Network) -> list[str]:
    """Stock held within max_stock; the stock holding cost recomputes from the Stockpiles table.
    (What a crisis draws, against the stock held, is checked by ``scenarios``.)"""
    stock = held(res)
    out = []
    for (p, mk), x in stock.items():
        cap = stocks_of(net).max_stock.get((p, mk), 0.0)
        if x > cap * (1 + 1e-6) + 1e-6:
            out.append(f"stock of {p} in {mk} is {x:g}, above max_stock {cap:g}")
    if "Stockpiles" in res.tables:
        holding = float(sum(stocks_of(net).holding_cost[k] * x for k, x in stock.items()))
        out += cost_problems(res, "stock holding", holding)
    return out


def compare(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame], pk: list[str]) -> dict[str, pd.DataFrame]:
    """The stock held of two runs side by side per (period,) product and market (0 where a run
    holds none)."""
    if "Stockpiles" not in a and "Stockpiles" not in b:
        return {}
    return {"Stockpiles": merge_on(a.get("Stockpiles"), b.get("Stockpiles"), [*pk, "product", "market"], ["stock"])}


def changes(compared: dict[str, pd.DataFrame]) -> list[Change]:
    """The stock held that moved, in words, with its period."""
    stock = compared.get("Stockpiles")
    out = []
    for r in stock.itertuples() if stock is not None else ():
        if differs(r.stock_A, r.stock_B):
            out.append(
                Change(
                    f"{r.product} stock in {r.market}: {num(r.stock_A)} -> {num(r.stock_B)}", getattr(r, "period", None)
                )
            )
    return out


# Checks of its inputs (run by model.workbook: errors on the records, warnings on the network)


def warnings(net: Network) -> list[Issue]:
    """The stockpiles' warnings on the assembled network: a restock cost that defaults to 0, and
    stock that no crisis can draw."""
    return [*check_restock_costs(net), *check_stockpiles_used(net)]


def check_restock_costs(net: Network) -> list[Issue]:
    """A stockpile that a crisis can draw with neither a restock_cost nor the product's
    customs_value: its draws cost nothing, so every crisis takes them, even where production is
    left (a workbook written for version 2 still runs)."""
    if not net.scenarios or "Stockpiles" not in net.tables:
        return []
    table = net.tables["Stockpiles"]
    if "restock_cost" not in table.columns:
        return []
    pools = set(net.pools)
    column = "restock_cost" if net.columns.get("Stockpiles", {}).get("restock_cost") else "market"
    out = []
    for r in table.itertuples():
        k = (r.product, r.market)
        held_at_most = stocks_of(net).max_stock.get(k, 0)
        if pd.notna(r.restock_cost) or k[0] in net.customs_value or held_at_most <= 0 or k not in pools:
            continue
        out.append(
            Issue(
                "warning",
                "Stockpiles",
                net.address("Stockpiles", k, column),
                f"stock of {r.product} in {r.market} has no restock_cost and {r.product} no customs_value: a draw "
                "costs nothing, so every crisis draws it even where production is left; give what buying it "
                "back costs" + ("" if column == "restock_cost" else " in a restock_cost column"),
            )
        )
    return out


def check_stockpiles_used(net: Network) -> list[Issue]:
    """A Stockpiles row for a country that neither demands the product nor has a plant using it:
    no scenario can draw it, so it is ignored."""
    pools = set(net.pools)
    return [
        Issue(
            "warning",
            "Stockpiles",
            net.address("Stockpiles", (p, mk), "market"),
            f"stock of {p} in {mk} can never be drawn: {mk} has no demand for {p} and no plant there uses it; "
            "the row is ignored",
        )
        for (p, mk), q in stocks_of(net).max_stock.items()
        if q > 0 and (p, mk) not in pools
    ]
