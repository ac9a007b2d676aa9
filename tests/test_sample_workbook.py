"""The sample's generator against the workbook contract, without the model.

``inputs/make_sample.py`` writes the sample workbook; these tests open what it writes with
openpyxl and check it against the sheets, headers and settings of ``docs/contract/workbook.md``
(version 2: recipes, periods, groups, hubs), against the contract's cross-sheet rules (names,
periods, duplicate keys, recipe cycles), and check that every tier of every chain could meet its
gross requirement in every period. No solve: the model's own reading of the workbook is
``tests/test_sample.py``.
"""

from __future__ import annotations

import importlib.util
import re
from collections import defaultdict
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.helpers import ROOT

CONTRACT = ROOT / "docs" / "contract" / "workbook.md"


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_sample", ROOT / "inputs" / "make_sample.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


def contract_sheets(version: int = 2) -> tuple[dict[str, list[str]], list[str], list[str]]:
    """From the contract's text: each sheet's columns (first cell of its table rows, in back
    quotes), the settings, and the required sheets, of contract ``version`` (the sheets and
    columns marked with a later version left out)."""
    sheets: dict[str, list[str]] = {}
    current = None
    section = ""
    for line in CONTRACT.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line
            current = None
        elif line.startswith("### "):
            current = line[4:].split()[0]
            if _later(line, version):
                current = None
                continue
            sheets[current] = []
        elif current and line.startswith("| `") and not _later(line.split("|")[1], version):
            sheets[current].append(re.match(r"\| `([^`]+)`", line).group(1))
        if line.startswith("- Required sheets:"):
            required = re.findall(r"`([A-Za-z]+)`", line)
    assert section  # the contract was read
    settings = sheets.pop("Settings")
    sheets["Settings"] = ["setting", "value"]
    return sheets, settings, required


def _later(text: str, version: int) -> bool:
    """Whether ``text`` (a heading or a table row's first cell) is marked with a contract version
    after ``version`` (``**(v3)**``)."""
    return any(int(v) > version for v in re.findall(r"\(v(\d)\)", text))


def read_sheets(path: Path) -> dict[str, list[dict[str, Any]]]:
    wb = load_workbook(path, read_only=True)
    out = {}
    for ws in wb.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        if not rows:
            out[ws.title] = []
            continue
        header = [str(h).strip() for h in rows[0] if h is not None]
        out[ws.title] = [
            dict(zip(header, r)) for r in rows[1:] if any(v is not None and v != "" for v in r[: len(header)])
        ]
        out[ws.title + "#header"] = header  # type: ignore[assignment]
        out[ws.title + "#rows"] = rows  # type: ignore[assignment]
    wb.close()
    return out


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    path = tmp_path_factory.mktemp("sample") / "allied_supply_network.xlsx"
    gen.main([str(path)])
    return read_sheets(path)


def test_sheets_and_headers_are_the_contracts(sample) -> None:
    """Every sheet is a contract sheet (or the README), every header a contract column, and the
    sample fills every column of every sheet of version 2: it is the tool's showcase. (Version 3's
    columns are read by the tool and tested elsewhere; the sample is a version 2 workbook.)"""
    sheets, settings, required = contract_sheets()
    assert {"Recipes", "Periods", "Groups"} <= set(sheets)  # the v2 contract was parsed
    every, _, _ = contract_sheets(version=3)
    names = {k for k in sample if "#" not in k}
    assert set(sheets) <= names, set(sheets) - names
    for extra in names - set(every) - {"README"}:  # the project's own sheets (Study), left empty
        assert sample[extra] == [], extra
    assert set(required) <= names
    for name, columns in sheets.items():
        header = sample[name + "#header"]
        assert set(columns) <= set(header) <= set(every[name]), (name, set(header) ^ set(columns))
        assert sample[name], f"{name} is empty"
    used = {r["setting"] for r in sample["Settings"]}
    assert used <= set(settings), used - set(settings)
    assert "discount_rate" in used


