"""Build the sample workbook ``inputs/allied_supply_network.xlsx``: four real chains, 2025-2034.

Run ``python inputs/make_sample.py [OUT.xlsx]`` to regenerate it (default: the shipped sample);
``--basis direct`` writes a variant with every concern cap measured on the direct basis;
``--without POLICY`` writes a variant without one policy (to cost it: ``dfars``, ``us-cells``,
``crma``, ``tariffs-2025``, ``min-output``); ``--figures`` prints the table of sourced figures
and assumptions (Markdown) that ``docs/chains.md`` carries.

The workbook follows version 3 of the contract (``docs/contract/workbook.md``): recipes (tiers),
periods, hubs, groups, a closable site, tariffs and caps by period and basis, and the version 3
policies and baseline: trade closed by lane in a crisis (``Closures``), the value of lost supply
per market (``Demand.unmet_penalty``), stock bought back at 1.5 times its world price
(``Stockpiles.restock_cost``), Chinese-owned plants in allied countries flagged ``concern``
(``Sites.concern``), the EU's 65% benchmark as caps on any single third country per stage
(``Caps.of = any``), real plants held to their offtake (``Sites.min_output``) and the first year
held against today's trade (``Observed``).

Four chains, each from its raw material to what the markets buy:

* rare-earth magnets: mining (t REO) -> separation (NdPr oxide; Dy/Tb oxide, the heavy rare
  earths) -> NdPr metal and alloy -> sintered NdFeB magnets (metal and Dy/Tb: two inputs);
* Li-ion batteries: lithium ore and brine -> lithium chemicals -> cathode material; graphite ->
  anode material; cathode + anode -> cells;
* chips: silicon wafers -> leading-edge (sub-10 nm) logic wafers -> assembly, test and packaging,
  through a Singapore hub;
* medicines: key starting materials -> APIs -> finished doses.

Four periods, 2025 (2025-26), 2027 (2027-29), 2030 (2030-32) and 2033 (2033-34), discounted at
7% a year; demand grows at each chain's own rate to the end.

Every number is either a sourced figure (``FIGURES``: from ``reference/figures.md`` and the
sources issue 31 names, tagged [V] read in the primary source, [S] in a secondary one, [U]
commonly cited but not read in a stored source) or an assumption [A]; the workbook's README sheet
and ``docs/chains.md`` list both.
Money: USD million per year, 2024 dollars. Unit costs are a stage's own cost (value added): what
its inputs cost is counted at the stages that make them. First-year capacities follow the
sourced outputs and country shares of each stage; absolute world volumes of the later stages,
the yields of the recipes and the growth of capacity are round assumptions.
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

# --- sourced figures and the assumptions derived from them -----------------------------------

# (key, what, value, source, tag). The README sheet lists every row; docs/chains.md carries the
# same table (``--figures``; tests/test_sample_workbook.py checks they agree). [V] read in the
# primary source; [S] in a secondary one; [U] commonly cited, not read in a stored source: treat
# as an assumption; [A] the sample's own assumption.
FIGURES: list[tuple[str, str, str, str, str]] = [
    # rare earths
    (
        "re-mining",
        "Rare-earth mine output 2024 (t REO)",
        "China 270,000 (production quota; 255,000 in 2023), USA 45,000, Myanmar 31,000, Australia 13,000; "
        "world 390,000 (China 69.2%, USA 11.5%, Myanmar 7.9%, Australia 3.3%)",
        "USGS Mineral Commodity Summaries 2025, Rare Earths (reference/figures.md A2)",
        "V",
    ),
    (
        "re-prices",
        "Oxide prices 2024 (USD/kg, Argus)",
        "Nd oxide 56; Dy oxide 260; Tb oxide 810",
        "USGS MCS 2025, Rare Earths (A2)",
        "V",
    ),
    (
        "re-tariffs",
        "US MFN duties on rare earths",
        "oxides free; rare-earth metals 5%",
        "USGS MCS 2025, Rare Earths (A2)",
        "V",
    ),
    (
        "re-separation",
        "Separation and refining, China's share",
        "87% (2019; Malaysia, Lynas, 12%); 92% (2023)",
        "IEA 2021; IEA Global Critical Minerals Outlook 2024 (A2, A7)",
        "S",
    ),
    (
        "re-magnets",
        "Sintered NdFeB magnets, shares",
        "China ~87-92%, Japan ~7-8% (Proterial, Shin-Etsu, TDK), Germany ~1-2% (VAC)",
        "MacroPolo 2022, Adamas, DOE 2022 (A2, A7)",
        "S",
    ),
    (
        "re-controls",
        "China's export controls of April 2025",
        "Sm, Gd, Tb, Dy, Lu, Sc, Y and magnets containing them need a licence: the heavy rare earths "
        "(Dy/Tb) are the tighter chain",
        "MOFCOM/GACC announcement 18/2025 (4 April 2025)",
        "U",
    ),
    (
        "re-dfars",
        "US defence magnet rule",
        "from 1 Jan 2027 no NdFeB or SmCo magnets whose rare earths were mined, separated or made in China",
        "DFARS 225.7018, final rule May 2024 (A7)",
        "S",
    ),
    (
        "re-projects",
        "New rare-earth plants",
        "Lynas USA (Seadrift TX) heavy rare-earth separation, DoD ~USD 258 m, target FY2026; MP Materials "
        "Fort Worth ~1,000 t/yr magnets (2025) and the 10X plant, US magnet capacity ~10,000 t/yr from 2028, "
        "100% DoD offtake and an NdPr floor of USD 110/kg (~2x China); DoD USD 150 m loan for MP's heavy "
        "rare-earth separation (July 2025); Iluka Eneabba refinery, up to 23,000 t/yr REO, A$1.7-1.8 bn, "
        "2027; Neo Narva 2,000 t/yr magnets, Sept 2025",
        "C&EN, magneticsmag, defence-industry.eu, Kallanish, press (A2, A7)",
        "S",
    ),
    (
        "re-us-imports",
        "US rare-earth imports (compounds and metals)",
        "China 70% (2020-23); Malaysia 13%, Japan 6%, Estonia 5%",
        "USGS MCS 2025 (A2)",
        "V",
    ),
    # batteries
    (
        "li-mining",
        "Lithium mine output 2024 (t Li; x 5.32 = t LCE)",
        "Australia 88,000 (468 kt LCE), Chile 49,000 (261), China 41,000 (218), Zimbabwe 22,000 (117), "
        "Argentina 18,000 (96), Brazil 10,000 (53), Canada 4,300 (23), Namibia 2,700 (14); world 240,000 "
        "excluding the USA (withheld): Australia 36.7%, Chile 20.4%, China 17.1%",
        "USGS Mineral Commodity Summaries 2025, Lithium (re-published table, page 111)",
        "S",
    ),
    (
        "li-refining",
        "Lithium chemical refining, China's share",
        "~65% (2023); 58% in 2019 with Chile 29%, Argentina 10%",
        "IEA via secondaries; IEA 2021 (A2, A7)",
        "S",
    ),
    (
        "li-cathode",
        "Cathode capacity",
        "China 74.3% (2021) -> 83.8% (2025), 3,900 kt in 2025; South Korea 18.9% -> 11.8%; Japan 5.5% -> "
        "1.9%; North America 1%; Europe 0.3% -> 1.4%",
        "Rystad Energy 2021 (A3)",
        "S",
    ),
    ("li-anode", "Anode capacity, China's share", "~85% (2021-22)", "IEA 2022 (A3, A7)", "S"),
    ("li-graphite", "Graphite for anodes, China's share", "~90%", "IEA 2024 (A7)", "S"),
    (
        "li-cells",
        "Cell capacity 2022 (GWh)",
        "China 893 (77%), Poland 73, USA 70, Hungary 38, Germany 31, Sweden 16, South Korea 15, Japan 12, "
        "France 6, India 3; China ~85% of capacity in 2023 (IEA)",
        "BNEF via Visual Capitalist (A3); IEA 2024 (A7)",
        "S",
    ),
    (
        "li-prices",
        "Cell price and regional gap",
        "cells USD 89/kWh (2023); US packs +11%, Europe +20% on China's",
        "BNEF 2023 (A3)",
        "S",
    ),
    ("li-giga", "Gigafactory capex", "about USD 80 m per GWh/yr", "Benchmark Mineral Intelligence (A7)", "S"),
    (
        "li-anode-duties",
        "US duties on Chinese active anode material",
        "anti-dumping about 93.5% (China-wide 102.7%), countervailing 6.55% (preliminary, 2025)",
        "US Department of Commerce, preliminary determinations, May and July 2025",
        "U",
    ),
    (
        "li-graphite-controls",
        "China's graphite export licensing",
        "high-purity synthetic graphite, natural flake and spherical graphite need a licence from 1 Dec 2023",
        "MOFCOM/GACC announcement 39/2023",
        "U",
    ),
    (
        "li-feoc",
        "Chinese-owned plants outside China",
        "Tianqi holds 51% of Tianqi Lithium Energy Australia (Kwinana hydroxide); CATL owns its cell plants in "
        "Erfurt (Germany) and Debrecen (Hungary); Huayou, Sinomine and Chengxin own Zimbabwe's large lithium mines",
        "company reports",
        "U",
    ),
    (
        "li-ira",
        "US clean-vehicle credit (IRA 30D)",
        "critical minerals and components from outside foreign entities of concern, phased 2024-2029; ended for "
        "vehicles acquired after 30 Sept 2025",
        "CRS IF12600; 26 CFR 1.30D-6 (A7)",
        "S",
    ),
    # chips
    (
        "chip-nodes",
        "Sub-10 nm logic capacity",
        "2019: Taiwan 92%, South Korea 8%; 2022: Taiwan 69%, South Korea 31%, USA 0% -> USA 28% by 2032",
        "BCG/SIA 2021; SIA/BCG May 2024 (A1)",
        "S",
    ),
    (
        "chip-cost",
        "Cost of a US fab against Taiwan",
        "ten-year total cost of ownership ~30% higher, capex and incentives included; operating cost "
        "+3.4% (country) +3.8% (scale), about +7%",
        "SIA/BCG 2020 [V]; Scotten Jones, SemiWiki 2021 [V] (A1)",
        "V",
    ),
    (
        "chip-tsmc-az",
        "TSMC Arizona",
        "fab 1: 20,000 wafers/month, producing since late 2024; about USD 65 bn for three fabs, CHIPS grant "
        "USD 6.6 bn (April 2024)",
        "TSMC via MacRumors [V] (A1); US Department of Commerce, 8 April 2024",
        "U",
    ),
    (
        "chip-wafer-price",
        "Foundry wafer price",
        "5 nm about USD 17,000 a wafer (2020 model)",
        "CSET 2020 (A1)",
        "S",
    ),
    (
        "chip-lead",
        "Fab lead times",
        "US 38 months, Taiwan 19 months (permit to production); JASM fab 2 6/7 nm in 2027 with a JPY 732 bn subsidy",
        "Exyte 2025; Taiwan News (A1)",
        "S",
    ),
    (
        "chip-silicon",
        "300 mm silicon wafer makers' shares (by company)",
        "Shin-Etsu 29%, SUMCO 22% (Japan), GlobalWafers 15% (Taiwan), Siltronic 12% (EU), SK Siltron 11% (Korea)",
        "industry share reports (A7)",
        "S",
    ),
    (
        "chip-atp",
        "Assembly, test and packaging (by company)",
        "Taiwanese firms over half; Chinese firms over 20% (JCET 13%)",
        "DigiTimes 2019 (A7)",
        "S",
    ),
    (
        "chip-us-fabs",
        "Other US leading-edge fabs",
        "Intel Arizona Fab 52 (18A) producing from 2025-26; Samsung Taylor (Texas) from 2026; Intel Ohio "
        "delayed to 2030-31; TSMC Arizona fab 2 (3 nm) 2027-28",
        "company announcements",
        "U",
    ),
    # medicines
    (
        "med-api",
        "API facilities supplying the US market (2019)",
        "USA 28%, China 13%; API labour-cost index Western 100, China 8, India 10",
        "FDA, J. Woodcock testimony, 30 Oct 2019; World Bank 2009 (A4)",
        "V",
    ),
    (
        "med-india",
        "India's dependence on China",
        "72% of bulk drugs and intermediates imported from China (FY24); 6-APA ~96%, rifampicin intermediates 100%",
        "Indian government data; Rajya Sabha answer FY25 (A7)",
        "S",
    ),
    (
        "med-pli",
        "India's bulk-drug incentive scheme",
        "41 inputs; 'five to eight years to show results'",
        "(A7)",
        "S",
    ),
    # trade policy
    (
        "us-301",
        "Section 301 on Chinese goods (four-year review, 13 Sept 2024)",
        "semiconductors 50% (2025); EV Li-ion batteries 25% (2024), other Li-ion 25% (2026); natural graphite "
        "and permanent magnets 25% (2026); [U] polysilicon and wafers 50% (2025); [U] the 'critical minerals' "
        "listed are Al, Cr, Co, Mn ores, FeNi/FeNb, In, Sn, Ta, W, Zn: rare-earth oxide and metal are not among "
        "them (MFN: oxides free, metals 5%)",
        "USTR, 89 FR 76581 (A5); the lines marked [U] from the notice's annex as quoted in issue 31",
        "S",
    ),
    (
        "us-ieepa",
        "IEEPA duties on Chinese goods (2025)",
        "fentanyl duty 10% (4 Feb), 20% (4 Mar), 10% from 10 Nov 2025, on every good; 'reciprocal' duty 10% "
        "since 14 May 2025 (125% in April), not on the goods of Annex II (semiconductors, pharmaceuticals, "
        "certain critical minerals); in force from 10 Nov 2025: 20%, or 10% on Annex II goods",
        "Executive Orders 14195, 14228, 14257 and their amendments of 2025",
        "U",
    ),
    (
        "us-ieepa-allies",
        "IEEPA 'reciprocal' duties on the USA's other suppliers (late 2025)",
        "EU, Japan, South Korea 15%; Taiwan 20%; Malaysia 19%; India 50% (with the Russian-oil duty); 10% "
        "elsewhere; Annex II goods exempt as for China",
        "Executive Order 14257 and the 2025 trade deals",
        "U",
    ),
    (
        "companies",
        "Company facts used for sites",
        "MP Materials separated 1,294 t NdPr oxide in 2024 and stopped shipping concentrate to China in April "
        "2025; Lynas made its first Dy and Tb oxide in Malaysia in 2025; POSCO's Gwangyang plant refines "
        "Australian spodumene into hydroxide; Tesla's Robstown (Texas) hydroxide refinery opened in 2025; Amkor's "
        "Arizona packaging plant is due about 2028; CHIPS awards: Intel USD 7.86 bn, Samsung USD 4.745 bn",
        "company reports and press releases",
        "U",
    ),
    (
        "eu-crma",
        "EU Critical Raw Materials Act benchmark",
        "by 2030 no more than 65% of the EU's consumption of each strategic raw material, at any relevant stage "
        "of processing, from a single third country (a benchmark, not a ban); strategic raw materials include "
        "rare earths for magnets, battery-grade lithium and natural graphite",
        "Regulation (EU) 2024/1252, Art. 5 and Annex I (A7)",
        "V",
    ),
    (
        "omb",
        "Discount rate",
        "7% real, the base case of OMB Circular A-94 (1992; the 2023 revision lowered it to about 2%)",
        "OMB Circular A-94 (EPA OSWER 9355.3-20)",
        "S",
    ),
]

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
    # Myanmar's ion-adsorption clays feed China's heavy rare-earth separation; the rest of the world
    # stands for Argentina, Brazil, Canada, Namibia, Zimbabwe, Madagascar ... [A].
    ("Myanmar", "Other", False),
    ("Rest of world", "Other", False),
    ("China", "Concern", True),
]
REGION = {
    "USA": "Americas",
    "Chile": "Americas",
    "Rest of world": "Americas",
    "EU": "Europe",
    "Mozambique": "Africa",
    "Australia": "Oceania",
    "Japan": "Asia",
    "South Korea": "Asia",
    "Taiwan": "Asia",
    "Malaysia": "Asia",
    "Singapore": "Asia",
    "India": "Asia",
    "Myanmar": "Asia",
    "China": "Asia",
}
INTER_REGION_FREIGHT = 2.0  # freight between regions is twice freight within one [A]
ALLIED_BLOCS = {"Domestic", "Ally"}

# --- periods and money --------------------------------------------------------------------

# (period, years): 2025-26, 2027-29, 2030-32, 2033-34.
PERIODS = [(2025, 2), (2027, 3), (2030, 3), (2033, 2)]
DISCOUNT_RATE = 0.07  # OMB Circular A-94 (1992) base case [S]
CAPITAL_CHARGE = 0.08  # a year's charge on capex (capital recovery), net of grants [A]

# --- products --------------------------------------------------------------------------------

REC = "Rare-earth concentrate"
OXIDE = "NdPr oxide"
DYTB = "Dy/Tb oxide"
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
    "magnets": [REC, OXIDE, DYTB, METAL, MAGNETS],
    "batteries": [LI_RAW, LI_CHEM, CATHODE, GRAPHITE, ANODE, CELLS],
    "chips": [SI_WAFERS, FAB, CHIPS],
    "medicines": [KSM, APIS, DOSES],
}
CHAIN_OF = {p: chain for chain, products in CHAINS.items() for p in products}

# The value of lost supply: what a missing unit stops is the component it goes into, not the
# input's price. A planner's own markets (the USA and its allies) at 10x the world price [A]: a
# tonne of NdFeB magnets goes into about 500 EV traction motors (MP Fort Worth: ~1,000 t/yr for
# ~500,000 motors [S]), so 0.5 USD million per t is about USD 1,000 a motor. The rest of the
# world's markets (China, India) at 4x [A]: the allied planner's priority in a shortage. Both far
# above the cost of any supply, so demand goes unserved only where no capacity can be bought.
LOST_SUPPLY_MULTIPLE = {"allied": 10, "other": 4}

# product: unit, world price (USD million per unit: the customs value on which tariffs are
# charged, and the restock cost of a unit drawn from stock), base freight per unit (within a
# region), reserve share
PRODUCTS: dict[str, tuple[str, float, float, float]] = {
    REC: ("t REO", 0.004, 0.0002, 0.0),  # mixed concentrate, about USD 4/kg REO [A]
    OXIDE: ("t", 0.056, 0.0005, 0.0),  # Nd oxide USD 56/kg in 2024 [V]
    # Dy oxide USD 260/kg and Tb oxide USD 810/kg in 2024 [V]; a 4:1 mix about USD 370/kg [A]
    DYTB: ("t", 0.37, 0.001, 0.0),
    METAL: ("t", 0.07, 0.0005, 0.0),  # NdPr metal about USD 70/kg [A]
    MAGNETS: ("t", 0.05, 0.0008, 0.0),  # sintered NdFeB about USD 50/kg [A]
    LI_RAW: ("kt LCE", 8.0, 0.1, 0.0),  # spodumene or brine, USD 8,000 per t LCE [A]
    LI_CHEM: ("kt LCE", 12.0, 0.15, 0.0),  # carbonate and hydroxide, USD 12,000 per t [A]
    CATHODE: ("kt", 20.0, 0.2, 0.0),  # NMC/LFP mix, USD 20/kg [A]
    GRAPHITE: ("kt", 0.6, 0.05, 0.0),  # flake and synthetic feedstock, USD 600/t [A]
    ANODE: ("kt", 4.0, 0.1, 0.0),  # spherical and synthetic anode graphite, USD 4/kg [A]
    CELLS: ("GWh", 89.0, 1.5, 0.0),  # USD 89/kWh in 2023 (BNEF [S]) = 89 USD million per GWh
    SI_WAFERS: ("k wafers", 0.12, 0.002, 0.0),  # prime 300 mm wafer about USD 120 [A]
    FAB: ("k wafers", 17.0, 0.02, 0.0),  # 5 nm foundry wafer USD 16,988 (CSET 2020 [S])
    CHIPS: ("k wafers", 20.0, 0.03, 0.0),  # packaged and tested, per wafer's worth of dies [A]
    KSM: ("kt", 2.0, 0.05, 0.0),  # [A]
    APIS: ("kt", 20.0, 0.4, 0.10),  # [A]
    DOSES: ("bn doses", 40.0, 0.5, 0.0),  # about 4 US cents a generic dose [A]
}

# input per unit of product, yield losses included [A] (site rows override below)
RECIPES = [
    # NdPr is about 25% of the REO in Bayan Obo and Mount Weld concentrate [A].
    (OXIDE, REC, 4.0, None),
    # Mountain Pass ore is poorer in NdPr (about 16% of its REO) [A].
    (OXIDE, REC, 6.0, "MP Materials Mountain Pass separation"),
    # Dy+Tb about 5% of the REO of ion-adsorption clays and xenotime-rich feed [A]; the light
    # rare earths of the same feed are not credited (one product a site).
    (DYTB, REC, 20.0, None),
    (METAL, OXIDE, 1.2, None),  # 1.17 t oxide per t metal by stoichiometry, plus losses
    (MAGNETS, METAL, 0.32, None),  # sintered NdFeB is about 31-32% rare earth by mass
    (MAGNETS, DYTB, 0.012, None),  # Dy/Tb about 1.2% of an average magnet (EV grades more) [A]
    (LI_CHEM, LI_RAW, 1.05, None),
    (CATHODE, LI_CHEM, 0.53, None),  # kt LCE per kt of cathode, NMC/LFP mix, losses included [A]
    (ANODE, GRAPHITE, 1.3, None),  # spheronisation and purification losses
    (CELLS, CATHODE, 1.5, None),  # kt of cathode per GWh [A]
    (CELLS, ANODE, 1.0, None),  # kt of anode graphite per GWh [A]
    (FAB, SI_WAFERS, 1.15, None),  # test and monitor wafers, scrap
    (CHIPS, FAB, 1.05, None),  # packaging yield
    (APIS, KSM, 1.5, None),
    (DOSES, APIS, 0.3, None),  # 300 mg of API a dose on average
]

# --- demand ------------------------------------------------------------------------------------

# 2025 demand by market [A], shaped by the markets' weight in each chain. World magnets 200,000 t
# and the recipes above need about 345,000 t REO of the 390,000 t mined in 2024 [V].
DEMAND_2025 = {
    MAGNETS: {"China": 122000, "EU": 24000, "USA": 20000, "Japan": 18000, "South Korea": 9000, "India": 7000},
    CELLS: {"China": 900, "EU": 250, "USA": 180, "Japan": 40, "South Korea": 40, "India": 30},
    CHIPS: {"USA": 820, "EU": 200, "Japan": 140, "South Korea": 150, "Taiwan": 110, "China": 300, "India": 40},
    DOSES: {"USA": 100, "EU": 120, "Japan": 30, "India": 150, "China": 200, "South Korea": 10},
}
# Yearly growth per chain, to 2034 [A]: EV and wind magnets 7%; cells 15% (the IEA sees EV
# battery demand reach 3,500 GWh by 2030 [S]); leading-edge chips 8%; generic medicines 3%.
GROWTH = {"magnets": 0.07, "batteries": 0.15, "chips": 0.08, "medicines": 0.03}
FINAL = {MAGNETS: "magnets", CELLS: "batteries", CHIPS: "chips", DOSES: "medicines"}


def growth_factor(product: str, year: int) -> float:
    """Demand in ``year`` against 2025, for the chain of ``product``."""
    return (1 + GROWTH[CHAIN_OF[product]]) ** (year - PERIODS[0][0])


def demand(product: str, market: str, year: int) -> float:
    """Demand of ``year``: the 2025 figure grown at the chain's yearly rate, rounded."""
    d = DEMAND_2025[product][market] * growth_factor(product, year)
    return float(round(d, 0 if d >= 100 else 1))


