"""Data-to-model mapping, no solver: a tiny workbook -> Network (arcs, caps, losses, factors)."""

from __future__ import annotations

from pathlib import Path

import pyomo.environ as pyo
import pytest

from model.build import build_model
from model.families.dependency import caps_of
from model.families.reserve import reserve_of
from model.workbook import read_workbook
from tests.helpers import write

RECS = {
    "Settings": [{"setting": "unmet_penalty", "value": 9}, {"setting": "dependency_cap", "value": 0.8}],
    "Countries": [
        {"country": "A", "concern": False},
        {"country": "B", "concern": "yes"},
        {"country": "C", "concern": "n"},
    ],
    "Products": [
        {"product": "p1", "unmet_penalty": 50, "reserve_share": 0.1},
        {"product": "p2"},
    ],
    "Sites": [
        {"site": "a1", "country": "A", "product": "p1", "status": "existing", "capacity": 10, "unit_cost": 2},
        {"site": "b1", "country": "B", "product": "p1", "status": "existing", "capacity": 10, "unit_cost": 1},
        {"site": "b2", "country": "B", "product": "p2", "status": "Existing", "capacity": 10, "unit_cost": 1},
        {
            "site": "c1",
            "country": "C",
            "product": "p2",
            "status": "candidate",
            "capacity": 0,
            "unit_cost": 1,
            "module_capacity": 5,
            "max_modules": 2,
        },
    ],
    "Demand": [
        {"market": "A", "product": "p1", "demand": 5},
        {"market": "A", "product": "p2", "demand": 5},
        {"market": "C", "product": "p1", "demand": 0},
        {"market": "C", "product": "p2", "demand": 3},
    ],
    "Lanes": [
        {"origin": "B", "destination": "A", "freight_cost": 1, "tariff_rate": 0.25},
        {"origin": "B", "destination": "A", "product": "p2", "freight_cost": 3},
        {"origin": "C", "destination": "A"},
        {"origin": "C", "destination": "C", "freight_cost": 0.5},
        {"origin": "B", "destination": "C", "product": "p1", "freight_cost": 1},
    ],
    "Caps": [
        {"product": "p1", "cap": 0.5},
        {"market": "A", "cap": 0.3},
        {"product": "p1", "market": "A", "cap": 0.2},
        {"product": "p2", "cap": 0.4, "scope": "total"},
    ],
    "Scenarios": [{"scenario": "s1", "weight": 0.1, "max_shortfall": 0.5}, {"scenario": "s2"}],
    "Disruptions": [
        {"scenario": "s1", "country": "B", "capacity_loss": 0.5},
        {"scenario": "s1", "country": "B", "product": "p2", "capacity_loss": 0.9},
        {"scenario": "s1", "site": "b1", "capacity_loss": 0.7},
        {"scenario": "s2", "country": "B", "product": "p1", "capacity_loss": 1},
    ],
    "Shocks": [
        {"scenario": "s1", "demand_factor": 1.5},
        {"scenario": "s1", "market": "A", "demand_factor": 2},
        {"scenario": "s1", "product": "p2", "demand_factor": 3},
        {"scenario": "s1", "product": "p2", "market": "C", "demand_factor": 4},
    ],
    "Stockpiles": [{"market": "A", "product": "p1", "max_stock": 4, "holding_cost": 0.5}],
}


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory):
    return read_workbook(write(tmp_path_factory.mktemp("map"), RECS))


def test_sets_and_parameters(net) -> None:
    assert net.concern == frozenset({"B"})
    assert net.candidates == ("c1",)
    assert net.unmet_penalty == {"p1": 50.0, "p2": 9.0}
    assert reserve_of(net).share == {"p1": 0.1, "p2": 0.0}
    assert net.markets == ("A", "C")
    assert net.max_capacity("c1") == 10


