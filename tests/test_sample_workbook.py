"""The sample's generator against the workbook contract, without the model.

``inputs/make_sample.py`` writes the sample workbook; these tests open what it writes with
openpyxl and check it against the sheets, headers and settings of ``docs/contract/workbook.md``
(version 3: recipes, periods, groups, hubs; closures, concern sites, single-country caps, minimum
output, Observed), against the contract's cross-sheet rules (names, periods, duplicate keys,
recipe cycles), and check that every tier of every chain could meet its gross requirement in every
period, and that docs/chains.md carries the generator's table of sourced figures. No solve: the
model's own reading of the workbook is ``tests/test_sample.py``.
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


def contract_sheets(version: int = 3) -> tuple[dict[str, list[str]], list[str], list[str]]:
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
    sample fills every sheet of version 3: it is the tool's showcase."""
    sheets, settings, required = contract_sheets()
    assert {"Recipes", "Periods", "Groups", "Closures", "Observed"} <= set(sheets)  # the v3 contract was parsed
    names = {k for k in sample if "#" not in k}
    assert set(sheets) <= names, set(sheets) - names
    for extra in names - set(sheets) - {"README"}:  # the project's own sheets (Study), left empty
        assert sample[extra] == [], extra
    assert set(required) <= names
    for name, columns in sheets.items():
        header = sample[name + "#header"]
        assert set(columns) == set(header), (name, set(header) ^ set(columns))
        assert sample[name], f"{name} is empty"
    used = {r["setting"] for r in sample["Settings"]}
    assert used <= set(settings), used - set(settings)
    assert {"discount_rate", "caps_in_scenarios", "calibration_tolerance"} <= used


def test_readme_lists_every_figure_with_its_source_and_tag(sample) -> None:
    first = {str(r[0]): str(r[1]) for r in sample["README#rows"] if r and r[0]}
    figures = [k for k in first if re.match(r"\[[VSU]\] ", k)]
    assert len(figures) == len(gen.FIGURES)
    assert all("Source: " in first[k] for k in figures)
    assert any("USGS Mineral Commodity Summaries 2025" in first[k] for k in figures)
    assert "Assumptions [A]" in first and "Limits" in first
    assert not re.search(r"\[[VSU]\]", first["Assumptions [A]"])


def test_chains_doc_carries_the_figures() -> None:
    """docs/chains.md holds the generator's table of sourced figures, as ``--figures`` prints it."""
    doc = (ROOT / "docs" / "chains.md").read_text(encoding="utf-8")
    assert gen.figures_markdown() in doc
    for product, country, share, source in gen.OBSERVED:  # and the Observed sheet, row by row
        assert f"| {product} | {country} | {share:.1%} | {source} |" in doc, (product, country)