def bloc(country: str) -> str:
    return next(b for c, b, _ in COUNTRIES if c == country)


def lost_supply(product: str, market: str) -> float:
    """Value of a unit of ``market``'s demand for ``product`` left unserved (Demand.unmet_penalty)."""
    kind = "allied" if bloc(market) in ALLIED_BLOCS else "other"
    return round(LOST_SUPPLY_MULTIPLE[kind] * PRODUCTS[product][1], 6)


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
    "concern",
    "min_output",
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
    concern: bool | None = None,
    min_output: float | None = None,
) -> dict[str, Any]:
    """One Sites row. ``modules`` = (module_capacity, module_cost, max_modules); ``start`` and
    ``until`` are ``available_from`` and ``available_until``; ``concern`` flags a plant owned by
    an entity of concern outside China; ``min_output`` its offtake. Capacity held in reserve
    costs 10% of the unit cost per unit per year [A]."""
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
        "concern": concern,
        "min_output": min_output,
    }


# Capacity of the producers that build ahead of demand whatever the allies decide (China's plants,
# TSMC, the mines ...) grows with their chain's demand [A]: a row for today's capacity, and an
# expansion row from each later period, to that period's level.
STEPS = ((2027, 2027), (2030, 2030), (2033, 2033))


def grows(
    name: str,
    country: str,
    product: str,
    capacity: float,
    unit_cost: float,
    *,
    concern: bool | None = None,
    min_output: float | None = None,
    rate: float = 1.0,
) -> list[dict[str, Any]]:
    """An existing plant whose owners keep their share as the chain grows [A]: today's
    ``capacity`` and expansion rows (existing, available from their year) that take it to
    ``capacity`` x the chain's growth; ``rate`` < 1 grows it more slowly than demand. The offtake
    (``min_output``) holds today's row only."""
    rows = [site(name, country, product, "existing", capacity, unit_cost, concern=concern, min_output=min_output)]
    level = 1.0
    for start, target in STEPS:
        new = 1 + rate * (growth_factor(product, target) - 1)
        extra = round(capacity * (new - level), -1 if capacity >= 100 else 0)
        level = new
        if extra > 0:
            rows.append(
                site(
                    f"{name} (expansion {start})",
                    country,
                    product,
                    "existing",
                    extra,
                    unit_cost,
                    start=start,
                    concern=concern,
                )
            )
    return rows