def test_arcs_follow_lane_rules(net) -> None:
    # a1 -> A domestic; b1 (p1) -> A via blank-product row; b1 -> C has p1 row but D[p1, C] = 0;
    # b2 (p2) -> A via product row (wins); b2 -> C: no lane; c1 (p2) -> A blank row, -> C domestic row.
    assert set(net.arcs) == {("a1", "A"), ("b1", "A"), ("b2", "A"), ("c1", "A"), ("c1", "C")}
    assert net.freight_cost[("b1", "A")] == 1 and net.tariff_rate[("b1", "A")] == 0.25
    assert net.freight_cost[("b2", "A")] == 3 and net.tariff_rate[("b2", "A")] == 0
    assert net.freight_cost[("c1", "C")] == 0.5
    assert net.delivered_cost("b1", "A") == pytest.approx(1 * 1.25 + 1)


def test_each_caps_most_specific_wins(net) -> None:
    assert caps_of(net).each[("p1", "A")] == 0.2  # (product, market)
    assert caps_of(net).each[("p1", "C")] == 0.5  # (product, blank)
    assert caps_of(net).each[("p2", "A")] == 0.3  # (blank, market)
    assert caps_of(net).each[("p2", "C")] == 0.8  # Settings.dependency_cap
    assert caps_of(net.with_dependency_cap(0.6)).each[("p2", "C")] == 0.6


def test_total_caps_one_per_product_over_matching_markets(net) -> None:
    assert [(t.product, t.markets, t.cap) for t in caps_of(net).total] == [("p2", ("A", "C"), 0.4)]


def test_losses_take_largest_matching_row(net) -> None:
    assert net.loss[("s1", "b1")] == 0.7  # site row 0.7 beats country row 0.5
    assert net.loss[("s1", "b2")] == 0.9  # product row
    assert net.loss[("s2", "b1")] == 1.0
    assert ("s2", "b2") not in net.loss and ("s1", "a1") not in net.loss


def test_demand_factors_most_specific_wins(net) -> None:
    f = net.demand_factor
    assert f[("s1", "p1", "A")] == 2  # (blank, market)
    assert f[("s1", "p2", "A")] == 3  # (product, blank) beats (blank, market)
    assert f[("s1", "p2", "C")] == 4  # (product, market)
    assert f[("s1", "p1", "C")] == 1.5  # (blank, blank)
    assert ("s2", "p1", "A") not in f
    assert net.scenario_demand("s1", "p2", "C") == 12


def test_model_components_map_the_data(net) -> None:
    """Every operating index carries the period and the scenario last (the normal year is the
    blank scenario); a workbook without a Periods sheet has one period, year 0."""
    m = build_model(net)
    t, n = 0, ""
    assert list(m.PERIODS) == [t]
    assert list(m.SCENARIOS) == [n, "s1", "s2"]
    assert {k for k in m.flow if k[-1] == n} == {(s, mk, t, n) for s, mk in net.arcs}
    assert {k for k in m.DEPENDENCY_EACH if k[-1] == n} == {("p1", "A", t, n), ("p2", "A", t, n)}
    assert [k for k in m.DEPENDENCY_TOTAL if k[-1] == n] == [(0, t, n)]
    assert set(m.RESERVE_SITES) == {("a1", t)}
    assert set(m.MODULE_SITES) == {("c1", t)}
    assert m.flow["b1", "A", t, n].ub == 5
    # a crisis's flows are the same variables in another member of the scenario dimension
    p = net.site_product["b1"]
    assert pyo.value(m.demand_balance[p, "A", t, "s1"].upper) == net.scenario_demand("s1", p, "A")
    assert any(v is m.flow["b1", "A", t, "s1"] for v in m.demand_balance[p, "A", t, "s1"].body.args)
    assert set(m.STOCKPILES) == {("p1", "A", t)}
    assert ("b1", "A", t, "s2") not in m.FLOW_ARCS  # fully lost
    assert ("b1", "A", t, "s1") in m.FLOW_ARCS
    # (8) for existing b1 in s1: flows <= (1 - 0.7) * 10; (2) in the normal year: <= 10
    assert pyo.value(m.site_capacity["b1", t, "s1"].upper) == pytest.approx(3)
    assert pyo.value(m.site_capacity["b1", t, n].upper) == pytest.approx(10)
    assert set(m.SURVIVAL) == {(p, mk, t, "s1") for (p, mk) in [("p1", "A"), ("p2", "A"), ("p2", "C")]}
    assert list(m.context.costs) == ["stock_holding", "reserve", "fixed", "modules"]
    assert list(m.context.operating_costs) == ["restock", "production", "tariffs", "freight", "unmet_penalty"]
    # the objective: first-stage costs by W[t]; the normal year's operating costs by 1 - sum π;
    # s1 (weight 0.1) by its probability; s2, a stress test (weight 0), in the polish only
    first = {f"cost_{k}[{t}]": 1.0 for k in m.context.costs}
    normal = {f"cost_{k}[{t},]": pytest.approx(0.9) for k in m.context.operating_costs}
    assert m.solve_spec.objective == first | normal | {f"operating_cost[{t},s1]": pytest.approx(0.1)}
    assert m.solve_spec.polish_cost == {f"operating_cost[{t},s2]": 1.0}


