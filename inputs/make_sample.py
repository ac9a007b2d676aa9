"""Build the sample workbook ``inputs/allied_supply_network.xlsx``: four real chains, 2025-2034.

Run ``python inputs/make_sample.py [OUT.xlsx]`` to regenerate it (default: the shipped sample);
``--basis direct`` writes a variant with every cap measured on the direct basis.
The workbook follows version 2 of the contract (``docs/contract/workbook.md``): recipes (tiers),
periods, hubs, groups, a closable site, tariffs by period and caps by period and basis.

Four chains, each from its raw material to what the markets buy:

* rare-earth magnets: mining (t REO) -> separation (NdPr oxide) -> metal and alloy -> sintered
  NdFeB magnets;
* Li-ion batteries: lithium ore and brine -> lithium chemicals -> cathode material; graphite ->
  anode material; cathode + anode -> cells (a recipe with two inputs);
* chips: silicon wafers -> leading-edge wafer fabs -> assembly, test and packaging, through a
  Singapore hub;
* medicines: key starting materials -> APIs -> finished doses.

Three periods, 2025 (2025-26), 2027 (2027-29) and 2030 (2030-34), discounted at 7% a year.

Every number is either a sourced figure from ``reference/figures.md`` (tagged [V] read in the
primary source, [S] in a secondary one, [U] unconfirmed) or an assumption [A]; each row below
says which, and the workbook's README sheet lists both. Money: USD million per year, 2024
dollars. Unit costs are a stage's own cost (value added): what its inputs cost is counted at the
stages that make them. Capacities follow the sourced country shares of each stage; absolute
world volumes and the yields of the recipes are round assumptions.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from model.template import write_input_workbook

OUT = Path(__file__).resolve().parent / "allied_supply_network.xlsx"

# --- countries ------------------------------------------------------------------------------

COUNTRIES = [
    ("USA", "Domestic", False),
    ("Japan", "Ally", False),
    ("South Korea", "Ally", False),
    ("Taiwan", "Ally", False),
    ("Australia", "Ally", False),
    ("EU", "Ally", False),
    ("Malaysia", "Partner", False),
    ("Singapore", "Partner", False),
    ("India", "Partner", False),
    ("Chile", "Partner", False),
    ("Mozambique", "Partner", False),
    ("China", "Concern", True),
]
REGION = {
    "USA": "Americas",
    "Chile": "Americas",
    "EU": "Europe",
    "Mozambique": "Africa",
    "Australia": "Oceania",
    "Japan": "Asia",
    "South Korea": "Asia",
    "Taiwan": "Asia",
    "Malaysia": "Asia",
    "Singapore": "Asia",
    "India": "Asia",
    "China": "Asia",
}
INTER_REGION_FREIGHT = 2.0  # freight between regions is twice freight within one [A]

# --- periods and money --------------------------------------------------------------------

# (period, years): 2025-26, 2027-29, 2030-34.
PERIODS = [(2025, 2), (2027, 3), (2030, 5)]
# OMB Circular A-94 (revised 29 Oct 1992): a real discount rate of 7% for the base case of a
# federal benefit-cost analysis [S] (EPA OSWER Directive 9355.3-20 reproduces the circular).
DISCOUNT_RATE = 0.07

# --- products --------------------------------------------------------------------------------

REC = "Rare-earth concentrate"
OXIDE = "NdPr oxide"
METAL = "NdPr metal and alloy"
MAGNETS = "NdFeB magnets"
LI_RAW = "Lithium ore and brine"
LI_CHEM = "Lithium chemicals"
CATHODE = "Cathode material"
GRAPHITE = "Graphite feedstock"
ANODE = "Anode material"
CELLS = "Li-ion cells"
SI_WAFERS = "Silicon wafers (300 mm)"
FAB = "Leading-edge logic wafers"
CHIPS = "Packaged leading-edge chips"
KSM = "Key starting materials"
APIS = "Generic APIs"
DOSES = "Generic finished doses"

CHAINS = {
    "magnets": [REC, OXIDE, METAL, MAGNETS],
    "batteries": [LI_RAW, LI_CHEM, CATHODE, GRAPHITE, ANODE, CELLS],
    "chips": [SI_WAFERS, FAB, CHIPS],
    "medicines": [KSM, APIS, DOSES],
}

# The value of lost supply (unmet-demand penalty): what is lost when a unit is missing is the
# component it goes into, not the input's price. Taken as 10x the world price [A]: a tonne of
# NdFeB magnets goes into about 500 EV traction motors (MP Materials Fort Worth: ~1,000 t/yr for
# ~500,000 motors [S]), so 10x its price (0.5 USD million per t) is about USD 1,000 a motor.
# Well above the cost of any capacity the sample offers, so unmet demand is the last resort,
# taken only where no capacity can be bought (docs/studies.md).
LOST_SUPPLY_MULTIPLE = 10

# product: unit, world price (USD million per unit; also the customs value on which tariffs are
# charged), base freight per unit (within a region), reserve share
PRODUCTS: dict[str, tuple[str, float, float, float]] = {
    # Mixed RE concentrate, about USD 4 per kg REO [A].
    REC: ("t REO", 0.004, 0.0002, 0.0),
    # Nd oxide USD 56/kg in 2024 (Argus, USGS MCS 2025 [V]).
    OXIDE: ("t", 0.056, 0.0005, 0.05),
    METAL: ("t", 0.07, 0.0005, 0.0),  # NdPr metal about USD 70/kg [A]
    MAGNETS: ("t", 0.05, 0.0008, 0.05),  # sintered NdFeB about USD 50/kg [A]
    LI_RAW: ("kt LCE", 8.0, 0.1, 0.0),  # spodumene or brine, USD 8,000 per t LCE [A]
    LI_CHEM: ("kt LCE", 12.0, 0.15, 0.0),  # carbonate and hydroxide, USD 12,000 per t [A]
    CATHODE: ("kt", 20.0, 0.2, 0.0),  # NMC/LFP mix, USD 20/kg [A]
    GRAPHITE: ("kt", 0.6, 0.05, 0.0),  # flake and synthetic feedstock, USD 600/t [A]
    ANODE: ("kt", 4.0, 0.1, 0.0),  # spherical and synthetic anode graphite, USD 4/kg [A]
    # Cells USD 89/kWh in 2023 (BNEF [V]/[S]) = 89 USD million per GWh.
    CELLS: ("GWh", 89.0, 1.5, 0.03),
    SI_WAFERS: ("k wafers", 0.12, 0.002, 0.0),  # prime 300 mm wafer about USD 120 [A]
    # 5 nm foundry wafer USD 16,988 (CSET 2020 [S]) = 17 USD million per k wafers.
    FAB: ("k wafers", 17.0, 0.02, 0.05),
    CHIPS: ("k wafers", 20.0, 0.03, 0.0),  # packaged and tested, per wafer's worth of dies [A]
    KSM: ("kt", 2.0, 0.05, 0.0),  # [A]
    APIS: ("kt", 20.0, 0.4, 0.10),  # [A], as in the earlier sample
    DOSES: ("bn doses", 40.0, 0.5, 0.0),  # about 4 US cents a generic dose [A]
}

# input per unit of product, yield losses included [A] (site rows override below)
RECIPES = [
    # NdPr is about 20-25% of the REO in Bayan Obo and Mount Weld concentrate [A].
    (OXIDE, REC, 4.0, None),
    # Mountain Pass ore is poorer in NdPr (about 16% of its REO) [A].
    (OXIDE, REC, 6.0, "MP Materials Mountain Pass separation"),
    (METAL, OXIDE, 1.2, None),  # 1.17 t oxide per t metal by stoichiometry, plus losses
    (MAGNETS, METAL, 0.32, None),  # sintered NdFeB is about 31-32% rare earth by mass
    (LI_CHEM, LI_RAW, 1.1, None),
    (CATHODE, LI_CHEM, 0.5, None),  # kt LCE per kt of cathode, NMC/LFP mix
    (ANODE, GRAPHITE, 1.3, None),  # spheronisation and purification losses
    (CELLS, CATHODE, 1.6, None),  # kt of cathode per GWh
    (CELLS, ANODE, 1.0, None),  # kt of anode graphite per GWh
    (FAB, SI_WAFERS, 1.15, None),  # test and monitor wafers, scrap
    (CHIPS, FAB, 1.05, None),  # packaging yield
    (APIS, KSM, 1.5, None),
    (DOSES, APIS, 0.3, None),  # 300 mg of API a dose on average
]

# --- sites -----------------------------------------------------------------------------------

SITE_COLUMNS = (
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
    "role",
    "group",
    "available_from",
    "available_until",
)


def site(
    name: str,
    country: str,
    product: str,
    status: str,
    capacity: float,
    unit_cost: float,
    fixed_cost: float = 0,
    modules: tuple[float, float, int] = (0, 0, 0),
    *,
    role: str | None = None,
    group: str | None = None,
    start: int | None = None,
    until: int | None = None,
) -> dict[str, Any]:
    """One Sites row. ``modules`` = (module_capacity, module_cost, max_modules); ``start`` and
    ``until`` are ``available_from`` and ``available_until``. Capacity held in reserve costs 10%
    of the unit cost per unit per year [A]."""
    module_capacity, module_cost, max_modules = modules
    return {
        "site": name,
        "country": country,
        "product": product,
        "status": status,
        "capacity": capacity,
        "unit_cost": unit_cost,
        "fixed_cost": fixed_cost,
        "module_capacity": module_capacity,
        "module_cost": module_cost,
        "max_modules": max_modules,
        "reserve_cost": round(0.1 * unit_cost, 6),
        "role": role,
        "group": group,
        "available_from": start,
        "available_until": until,
    }


def grows(
    name: str, country: str, product: str, capacity: float, unit_cost: float, growth: tuple[float, float]
) -> list[dict[str, Any]]:
    """An existing plant whose owners build ahead of demand, whatever the allies decide: today's
    capacity plus what they add by 2027 and by 2030 (``growth``), all of it in the row from the
    first period [A]. (A row per expansion, available from its year, would say the same with
    more sites and lanes, and a slower solve.) The allies' own choices are the candidates and
    the modules."""
    return [site(name, country, product, "existing", capacity + sum(growth), unit_cost)]


def china(name: str, product: str, capacity: float, unit_cost: float, growth: tuple[float, float]) -> list[dict]:
    """China's plants for ``product``: China builds ahead of demand [A], whatever the allies do."""
    return grows(name, "China", product, capacity, unit_cost, growth)