def china(name: str, product: str, capacity: float, unit_cost: float, *, rate: float = 1.0) -> list[dict]:
    """China's plants for ``product``: China builds ahead of demand [A], whatever the allies do."""
    return grows(name, "China", product, capacity, unit_cost, rate=rate)


US_FABS = "CHIPS Act fabs"


def fab_charge(capex_bn: float, grant_bn: float = 0.0) -> float:
    """Fixed cost per year (USD million) of a fab costing ``capex_bn`` USD bn less a grant."""
    return round(CAPITAL_CHARGE * (capex_bn - grant_bn) * 1000, 0)


# TSMC Arizona: about USD 65 bn for three fabs less the USD 6.6 bn CHIPS grant (Commerce, April
# 2024 [U]): (65 - 6.6) / 3 = 19.5 bn a fab, 1,560 a year at 8%.
TSMC_AZ_FIXED = fab_charge(65 / 3, 6.6 / 3)

SITES = [
    # ---- rare-earth magnets ----
    # Mining 2024 (USGS MCS 2025 [V]): China 270,000 t REO (its quota), USA 45,000, Myanmar
    # 31,000, Australia 13,000. China's quota grew 5.9% in 2024 [V]; it grows with demand [A].
    *grows("China rare-earth mines (quota)", "China", REC, 270000, 0.002),
    # Mountain Pass: 45,000 t REO [V]; DoD offtake and price floor (July 2025 [S]); until April 2025
    # most of its concentrate went to China [U].
    site("MP Materials Mountain Pass mine", "USA", REC, "existing", 45000, 0.0025, min_output=0.8),
    # MP's upstream expansion [U] [A: 15,000 t REO more from 2027].
    site("MP Materials Mountain Pass mine (expansion 2027)", "USA", REC, "existing", 15000, 0.0025, start=2027),
    # Myanmar's ion-adsorption clays (Kachin), mined for China's separators; growing at half the
    # chain's rate [A: conflict].
    *grows("Myanmar ion-adsorption clay mines", "Myanmar", REC, 31000, 0.0021, min_output=0.8, rate=0.5),
    # Mount Weld 13,000 t [V]; Japanese offtake (JARE) [U].
    site("Lynas Mount Weld", "Australia", REC, "existing", 13000, 0.0022, min_output=0.8),
    # Lynas's Mount Weld expansion, for 12,000 t/yr NdPr [U] [A: 15,000 t REO more from 2027].
    site("Lynas Mount Weld (expansion 2027)", "Australia", REC, "existing", 15000, 0.0022, start=2027),
    # Iluka's feed is its Eneabba monazite stockpile, for the refinery from 2027 [S] [A: size].
    site("Iluka Eneabba monazite", "Australia", REC, "existing", 20000, 0.002, start=2027),
    # Arafura's Nolans (Northern Territory): mine and refinery, about 4,400 t/yr NdPr oxide, 2029 at
    # the earliest [A: size, cost, year]; a new mine takes >16 years from discovery (IEA [S]).
    site("Arafura Nolans mine", "Australia", REC, "candidate", 18000, 0.003, 15, start=2029),
    # Separation (NdPr oxide): China 87-92%, Malaysia (Lynas) ~12% (IEA 2021, 2024 [S]).
    # Processing cost [A]: China USD 20/kg; the US NdPr floor (USD 110/kg) is about 2x China [S].
    *china("Baotou separation cluster", OXIDE, 80000, 0.02),
    site("Lynas Kuantan", "Malaysia", OXIDE, "existing", 7000, 0.02, min_output=0.8),
    # MP's separation: 1,294 t NdPr in 2024 [U] of about 3,000 t installed [A]; the price floor
    # from 2025 buys its output (min_output 0.5 [A]).
    site("MP Materials Mountain Pass separation", "USA", OXIDE, "existing", 3000, 0.04, min_output=0.5),
    site("Neo Silmet (Estonia)", "EU", OXIDE, "existing", 700, 0.045),
    # Solvay La Rochelle: the model may close it and save its fixed cost [A].
    site("Solvay La Rochelle", "EU", OXIDE, "closable", 1000, 0.05, 12),
    # Iluka Eneabba refinery: up to 23,000 t/yr REO, A$1.7-1.8 bn (~USD 1.15 bn), commissioning
    # 2027 [S]: under construction. NdPr about 19% of its REO [A] -> 4,400 t.
    site("Iluka Eneabba refinery", "Australia", OXIDE, "existing", 4400, 0.035, 90, start=2027),
    site("Arafura Nolans refinery", "Australia", OXIDE, "candidate", 4400, 0.035, 60, start=2029),
    # Heavy rare earths (Dy/Tb oxide): China separates nearly all of them [A: ~99%], from its
    # southern clays and Myanmar's; Lynas's Kuantan heavy circuit made its first Dy and Tb in
    # 2025 [U] [A: size]; Iluka's refinery separates heavies from 2027 [A: size]; MP's heavy
    # separation (DoD USD 150 m loan, July 2025 [S]) is committed, from 2027 [A: size, year]; Lynas's
    # Seadrift plant (DoD ~USD 258 m, target FY2026 [S]) is a candidate [A: size, cost, year].
    *china("Ganzhou heavy rare-earth separation", DYTB, 2600, 0.08),
    site("Lynas Kuantan heavy rare earths", "Malaysia", DYTB, "existing", 100, 0.12),
    site("Iluka Eneabba heavy rare earths", "Australia", DYTB, "existing", 150, 0.12, 10, start=2027),
    site("Lynas Seadrift heavy separation (Texas)", "USA", DYTB, "candidate", 250, 0.13, 20, start=2027),
    site("MP Materials heavy separation", "USA", DYTB, "existing", 200, 0.13, 12, start=2027),
    # Metal and alloy [A]: China ~90%; Japan's makers; MP's alloy line at Fort Worth (late 2023 [S]).
    *china("China metal and alloy makers", METAL, 70000, 0.008),
    site("Japanese metal and alloy makers", "Japan", METAL, "existing", 5000, 0.014),
    site("MP Materials Fort Worth alloy", "USA", METAL, "existing", 600, 0.016),
    site("EU metal and alloy plant (new)", "EU", METAL, "candidate", 1000, 0.016, 10, start=2027),
    # Sintered NdFeB: China ~90% (MacroPolo, Adamas [S]), Japan ~7-8% (Proterial, Shin-Etsu, TDK),
    # Germany ~1-2% (VAC). Cost of making the magnet from its alloy [A]. China's magnet makers, as
    # its mines, run near full: what the world needs beyond them is made in Japan [A].
    *china("Ningbo-Baotou magnet cluster", MAGNETS, 185000, 0.02),
    site("Proterial, Shin-Etsu, TDK", "Japan", MAGNETS, "existing", 15000, 0.035, min_output=0.4),
    site("VAC Hanau", "EU", MAGNETS, "existing", 3000, 0.04),
    # Neo Narva (Estonia): 2,000 t/yr, opening Sept 2025 [S]: producing from 2026. EUR 75-100 m ->
    # about 8 a year [A].
    site("Neo Narva magnet plant", "EU", MAGNETS, "existing", 2000, 0.04, 8, start=2026),
    # MP Materials Fort Worth: ~1,000 t/yr, magnets 2025, GM offtake [S]; the 10X plant (US magnet
    # capacity ~10,000 t/yr, commissioning 2028, 100% DoD offtake [S]): committed, so an existing
    # site under construction. (No min_output on it: the reader's pre-solve check warns, wrongly,
    # about a min_output on a site in the periods before it opens.)
    site("MP Materials Fort Worth magnets", "USA", MAGNETS, "existing", 1000, 0.038, 6, min_output=0.5),
    site("MP Materials 10X magnet plant", "USA", MAGNETS, "existing", 7000, 0.036, 50, start=2028),
    # VAC's eVAC plant in Sumter, South Carolina, ~1,500 t/yr from 2026 [A: size, year], GM offtake.
    site("eVAC South Carolina", "USA", MAGNETS, "existing", 1500, 0.038, 6, start=2026),
    # New plants costed on Neo Narva [A]; lead time 2-3 years (A7 [S]).
    site("Korean magnet plant (new)", "South Korea", MAGNETS, "candidate", 2000, 0.033, 20, start=2027),
    site("Indian magnet plant (new)", "India", MAGNETS, "candidate", 2000, 0.03, 20, start=2028),
    # ---- Li-ion batteries ----
    # Lithium mine output 2024 (USGS MCS 2025 [S]), kt LCE: Australia 468, Chile 261, China 218,
    # Zimbabwe 117 (Chinese-owned mines [U]: flagged concern), the rest of the world (Argentina 96,
    # Brazil 53, Canada 23, Namibia 14) 186. Mines grow with demand [A], the rest of the world's
    # faster (Argentina's brine, Africa's spodumene) [A]; offtake contracts hold today's output [A].
    *grows("Australian spodumene mines", "Australia", LI_RAW, 468, 5.0, min_output=0.8),
    *grows("Atacama brine (Chile)", "Chile", LI_RAW, 261, 4.0, min_output=0.8),
    *grows("China lithium mines", "China", LI_RAW, 218, 5.0, min_output=0.8),
    site(
        "Zimbabwe lithium mines (Chinese-owned)",
        "Rest of world",
        LI_RAW,
        "existing",
        117,
        4.9,
        concern=True,
        min_output=0.8,
    ),
    *grows("Argentina, Brazil and Canada lithium", "Rest of world", LI_RAW, 186, 4.9, min_output=0.8, rate=1.5),
    # Thacker Pass (Nevada), a clay deposit [A: size, cost, year].
    site("Thacker Pass (Nevada)", "USA", LI_RAW, "candidate", 40, 7.0, 60, start=2028),
    # Lithium chemical refining: China ~65% (2023, IEA [S]); Chile's and Argentina's brine made into
    # carbonate where it is pumped; POSCO's Gwangyang hydroxide plant refines Australian
    # spodumene [U] [A: size].
    *china("China lithium refiners", LI_CHEM, 800, 3.0),
    *grows("Chile lithium chemical plants", "Chile", LI_CHEM, 250, 3.5, min_output=0.8),
    *grows("Argentina lithium carbonate plants", "Rest of world", LI_CHEM, 90, 3.2, min_output=0.6),
    site("POSCO Gwangyang hydroxide", "South Korea", LI_CHEM, "existing", 40, 5.0),
    # Kwinana: Tianqi Lithium Energy Australia (Tianqi 51% [U]): a foreign entity of concern, and
    # partly idled in 2024 [A]: flagged concern, closable.
    site("Kwinana lithium hydroxide (Tianqi)", "Australia", LI_CHEM, "closable", 24, 6.0, 25, concern=True),
    # Tesla's Robstown (Texas) hydroxide refinery, opened 2025 [U] [A: size]: producing from 2026.
    site("Tesla Robstown lithium refinery", "USA", LI_CHEM, "existing", 25, 6.0, start=2026),
    # Cathode capacity 2025 (Rystad [S]): China 3,900 kt (83.8%), South Korea 11.8%, Japan 1.9%,
    # North America 1%, Europe 1.4%: far more than 2025's need in China (overcapacity [A]).
    *china("China cathode makers", CATHODE, 3900, 6.0, rate=0.6),
    *grows("Korean cathode makers", "South Korea", CATHODE, 550, 6.6, rate=0.5),
    site("Japanese cathode makers", "Japan", CATHODE, "existing", 90, 9.0),
    site("US cathode makers", "USA", CATHODE, "existing", 45, 10.0),
    site("EU cathode makers (Umicore, BASF)", "EU", CATHODE, "existing", 65, 10.0),
    site("US cathode plant (new)", "USA", CATHODE, "candidate", 60, 10.0, 100, start=2027),
    # Graphite: China ~90% (IEA 2024 [S]); Syrah's Balama (Mozambique) the largest mine outside
    # China [A]; Madagascar's, Brazil's and India's mines in the rest of the world [A: size].
    *china("China graphite (flake and synthetic)", GRAPHITE, 2300, 0.4),
    site("Syrah Balama", "Mozambique", GRAPHITE, "existing", 180, 0.5, min_output=0.4),
    site("Other graphite mines", "Rest of world", GRAPHITE, "existing", 150, 0.55),
    # Synthetic graphite from needle coke outside China (for example Novonix, Tennessee) [A: size,
    # cost, year]: the allied answer to a graphite export control.
    site("US synthetic graphite plant (new)", "USA", GRAPHITE, "candidate", 100, 0.9, 30, start=2028),
    # Anode capacity: China ~85% (IEA 2022 [S]), the rest mostly Japan and Korea. Syrah Vidalia
    # (Louisiana), Tesla offtake [U].
    *china("China anode makers", ANODE, 2500, 2.0, rate=0.8),
    site("Japanese anode makers", "Japan", ANODE, "existing", 60, 3.0),
    site("Korean anode makers (POSCO Future M)", "South Korea", ANODE, "existing", 80, 3.0),
    site("Syrah Vidalia anode", "USA", ANODE, "existing", 11, 3.5, min_output=0.5),
    site("US anode plant (new)", "USA", ANODE, "candidate", 50, 3.5, 40, start=2028),
    # Cells 2022 (BNEF [S]): China 893 GWh (77%), Poland 73, USA 70, Hungary 38, Germany 31,
    # Sweden 16, South Korea 15, Japan 12; grown to 2025 [A]. Cost of making the cell from its
    # materials [A]: China lowest; US +11%, Europe +20% on the pack (BNEF 2023 [S]); Europe's
    # conversion taken 10% above China's, below the duty and freight on imported cells [A].
    *china("China cell makers (CATL, BYD...)", CELLS, 1800, 30.0),
    site("EU gigafactories (PL, HU, DE, SE, FR)", "EU", CELLS, "existing", 150, 33.0),
    # CATL's plants in Erfurt (14 GWh) and Debrecen (from 2027 [A]), Chinese-owned [U]: concern.
    site("CATL Erfurt (Chinese-owned)", "EU", CELLS, "existing", 14, 34.0, concern=True),
    site("CATL Debrecen (Chinese-owned)", "EU", CELLS, "existing", 40, 34.0, start=2027, concern=True),
    site("US gigafactories", "USA", CELLS, "existing", 120, 36.0, 0, (40, 240, 1)),
    site("Korean cell plants", "South Korea", CELLS, "existing", 20, 34.0),
    # Older Japanese lines retire after 2029 [A].
    site("Japanese cell plants", "Japan", CELLS, "existing", 15, 38.0, until=2029),
    # A gigafactory: about USD 80 m per GWh/yr (Benchmark [S]), about 2 years to build [U];
    # 40 GWh for USD 3.2 bn -> about 260 a year net of incentives [A].
    site("US IRA gigafactory (Kentucky)", "USA", CELLS, "candidate", 40, 36.0, 260, start=2027),
    site("EU gigafactory (Germany)", "EU", CELLS, "candidate", 40, 40.0, 280, start=2027),
    site("India ACC gigafactory", "India", CELLS, "candidate", 50, 33.0, 300, start=2028),
    # ---- chips ----
    # Silicon wafers by company [S]: Shin-Etsu (JP) 29%, SUMCO (JP) 22%, GlobalWafers (TW) 15%,
    # Siltronic (DE) 12%, SK Siltron (KR) 11%; the rest (about 11%) Chinese makers [A], of 2,400 k
    # wafers a year [A].
    *grows("Shin-Etsu and SUMCO", "Japan", SI_WAFERS, 1220, 0.10),
    *grows("GlobalWafers", "Taiwan", SI_WAFERS, 360, 0.10),
    *grows("Siltronic", "EU", SI_WAFERS, 290, 0.11),
    *grows("SK Siltron", "South Korea", SI_WAFERS, 265, 0.10),
    # GlobalWafers' Sherman (Texas) 300 mm plant, opened 2025 [A: size, year]: producing from 2026.
    site("GlobalWafers Texas", "USA", SI_WAFERS, "existing", 120, 0.12, 8, start=2026),
    *china("China wafer makers (NSIG...)", SI_WAFERS, 265, 0.09),
    # Sub-10 nm logic 2022: Taiwan 69%, South Korea 31% (SIA/BCG 2024 [S]). 5 nm wafer ~USD
    # 17,000 (CSET 2020 [S]); cost ~60% of price [A]. US operating cost +7% (SemiWiki [V]); the
    # capex is the fixed cost, net of CHIPS grants.
    *grows("TSMC Hsinchu-Tainan", "Taiwan", FAB, 1150, 10.0),
    *grows("Samsung Hwaseong-Pyeongtaek", "South Korea", FAB, 520, 10.5),
    # SMIC's 7 nm-class line serves Huawei, which export controls keep from TSMC: the sample does
    # not model those controls, so SMIC stays idle in a normal year [A].
    site("SMIC Shanghai N+2", "China", FAB, "existing", 60, 14.0),
    # TSMC Arizona fab 1: 20,000 wafers/month = 240 k/yr, producing since late 2024 (TSMC [V]), with
    # its customers' offtake (min_output 0.8 [A]); fab 2 (3 nm) from 2028 and fab 3 by 2030
    # [U]: about USD 65 bn for three less USD 6.6 bn of grants, 1,560 a year each at 8%.
    site("TSMC Arizona fab 1", "USA", FAB, "existing", 240, 10.7, TSMC_AZ_FIXED, group=US_FABS, min_output=0.8),
    site("TSMC Arizona fab 2", "USA", FAB, "existing", 240, 10.7, TSMC_AZ_FIXED, group=US_FABS, start=2028),
    site("TSMC Arizona fab 3", "USA", FAB, "candidate", 240, 10.7, TSMC_AZ_FIXED, group=US_FABS, start=2030),
    # Intel Arizona Fab 52 (18A) from 2026 and Samsung Taylor (Texas) from 2026 [U]; Intel Ohio, 2031
    # [U]. Sizes and capex net of grants [A] (Intel USD 7.86 bn, Samsung USD 4.745 bn CHIPS awards [U]).
    site("Intel Arizona Fab 52", "USA", FAB, "existing", 180, 10.7, fab_charge(15, 2.5), group=US_FABS, start=2026),
    site("Samsung Taylor (Texas)", "USA", FAB, "existing", 180, 10.9, fab_charge(17, 4.7), group=US_FABS, start=2026),
    site("Intel Ohio fab", "USA", FAB, "candidate", 240, 10.9, fab_charge(14, 1.5), group=US_FABS, start=2031),
    # JASM Kumamoto fab 2: 6/7 nm, production 2027, JPY 732 bn subsidy [S] (~USD 4.9 bn) [A: capex].
    site("JASM Kumamoto fab 2", "Japan", FAB, "candidate", 180, 10.5, fab_charge(13.9, 4.9), start=2027),
    # Assembly, test, packaging [S]: Taiwanese firms over half, Chinese firms >20% (JCET 13%);
    # Malaysia and Korea the rest [A].
    *grows("ASE and TSMC packaging (Taiwan)", "Taiwan", CHIPS, 1200, 2.0),
    *china("China packaging (JCET, Tongfu...)", CHIPS, 500, 1.6, rate=0.5),
    *grows("Penang packaging (Malaysia)", "Malaysia", CHIPS, 250, 1.7),
    *grows("Korean packaging", "South Korea", CHIPS, 150, 2.1),
    # Amkor's Peoria (Arizona) plant, about 2028 [U] [A: size, cost].
    site("Amkor Arizona packaging", "USA", CHIPS, "candidate", 100, 2.8, 40, start=2028),
    # Penang's output is flown out through Singapore (Changi) [A]: a hub, throughput and handling.
    site("Singapore chip hub", "Singapore", CHIPS, "existing", 600, 0.05, role="hub"),
    # ---- medicines ----
    # India imports 72% of its bulk drugs and intermediates from China (FY24 [S]); 6-APA ~96%,
    # rifampicin intermediates 100% (FY25 [S]). API labour: Western 100, China 8, India 10
    # (World Bank 2009, quoted by FDA [V]); unit costs and sizes [A], carried to 2034.
    site("China KSM makers", "China", KSM, "existing", 340, 1.0),
    site("Indian KSM makers", "India", KSM, "existing", 80, 1.4),
    site("EU KSM makers", "EU", KSM, "existing", 30, 2.5),
    site("US KSM makers", "USA", KSM, "existing", 5, 3.0),
    # API facilities for the US market (FDA 2019 [V]): US 28%, China 13%; India and the EU the
    # other big makers.
    site("China API makers", "China", APIS, "existing", 120, 8.0),
    site("India API makers", "India", APIS, "existing", 90, 9.0),
    site("EU API makers", "EU", APIS, "existing", 30, 20.0),
    site("US API makers", "USA", APIS, "existing", 12, 25.0),
    site("US DPA API platform (Virginia)", "USA", APIS, "candidate", 12, 23.0, 60, start=2027),
    site("India PLI API park", "India", APIS, "candidate", 30, 8.5, 45, start=2028),
    # Finished doses [A]: India the generic formulator for the world.
    site("Indian formulators", "India", DOSES, "existing", 400, 10.0),
    site("China formulators", "China", DOSES, "existing", 240, 9.0),
    site("EU formulators", "EU", DOSES, "existing", 130, 25.0),
    site("US formulators", "USA", DOSES, "existing", 90, 30.0),
    site("Japanese formulators", "Japan", DOSES, "existing", 30, 28.0),
]