def test_readme_separates_sourced_figures_from_assumptions(sample) -> None:
    first = {str(r[0]): str(r[1]) for r in sample["README#rows"] if r and r[0]}
    assert "Sourced [V]/[S]" in first and "Assumptions [A]" in first
    assert "USGS MCS 2025" in first["Sourced [V]/[S]"] and "OMB Circular A-94" in first["Sourced [V]/[S]"]
    assert "[V]" not in first["Assumptions [A]"] and "[S]" not in first["Assumptions [A]"]


def test_names_periods_and_keys_follow_the_cross_sheet_rules(sample) -> None:
    countries = {r["country"] for r in sample["Countries"]}
    products = {r["product"] for r in sample["Products"]}
    sites = {r["site"]: r for r in sample["Sites"]}
    scenarios = {r["scenario"] for r in sample["Scenarios"]}
    periods = {r["period"] for r in sample["Periods"]}
    assert len(sites) == len(sample["Sites"]) and len(products) == len(sample["Products"])
    for r in sample["Sites"]:
        assert r["country"] in countries and r["product"] in products, r
        assert r["status"] in ("existing", "candidate", "closable") and r["role"] in (None, "plant", "hub")
    for sheet, cols in {
        "Demand": ("market", "product"),
        "Lanes": ("origin", "destination", "product"),
        "Caps": ("product", "market"),
        "Stockpiles": ("market", "product"),
        "Recipes": ("product", "input", "site"),
        "Disruptions": ("scenario", "country", "site", "product"),
        "Shocks": ("scenario", "market", "product"),
    }.items():
        for r in sample[sheet]:
            for c in cols:
                v = r[c]
                if v is None:
                    continue
                known = {"market": countries, "origin": countries, "destination": countries, "country": countries}
                ref = known.get(c) or {"product": products, "input": products, "site": sites, "scenario": scenarios}[c]
                assert v in ref, (sheet, c, v)
            if "period" in r and r["period"] is not None:
                assert r["period"] in periods, (sheet, r)
    keys = {
        "Demand": ("market", "product", "period"),
        "Lanes": ("origin", "destination", "product", "period"),
        "Caps": ("product", "market", "scope", "basis", "period"),
        "Recipes": ("product", "input", "site"),
        "Shocks": ("scenario", "market", "product"),
    }
    for sheet, key in keys.items():
        seen = [tuple(r[k] for k in key) for r in sample[sheet]]
        assert len(seen) == len(set(seen)), sheet
    # a site row of Recipes names a plant that makes the product; no hub has a recipe
    for r in sample["Recipes"]:
        if r["site"] is not None:
            assert sites[r["site"]]["product"] == r["product"] and sites[r["site"]]["role"] != "hub"
    # every group named on Sites is on Groups, and the other way round
    assert {r["group"] for r in sample["Sites"] if r["group"]} == {g["group"] for g in sample["Groups"]}


def test_recipes_have_no_cycle_and_every_input_can_arrive(sample) -> None:
    """Each input a plant needs is made somewhere and can reach the plant's country (a lane or a
    local plant), and no product needs itself through its inputs."""
    inputs: dict[str, set[str]] = defaultdict(set)
    for r in sample["Recipes"]:
        if r["quantity"]:
            inputs[r["product"]].add(r["input"])

    def upstream(p: str, path: tuple[str, ...] = ()) -> None:
        assert p not in path, f"cycle {(*path, p)}"
        for i in inputs[p]:
            upstream(i, (*path, p))

    for p in list(inputs):
        upstream(p)
    made_in = defaultdict(set)
    for s in sample["Sites"]:
        made_in[s["product"]].add(s["country"])
    lanes = {(r["origin"], r["destination"], r["product"]) for r in sample["Lanes"]}
    for s in sample["Sites"]:
        for i in inputs[s["product"]] if s["role"] != "hub" else ():
            sources = {o for o in made_in[i] if o == s["country"] or (o, s["country"], i) in lanes}
            assert sources, f"{s['site']} cannot receive {i}"