US_FABS = "US leading-edge fabs"

SITES = [
    # ---- rare-earth magnets ----
    # Mining 2024e (USGS MCS 2025 [V]): China 270,000 t REO (quota, 69%), USA 45,000 (11.5%),
    # Australia 13,000 (3.3%). China's quota grew about 6% a year [A]: modules of 20,000 t.
    *china("China rare-earth mines (quota)", REC, 330000, 0.002, (40000, 60000)),
    site("MP Materials Mountain Pass mine", "USA", REC, "existing", 45000, 0.003, 0, (30000, 30, 1)),
    # Lynas's Mount Weld expansion [A]: two modules of 10,000 t REO.
    site("Lynas Mount Weld", "Australia", REC, "existing", 13000, 0.0028, 0, (20000, 16, 1)),
    # Arafura's Nolans project (Northern Territory): mine and refinery, about 4,400 t/yr NdPr
    # oxide, 2029 at the earliest [A: size, cost, year]; a new mine takes >16 years from
    # discovery (IEA [S]), Nolans is past that.
    site("Arafura Nolans mine", "Australia", REC, "candidate", 18000, 0.003, 15, start=2029),
    # Iluka's feed is its Eneabba monazite stockpile, for the refinery from 2027 [S] [A: size].
    site("Iluka Eneabba monazite", "Australia", REC, "existing", 20000, 0.002, start=2027),
    # Separation (NdPr oxide): China 87-92%, Malaysia (Lynas) ~12% (IEA 2021, 2024 [S]).
    # Processing cost [A]: China USD 20/kg; the US NdPr floor (USD 110/kg) is about 2x China [S].
    # China's separation capacity exceeds its quota-bound output [A]: no modules.
    site("Baotou separation cluster", "China", OXIDE, "existing", 100000, 0.02),
    site("Lynas Kuantan", "Malaysia", OXIDE, "existing", 7000, 0.03, 0, (3500, 15, 1)),
    site("MP Materials Mountain Pass separation", "USA", OXIDE, "existing", 3000, 0.04, 0, (3000, 20, 1)),
    site("Neo Silmet (Estonia)", "EU", OXIDE, "existing", 700, 0.045),
    # Solvay La Rochelle: the model may close it and save its fixed cost [A].
    site("Solvay La Rochelle", "EU", OXIDE, "closable", 1000, 0.05, 12),
    # Lynas USA (Seadrift TX): ~1,250 t/yr NdPr, DoD-funded ~USD 258 m, target FY2026 [S]:
    # a candidate that could produce from 2027 if decided now.
    site("Lynas Texas", "USA", OXIDE, "candidate", 1250, 0.04, 25, start=2027),
    # Iluka Eneabba refinery: up to 23,000 t/yr REO, A$1.7-1.8 bn (~USD 1.15 bn), commissioning
    # 2027 [S]: under construction. NdPr about 19% of its REO [A] -> 4,400 t.
    site("Iluka Eneabba refinery", "Australia", OXIDE, "existing", 4400, 0.035, 90, start=2027),
    site("Arafura Nolans refinery", "Australia", OXIDE, "candidate", 4400, 0.035, 60, start=2029),
    # Metal and alloy [A]: China ~90%; Japan's makers; MP's alloy line at Fort Worth (late 2023 [S]).
    *china("China metal and alloy makers", METAL, 86000, 0.008, (12000, 16000)),
    site("Japanese metal and alloy makers", "Japan", METAL, "existing", 5000, 0.014, 0, (6000, 16, 1)),
    site("MP Materials Fort Worth alloy", "USA", METAL, "existing", 600, 0.016, 0, (3000, 18, 1)),
    site("EU metal and alloy plant (new)", "EU", METAL, "candidate", 1000, 0.016, 10, (2000, 16, 1), start=2027),
    # Sintered NdFeB: China ~90% (MacroPolo, Adamas [S]), Japan ~7-8% (Proterial, Shin-Etsu,
    # TDK), Germany ~1-2% (VAC). Cost of making the magnet from its alloy [A].
    *china("Ningbo-Baotou magnet cluster", MAGNETS, 270000, 0.02, (30000, 40000)),
    site("Proterial, Shin-Etsu, TDK", "Japan", MAGNETS, "existing", 15000, 0.035, 0, (12000, 120, 1)),
    site("VAC Hanau", "EU", MAGNETS, "existing", 3000, 0.04),
    # Neo Narva (Estonia): 2,000 t/yr, construction 2023 -> opening Sept 2025 [S]: producing
    # from 2026. EUR 75-100 m -> about 8 a year [A]; a second phase as modules [A].
    site("Neo Narva magnet plant", "EU", MAGNETS, "existing", 2000, 0.04, 8, (4000, 40, 1), start=2026),
    # MP Materials Fort Worth: ~1,000 t/yr, magnets ~2025 [S]; the "10X" plant takes US
    # capacity to ~10,000 t/yr, commissioning 2028 [S].
    site("MP Materials Fort Worth magnets", "USA", MAGNETS, "existing", 1000, 0.038, 6),
    # VAC's eVAC plant in Sumter, South Carolina, ~1,500 t/yr from 2026 [A: size, year].
    site("eVAC South Carolina", "USA", MAGNETS, "existing", 1500, 0.038, 6, start=2026),
    site("MP Materials 10X magnet plant", "USA", MAGNETS, "candidate", 7000, 0.036, 50, start=2028),
    # New plants costed on Neo Narva [A]; lead time 2-3 years (A7 [S]).
    site("Korean magnet plant (new)", "South Korea", MAGNETS, "candidate", 2000, 0.033, 20, (6000, 60, 1), start=2027),
    site("Indian magnet plant (new)", "India", MAGNETS, "candidate", 2000, 0.03, 20, (6000, 60, 1), start=2028),
    # ---- Li-ion batteries ----
    # Lithium [A]: Australian spodumene, Chilean brine, Chinese lepidolite and brine.
    *grows("Australian spodumene mines", "Australia", LI_RAW, 850, 5.0, (300, 600)),
    *grows("Atacama brine (Chile)", "Chile", LI_RAW, 330, 4.0, (150, 150)),
    *china("China lithium mines", LI_RAW, 300, 7.0, (100, 150)),
    # Thacker Pass (Nevada), a clay deposit [A: size, cost, year].
    site("Thacker Pass (Nevada)", "USA", LI_RAW, "candidate", 40, 7.0, 60, start=2028),
    # Lithium chemical refining: China ~65% (2023), Chile ~29% (IEA [S]).
    *china("China lithium refiners", LI_CHEM, 1200, 3.0, (400, 700)),
    *grows("Chile lithium chemical plants", "Chile", LI_CHEM, 350, 3.5, (100, 100)),
    # Kwinana/Kemerton hydroxide: costly and partly idled in 2024 [A]: closable.
    site("Kwinana lithium hydroxide", "Australia", LI_CHEM, "closable", 60, 6.0, 60),
    site("Texas lithium refinery (new)", "USA", LI_CHEM, "candidate", 50, 6.0, 80, (50, 80, 1), start=2027),
    # Cathode capacity 2021 (Rystad [S]): China 74.3%, South Korea 18.9%, Japan 5.5%, North
    # America 1%, Europe 0.3%.
    *china("China cathode makers", CATHODE, 2500, 6.0, (1000, 1600)),
    *grows("Korean cathode makers", "South Korea", CATHODE, 450, 8.0, (100, 100)),
    site("Japanese cathode makers", "Japan", CATHODE, "existing", 130, 9.0),
    site("US cathode makers", "USA", CATHODE, "existing", 25, 10.0),
    site("US cathode plant (new)", "USA", CATHODE, "candidate", 60, 10.0, 100, (60, 100, 1), start=2027),
    site("EU cathode plant (new)", "EU", CATHODE, "candidate", 60, 10.0, 100, (60, 100, 1), start=2027),
    # Graphite: China ~90% (IEA 2024 [S]); Syrah's Balama (Mozambique) the largest mine outside [A].
    *china("China graphite (flake and synthetic)", GRAPHITE, 2300, 0.4, (1000, 1500)),
    site("Syrah Balama", "Mozambique", GRAPHITE, "existing", 180, 0.5, 0, (180, 20, 1)),
    # Synthetic graphite from needle coke outside China (for example Novonix, Tennessee) [A: size,
    # cost, year]: the allied answer to a graphite export control.
    site("US synthetic graphite plant (new)", "USA", GRAPHITE, "candidate", 100, 0.9, 30, (100, 25, 1), start=2028),
    # Anode capacity: China ~85% (IEA 2022 [S]), the rest mostly Japan and Korea.
    *china("China anode makers", ANODE, 1950, 2.0, (700, 1000)),
    site("Japanese anode makers", "Japan", ANODE, "existing", 50, 3.0),
    site("Korean anode makers", "South Korea", ANODE, "existing", 60, 3.0, 0, (60, 30, 1)),
    site("Syrah Vidalia anode", "USA", ANODE, "existing", 11, 3.5),
    site("US anode plant (new)", "USA", ANODE, "candidate", 50, 3.5, 40, (50, 40, 1), start=2028),
    # Cells 2022 (BNEF [S]): China 893 GWh (77%), Poland 73, USA 70, Hungary 38, Germany 31,
    # Sweden 16, South Korea 15, Japan 12; grown to 2025 [A]. Cost of making the cell from its
    # materials [A]: China lowest; US +11%, Europe +20% on the pack (BNEF 2023 [S]).
    *china("China cell makers (CATL, BYD...)", CELLS, 1450, 30.0, (500, 900)),
    site("EU gigafactories (PL, HU, DE, SE)", "EU", CELLS, "existing", 190, 40.0, 0, (40, 260, 1)),
    site("US gigafactories", "USA", CELLS, "existing", 120, 36.0, 0, (40, 240, 1)),
    site("Korean cell plants", "South Korea", CELLS, "existing", 20, 34.0, 0, (20, 150, 1)),
    # Older Japanese lines retire after 2029 [A].
    site("Japanese cell plants", "Japan", CELLS, "existing", 15, 38.0, until=2029),
    # A gigafactory: about USD 80 m per GWh/yr (Benchmark [S]), about 2 years to build [U];
    # 40 GWh for USD 3.2 bn -> about 260 a year net of incentives [A].
    site("US IRA gigafactory (Kentucky)", "USA", CELLS, "candidate", 40, 36.0, 260, (60, 360, 1), start=2027),
    site("EU gigafactory (Germany)", "EU", CELLS, "candidate", 40, 40.0, 280, (40, 260, 1), start=2027),
    site("India ACC gigafactory", "India", CELLS, "candidate", 50, 33.0, 300, (50, 280, 1), start=2028),
    # ---- chips ----
    # Silicon wafers by company [S]: Shin-Etsu (JP) 29%, SUMCO (JP) 22%, GlobalWafers (TW) 15%,
    # Siltronic (DE) 12%, SK Siltron (KR) 11%; the rest (about 11%) Chinese makers [A].
    *grows("Shin-Etsu Handotai", "Japan", SI_WAFERS, 700, 0.10, (150, 250)),
    *grows("SUMCO", "Japan", SI_WAFERS, 530, 0.10, (100, 200)),
    *grows("GlobalWafers", "Taiwan", SI_WAFERS, 360, 0.10, (60, 60)),
    *grows("Siltronic", "EU", SI_WAFERS, 290, 0.11, (60, 60)),
    *grows("SK Siltron", "South Korea", SI_WAFERS, 265, 0.10, (0, 80)),
    # GlobalWafers' Sherman (Texas) 300 mm plant, opened 2025 [A: size, year]: under construction.
    site("GlobalWafers Texas", "USA", SI_WAFERS, "existing", 120, 0.12, 8, start=2026),
    *china("China wafer makers (NSIG...)", SI_WAFERS, 445, 0.09, (0, 100)),
    # <10 nm logic 2019: Taiwan 92%, South Korea 8% (BCG/SIA 2021 [S]). 5 nm wafer ~USD 17,000
    # (CSET 2020 [S]); cost ~60% of price [A]. US total cost ~+30% (SIA [V]).
    *grows("TSMC Hsinchu-Tainan", "Taiwan", FAB, 1700, 10.0, (300, 300)),
    *grows("Samsung Hwaseong", "South Korea", FAB, 150, 10.5, (60, 60)),
    site("SMIC Shanghai N+2", "China", FAB, "existing", 60, 14.0),
    # TSMC Arizona fab 1: 20,000 wafers/month = 240 k/yr (TSMC [V]), producing since late 2024.
    site("TSMC Arizona fab 1", "USA", FAB, "existing", 240, 13.0, 350, group=US_FABS),
    # Fab lead times: US 38 months, Taiwan 19 (Exyte [S]). Fixed cost = annualised capex net of
    # CHIPS Act grants (8%/yr of capex less grant) [A].
    site("TSMC Arizona fab 2", "USA", FAB, "candidate", 240, 13.0, 700, group=US_FABS, start=2028),
    site("Samsung Taylor Texas", "USA", FAB, "candidate", 180, 13.3, 620, group=US_FABS, start=2027),
    # JASM Kumamoto fab 2: 6/7 nm, production 2027, ¥732 bn subsidy [S].
    site("JASM Kumamoto fab 2", "Japan", FAB, "candidate", 180, 11.5, 420, start=2027),
    # Assembly, test, packaging [S]: Taiwanese firms over half, Chinese firms >20% (JCET 13%);
    # Malaysia and Korea the rest [A].
    *grows("ASE and TSMC packaging (Taiwan)", "Taiwan", CHIPS, 1000, 2.0, (300, 400)),
    *china("China packaging (JCET, Tongfu...)", CHIPS, 500, 1.6, (0, 100)),
    *grows("Penang packaging (Malaysia)", "Malaysia", CHIPS, 250, 1.7, (50, 100)),
    *grows("Korean packaging", "South Korea", CHIPS, 150, 2.1, (50, 50)),
    site("Amkor Arizona packaging", "USA", CHIPS, "candidate", 100, 2.8, 40, (100, 40, 1), start=2028),
    # Penang's output is flown out through Singapore (Changi) [A]: a hub, throughput and handling.
    site("Singapore chip hub", "Singapore", CHIPS, "existing", 400, 0.05, role="hub"),
    # ---- medicines ----
    # India imports 72% of its bulk drugs and intermediates from China (FY24 [S]); 6-APA ~96%,
    # rifampicin intermediates 100% (FY25 [S]). API labour: Western 100, China 8, India 10
    # (World Bank 2009, quoted by FDA [V]); unit costs [A].
    *china("China KSM makers", KSM, 290, 1.0, (0, 20)),
    site("Indian KSM makers", "India", KSM, "existing", 50, 1.4, 0, (30, 9, 1)),
    *grows("EU KSM makers", "EU", KSM, 20, 2.5, (5, 5)),
    site("US KSM makers", "USA", KSM, "existing", 5, 3.0),
    # India's bulk-drug incentive scheme: "five to eight years to show results" [S].
    site("India PLI KSM park", "India", KSM, "candidate", 40, 1.3, 40, start=2030),
    # API facilities for the US market (FDA 2019 [V]): US 28%, China 13%; India and the EU the
    # other big makers.
    site("China API makers", "China", APIS, "existing", 110, 8.0),
    site("India API makers", "India", APIS, "existing", 70, 9.0, 0, (20, 16, 1)),
    site("EU API makers", "EU", APIS, "existing", 30, 20.0),
    site("US API makers", "USA", APIS, "existing", 12, 25.0),
    site("US DPA API platform (Virginia)", "USA", APIS, "candidate", 12, 23.0, 60, (12, 50, 1), start=2027),
    site("India PLI API park", "India", APIS, "candidate", 30, 8.5, 45, start=2028),
    # Finished doses [A]: India the generic formulator for the world.
    *grows("Indian formulators", "India", DOSES, 260, 10.0, (40, 60)),
    *china("China formulators", DOSES, 210, 9.0, (0, 20)),
    site("EU formulators", "EU", DOSES, "existing", 110, 25.0, 0, (30, 50, 1)),
    site("US formulators", "USA", DOSES, "existing", 70, 30.0, 0, (30, 60, 1)),
    site("Japanese formulators", "Japan", DOSES, "existing", 30, 28.0),
]