GROUPS = [
    # CHIPS Act manufacturing money (USD 39 bn [V]) pays for a handful of leading-edge fabs: at most
    # five operate in the US [A]: TSMC Arizona fabs 1-2, Intel Fab 52 and Samsung Taylor leave room
    # for one of TSMC's fab 3 and Intel Ohio.
    {"group": US_FABS, "min_open": 0, "max_open": 5},
]

# --- lanes and tariffs -------------------------------------------------------------------------

# China -> USA duties by period (product, period from which the rate holds, rate): Section 301
# (USTR 2024 [S]), IEEPA (2025 [U]: 10% fentanyl duty on everything, 10% reciprocal duty except
# Annex II: semiconductors, pharmaceuticals, certain critical minerals [U: which lines]), MFN on
# rare-earth metal 5% [V], and anti-dumping + countervailing duties on active anode material
# (93.5% + 6.55%, preliminary 2025 [U]). Section 301 lines on cathode, anode, lithium chemicals and
# pharmaceutical inputs were not checked: taken as none [A]. Rates after 2025 as in force [A].
IEEPA_ALL, IEEPA_RECIPROCAL = 0.10, 0.10
US_TARIFFS_ON_CHINA = [
    (FAB, None, 0.50 + IEEPA_ALL),  # 301 50% from 1 Jan 2025; Annex II
    (CHIPS, None, 0.50 + IEEPA_ALL),
    (SI_WAFERS, None, 0.50 + IEEPA_ALL),  # 301 polysilicon and wafers 50% from 2025
    (CELLS, None, 0.25 + IEEPA_ALL + IEEPA_RECIPROCAL),  # 301 EV batteries 25% since Sept 2024
    (MAGNETS, None, 0.0 + IEEPA_ALL + IEEPA_RECIPROCAL),
    (MAGNETS, 2027, 0.25 + IEEPA_ALL + IEEPA_RECIPROCAL),  # 301 permanent magnets 25% from 2026
    (GRAPHITE, None, 0.0 + IEEPA_ALL),
    (GRAPHITE, 2027, 0.25 + IEEPA_ALL),  # 301 natural graphite 25% from 2026
    (ANODE, None, 0.935 + 0.0655 + IEEPA_ALL + IEEPA_RECIPROCAL),
    (CATHODE, None, IEEPA_ALL + IEEPA_RECIPROCAL),
    (LI_CHEM, None, IEEPA_ALL),
    (OXIDE, None, IEEPA_ALL),  # MFN free; not a Section 301 critical mineral
    (DYTB, None, IEEPA_ALL),
    (METAL, None, 0.05 + IEEPA_ALL),  # MFN 5% on rare-earth metals
    (KSM, None, IEEPA_ALL),
    (APIS, None, IEEPA_ALL),
    (DOSES, None, IEEPA_ALL),
]
CHINA_ON_US = 0.10  # China's duty on US goods after the May 2025 truce [U], every product
# The 'reciprocal' IEEPA duties of 2025 on the USA's other suppliers, as settled by late 2025 [U]
# (EU, Japan and South Korea 15%, Taiwan 20%, Malaysia 19%, India 50% with the Russian-oil duty,
# 10% elsewhere), on the products they reach: magnets, cells, cathode and anode material
# (semiconductors, pharmaceuticals and the critical minerals of Annex II are exempt).
RECIPROCAL_2025 = {
    "EU": 0.15,
    "Japan": 0.15,
    "South Korea": 0.15,
    "Taiwan": 0.20,
    "Malaysia": 0.19,
    "India": 0.50,
    "Myanmar": 0.40,
}
RECIPROCAL_ELSEWHERE = 0.10
RECIPROCAL_PRODUCTS = {MAGNETS, CELLS, CATHODE, ANODE}
EU_CELL_TARIFF = 0.027  # EU MFN duty on Li-ion cells [A]