def test_every_indexed_quantity_names_its_positions_with_the_period_last(net) -> None:
    """Each family's DIMENSIONS names the positions of the components it builds: every variable,
    constraint and expression is declared, with as many positions as its index and the period
    last, or the period and then the scenario last (every operating quantity)."""
    from model import build
    from model.families import FAMILIES

    m = build_model(net)
    declared = {name: dims for family in (*FAMILIES, build) for name, dims in family.DIMENSIONS.items()}
    for comp in m.component_objects((pyo.Var, pyo.Constraint, pyo.Expression), descend_into=False):
        assert comp.local_name in declared, f"{comp.local_name}: no DIMENSIONS entry"
        dims = declared[comp.local_name]
        assert dims[-1] == "period" or dims[-2:] == ("period", "scenario"), comp.local_name
        for index in comp:
            assert len(index if isinstance(index, tuple) else (index,)) == len(dims), comp.local_name
    for name, dims in declared.items():
        component = m.component(name)
        assert component is not None, f"{name} is declared but not built"
        if isinstance(component, pyo.Set):
            assert component.dimen == len(dims), name


def test_warning_for_unreachable_demand(tmp_path: Path) -> None:
    recs = dict(RECS)
    recs["Demand"] = [*RECS["Demand"], {"market": "B", "product": "p1", "demand": 0}]
    recs["Countries"] = [*RECS["Countries"], {"country": "D", "concern": False}]
    recs["Demand"] = [*recs["Demand"], {"market": "D", "product": "p1", "demand": 7}]
    net = read_workbook(write(tmp_path, recs))
    assert any(str(w).startswith("Demand!C") and "no site can supply p1 to D" in str(w) for w in net.warnings)


def test_warning_for_candidate_that_can_never_produce(tmp_path: Path) -> None:
    from tests.helpers import BASE, records

    recs = records(Sites=[dict(BASE["Sites"][0], capacity=0), BASE["Sites"][1]])
    net = read_workbook(write(tmp_path, recs))
    assert any(str(w).startswith("Sites!E2") and "can never produce" in str(w) for w in net.warnings)


def test_warning_when_caps_cannot_be_met_outside_concern(tmp_path: Path) -> None:
    """Cap 0.2 on demand 80 needs 64 from outside Rival; home1 can make only 50."""
    from tests.helpers import BASE, records

    recs = records(Sites=[dict(BASE["Sites"][0], capacity=50), BASE["Sites"][1]], Caps=[{"cap": 0.2}])
    net = read_workbook(write(tmp_path, recs))
    msg = next(str(w) for w in net.warnings if "outside concern countries" in str(w))
    assert msg.startswith("Products!A2") and "64" in msg and "50" in msg and "0.2" in msg