GROUPS = [
    # CHIPS Act manufacturing money (USD 39 bn [V]) pays for a few leading-edge fabs: at most
    # two operate in the US, TSMC Arizona fab 1 included [A].
    {"group": US_FABS, "min_open": 0, "max_open": 2},
]

# --- demand ------------------------------------------------------------------------------------

# 2025 demand by market [A], shaped by the markets' weight in each chain.
DEMAND_2025 = {
    MAGNETS: {"China": 130000, "EU": 25000, "USA": 20000, "Japan": 18000, "South Korea": 8000, "India": 6000},
    CELLS: {"China": 900, "EU": 250, "USA": 180, "Japan": 40, "South Korea": 40, "India": 30},
    CHIPS: {"USA": 820, "EU": 200, "Japan": 140, "South Korea": 150, "Taiwan": 110, "China": 300, "India": 40},
    DOSES: {"USA": 100, "EU": 120, "Japan": 30, "India": 150, "China": 200, "South Korea": 10},
}
# Yearly growth per chain [A]: EV and wind magnets 7%; cells 15% (the IEA sees EV battery demand
# reach 3,500 GWh by 2030 [S]); leading-edge chips 8%; generic medicines 3%.
GROWTH = {MAGNETS: 0.07, CELLS: 0.15, CHIPS: 0.08, DOSES: 0.03}