# Lanes not offered [A]: China exports no rare-earth concentrate (it imports it); Myanmar's clays
# go to China only; Chile's brine is made into carbonate where it is pumped; Penang's packaged
# chips leave through Singapore (the hub) or go to China.
NO_LANE = {(REC, "China", None), (CHIPS, "Malaysia", None), (REC, "Myanmar", None), (LI_RAW, "Chile", None)}
EXTRA_LANE = {(CHIPS, "Malaysia", "Singapore"), (CHIPS, "Malaysia", "China"), (REC, "Myanmar", "China")}
# The hub takes in Penang's chips only: no other country's packaged chips pass through Singapore,
# so the hub cannot turn Chinese chips into Singaporean ones under a direct cap.
HUB_FEEDERS = {(CHIPS, "Singapore"): {"Malaysia"}}


def needed_in() -> dict[str, set[str]]:
    """Countries where each product is needed: final demand, or a plant consuming it."""
    out: dict[str, set[str]] = defaultdict(set)
    for p, by in DEMAND_2025.items():
        out[p] |= set(by)
    for product, inp, _, only in RECIPES:
        for s in SITES:
            if s["product"] == product and s.get("role") != "hub" and (only is None or s["site"] == only):
                out[inp].add(s["country"])
    for s in SITES:  # a hub's pool: what it takes in
        if s.get("role") == "hub":
            out[s["product"]].add(s["country"])
    return out


