"""Mapping layer: each derivation of ``model.derive`` (and the dependency family's caps) on a small
input, the expected dict by hand."""

from __future__ import annotations

from model import derive
from model.derive import Disruption, Lane, Shock
from model.families.dependency import CapRow, TotalCap, resolved_caps

SITES = ("h1", "a1", "r1", "r2")
COUNTRY = {"h1": "Home", "a1": "Ally", "r1": "Rival", "r2": "Rival"}
PRODUCT = {"h1": "chip", "a1": "chip", "r1": "chip", "r2": "magnet"}
DEMAND = {("chip", "Home"): 80.0, ("chip", "Ally"): 20.0, ("chip", "Rival"): 0.0, ("magnet", "Home"): 5.0}


def test_markets_with_demand_leave_out_zero_demand() -> None:
    assert derive.markets_with_demand(DEMAND) == {"chip": ["Home", "Ally"], "magnet": ["Home"]}


def test_arcs_domestic_lanes_and_product_rows() -> None:
    """h1 serves Home (domestic, free); Home has no lane to Ally. a1 serves Ally (domestic) and Home
    (blank-product lane 2, 0.1). r1 ships chips to Home by the chip row (3, 0.25), which wins over
    the blank row (9, 0.5); Rival's own chip demand is 0, so no (r1, Rival) arc. r2 (magnet) takes
    the blank row to Home (9, 0.5)."""
    lanes = [
        Lane("Ally", "Home", None, 2.0, 0.1),
        Lane("Rival", "Home", None, 9.0, 0.5),
        Lane("Rival", "Home", "chip", 3.0, 0.25),
    ]
    got = derive.arcs(SITES, COUNTRY, PRODUCT, DEMAND, lanes)
    assert got.arcs == (("h1", "Home"), ("a1", "Home"), ("a1", "Ally"), ("r1", "Home"), ("r2", "Home"))
    assert got.freight_cost == {
        ("h1", "Home"): 0.0,
        ("a1", "Home"): 2.0,
        ("a1", "Ally"): 0.0,
        ("r1", "Home"): 3.0,
        ("r2", "Home"): 9.0,
    }
    assert got.tariff_rate == {
        ("h1", "Home"): 0.0,
        ("a1", "Home"): 0.1,
        ("a1", "Ally"): 0.0,
        ("r1", "Home"): 0.25,
        ("r2", "Home"): 0.5,
    }


def test_arcs_domestic_row_gives_costs_at_home() -> None:
    """A (Home, Home) lane row sets the cost of domestic supply."""
    got = derive.arcs(("h1",), COUNTRY, PRODUCT, {("chip", "Home"): 1.0}, [Lane("Home", "Home", None, 0.5, 0.0)])
    assert got.arcs == (("h1", "Home"),) and got.freight_cost == {("h1", "Home"): 0.5}


def test_arcs_none_without_demand_or_lane() -> None:
    got = derive.arcs(("r2",), COUNTRY, PRODUCT, {("magnet", "Ally"): 3.0}, [])
    assert got.arcs == () and got.freight_cost == {} and got.tariff_rate == {}


def test_resolved_caps_precedence_and_totals() -> None:
    """Each: (chip, Home) row 0.3 over (chip, blank) 0.5 over (blank, Ally)... (chip, Ally) takes
    the chip row 0.5 (product beats market); magnet in Home takes no row: the default 0.9. The
    total row (blank, blank, 0.4) gives one TotalCap per product over its markets with demand."""
    rows = (
        CapRow(2, "chip", None, 0.5, "each"),
        CapRow(3, None, "Ally", 0.2, "each"),
        CapRow(4, "chip", "Home", 0.3, "each"),
        CapRow(5, None, None, 0.4, "total"),
    )
    each, total = resolved_caps(rows, 0.9, DEMAND)
    assert each == {("chip", "Home"): 0.3, ("chip", "Ally"): 0.5, ("chip", "Rival"): 0.5, ("magnet", "Home"): 0.9}
    assert total == (
        TotalCap(row=5, product="chip", markets=("Home", "Ally"), cap=0.4),
        TotalCap(row=5, product="magnet", markets=("Home",), cap=0.4),
    )


def test_disruption_losses_take_the_largest_matching_row() -> None:
    """Blockade: Rival loses 0.5 of everything (row 2), r1 alone 0.8 (row 3): r1 0.8, r2 0.5. The
    magnet-only row for Home (row 4) matches no Home site (h1 makes chips). Quake: Ally's chips
    0.3 (row 5); a second equal row (6) does not replace the first."""
    rows = [
        Disruption(2, "Blockade", "Rival", None, None, 0.5),
        Disruption(3, "Blockade", None, "r1", None, 0.8),
        Disruption(4, "Blockade", "Home", None, "magnet", 1.0),
        Disruption(5, "Quake", "Ally", None, "chip", 0.3),
        Disruption(6, "Quake", "Ally", None, None, 0.3),
    ]
    loss, rows_of = derive.disruption_losses(rows, SITES, COUNTRY, PRODUCT)
    assert loss == {("Blockade", "r1"): 0.8, ("Blockade", "r2"): 0.5, ("Quake", "a1"): 0.3}
    assert rows_of == {("Blockade", "r1"): 3, ("Blockade", "r2"): 2, ("Quake", "a1"): 5}


def test_disruption_losses_zero_is_left_out() -> None:
    loss, rows_of = derive.disruption_losses([Disruption(2, "w", "Home", None, None, 0.0)], SITES, COUNTRY, PRODUCT)
    assert loss == {} and rows_of == {}


def test_demand_factors_most_specific_row_wins() -> None:
    """Surge: every demand x1.5, chips x2, chips in Home x3, magnets in Home x1 (so left out).
    Dip: Ally x0.5 (only (chip, Ally) has a Demand row in Ally)."""
    shocks = [
        Shock("Surge", None, None, 1.5),
        Shock("Surge", "chip", None, 2.0),
        Shock("Surge", "chip", "Home", 3.0),
        Shock("Surge", "magnet", "Home", 1.0),
        Shock("Dip", None, "Ally", 0.5),
    ]
    assert derive.demand_factors(shocks, DEMAND) == {
        ("Surge", "chip", "Home"): 3.0,
        ("Surge", "chip", "Ally"): 2.0,
        ("Surge", "chip", "Rival"): 2.0,
        ("Dip", "chip", "Ally"): 0.5,
    }


def test_unmet_penalties_fall_back_to_settings() -> None:
    assert derive.unmet_penalties({"chip": 50.0, "magnet": None}, 1000.0) == {"chip": 50.0, "magnet": 1000.0}


def test_study_values_loosest_first() -> None:
    rows = [("dependency_cap", 0.3), ("dependency_cap", 1.0), ("max_shortfall", 0.1), ("dependency_cap", 0.5)]
    assert derive.study_values(rows) == {"dependency_cap": (1.0, 0.5, 0.3), "max_shortfall": (0.1,)}