def demand(product: str, market: str, year: int) -> float:
    """Demand of ``year``: the 2025 figure grown at the chain's yearly rate, rounded."""
    d = DEMAND_2025[product][market] * (1 + GROWTH[product]) ** (year - PERIODS[0][0])
    return float(round(d, 0 if d >= 100 else 1))


# --- lanes and tariffs -------------------------------------------------------------------------

# Section 301 on China-origin goods into the US (USTR four-year review, final 13 Sep 2024 [S]):
# (product, period from which the rate holds, rate). Semiconductors 50% from 1 Jan 2025; EV
# Li-ion batteries 25% from 27 Sep 2024; permanent magnets and natural graphite 0% -> 25% from
# 1 Jan 2026 (the 2027 period); rare-earth oxide and metal taken as "other critical minerals",
# 25% from 27 Sep 2024 [A: which lines are listed].
SECTION_301 = [
    (FAB, None, 0.50),
    (CHIPS, None, 0.50),
    (CELLS, None, 0.25),
    (MAGNETS, None, 0.0),
    (MAGNETS, 2027, 0.25),
    (GRAPHITE, None, 0.0),
    (GRAPHITE, 2027, 0.25),
    (OXIDE, None, 0.25),
    (METAL, None, 0.25),
]
EU_CELL_TARIFF = 0.027  # EU MFN duty on Li-ion cells [A]