def lanes(tariffs: bool = True) -> list[dict[str, Any]]:
    """Lanes from every country making a product to every other country needing it (freight
    within a region, twice that between regions), with the tariff schedule by period
    (``tariffs`` False: the duties as they stood in 2024, without the 2025 additions, for the
    variant that costs them)."""
    made_in: dict[str, set[str]] = defaultdict(set)
    for s in SITES:
        made_in[s["product"]].add(s["country"])
    need = needed_in()
    schedule_of = defaultdict(list)
    for product, period, rate in US_TARIFFS_ON_CHINA:
        schedule_of[product].append((period, rate))
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
                if o == "China" and d == "USA" and product in schedule_of:
                    schedule = schedule_of[product] if tariffs else pre_2025(product)
                elif o == "USA" and d == "China":
                    schedule = [(None, CHINA_ON_US if tariffs else 0.0)]
                elif d == "USA" and product in RECIPROCAL_PRODUCTS and tariffs:
                    schedule = [(None, RECIPROCAL_2025.get(o, RECIPROCAL_ELSEWHERE))]
                elif product == CELLS and d == "EU":
                    schedule = [(None, EU_CELL_TARIFF)]
                for period, rate in schedule:
                    out.append(
                        {
                            "origin": o,
                            "destination": d,
                            "product": product,
                            "freight_cost": round(freight * factor, 6),
                            "tariff_rate": round(rate, 6),
                            "period": period,
                        }
                    )
    return out


def pre_2025(product: str) -> list[tuple[int | None, float]]:
    """China -> USA duties without the 2025 additions (IEEPA, anode AD/CVD): the September 2024
    Section 301 schedule and MFN, as the sample had them before."""
    base = {
        FAB: [(None, 0.5)],
        CHIPS: [(None, 0.5)],
        SI_WAFERS: [(None, 0.5)],
        CELLS: [(None, 0.25)],
        MAGNETS: [(None, 0.0), (2027, 0.25)],
        GRAPHITE: [(None, 0.0), (2027, 0.25)],
        METAL: [(None, 0.05)],
    }
    return base.get(product, [(None, 0.0)])


# --- caps ------------------------------------------------------------------------------------

# The EU's strategic raw materials at each processing stage the sample has (Reg. 2024/1252 Annex I
# [V]: rare earths for magnets, battery-grade lithium, natural graphite): mining, separation and
# metal of the rare earths, lithium chemicals, graphite and its processed form, anode material
# [A: spheronised graphite taken as a processing stage]. Magnets, cathode and cells are not raw
# materials: the benchmark does not cover them.
CRMA_STAGES = [REC, OXIDE, DYTB, METAL, LI_RAW, LI_CHEM, GRAPHITE, ANODE]