def test_names_periods_and_keys_follow_the_cross_sheet_rules(sample) -> None:
    countries = {r["country"] for r in sample["Countries"]}
    blocs = {r["bloc"] for r in sample["Countries"]}
    products = {r["product"] for r in sample["Products"]}
    sites = {r["site"]: r for r in sample["Sites"]}
    scenarios = {r["scenario"] for r in sample["Scenarios"]}
    periods = {r["period"] for r in sample["Periods"]}
    assert len(sites) == len(sample["Sites"]) and len(products) == len(sample["Products"])
    assert not blocs & countries  # a bloc label that is a country's name is an error
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
        "Closures": ("scenario", "origin", "destination", "product"),
        "Observed": ("product", "country"),
    }.items():
        for r in sample[sheet]:
            for c in cols:
                v = r[c]
                if v is None:
                    continue
                known = {
                    "market": countries,
                    "origin": countries | (blocs if sheet == "Closures" else set()),
                    "destination": countries | (blocs if sheet == "Closures" else set()),
                    "country": countries,
                }
                ref = known.get(c) or {"product": products, "input": products, "site": sites, "scenario": scenarios}[c]
                assert v in ref, (sheet, c, v)
            if "period" in r and r["period"] is not None:
                assert r["period"] in periods, (sheet, r)
    keys = {
        "Demand": ("market", "product", "period"),
        "Lanes": ("origin", "destination", "product", "period"),
        "Caps": ("product", "market", "scope", "basis", "of", "period"),
        "Recipes": ("product", "input", "site"),
        "Shocks": ("scenario", "market", "product"),
        "Closures": ("scenario", "origin", "destination", "product"),
        "Observed": ("product", "country"),
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
    # Observed shares of one product sum to at most 1; every row has its source
    by: dict[str, float] = defaultdict(float)
    for r in sample["Observed"]:
        by[r["product"]] += r["share"]
        assert r["source"], r
    assert all(total <= 1 for total in by.values()), by
    # scenario weights are yearly probabilities: they sum to less than 1
    assert sum(r["weight"] for r in sample["Scenarios"]) < 1


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


def tariffs(sample, origin: str, destination: str, product: str) -> dict[int | None, float]:
    return {
        r["period"]: r["tariff_rate"]
        for r in sample["Lanes"]
        if (r["origin"], r["destination"], r["product"]) == (origin, destination, product)
    }


def test_what_issue_31_asks_for_is_there(sample) -> None:
    """Four periods to 2034; a heavy rare-earth product in the magnet chain; the corrected duties
    (no Section 301 on NdPr oxide and metal, the 2025 IEEPA duties, the anode AD/CVD); export bans
    as Closures of the named stages, allied exports to China stopped in the blockade; values of
    lost supply per market, allied above the rest; restock costs from prices; Chinese-owned plants
    flagged concern; the EU benchmark as ``of: any`` caps, one per stage of a strategic raw
    material; offtake on real plants; an Observed sheet with sources."""
    assert [(r["period"], r["years"]) for r in sample["Periods"]] == [(2025, 2), (2027, 3), (2030, 3), (2033, 2)]
    two_inputs = defaultdict(set)
    for r in sample["Recipes"]:
        two_inputs[r["product"]].add(r["input"])
    assert two_inputs[gen.CELLS] == {gen.CATHODE, gen.ANODE}
    assert two_inputs[gen.MAGNETS] == {gen.METAL, gen.DYTB}
    # duties into the USA (China's 2025 IEEPA duties included)
    assert tariffs(sample, "China", "USA", gen.OXIDE) == {None: 0.1}
    assert tariffs(sample, "China", "USA", gen.METAL) == {None: 0.15}
    assert tariffs(sample, "China", "USA", gen.MAGNETS) == {None: 0.2, 2027: 0.45}
    assert tariffs(sample, "China", "USA", gen.ANODE)[None] == pytest.approx(1.2005)
    assert tariffs(sample, "China", "USA", gen.FAB) == {None: 0.6}
    assert tariffs(sample, "EU", "USA", gen.CELLS) == {None: 0.15}
    # crises
    closures = {(r["scenario"], r["origin"], r["destination"], r["product"]) for r in sample["Closures"]}
    assert (gen.BAN, "China", None, gen.DYTB) in closures and (gen.BAN, "China", None, gen.MAGNETS) in closures
    assert not any(c[0] == gen.BAN and c[3] in (gen.OXIDE, gen.METAL) for c in closures)  # not on the April 2025 list
    assert (gen.GRAPHITE_BAN, "China", None, gen.ANODE) in closures
    assert (gen.BLOCKADE, "Ally", "China", None) in closures and (gen.BLOCKADE, "Domestic", "China", None) in closures
    assert not sample["Disruptions"] or all(r["scenario"] != gen.BAN for r in sample["Disruptions"])
    penalty = {(r["market"], r["product"]): r["unmet_penalty"] for r in sample["Demand"]}
    assert penalty["USA", gen.MAGNETS] == penalty["EU", gen.MAGNETS] > penalty["China", gen.MAGNETS] > 0
    assert penalty["Japan", gen.CELLS] > penalty["India", gen.CELLS]
    price = {r["product"]: r["customs_value"] for r in sample["Products"]}
    assert all(r["restock_cost"] >= price[r["product"]] for r in sample["Stockpiles"])
    # policies
    flagged = {s["site"] for s in sample["Sites"] if s["concern"] is True}
    assert {s["country"] for s in sample["Sites"] if s["site"] in flagged} >= {"EU", "Australia"}
    any_caps = [r for r in sample["Caps"] if r["of"] == "any"]
    assert {r["product"] for r in any_caps} == set(gen.CRMA_STAGES)
    assert all(r["market"] == "EU" and r["cap"] == 0.65 and r["basis"] == "direct" for r in any_caps)
    assert not {gen.MAGNETS, gen.CELLS, gen.CATHODE} & {r["product"] for r in any_caps}  # not raw materials
    offtake = {s["site"] for s in sample["Sites"] if s["min_output"]}
    assert {"MP Materials Mountain Pass mine", "TSMC Arizona fab 1"} <= offtake
    assert len(sample["Observed"]) >= 8
    # features of version 2 kept: a plant under construction, a retirement, a closable site, a hub,
    # a group limit, modules, phased look-through caps, stock of an intermediate
    existing_later = {s["site"] for s in sample["Sites"] if s["status"] == "existing" and s["available_from"]}
    assert {"Neo Narva magnet plant", "Iluka Eneabba refinery", "TSMC Arizona fab 2"} <= existing_later
    assert any(s["available_until"] for s in sample["Sites"])
    assert any(s["status"] == "closable" for s in sample["Sites"])
    assert any(s["role"] == "hub" for s in sample["Sites"])
    assert any(s["max_modules"] for s in sample["Sites"])
    assert any(g["max_open"] is not None for g in sample["Groups"])
    lookthrough = [r for r in sample["Caps"] if r["basis"] == "lookthrough"]
    assert {r["period"] for r in lookthrough} == {2027, 2030}
    products_made_only_as_inputs = {r["input"] for r in sample["Recipes"]} - {r["product"] for r in sample["Demand"]}
    assert any(r["product"] in products_made_only_as_inputs for r in sample["Stockpiles"])
    assert {r["product"] for r in sample["Demand"]} == {gen.MAGNETS, gen.CELLS, gen.CHIPS, gen.DOSES}


def test_the_sourced_first_year_figures() -> None:
    """The figures issue 31 corrects, as the generator carries them: lithium ore and brine in
    2025 is 2024's mine output (USGS MCS 2025, kt Li x 5.32); China's rare-earth mines its 2024
    quota; a US fab +7% on Taiwan's operating cost, its capex as fixed cost (TSMC Arizona: USD 65 bn
    for three fabs less USD 6.6 bn, at 8%)."""
    by = {s["site"]: s for s in gen.SITES}
    assert by["Australian spodumene mines"]["capacity"] == 468 == round(88 * 5.32)
    assert by["Atacama brine (Chile)"]["capacity"] == 261 == round(49 * 5.32)
    assert by["China lithium mines"]["capacity"] == 218 == round(41 * 5.32)
    assert by["China rare-earth mines (quota)"]["capacity"] == 270000
    assert by["TSMC Arizona fab 1"]["unit_cost"] == pytest.approx(1.07 * by["TSMC Hsinchu-Tainan"]["unit_cost"])
    assert by["TSMC Arizona fab 2"]["fixed_cost"] == pytest.approx(0.08 * (65 - 6.6) / 3 * 1000, abs=5)
    us_fabs = [s for s in gen.SITES if s["product"] == gen.FAB and s["country"] == "USA"]
    assert any(s["site"].startswith("Intel") for s in us_fabs)


@pytest.mark.parametrize("year", [y for y, _ in gen.PERIODS])
def test_every_tier_could_meet_its_gross_requirement(year: int) -> None:
    """In every period, every stage could make what the final demand needs of it through the
    recipes: the plants available that year with every module added. Mines and China's magnet
    makers run near full, as they do (the first year's capacities are 2024's outputs); a product
    short here would show as unmet demand, not a choice."""
    req = gen.gross_requirement(year)
    magnets = sum(gen.demand(gen.MAGNETS, m, year) for m in gen.DEMAND_2025[gen.MAGNETS])
    assert req[gen.REC] == pytest.approx(magnets * (0.32 * 1.2 * 4.0 + 0.012 * 20.0))
    for product in gen.PRODUCTS:
        assert gen.capacity(year, product) >= req[product], (product, year)


def test_demand_grows_at_each_chains_rate() -> None:
    """2033 demand is the 2025 figure times (1 + growth)^8, per chain: it keeps growing after 2030."""
    for product, chain in gen.FINAL.items():
        market = next(iter(gen.DEMAND_2025[product]))
        rate = gen.GROWTH[chain]
        assert gen.demand(product, market, 2033) == pytest.approx(
            gen.DEMAND_2025[product][market] * (1 + rate) ** 8, abs=0.5
        )
        assert gen.demand(product, market, 2033) > gen.demand(product, market, 2030)


def test_basis_variant_changes_only_the_concern_caps_basis(tmp_path: Path) -> None:
    """``--basis direct`` writes the same workbook with every concern cap on the direct basis (the
    single-country caps are direct already)."""
    gen.main([str(tmp_path / "direct.xlsx"), "--basis", "direct"])
    direct = read_sheets(tmp_path / "direct.xlsx")
    assert {r["basis"] for r in direct["Caps"]} == {"direct"}
    base = gen.records()
    assert [r["cap"] for r in direct["Caps"]] == [r["cap"] for r in base["Caps"]]
    assert len(direct["Sites"]) == len(base["Sites"]) and len(direct["Lanes"]) == len(base["Lanes"])


@pytest.mark.parametrize("policy", gen.POLICIES)
def test_each_policy_can_be_left_out(policy: str) -> None:
    """``--without POLICY`` changes that policy's rows only (the variants docs/sample.md costs)."""
    base, without = gen.records(), gen.records(without=policy)
    assert without != base
    assert len(without["Sites"]) == len(base["Sites"]) and without["Demand"] == base["Demand"]
    if policy in ("dfars", "us-cells", "crma"):
        assert len(without["Caps"]) < len(base["Caps"]) and without["Lanes"] == base["Lanes"]
    elif policy == "tariffs-2025":
        assert tariffs(without, "China", "USA", gen.ANODE) == {None: 0.0} and without["Caps"] == base["Caps"]
    else:
        assert not any(s["min_output"] for s in without["Sites"])