def test_the_features_issue_20_asks_for_are_there(sample) -> None:
    """Four chains over 2025-2034, a recipe with two inputs, a plant under construction, a
    retirement, a closable site, a hub, a group limit, Section 301 rows by period, phased
    look-through caps and the 2030 direct caps, five scenarios, stock of an intermediate."""
    assert [(r["period"], r["years"]) for r in sample["Periods"]] == [(2025, 2), (2027, 3), (2030, 5)]
    two_inputs = defaultdict(set)
    for r in sample["Recipes"]:
        two_inputs[r["product"]].add(r["input"])
    assert two_inputs[gen.CELLS] == {gen.CATHODE, gen.ANODE}
    existing_later = [s for s in sample["Sites"] if s["status"] == "existing" and s["available_from"]]
    assert {"Neo Narva magnet plant", "Iluka Eneabba refinery"} <= {s["site"] for s in existing_later}
    assert any(s["available_until"] for s in sample["Sites"])
    assert any(s["status"] == "closable" for s in sample["Sites"])
    assert any(s["role"] == "hub" for s in sample["Sites"])
    assert any(g["max_open"] is not None for g in sample["Groups"])
    magnets_into_us = {
        r["period"]: r["tariff_rate"]
        for r in sample["Lanes"]
        if (r["origin"], r["destination"], r["product"]) == ("China", "USA", gen.MAGNETS)
    }
    assert magnets_into_us == {None: 0, 2027: 0.25}
    lookthrough = [r for r in sample["Caps"] if r["basis"] == "lookthrough"]
    assert {r["period"] for r in lookthrough} == {2027, 2030}
    assert any(r["basis"] == "direct" and r["period"] == 2030 and r["cap"] == 0.65 for r in sample["Caps"])
    assert len(sample["Scenarios"]) == 5
    products_made_only_as_inputs = {r["input"] for r in sample["Recipes"]} - {r["product"] for r in sample["Demand"]}
    assert any(r["product"] in products_made_only_as_inputs for r in sample["Stockpiles"])
    assert {r["product"] for r in sample["Demand"]} == {gen.MAGNETS, gen.CELLS, gen.CHIPS, gen.DOSES}


@pytest.mark.parametrize("year", [y for y, _ in gen.PERIODS])
def test_every_tier_could_meet_its_gross_requirement(year: int) -> None:
    """In every period, every stage could make what the final demand needs of it through the
    recipes, with 15% to spare for reserves and disruptions: the plants available that year
    with every module added. A product short here would show as unmet demand, not a choice."""
    req = gen.gross_requirement(year)
    assert req[gen.REC] == pytest.approx(
        sum(gen.demand(gen.MAGNETS, m, year) for m in gen.DEMAND_2025[gen.MAGNETS]) * 0.32 * 1.2 * 4.0
    )
    for product in gen.PRODUCTS:
        assert gen.capacity(year, product) >= 1.15 * req[product], (product, year)


def test_demand_grows_at_each_chains_rate() -> None:
    """2030 demand is the 2025 figure times (1 + growth)^5, per chain."""
    for product, rate in gen.GROWTH.items():
        market = next(iter(gen.DEMAND_2025[product]))
        assert gen.demand(product, market, 2030) == pytest.approx(
            gen.DEMAND_2025[product][market] * (1 + rate) ** 5, rel=1e-3
        )


def test_basis_variant_changes_only_the_caps_basis(tmp_path: Path) -> None:
    """``--basis direct`` writes the same workbook with every cap on the direct basis."""
    gen.main([str(tmp_path / "direct.xlsx"), "--basis", "direct"])
    direct = read_sheets(tmp_path / "direct.xlsx")
    assert {r["basis"] for r in direct["Caps"]} == {"direct"}
    base = gen.records()
    assert [r["cap"] for r in direct["Caps"]] == [r["cap"] for r in base["Caps"]]
    assert len(direct["Sites"]) == len(base["Sites"]) and len(direct["Lanes"]) == len(base["Lanes"])
