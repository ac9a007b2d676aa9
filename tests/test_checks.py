"""Schema layer: the cross-sheet rules of ``model.checks``, each called on its own on a few records."""

from __future__ import annotations

from model import checks, schema
from model.checks import Record, SheetData
from model.issues import Issues
from model.network import Settings


def sheet(spec: schema.Sheet, *rows: dict[str, object]) -> SheetData:
    letters = {c.name: chr(ord("A") + j) for j, c in enumerate(spec.columns)}
    return SheetData(spec, [Record(r + 2, dict(v)) for r, v in enumerate(rows)], letters)


def test_check_duplicates_marks_the_later_row() -> None:
    issues = Issues()
    sites = sheet(schema.SITES, {"site": "a"}, {"site": "b"}, {"site": "a"})
    checks.check_duplicates(sites, issues)
    assert [str(i) for i in issues.errors] == ["Sites!A4: duplicate site (a): already on row 2"]
    assert [bool(r.values.get("_invalid")) for r in sites.records] == [False, False, True]


def test_check_unknown_names_skips_names_held_back() -> None:
    """Sites held back (its sheet misnamed): a Disruptions site is not checked; a scenario is."""
    data = {"Scenarios": sheet(schema.SCENARIOS, {"scenario": "Blockade"})}
    known = checks.known_names(data, held_back={"Sites", "Countries"})
    assert known["site"] is None and known["country"] is None and set(known["scenario"] or {}) == {"Blockade"}
    issues = Issues()
    disruptions = sheet(schema.DISRUPTIONS, {"scenario": "Blockad", "site": "fab9", "capacity_loss": 1.0})
    checks.check_unknown_names(disruptions, known, issues)
    assert [str(i) for i in issues.errors] == [
        "Disruptions!A2: unknown scenario 'Blockad': it is not on the Scenarios sheet (did you mean 'Blockade'?)"
    ]


def test_check_disruption_targets() -> None:
    sites = {"fab1": Record(2, {"site": "fab1", "country": "Home"})}
    issues = Issues()
    rows = sheet(
        schema.DISRUPTIONS,
        {"scenario": "w", "capacity_loss": 1.0},
        {"scenario": "w", "country": "Ally", "site": "fab1", "capacity_loss": 1.0},
        {"scenario": "w", "country": "Home", "site": "fab1", "capacity_loss": 1.0},
    )
    checks.check_disruption_targets(rows, sites, issues)
    assert [i.where for i in issues.errors] == ["Disruptions!B2", "Disruptions!B3"]
    assert "is in Home, not Ally" in issues.errors[1].message


def test_check_unmet_penalty_given() -> None:
    products = sheet(schema.PRODUCTS, {"product": "chip"}, {"product": "magnet", "unmet_penalty": 5.0})
    issues = Issues()
    checks.check_unmet_penalty_given(products, Settings(), issues)
    assert [i.where for i in issues.errors] == ["Products!C2"]
    issues = Issues()
    checks.check_unmet_penalty_given(products, Settings(unmet_penalty=100.0), issues)
    assert not issues.items