# Lanes not offered [A]: China exports no rare-earth concentrate (it imports it); Penang's
# packaged chips leave through Singapore (the hub) or go to China.
NO_LANE = {(REC, "China", None), (CHIPS, "Malaysia", None)}
EXTRA_LANE = {(CHIPS, "Malaysia", "Singapore"), (CHIPS, "Malaysia", "China")}
# The hub takes in Penang's chips only: no other country's packaged chips pass through Singapore,
# so the hub cannot turn Chinese chips into Singaporean ones under the EU's direct cap.
HUB_FEEDERS = {(CHIPS, "Singapore"): {"Malaysia"}}


def needed_in() -> dict[str, set[str]]:
    """Countries where each product is needed: final demand, or a plant consuming it."""
    makes = {s["site"]: (s["product"], s["country"]) for s in SITES}
    out: dict[str, set[str]] = defaultdict(set)
    for p, by in DEMAND_2025.items():
        out[p] |= set(by)
    for product, inp, _, only in RECIPES:
        for s in SITES:
            if s["product"] == product and s.get("role") != "hub" and (only is None or s["site"] == only):
                out[inp].add(makes[s["site"]][1])
    # a hub's pool: what it takes in
    for s in SITES:
        if s.get("role") == "hub":
            out[s["product"]].add(s["country"])
    return out