def test_warning_when_reserve_cannot_be_met(tmp_path: Path) -> None:
    from tests.helpers import BASE, records

    recs = records(
        Sites=[dict(BASE["Sites"][0], capacity=10), BASE["Sites"][1]],
        Products=[{"product": "chip", "reserve_share": 0.5}],
    )
    net = read_workbook(write(tmp_path, recs))
    assert any(str(w).startswith("Products!E2") and "no design can meet it" in str(w) for w in net.warnings)


def test_every_component_is_documented(net) -> None:
    m = build_model(net)
    for comp in m.component_objects(descend_into=False):
        assert comp.doc, f"{comp.local_name} has no doc"


def test_capacity_cover_is_the_sum_of_demand_and_capacity_rows(net) -> None:
    """(C) for a product = sum of (1) over its markets + sum of (2) over its sites, term by term.

    So (C) >= 0 holds wherever (1) and (2) do, and its rounding (R) cuts off no solution.
    """
    from pyomo.repn import generate_standard_repn

    from model.families.common import Adjacency
    from model.families.cover import Cover

    m = build_model(net)
    adj = Adjacency(net)

    def coefficients(expr: object, sign: float, into: dict[str, float]) -> float:
        repn = generate_standard_repn(expr, compute_values=True)
        for v, c in zip(repn.linear_vars, repn.linear_coefs, strict=True):
            into[v.name] = into.get(v.name, 0.0) + sign * c
        return sign * repn.constant

    t = 0
    for product in ("p1", "p2"):
        cover: dict[str, float] = {}
        cover_const = coefficients(Cover(m, net, adj, product, t).aggregate(), 1.0, cover)
        # sum (1): x + u - D = 0 over the product's markets; sum (2): cap - x - r >= 0 over its sites
        agg: dict[str, float] = {}
        agg_const = 0.0
        for p, mk, _, w in m.demand_balance:
            if p == product and w == "":
                row = m.demand_balance[p, mk, t, w]
                agg_const += coefficients(row.body, 1.0, agg) - pyo.value(row.upper)
        for s, _, w in m.site_capacity:
            if net.site_product[s] == product and w == "":
                row = m.site_capacity[s, t, w]
                agg_const += coefficients(row.body, -1.0, agg) + pyo.value(row.upper)
        # flows cancel; unmet enters with +1, capacity with +, reserve with -: the same as (C)
        nonzero = {k: v for k, v in agg.items() if abs(v) > 1e-12}
        assert nonzero == pytest.approx({k: v for k, v in cover.items() if abs(v) > 1e-12})
        assert agg_const == pytest.approx(cover_const)


def test_result_tables_have_the_declared_columns(solved_sample, tmp_path) -> None:
    """Every table a family makes has exactly the columns the families declare (TABLES, ADDS), in
    their order: on the first sample, and on a network with periods, crises, recipes, groups,
    stockpiles and an Observed sheet."""
    from model.tables import column_problems
    from tests.helpers import SHIPPED_SAMPLE, records, solve_records

    assert column_problems(solved_sample.tables) == []
    rich = records(
        Observed=[{"product": "chip", "country": "Rival", "share": 0.7}],
        Groups=[{"group": "fabs", "max_open": 1}],
        Sites=[{**records()["Sites"][0], "group": "fabs"}, records()["Sites"][1]],
        Stockpiles=[{"product": "chip", "market": "Home", "max_stock": 10, "holding_cost": 1}],
        Scenarios=[{"scenario": "ban", "weight": 0.1}],
        Disruptions=[{"scenario": "ban", "country": "Rival", "capacity_loss": 1}],
        Periods=[{"period": 2024}, {"period": 2026}],
    )
    assert column_problems(solve_records(tmp_path, rich).tables) == []
    import model

    assert column_problems(model.solve(model.read(SHIPPED_SAMPLE)).tables) == []
