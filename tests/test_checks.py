"""Schema layer: the cross-sheet rules of ``model.checks``, each called on its own on a few records."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from model import checks, schema
from model.columns import Record, SheetData
from model.issues import Issues
from model.network import Settings
from model.workbook import read_workbook
from tests.helpers import BASE, records, solve_network, write


def sheet(spec: schema.Sheet, *rows: dict[str, object]) -> SheetData:
    letters = {c.name: chr(ord("A") + j) for j, c in enumerate(spec.columns)}
    return SheetData(spec, [Record(r + 2, dict(v)) for r, v in enumerate(rows)], letters)


def test_check_duplicates_marks_the_later_row() -> None:
    issues = Issues()
    sites = sheet(schema.SHEETS_BY_NAME["Sites"], {"site": "a"}, {"site": "b"}, {"site": "a"})
    checks.check_duplicates(sites, issues)
    assert [str(i) for i in issues.errors] == ["Sites!A4: duplicate site (a): already on row 2"]
    assert [bool(r.values.get("_invalid")) for r in sites.records] == [False, False, True]


def test_check_unknown_names_skips_names_held_back() -> None:
    """Sites held back (its sheet misnamed): a Disruptions site is not checked; a scenario is."""
    data = {"Scenarios": sheet(schema.SHEETS_BY_NAME["Scenarios"], {"scenario": "Blockade"})}
    known = checks.known_names(data, held_back={"Sites", "Countries"})
    assert known["site"] is None and known["country"] is None and set(known["scenario"] or {}) == {"Blockade"}
    issues = Issues()
    disruptions = sheet(
        schema.SHEETS_BY_NAME["Disruptions"], {"scenario": "Blockad", "site": "fab9", "capacity_loss": 1.0}
    )
    checks.check_unknown_names(disruptions, known, issues)
    assert [str(i) for i in issues.errors] == [
        "Disruptions!A2: unknown scenario 'Blockad': it is not on the Scenarios sheet (did you mean 'Blockade'?)"
    ]


def test_check_disruption_targets() -> None:
    sites = {"fab1": Record(2, {"site": "fab1", "country": "Home"})}
    issues = Issues()
    rows = sheet(
        schema.SHEETS_BY_NAME["Disruptions"],
        {"scenario": "w", "capacity_loss": 1.0},
        {"scenario": "w", "country": "Ally", "site": "fab1", "capacity_loss": 1.0},
        {"scenario": "w", "country": "Home", "site": "fab1", "capacity_loss": 1.0},
    )
    from model.families.scenarios import check_disruption_targets

    check_disruption_targets(rows, sites, issues)
    assert [i.where for i in issues.errors] == ["Disruptions!B2", "Disruptions!B3"]
    assert "is in Home, not Ally" in issues.errors[1].message


def test_check_unmet_penalty_given() -> None:
    products = sheet(
        schema.SHEETS_BY_NAME["Products"], {"product": "chip"}, {"product": "magnet", "unmet_penalty": 5.0}
    )
    issues = Issues()
    checks.check_unmet_penalty_given(products, Settings(), issues)
    assert [i.where for i in issues.errors] == ["Products!C2"]
    issues = Issues()
    checks.check_unmet_penalty_given(products, Settings(unmet_penalty=100.0), issues)
    assert not issues.items


def hub_records(basis: str) -> dict[str, list[dict[str, object]]]:
    """BASE with a hub `depot` in Port fed from Rival, and chip in Home capped at 0 on ``basis``."""
    depot = {
        "site": "depot",
        "country": "Port",
        "product": "chip",
        "status": "existing",
        "capacity": 100,
        "unit_cost": 1,
        "role": "hub",
    }
    return records(
        Countries=[*BASE["Countries"], {"country": "Port", "bloc": "Ally", "concern": False}],
        Sites=[*BASE["Sites"], depot],
        Lanes=[
            {"origin": "Rival", "destination": "Port", "freight_cost": 1},
            {"origin": "Port", "destination": "Home", "freight_cost": 1},
        ],
        Caps=[{"product": "chip", "market": "Home", "cap": 0, "basis": basis}],
    )


def test_direct_cap_met_through_a_hub_is_warned(tmp_path: Path) -> None:
    """Trial finding 2: a `direct` cap counts the country of the site that ships, so Rival's chips
    through the Port hub count as Port's (the contract). The optimum shows it: through the hub,
    80 * (5 + 1 freight + 1 handling + 1 freight) = 640, under the direct cap of 0, while the
    look-through cap of 0 makes home1 be built: 200 + 80 * 10 = 1000. The direct cap gets a
    warning naming its `basis` cell and the hub's cell and pointing to `lookthrough`; the
    look-through cap none."""
    path = write(tmp_path, hub_records("direct"))
    net = read_workbook(path)
    basis = next(c.column_letter for c in load_workbook(path)["Caps"][1] if c.value == "basis")
    (warning,) = [w for w in net.warnings if w.sheet == "Caps"]
    assert warning.cell == f"{basis}2"
    assert "'direct' basis" in warning.message and "hub 'depot' (Port, Sites!A4)" in warning.message
    assert "made in Rival" in warning.message and "set basis to 'lookthrough'" in warning.message
    assert solve_network(net).objective == pytest.approx(640)
    looked = read_workbook(write(tmp_path, hub_records("lookthrough"), "b.xlsx"))
    assert not [w for w in looked.warnings if w.sheet == "Caps"]
    assert solve_network(looked).objective == pytest.approx(1000)


def test_direct_cap_without_a_concern_fed_hub_is_not_warned(tmp_path: Path) -> None:
    """The hub fed only from Ally (no Rival -> Port lane): nothing concern-made can pass through it."""
    recs = hub_records("direct")
    recs["Lanes"] = [
        {"origin": "Ally", "destination": "Port", "freight_cost": 1},
        {"origin": "Port", "destination": "Home", "freight_cost": 1},
    ]
    net = read_workbook(write(tmp_path, recs))
    assert not [w for w in net.warnings if w.sheet == "Caps"]


def test_site_whose_product_has_no_demand_yet_is_not_told_to_add_a_lane(tmp_path: Path) -> None:
    """Chip demand starts in 2026: in 2024 no country needs chip, so home1 and rival1 reach no
    market then, but no lane would help; nothing is said (before: 'in 2024: site ... can reach no
    market ... (add a Lanes row ...)'). A wafer plant whose product no one ever needs is warned,
    without the Lanes advice."""
    recs = records(
        Periods=[{"period": 2024}, {"period": 2026}],
        Demand=[{"market": "Home", "product": "chip", "demand": 80, "period": 2026}],
    )
    net = read_workbook(write(tmp_path, recs))
    assert not [str(w) for w in net.warnings if "reach no market" in str(w)], net.warnings
    wafer = {**BASE["Sites"][1], "site": "wafer1", "product": "wafer"}
    recs = records(
        Periods=[{"period": 2024}, {"period": 2026}],
        Products=[{"product": "chip", "unit": "k"}, {"product": "wafer", "unit": "k"}],
        Sites=[*BASE["Sites"], wafer],
        Demand=[{"market": "Home", "product": "chip", "demand": 80, "period": 2026}],
    )
    net = read_workbook(write(tmp_path, recs, "b.xlsx"))
    warned = [str(w) for w in net.warnings if "reach no market" in str(w)]
    assert warned == [
        "Sites!A4: site 'wafer1' can reach no market: no country demands wafer or has a plant that uses it; it "
        "cannot deliver or hold reserve for anyone (check the Demand rows of wafer, or the site's product)"
    ], warned


def test_the_magnitude_check_reads_the_columns_declared_magnitude() -> None:
    """The numbers the solver's precision warning compares are those the sheets declare
    ``magnitude``: costs, capacities, demand, penalties, stock."""
    assert checks.MAGNITUDE_COLUMNS == {
        "Products": ("unmet_penalty",),
        "Sites": ("capacity", "unit_cost", "fixed_cost", "module_capacity", "module_cost", "reserve_cost"),
        "Demand": ("demand",),
        "Lanes": ("freight_cost",),
        "Stockpiles": ("max_stock", "holding_cost"),
    }