def lanes() -> list[dict[str, Any]]:
    """Lanes from every country making a product to every other country needing it (freight
    within a region, twice that between regions), with the tariff schedule by period."""
    made_in: dict[str, set[str]] = defaultdict(set)
    for s in SITES:
        made_in[s["product"]].add(s["country"])
    need = needed_in()
    tariff_rows = defaultdict(list)
    for product, period, rate in SECTION_301:
        tariff_rows[product].append((period, rate))
    out = []
    for product, (_, _, freight, _) in PRODUCTS.items():
        for o in sorted(made_in[product]):
            for d in sorted(need[product] - {o}):
                if (product, o, None) in NO_LANE and (product, o, d) not in EXTRA_LANE:
                    continue
                if (product, d) in HUB_FEEDERS and o not in HUB_FEEDERS[product, d]:
                    continue
                factor = 1.0 if REGION[o] == REGION[d] else INTER_REGION_FREIGHT
                schedule = [(None, 0.0)]
                if o == "China" and d == "USA" and product in tariff_rows:
                    schedule = tariff_rows[product]
                elif product == CELLS and d == "EU":
                    schedule = [(None, EU_CELL_TARIFF)]
                for period, rate in schedule:
                    out.append(
                        {
                            "origin": o,
                            "destination": d,
                            "product": product,
                            "freight_cost": round(freight * factor, 6),
                            "tariff_rate": rate,
                            "period": period,
                        }
                    )
    return out


# --- caps ------------------------------------------------------------------------------------

CAPS = [
    # US defence procurement (DFARS 225.7018, final rule May 2024 [S]): from 1 Jan 2027 no NdFeB
    # magnets whose rare earths were mined in China, a rule through the tiers. Defence is taken
    # as about 10% of US magnet use [A]: at most 90% of the US magnet supply may pass through
    # China from 2027, and 80% from 2030 as the rule widens [A].
    {"product": MAGNETS, "market": "USA", "cap": 0.9, "scope": "each", "basis": "lookthrough", "period": 2027},
    {"product": MAGNETS, "market": "USA", "cap": 0.8, "scope": "each", "basis": "lookthrough", "period": 2030},
    # US cells, on the pattern of the IRA clean-vehicle credit's foreign-entity-of-concern test
    # (CRS IF12600, 26 CFR 1.30D-6 [S]/[V]), phased in more slowly [A]: at most 85% of the cells
    # supplied to the US may pass through China from 2027, 70% from 2030.
    {"product": CELLS, "market": "USA", "cap": 0.85, "scope": "each", "basis": "lookthrough", "period": 2027},
    {"product": CELLS, "market": "USA", "cap": 0.7, "scope": "each", "basis": "lookthrough", "period": 2030},
    # EU Critical Raw Materials Act (Reg. 2024/1252, Art. 5 [V]/[S]): by 2030 no single third
    # country above 65% of EU consumption at any stage of processing: per stage, so a direct cap
    # on every product arriving in the EU (for final use or for its plants).
    {"product": None, "market": "EU", "cap": 0.65, "scope": "each", "basis": "direct", "period": 2030},
]

# --- scenarios ---------------------------------------------------------------------------------