CAPS = [
    # US defence procurement (DFARS 225.7018, final rule May 2024 [S]): from 1 Jan 2027 no NdFeB
    # magnets whose rare earths were mined, separated or made in China, a rule through the tiers.
    # Defence taken as about 10% of US magnet use [A]: at most 90% of the US magnet supply may
    # pass through China from 2027, and 80% from 2030 as the rule widens [A].
    {"product": MAGNETS, "market": "USA", "cap": 0.9, "basis": "lookthrough", "period": 2027, "policy": "dfars"},
    {"product": MAGNETS, "market": "USA", "cap": 0.8, "basis": "lookthrough", "period": 2030, "policy": "dfars"},
    # US cells on the pattern of the IRA clean-vehicle credit's foreign-entity-of-concern test
    # (CRS IF12600, 26 CFR 1.30D-6 [S]/[V]; the credit ended on 30 Sept 2025, so this is an
    # assumed successor rule [A]): at most 85% of the cells supplied to the US may pass through
    # China or a Chinese-owned plant from 2027, 70% from 2030.
    {"product": CELLS, "market": "USA", "cap": 0.85, "basis": "lookthrough", "period": 2027, "policy": "us-cells"},
    {"product": CELLS, "market": "USA", "cap": 0.7, "basis": "lookthrough", "period": 2030, "policy": "us-cells"},
    # EU Critical Raw Materials Act (Reg. 2024/1252, Art. 5 [V]): by 2030 no single third country
    # above 65% of EU consumption at any stage of processing of a strategic raw material: per
    # stage, any single country, so a direct cap with ``of: any`` on each stage's product.
    *[
        {"product": p, "market": "EU", "cap": 0.65, "of": "any", "basis": "direct", "period": 2030, "policy": "crma"}
        for p in CRMA_STAGES
    ],
]
POLICIES = ("dfars", "us-cells", "crma", "tariffs-2025", "min-output")

# --- scenarios ---------------------------------------------------------------------------------

BAN, GRAPHITE_BAN, BLOCKADE, PANDEMIC, QUAKE = (
    "Rare-earth export ban",
    "Graphite export ban",
    "Taiwan strait blockade",
    "Pandemic surge",
    "Japan earthquake",
)
# weight: yearly probability [A]; max_shortfall: most share of any market's demand that may go
# unserved [A] (blank: priced only).
SCENARIOS = [
    # China's April 2025 licensing of the heavy rare earths and magnets [U] enforced as a ban;
    # priced, no target: no design can keep the allies' magnets within a target before allied
    # heavy rare-earth separation opens.
    {"scenario": BAN, "weight": 0.05, "max_shortfall": None},
    # China's graphite licensing (Dec 2023 [U]) enforced as a ban on graphite and anode material.
    {"scenario": GRAPHITE_BAN, "weight": 0.05, "max_shortfall": None},
    {"scenario": BLOCKADE, "weight": 0.02, "max_shortfall": None},
    {"scenario": PANDEMIC, "weight": 0.03, "max_shortfall": 0.25},
    {"scenario": QUAKE, "weight": 0.03, "max_shortfall": 0.35},
]
DISRUPTIONS = [
    # Lockdowns in China's chemical clusters [A].
    {"scenario": PANDEMIC, "country": "China", "product": KSM, "capacity_loss": 0.3},
    {"scenario": PANDEMIC, "country": "China", "product": APIS, "capacity_loss": 0.3},
    {"scenario": QUAKE, "country": "Japan", "capacity_loss": 0.4},
    {"scenario": QUAKE, "site": "JASM Kumamoto fab 2", "capacity_loss": 1.0},
]
# Trade stopped by lane: an export ban is not a capacity loss (China's plants keep serving China).
CLOSURES = [
    # China stops exporting what its April 2025 controls name: the heavy rare earths and the
    # magnets that contain them [U] (NdPr oxide and metal were not named) [A: a ban].
    {"scenario": BAN, "origin": "China", "destination": None, "product": DYTB},
    {"scenario": BAN, "origin": "China", "destination": None, "product": MAGNETS},
    # China stops exporting graphite and anode material (spherical graphite is named) [U] [A: a ban].
    {"scenario": GRAPHITE_BAN, "origin": "China", "destination": None, "product": GRAPHITE},
    {"scenario": GRAPHITE_BAN, "origin": "China", "destination": None, "product": ANODE},
    # A blockade: nothing leaves Taiwan and nothing reaches it; the USA and its allies stop their
    # exports to China (sanctions) [A].
    {"scenario": BLOCKADE, "origin": "Taiwan", "destination": None, "product": None},
    {"scenario": BLOCKADE, "origin": None, "destination": "Taiwan", "product": None},
    {"scenario": BLOCKADE, "origin": "Domestic", "destination": "China", "product": None},
    {"scenario": BLOCKADE, "origin": "Ally", "destination": "China", "product": None},
]
SHOCKS = [
    {"scenario": PANDEMIC, "product": DOSES, "demand_factor": 1.3},
    {"scenario": BLOCKADE, "product": CHIPS, "market": "China", "demand_factor": 0.7},
]
# Strategic stocks [A]: intermediates (oxide and Dy/Tb where magnet and metal makers use them,
# anode material where cells are made) as well as finished goods. Holding cost about 15% of the
# product's value a year [A]; a unit drawn is bought back at the world price (restock_cost).
STOCKPILES = [
    (DYTB, "USA", 300),
    (DYTB, "Japan", 400),
    (DYTB, "EU", 300),
    (OXIDE, "USA", 3000),
    (OXIDE, "Japan", 4000),
    (MAGNETS, "USA", 4000),
    (MAGNETS, "Japan", 3000),
    (MAGNETS, "EU", 4000),
    (ANODE, "USA", 100),
    (ANODE, "EU", 100),
    (DOSES, "USA", 30),
    (DOSES, "EU", 30),
    (APIS, "USA", 10),
    (CHIPS, "USA", 60),
]
HOLDING_SHARE = 0.15
# A unit drawn is bought back after the crisis at 1.5x the world price [A]: prices stay up after a
# supply shock (rare-earth oxide prices rose several-fold in 2010-11 [U]).
RESTOCK_MULTIPLE = 1.5

# --- today's trade -------------------------------------------------------------------------------

# Observed shares of world production in the first period, each with its source; the results'
# Calibration sheet holds the model's 2025 against them.
OBSERVED = [
    (REC, "China", 0.692, "USGS MCS 2025, Rare Earths: 270,000 of 390,000 t REO in 2024 [V]"),
    (REC, "USA", 0.115, "USGS MCS 2025, Rare Earths: 45,000 of 390,000 t REO in 2024 [V]"),
    (REC, "Myanmar", 0.079, "USGS MCS 2025, Rare Earths: 31,000 of 390,000 t REO in 2024 [V]"),
    (REC, "Australia", 0.033, "USGS MCS 2025, Rare Earths: 13,000 of 390,000 t REO in 2024 [V]"),
    (OXIDE, "China", 0.92, "IEA Global Critical Minerals Outlook 2024: separation, 2023 [S]"),
    (MAGNETS, "China", 0.9, "MacroPolo 2022 (87%), Adamas (~90%): sintered NdFeB [S]"),
    (MAGNETS, "Japan", 0.075, "MacroPolo/Noveon (~2021): Japan ~8% [S]; DOE 2022: ~7% [U]"),
    (LI_RAW, "Australia", 0.367, "USGS MCS 2025, Lithium: 88,000 of 240,000 t Li in 2024 [S]"),
    (LI_RAW, "Chile", 0.204, "USGS MCS 2025, Lithium: 49,000 of 240,000 t Li in 2024 [S]"),
    (LI_RAW, "China", 0.171, "USGS MCS 2025, Lithium: 41,000 of 240,000 t Li in 2024 [S]"),
    (LI_CHEM, "China", 0.65, "IEA: lithium chemical refining, 2023 [S]"),
    (CATHODE, "China", 0.838, "Rystad Energy 2021: China's share of cathode capacity in 2025 [S]"),
    (CATHODE, "South Korea", 0.118, "Rystad Energy 2021: Korea's share of cathode capacity in 2025 [S]"),
    (ANODE, "China", 0.85, "IEA 2022: anode capacity [S]"),
    (GRAPHITE, "China", 0.9, "IEA 2024: graphite for anodes [S]"),
    (CELLS, "China", 0.77, "BNEF: 893 of 1,163 GWh of cell capacity in 2022 [S] (IEA: ~85% in 2023)"),
    (CELLS, "EU", 0.14, "BNEF: Poland, Hungary, Germany, Sweden, France 164 of 1,163 GWh in 2022 [S]"),
    (CELLS, "USA", 0.06, "BNEF: 70 of 1,163 GWh of cell capacity in 2022 [S]"),
    (FAB, "Taiwan", 0.69, "SIA/BCG 2024: sub-10 nm logic capacity, 2022 [S]"),
    (FAB, "South Korea", 0.31, "SIA/BCG 2024: sub-10 nm logic capacity, 2022 [S]"),
    (SI_WAFERS, "Japan", 0.51, "Shin-Etsu 29% + SUMCO 22% of 300 mm wafers, by company [S]"),
]
CALIBRATION_TOLERANCE = 0.10


