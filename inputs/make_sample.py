"""Build the sample workbook ``inputs/allied_supply_network.xlsx`` from sourced figures.

Run ``python inputs/make_sample.py`` to regenerate it. Every number is either a sourced figure
from ``reference/figures.md`` (tagged [V] read in the primary source, [S] in a secondary
one, [U] unconfirmed) or a derived assumption; the
workbook's README sheet says which. Money: USD million per year (2024 baseline). Capacities are
shaped by the sourced country shares; absolute world volumes are round assumptions.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from model.template import write_input_workbook

OUT = Path(__file__).resolve().parent / "allied_supply_network.xlsx"

COUNTRIES = [
    ("USA", "Domestic", False),
    ("Taiwan", "Ally", False),
    ("Japan", "Ally", False),
    ("South Korea", "Ally", False),
    ("Australia", "Ally", False),
    ("EU", "Ally", False),
    ("Malaysia", "Partner", False),
    ("India", "Partner", False),
    ("China", "Concern", True),
]
REGION = {
    "USA": "Americas",
    "EU": "Europe",
    "Australia": "Oceania",
    "Taiwan": "Asia",
    "Japan": "Asia",
    "South Korea": "Asia",
    "Malaysia": "Asia",
    "India": "Asia",
    "China": "Asia",
}

CHIPS = "Leading-edge logic wafers"
REO = "Separated rare-earth oxide"
MAGNETS = "NdFeB magnets"
CELLS = "Li-ion cells"
APIS = "Generic APIs"

# The value of lost supply (unmet-demand penalty): what is lost when a unit is missing is the
# component it goes into, not the input's price. Taken as 10x the world price (the cheapest unit
# cost below) [A]: a tonne of NdFeB magnets goes into about 500 EV traction motors (MP Materials
# Fort Worth: ~1,000 t/yr for ~500,000 motors [S]), so 10x its price (0.45 USD million per t) is
# about USD 900 a motor. Well above the cost of any allied capacity the sample offers, so unmet
# demand is the last resort, taken only where no capacity can be bought.
LOST_SUPPLY_MULTIPLE = 10
WORLD_PRICE = {"chips": 10.0, "reo": 0.008, "magnets": 0.045, "cells": 89.0, "apis": 20.0}

# product: unit, unmet penalty (USD million per unit), reserve share, base freight per unit
PRODUCTS = {
    CHIPS: ("k wafers (300 mm)", LOST_SUPPLY_MULTIPLE * WORLD_PRICE["chips"], 0.05, 0.02),
    REO: ("t REO", LOST_SUPPLY_MULTIPLE * WORLD_PRICE["reo"], 0.05, 0.0002),
    MAGNETS: ("t", LOST_SUPPLY_MULTIPLE * WORLD_PRICE["magnets"], 0.05, 0.0008),
    CELLS: ("GWh", LOST_SUPPLY_MULTIPLE * WORLD_PRICE["cells"], 0.03, 1.5),
    APIS: ("kt", LOST_SUPPLY_MULTIPLE * WORLD_PRICE["apis"], 0.10, 0.4),
}

# site, country, product, status, capacity, unit_cost, fixed_cost, module_capacity, module_cost,
# max_modules, reserve_cost
SITES = [
    # Chips: <10 nm logic 2019: Taiwan 92%, South Korea 8% (BCG/SIA 2021). 5 nm wafer ~US$17,000
    # (CSET 2020) -> 17 USD million per k wafers sold; cost ~60% of price. US TCO ~+30% (SIA).
    ("TSMC Hsinchu-Tainan", "Taiwan", CHIPS, "existing", 1650, 10.0, 0, 0, 0, 0, 1.0),
    ("Samsung Hwaseong", "South Korea", CHIPS, "existing", 150, 10.5, 0, 60, 90, 2, 1.0),
    ("SMIC Shanghai N+2", "China", CHIPS, "existing", 60, 14.0, 0, 0, 0, 0, 1.4),
    # TSMC Arizona phase 1: 20,000 wafers/month = 240 k/yr, ~US$12 bn; phase 2 as modules.
    # Fixed cost = annualised capex net of CHIPS Act grants (assumption: 8%/yr of capex less grant).
    ("TSMC Arizona", "USA", CHIPS, "candidate", 240, 13.0, 700, 240, 650, 2, 1.3),
    ("Samsung Taylor Texas", "USA", CHIPS, "candidate", 180, 13.3, 620, 0, 0, 0, 1.3),
    # JASM Kumamoto fab 2 (6/7 nm; ¥732 bn subsidy): ~60 k wafers/month combined -> 180 k/yr here.
    ("JASM Kumamoto fab 2", "Japan", CHIPS, "candidate", 180, 11.5, 420, 0, 0, 0, 1.1),
    # Rare-earth separation 2019: China 87%, Malaysia (Lynas) 12% (IEA 2021). China ~1/3 of the
    # cost to build; NdPr floor US$110/kg ~2x China -> US unit cost ~2x.
    ("Baotou separation cluster", "China", REO, "existing", 250000, 0.008, 0, 0, 0, 0, 0.0008),
    ("Lynas Kuantan", "Malaysia", REO, "existing", 22000, 0.012, 0, 0, 0, 0, 0.0012),
    ("MP Materials Mountain Pass", "USA", REO, "existing", 5000, 0.016, 0, 5000, 40, 2, 0.0016),
    ("Solvay La Rochelle", "EU", REO, "existing", 4000, 0.018, 0, 0, 0, 0, 0.0018),
    # Lynas USA (Seadrift TX): DoD-funded ~US$258 million; Iluka Eneabba: up to 23,000 t/yr REO,
    # capex A$1.7-1.8 bn (~US$1.15 bn) -> ~90 USD million/yr annualised.
    ("Lynas Texas", "USA", REO, "candidate", 5000, 0.015, 25, 0, 0, 0, 0.0015),
    ("Iluka Eneabba", "Australia", REO, "candidate", 23000, 0.013, 90, 0, 0, 0, 0.0013),
    # NdFeB magnets: China ~90% (MacroPolo/Noveon), Japan ~7-8%, Germany ~1-2%.
    ("Ningbo-Baotou magnet cluster", "China", MAGNETS, "existing", 200000, 0.045, 0, 0, 0, 0, 0.0045),
    ("Proterial-TDK-Shin-Etsu", "Japan", MAGNETS, "existing", 15000, 0.070, 0, 3000, 30, 2, 0.007),
    ("VAC Hanau", "EU", MAGNETS, "existing", 3000, 0.075, 0, 0, 0, 0, 0.0075),
    # MP Materials Fort Worth: ~1,000 t/yr; "10X" plant to ~10,000 t/yr total (DoD deal 2025).
    ("MP Materials Fort Worth", "USA", MAGNETS, "candidate", 1000, 0.065, 15, 3000, 45, 3, 0.0065),
    ("Neo Narva magnet plant", "EU", MAGNETS, "candidate", 2000, 0.072, 20, 2000, 20, 2, 0.0072),
    # New sintered-magnet plants where allied demand has no plant of its own [A], costed on Neo
    # Narva (2,000 t/yr for about EUR 75-100 m, built 2023-2025 [S]); Korean and Indian unit costs
    # between Japan's and China's.
    ("Korean magnet plant (new)", "South Korea", MAGNETS, "candidate", 2000, 0.068, 20, 2000, 20, 3, 0.0068),
    ("Indian magnet plant (new)", "India", MAGNETS, "candidate", 2000, 0.062, 20, 2000, 20, 3, 0.0062),
    # Li-ion cells 2022 (BNEF): China 893 GWh (77%), Poland 73, USA 70, Hungary 38, Germany 31,
    # Sweden 16, South Korea 15, Japan 12. Cells US$89/kWh 2023 (BNEF); US +11%, EU +20%.
    ("China cell makers (CATL, BYD...)", "China", CELLS, "existing", 893, 89.0, 0, 0, 0, 0, 8.9),
    ("EU gigafactories (PL, HU, DE, SE)", "EU", CELLS, "existing", 164, 107.0, 0, 0, 0, 0, 10.7),
    ("US gigafactories", "USA", CELLS, "existing", 70, 99.0, 0, 0, 0, 0, 9.9),
    ("Korean cell plants", "South Korea", CELLS, "existing", 15, 95.0, 0, 10, 150, 2, 9.5),
    ("Japanese cell plants", "Japan", CELLS, "existing", 12, 100.0, 0, 0, 0, 0, 10.0),
    ("US IRA gigafactory (Kentucky)", "USA", CELLS, "candidate", 40, 99.0, 260, 20, 120, 3, 9.9),
    ("EU gigafactory (Germany)", "EU", CELLS, "candidate", 40, 107.0, 280, 20, 130, 2, 10.7),
    # APIs: FDA 2019: US 28%, China 13% of facilities; India and EU the big hubs. Labour cost
    # index Western 100, China 8, India 10 (World Bank 2009) -> unit costs (assumption).
    ("China API makers", "China", APIS, "existing", 130, 20.0, 0, 0, 0, 0, 2.0),
    ("India API makers", "India", APIS, "existing", 95, 22.0, 0, 0, 0, 0, 2.2),
    ("EU API makers", "EU", APIS, "existing", 55, 45.0, 0, 0, 0, 0, 4.5),
    ("US API makers", "USA", APIS, "existing", 18, 55.0, 0, 0, 0, 0, 5.5),
    ("US DPA API platform (Virginia)", "USA", APIS, "candidate", 12, 50.0, 60, 6, 25, 2, 5.0),
    ("India PLI API park", "India", APIS, "candidate", 30, 21.0, 45, 0, 0, 0, 2.1),
]

DEMAND = {
    CHIPS: {"USA": 820, "EU": 200, "Japan": 140, "South Korea": 150, "Taiwan": 110, "China": 300, "India": 40},
    REO: {"China": 190000, "Japan": 26000, "USA": 16000, "EU": 15000, "South Korea": 8000, "Malaysia": 2000},
    MAGNETS: {"China": 115000, "EU": 25000, "USA": 20000, "Japan": 18000, "South Korea": 8000, "India": 5000},
    CELLS: {"China": 620, "EU": 220, "USA": 150, "Japan": 30, "South Korea": 30, "India": 20},
    APIS: {"USA": 42, "EU": 48, "Japan": 13, "India": 52, "China": 85, "South Korea": 8},
}

# Section 301 on China-origin goods into the US (USTR 2024 four-year review): semiconductors 50%,
# Li-ion batteries 25%, permanent magnets 25% (2026), other critical minerals 25%.
US_TARIFF_ON_CHINA = {CHIPS: 0.50, CELLS: 0.25, MAGNETS: 0.25, REO: 0.25, APIS: 0.0}
EU_CELL_TARIFF = 0.027  # EU MFN duty on Li-ion cells (assumption)


def lanes() -> list[dict]:
    out = []
    names = [c for c, _, _ in COUNTRIES]
    for product, (_, _, _, freight) in PRODUCTS.items():
        for o in names:
            for d in names:
                if o == d:
                    continue
                factor = 1.0 if REGION[o] == REGION[d] else 2.0
                tariff = 0.0
                if o == "China" and d == "USA":
                    tariff = US_TARIFF_ON_CHINA[product]
                if product == CELLS and d == "EU":
                    tariff = EU_CELL_TARIFF
                out.append(
                    {
                        "origin": o,
                        "destination": d,
                        "product": product,
                        "freight_cost": round(freight * factor, 6),
                        "tariff_rate": tariff,
                    }
                )
    return out


RECORDS = {
    "Settings": [
        {"setting": "currency", "value": "USD million"},
        {"setting": "dependency_cap", "value": 1},
        {"setting": "unmet_penalty", "value": 100},
        {"setting": "time_limit_s", "value": 120},
        {"setting": "mip_gap", "value": 0.0001},
        {"setting": "threads", "value": 0},
        {"setting": "random_seed", "value": 0},
    ],
    "Countries": [{"country": c, "bloc": b, "concern": k} for c, b, k in COUNTRIES],
    "Products": [
        {"product": p, "unit": u, "unmet_penalty": pen, "reserve_share": rs} for p, (u, pen, rs, _) in PRODUCTS.items()
    ],
    "Sites": [
        dict(
            zip(
                (
                    "site",
                    "country",
                    "product",
                    "status",
                    "capacity",
                    "unit_cost",
                    "fixed_cost",
                    "module_capacity",
                    "module_cost",
                    "max_modules",
                    "reserve_cost",
                ),
                row,
            )
        )
        for row in SITES
    ],
    "Demand": [{"market": m, "product": p, "demand": d} for p, by in DEMAND.items() for m, d in by.items()],
    "Lanes": lanes(),
    "Caps": [
        # The concern country's own market is not capped (a default-cap sweep is about the others).
        {"product": None, "market": "China", "cap": 1, "scope": "each"},
        # US policy intent: at most a quarter of any strategic product from the concern country.
        {"product": None, "market": "USA", "cap": 0.25, "scope": "each"},
        # Magnets are hardest to de-risk: the US accepts half for now.
        {"product": MAGNETS, "market": "USA", "cap": 0.5, "scope": "each"},
        # EU Critical Raw Materials Act benchmark: at most 65% from a single third country.
        {"product": None, "market": "EU", "cap": 0.65, "scope": "each"},
        # Allies' pledge (assumption): at most 70% of the world's cell supply from the concern country.
        {"product": CELLS, "market": None, "cap": 0.7, "scope": "total"},
    ],
    "Scenarios": [
        {"scenario": "Taiwan strait blockade", "weight": 0.02, "max_shortfall": None},
        {"scenario": "Rare-earth export ban", "weight": 0.05, "max_shortfall": 0.35},
        {"scenario": "Pandemic surge", "weight": 0.03, "max_shortfall": 0.2},
        {"scenario": "Japan earthquake", "weight": 0.03, "max_shortfall": 0.3},
    ],
    "Disruptions": [
        {"scenario": "Taiwan strait blockade", "country": "Taiwan", "capacity_loss": 1.0},
        {"scenario": "Taiwan strait blockade", "country": "China", "capacity_loss": 0.3},
        # Export ban: the exported share of Chinese output is lost to everyone (the model has no
        # per-market supply restriction; see the README sheet).
        {"scenario": "Rare-earth export ban", "country": "China", "product": REO, "capacity_loss": 0.25},
        {"scenario": "Rare-earth export ban", "country": "China", "product": MAGNETS, "capacity_loss": 0.4},
        {"scenario": "Pandemic surge", "country": "China", "product": APIS, "capacity_loss": 0.3},
        {"scenario": "Japan earthquake", "country": "Japan", "capacity_loss": 0.4},
        {"scenario": "Japan earthquake", "site": "JASM Kumamoto fab 2", "capacity_loss": 1.0},
    ],
    "Shocks": [
        {"scenario": "Pandemic surge", "product": APIS, "demand_factor": 1.6},
        {"scenario": "Taiwan strait blockade", "product": CHIPS, "market": "China", "demand_factor": 0.7},
    ],
    "Stockpiles": [
        {"market": "USA", "product": MAGNETS, "max_stock": 6000, "holding_cost": 0.012},
        {"market": "Japan", "product": MAGNETS, "max_stock": 5000, "holding_cost": 0.012},
        {"market": "EU", "product": MAGNETS, "max_stock": 6000, "holding_cost": 0.012},
        {"market": "USA", "product": REO, "max_stock": 6000, "holding_cost": 0.003},
        {"market": "Japan", "product": REO, "max_stock": 8000, "holding_cost": 0.003},
        {"market": "USA", "product": APIS, "max_stock": 12, "holding_cost": 9.0},
        {"market": "EU", "product": APIS, "max_stock": 12, "holding_cost": 9.0},
        {"market": "USA", "product": CHIPS, "max_stock": 60, "holding_cost": 3.0},
    ],
}

README = [
    ("Allied supply network (sample)", "A realistic, simplified network for five strategic products; edit and rerun."),
    ("Money", "USD million per year, 2024 baseline. Quantities in each product's unit."),
    (
        "Sources",
        "Figures from the tool's reference/figures.md, tagged [V]/[S] below; "
        "each Sites row says its basis in inputs/make_sample.py.",
    ),
    (
        "Sourced [V]/[S]",
        "Wafer-fab shares (BCG/SIA 2020, 2021); 5 nm wafer price ~US$17,000 (CSET 2020); US fab TCO "
        "~30% above Taiwan (SIA/BCG); TSMC Arizona 20,000 wafers/month, ~US$12 bn; JASM fab 2 subsidy "
        "¥732 bn; RE separation China 87%, Malaysia 12% (IEA 2021); NdFeB China ~90% (MacroPolo); "
        "MP Fort Worth ~1,000 t/yr and the 10X plant (~10,000 t/yr); Iluka Eneabba up to 23,000 t/yr; "
        "Li-ion cell capacity by country 2022 (BNEF); cells US$89/kWh, US +11%, EU +20% (BNEF 2023); "
        "API facility shares (FDA 2019); Section 301 tariffs (USTR 2024: chips 50%, batteries 25%, "
        "magnets 25%, critical minerals 25%).",
    ),
    (
        "Assumptions [A]",
        "World demand volumes and their split by market; unit costs derived from the sourced cost "
        "indices (US fab +30%, cells US +11% and EU +20%, NdPr ~2x China, API labour); fixed costs = "
        "annualised capex net of subsidies (~8%/yr); module sizes and "
        "costs; two new magnet plants (South Korea, India) costed on Neo Narva (2,000 t/yr for about "
        "EUR 75-100 m); reserve shares and costs "
        "(10% of unit cost per unit of capacity per year); stockpile limits and holding costs "
        "(about 15% of the product's value per year); "
        "freight (x2 between regions); scenario weights (yearly probabilities), losses and shocks; "
        "the caps (US 25%, magnets 50%; EU 65% after the Critical Raw Materials Act benchmark).",
    ),
    (
        "Unmet-demand penalty",
        "The value of lost supply: 10x the product's world price (the cheapest unit cost on the Sites "
        "sheet) [A]. What a missing unit stops is the component it goes into: a tonne of NdFeB magnets "
        "goes into about 500 EV traction motors (MP Materials Fort Worth, ~1,000 t/yr for ~500,000 motors "
        "[S]), so 0.45 USD million per t is about USD 900 a motor. Above the cost of any allied capacity "
        "here, so demand goes unserved only where no capacity can be bought (docs/studies.md).",
    ),
    (
        "Limits",
        "One tier (no bill of materials: magnets do not consume oxide). An export ban is modelled as "
        "losing the exported share of Chinese capacity for every market.",
    ),
]


def main() -> None:
    write_input_workbook(OUT, RECORDS, readme=README)
    print(f"written {OUT}")


if __name__ == "__main__":
    main()