BAN, BLOCKADE, PANDEMIC, QUAKE, GRAPHITE_CONTROL = (
    "Rare-earth export ban",
    "Taiwan strait blockade",
    "Pandemic surge",
    "Japan earthquake",
    "Graphite export control",
)
# weight: yearly probability [A]; max_shortfall: most share of any market's demand that may go
# unserved [A] (blank: priced only).
SCENARIOS = [
    # No target for the ban: with China's oxide, metal and magnet exports stopped, no design can
    # keep the EU's magnets within 35% short before allied plants open (2025: at least 67% short).
    {"scenario": BAN, "weight": 0.05, "max_shortfall": None},
    {"scenario": BLOCKADE, "weight": 0.02, "max_shortfall": None},
    {"scenario": PANDEMIC, "weight": 0.03, "max_shortfall": 0.25},
    {"scenario": QUAKE, "weight": 0.03, "max_shortfall": 0.35},
    {"scenario": GRAPHITE_CONTROL, "weight": 0.05, "max_shortfall": None},
]
DISRUPTIONS = [
    # A Taiwan blockade stops Taiwan's trade (Closures below) and, with the sanctions that follow,
    # takes part of China's capacity [A].
    {"scenario": BLOCKADE, "country": "China", "capacity_loss": 0.3},
    # Lockdowns in China's chemical clusters [A].
    {"scenario": PANDEMIC, "country": "China", "product": KSM, "capacity_loss": 0.3},
    {"scenario": PANDEMIC, "country": "China", "product": APIS, "capacity_loss": 0.3},
    {"scenario": QUAKE, "country": "Japan", "capacity_loss": 0.4},
    {"scenario": QUAKE, "site": "JASM Kumamoto fab 2", "capacity_loss": 1.0},
]
# Trade stopped by lane. China's plants keep serving China: an export ban is not a capacity loss.
CLOSURES = [
    # China stops exporting separated oxide, metal and magnets (modelled on its 2023 ban on
    # rare-earth processing technology and its April 2025 licensing of rare earths and magnets) [A].
    {"scenario": BAN, "origin": "China", "destination": None, "product": OXIDE},
    {"scenario": BAN, "origin": "China", "destination": None, "product": METAL},
    {"scenario": BAN, "origin": "China", "destination": None, "product": MAGNETS},
    # A blockade: nothing leaves Taiwan and nothing reaches it [A].
    {"scenario": BLOCKADE, "origin": "Taiwan", "destination": None, "product": None},
    {"scenario": BLOCKADE, "origin": None, "destination": "Taiwan", "product": None},
    # China's graphite export licensing (Dec 2023) tightened into a full stop of exports (an upper
    # bound of a licensing regime) [A].
    {"scenario": GRAPHITE_CONTROL, "origin": "China", "destination": None, "product": GRAPHITE},
]
SHOCKS = [
    {"scenario": PANDEMIC, "product": DOSES, "demand_factor": 1.3},
    {"scenario": BLOCKADE, "product": CHIPS, "market": "China", "demand_factor": 0.7},
]
# Strategic stocks [A]: an intermediate (NdPr oxide, where metal makers consume it) as well as
# finished goods. Holding cost about 15% of the product's value a year [A].
STOCKPILES = [
    (OXIDE, "USA", 3000),
    (OXIDE, "Japan", 4000),
    (MAGNETS, "USA", 4000),
    (MAGNETS, "Japan", 3000),
    (MAGNETS, "EU", 4000),
    (GRAPHITE, "USA", 60),
    (DOSES, "USA", 30),
    (DOSES, "EU", 30),
    (APIS, "USA", 10),
    (CHIPS, "USA", 60),
]
HOLDING_SHARE = 0.15


# --- records ----------------------------------------------------------------------------------