# --- records ----------------------------------------------------------------------------------


def records(basis: str | None = None, without: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """Every sheet of the sample, as plain records (the workbook contract's headers). ``basis``
    ("direct" or "lookthrough"), when given, puts every concern Caps row on that basis: the same
    caps, measured the other way. ``without`` leaves one policy out (``POLICIES``): its Caps rows,
    the 2025 duties, or the sites' ``min_output``."""
    if without is not None and without not in POLICIES:
        raise ValueError(f"unknown policy {without!r}: one of {', '.join(POLICIES)}")
    years = [y for y, _ in PERIODS]
    caps = []
    for c in CAPS:
        if c["policy"] == without:
            continue
        row = {k: v for k, v in c.items() if k != "policy"}
        row["scope"] = "each"
        row.setdefault("of", None)
        if basis is not None and row["of"] is None:
            row["basis"] = basis
        caps.append(row)
    sites = [dict(s) for s in SITES]
    if without == "min-output":
        for s in sites:
            s["min_output"] = None
    return {
        "Settings": [
            {"setting": "currency", "value": "USD million"},
            {"setting": "dependency_cap", "value": 1},
            {"setting": "discount_rate", "value": DISCOUNT_RATE},
            {"setting": "caps_in_scenarios", "value": "hold"},
            {"setting": "calibration_tolerance", "value": CALIBRATION_TOLERANCE},
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
                "unmet_penalty": round(LOST_SUPPLY_MULTIPLE["allied"] * price, 6),
                "reserve_share": reserve,
                "customs_value": price,
            }
            for p, (unit, price, _, reserve) in PRODUCTS.items()
        ],
        "Sites": sites,
        "Recipes": [
            {"product": product, "input": inp, "quantity": q, "site": only} for product, inp, q, only in RECIPES
        ],
        "Groups": [dict(g) for g in GROUPS],
        "Demand": [
            {"market": m, "product": p, "demand": demand(p, m, y), "period": y, "unmet_penalty": lost_supply(p, m)}
            for p, by in DEMAND_2025.items()
            for m in by
            for y in years
        ],
        "Lanes": lanes(tariffs=without != "tariffs-2025"),
        "Caps": caps,
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
                "restock_cost": round(RESTOCK_MULTIPLE * PRODUCTS[p][1], 6),
            }
            for p, m, q in STOCKPILES
        ],
        "Observed": [{"product": p, "country": c, "share": s, "source": src} for p, c, s, src in OBSERVED],
    }


TAG_WORDS = {
    "V": "read in the primary source",
    "S": "read in a secondary source quoting it",
    "U": "commonly cited, not read in a stored source: an assumption until checked",
}

README_INTRO = [
    (
        "Allied supply network (sample)",
        "Four real chains, 2025-2034, tier by tier: rare-earth magnets (mining, NdPr and Dy/Tb separation, "
        "metal, magnets), Li-ion batteries (lithium, chemicals, cathode; graphite, anode; cells), chips "
        "(silicon wafers, sub-10 nm fabs, packaging) and medicines (starting materials, APIs, doses). Edit "
        "and rerun; inputs/make_sample.py writes it and says where every number comes from.",
    ),
    (
        "Money",
        "USD million per year, 2024 dollars; periods 2025 (2 years), 2027 (3), 2030 (3) and 2033 (2), "
        "discounted at 7% a year to 2025. Unit costs are each stage's own cost: its inputs are costed where "
        "they are made. Fixed costs of new plants: 8% a year of their capex net of grants [A]. Quantities in "
        "each product's unit.",
    ),
    (
        "Tags",
        "[V] read in the primary source; [S] read in a secondary source quoting it; [U] commonly cited but "
        "not read in a stored source (an assumption until checked); [A] the sample's own assumption. The "
        "figures come from the project's reference/figures.md; docs/chains.md carries this table too.",
    ),
]

ASSUMPTIONS = [
    (
        "Assumptions [A]",
        "World demand volumes, their split by market and growth to 2034 (magnets 7%, cells 15%, chips 8%, "
        "medicines 3% a year); recipe yields (NdPr 25% of REO, 16% at Mountain Pass; Dy+Tb 1/20 of clay REO; "
        "1.2 t oxide per t metal; 0.32 t metal and 0.012 t Dy/Tb per t magnet; 1.5 kt cathode and 1.0 kt "
        "anode per GWh; 0.53 kt LCE per kt cathode, losses included, so that 2025's cells need about 2024's "
        "lithium output; 300 mg API a dose ...); world prices of intermediates; unit costs from the sourced "
        "cost indices (Korean cathode and European cells about 10% above China's); fixed costs (8% a year of "
        "capex net of grants); lead times and sizes where no source gives one; the growth of capacity of "
        "producers that build ahead (China, TSMC, Samsung, the mines: their 2025 capacity grown with their "
        "chain's demand, a row from 2027, 2030 and 2033; Myanmar at half the rate, the rest of the world's "
        "lithium at 1.5 times); China's mines and magnet makers running near full; min_output shares "
        "(offtake contracts); Lynas's, Iluka's, MP's and Lynas Texas's heavy rare-earth sizes; China's heavy "
        "separation ~99%; the closable Solvay La Rochelle and Kwinana plants; the retirement of older "
        "Japanese cell lines after 2029; one expansion module (US gigafactories); the CHIPS Act group limit "
        "(five US fabs); the Singapore hub for Penang's chips; no rare-earth concentrate exported by China, "
        "Myanmar's only to China, Chile's brine refined in Chile; the API reserve (10% of the requirement, at "
        "10% of unit cost a year); stockpile limits and holding costs (15% of value a year); stock bought "
        "back at 1.5 times the world price; freight (x2 between regions); scenario probabilities, losses, "
        "closures and shocks; the defence share of US magnets (10%) and the 2030 steps of the US caps; the "
        "US cell cap (an assumed successor of the IRA credit); the values of lost supply (10x the world price "
        "in the USA and allied markets, 4x elsewhere); the duties of late 2025 held to 2034; Section 301 "
        "lines on cathode, anode, lithium chemicals and medicines taken as none.",
    ),
    (
        "Limits",
        "An export ban is a Closures row: the whole product stops at the border, China's own plants keep "
        "serving China (a licensing regime that lets part through is not modelled). Each stage is one "
        "product (one grade of oxide, one cathode, one node of logic); a heavy rare-earth line credits no "
        "light rare earths. Cells, magnets and chips are commodities: a buyer switches supplier at once, "
        "where qualifying a new one takes years. Offtake (min_output) holds in a normal year only. Duties "
        "count as a cost to the importing market, not as a transfer. The USA's 2025 duties on its allies "
        "are modelled on magnets, cells, cathode and anode only. Look-through shares are mass-balance "
        "shares (docs/contract/formulation.md (11)).",
    ),
]


def readme() -> list[tuple[str, str]]:
    """The README sheet: what the sample is, the tags, every sourced figure, the assumptions."""
    rows = list(README_INTRO)
    for key, what, value, source, tag in FIGURES:
        rows.append((f"[{tag}] {what}", f"{value}. Source: {source}. ({key}: {TAG_WORDS[tag]})"))
    rows += ASSUMPTIONS
    return rows


def figures_markdown() -> str:
    """The table of sourced figures, for docs/chains.md (``--figures``)."""
    lines = ["| figure | value | source | tag |", "|---|---|---|---|"]
    for _, what, value, source, tag in FIGURES:
        lines.append(f"| {what} | {value} | {source} | [{tag}] |")
    return "\n".join(lines) + "\n"


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
    base capacity plus every module where ``modules``; ``outside_concern`` leaves out concern
    sites (in a concern country, or flagged)."""
    concern = {c for c, _, k in COUNTRIES if k}
    total = 0.0
    for s in SITES:
        if s["product"] != product or s.get("role") == "hub":
            continue
        flagged = s["concern"] if s["concern"] is not None else s["country"] in concern
        if outside_concern and flagged:
            continue
        if s["available_from"] is not None and year < s["available_from"]:
            continue
        if s["available_until"] is not None and year > s["available_until"]:
            continue
        total += s["capacity"] + (s["module_capacity"] * s["max_modules"] if modules else 0)
    return total


def main(argv: list[str] | None = None) -> None:
    """``python inputs/make_sample.py [OUT.xlsx] [--basis direct|lookthrough] [--without POLICY]``."""
    parser = argparse.ArgumentParser(description="Write the sample workbook.")
    parser.add_argument("out", nargs="?", default=str(OUT), help="where to write it (default: the shipped sample)")
    parser.add_argument(
        "--basis",
        choices=("direct", "lookthrough"),
        help="put every concern Caps row on this basis (a variant to compare)",
    )
    parser.add_argument("--without", choices=POLICIES, help="leave one policy out (a variant that costs it)")
    parser.add_argument("--figures", action="store_true", help="print the sourced figures as Markdown and stop")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.figures:
        print(figures_markdown(), end="")
        return
    out = Path(args.out)
    write_input_workbook(out, records(args.basis, args.without), readme=readme())
    print(f"written {out}")


if __name__ == "__main__":
    main()