def records(basis: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """Every sheet of the sample, as plain records (the workbook contract's headers). ``basis``
    ("direct" or "lookthrough"), when given, puts every Caps row on that basis: the same caps,
    measured the other way (what the look-through rules cost against direct ones)."""
    years = [y for y, _ in PERIODS]
    return {
        "Settings": [
            {"setting": "currency", "value": "USD million"},
            {"setting": "dependency_cap", "value": 1},
            {"setting": "discount_rate", "value": DISCOUNT_RATE},
            {"setting": "time_limit_s", "value": 120},
            {"setting": "mip_gap", "value": 0.0001},
            {"setting": "threads", "value": 0},
            {"setting": "random_seed", "value": 0},
        ],
        "Periods": [{"period": y, "years": n} for y, n in PERIODS],
        "Countries": [{"country": c, "bloc": b, "concern": k} for c, b, k in COUNTRIES],
        "Products": [
            {
                "product": p,
                "unit": unit,
                "unmet_penalty": round(LOST_SUPPLY_MULTIPLE * price, 6),
                "reserve_share": reserve,
                "customs_value": price,
            }
            for p, (unit, price, _, reserve) in PRODUCTS.items()
        ],
        "Sites": [dict(s) for s in SITES],
        "Recipes": [
            {"product": product, "input": inp, "quantity": q, "site": only} for product, inp, q, only in RECIPES
        ],
        "Groups": [dict(g) for g in GROUPS],
        "Demand": [
            {"market": m, "product": p, "demand": demand(p, m, y), "period": y}
            for p, by in DEMAND_2025.items()
            for m in by
            for y in years
        ],
        "Lanes": lanes(),
        "Caps": [{**c, "basis": basis or c["basis"]} for c in CAPS],
        "Scenarios": [dict(s) for s in SCENARIOS],
        "Disruptions": [dict(d) for d in DISRUPTIONS],
        "Shocks": [dict(s) for s in SHOCKS],
        "Closures": [dict(c) for c in CLOSURES],
        "Stockpiles": [
            {
                "market": m,
                "product": p,
                "max_stock": q,
                "holding_cost": round(HOLDING_SHARE * PRODUCTS[p][1], 6),
            }
            for p, m, q in STOCKPILES
        ],
    }


README = [
    (
        "Allied supply network (sample)",
        "Four real chains, 2025-2034, tier by tier: rare-earth magnets (mining, separation, metal, "
        "magnets), Li-ion batteries (lithium, chemicals, cathode; graphite, anode; cells), chips "
        "(silicon wafers, fabs, packaging) and medicines (starting materials, APIs, doses). Edit "
        "and rerun.",
    ),
    (
        "Money",
        "USD million per year, 2024 dollars; periods 2025 (2 years), 2027 (3) and 2030 (5), "
        "discounted at 7% a year to 2025. Unit costs are each stage's own cost: its inputs are "
        "costed where they are made. Quantities in each product's unit.",
    ),
    (
        "Sources",
        "Figures from the tool's reference/figures.md, tagged [V] (read in the primary source) and "
        "[S] (in a secondary one) below; each Sites row says its basis in inputs/make_sample.py.",
    ),
    (
        "Sourced [V]/[S]",
        "RE mining 2024 (USGS MCS 2025: China 270,000 t REO, USA 45,000, Australia 13,000) and Nd "
        "oxide USD 56/kg [V]; separation China 87-92%, Malaysia ~12% (IEA) [S]; NdFeB China ~90%, "
        "Japan ~7-8% [S]; Lynas Texas ~1,250 t NdPr, Iluka Eneabba 23,000 t REO from 2027, Neo "
        "Narva 2,000 t from Sept 2025, MP Fort Worth ~1,000 t and the 10X plant (~10,000 t US, "
        "2028), NdPr floor ~2x China [S]; cells by country 2022 and USD 89/kWh (BNEF) [S]; cathode "
        "shares 2021 (Rystad), anode ~85% and graphite ~90% China, lithium refining ~65% China "
        "(IEA) [S]; gigafactory ~USD 80 m per GWh (Benchmark) [S]; silicon-wafer makers' shares "
        "[S]; <10 nm logic Taiwan 92%, Korea 8% (BCG/SIA) [S]; 5 nm wafer ~USD 17,000 (CSET) [S]; "
        "TSMC Arizona 20,000 wafers/month [V]; US fab cost ~+30% (SIA) [V]; fab lead times US 38, "
        "Taiwan 19 months (Exyte) [S]; JASM fab 2 in 2027 [S]; packaging: Taiwanese firms over "
        "half, Chinese >20% [S]; API facilities US 28%, China 13% (FDA 2019) and API labour index "
        "100/8/10 [V]; India's intermediates 72% from China [S]; Section 301 schedule (USTR 2024: "
        "chips 50% 2025, EV batteries 25% 2024, magnets and natural graphite 25% from 2026) [S]; "
        "DFARS magnet rule from 2027 [S]; EU CRMA 65% per stage by 2030 [V]/[S]; discount rate "
        "7% real (OMB Circular A-94, 1992) [S].",
    ),
    (
        "Assumptions [A]",
        "World demand volumes, their split by market and growth (magnets 7%, cells 15%, chips 8%, "
        "medicines 3% a year); recipe yields (NdPr 20-25% of REO, 16% at Mountain Pass; 1.2 t "
        "oxide per t metal; 0.32 t metal per t magnet; 1.6 kt cathode and 1.0 kt anode per GWh; "
        "300 mg API a dose ...); world prices of intermediates; unit costs from the sourced cost "
        "indices; fixed costs = annualised capex net of subsidies (~8%/yr); modules; lead times "
        "where no source gives one; the closable Solvay La Rochelle and Kwinana plants, the "
        "retirement of older Japanese cell lines after 2029; the US fab group limit (two); the "
        "Singapore hub for Penang's chips; no rare-earth concentrate exported by China; reserve "
        "shares and costs (10% of unit cost); stockpile limits and holding costs (15% of value a "
        "year); freight (x2 between regions); scenario probabilities, losses, closures and shocks; the defence "
        "share of US magnets (10%) and the 2030 steps of the US caps; plants whose owners build "
        "ahead of demand (China, Taiwan, Japan's wafer makers, Australia, Chile) carry their 2030 "
        "capacity from 2025, and each allied expansion is one module (a second phase); sizes, "
        "costs and years of Nolans, eVAC South Carolina, GlobalWafers Texas, Thacker Pass and the "
        "US synthetic graphite plant.",
    ),
    (
        "Unmet-demand penalty",
        "The value of lost supply: 10x the product's world price [A] (Products.customs_value). What "
        "a missing unit stops is the component it goes into: a tonne of NdFeB magnets goes into "
        "about 500 EV traction motors (MP Materials Fort Worth, ~1,000 t/yr for ~500,000 motors "
        "[S]), so 0.5 USD million per t is about USD 1,000 a motor. Above the cost of any capacity "
        "here, so demand goes unserved only where no capacity can be bought (docs/studies.md).",
    ),
    (
        "Limits",
        "An export ban is a Closures row: the whole product stops at the border, China's own "
        "plants keep serving China (a licensing regime that lets part through is not modelled). "
        "Every market's lost supply is valued alike. Each stage is one product (one grade of "
        "oxide, one cathode, one node of logic). Look-through shares are mass-balance shares "
        "(docs/contract/formulation.md (11)).",
    ),
]


# --- a check on the numbers, used by tests/test_sample_workbook.py -------------------------


def gross_requirement(year: int) -> dict[str, float]:
    """Gross requirement of every product in ``year``: final demand, plus each product-level
    recipe's input times the gross requirement of what it goes into,
    ``R[p] = sum_c D[p,c] + sum_q a[q,p] R[q]`` (site overrides ignored, as in the contract's
    reserve rule)."""
    a = {(q, i): x for q, i, x, only in RECIPES if only is None}
    req: dict[str, float] = {}

    def r(p: str) -> float:
        if p not in req:
            own = sum(demand(p, m, year) for m in DEMAND_2025.get(p, {}))
            req[p] = own + sum(x * r(q) for (q, i), x in a.items() if i == p)
        return req[p]

    for p in PRODUCTS:
        r(p)
    return req


def capacity(year: int, product: str, *, outside_concern: bool = False, modules: bool = True) -> float:
    """Most capacity of ``product`` plants that could operate in ``year`` (hubs excluded):
    base capacity plus every module where ``modules``."""
    concern = {c for c, _, k in COUNTRIES if k}
    total = 0.0
    for s in SITES:
        if s["product"] != product or s.get("role") == "hub":
            continue
        if outside_concern and s["country"] in concern:
            continue
        if s["available_from"] is not None and year < s["available_from"]:
            continue
        if s["available_until"] is not None and year > s["available_until"]:
            continue
        total += s["capacity"] + (s["module_capacity"] * s["max_modules"] if modules else 0)
    return total


def main(argv: list[str] | None = None) -> None:
    """``python inputs/make_sample.py [OUT.xlsx] [--basis direct|lookthrough]``."""
    parser = argparse.ArgumentParser(description="Write the sample workbook.")
    parser.add_argument("out", nargs="?", default=str(OUT), help="where to write it (default: the shipped sample)")
    parser.add_argument(
        "--basis", choices=("direct", "lookthrough"), help="put every Caps row on this basis (a variant to compare)"
    )
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    out = Path(args.out)
    write_input_workbook(out, records(args.basis), readme=README)
    print(f"written {out}")


if __name__ == "__main__":
    main()
