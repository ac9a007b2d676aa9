"""The workbook's cross-sheet rules: one small named function per rule.

Two kinds, run by ``model.workbook``:

* rules on the records read from the sheets (``SheetData``), run before the ``Network`` is
  assembled; they report errors (the run stops) and mark the records they reject;
* rules on the assembled ``Network`` (``NETWORK_WARNINGS``), which report warnings: the run goes
  on, and the planner reads what the numbers will show.

Every message names the sheet and cell, in words a planner can act on. The rules are those of
the workbook contract (``docs/inputs.md``).
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from model import schema
from model.derive import RecipeRow, gross_requirement, recipe_cycle
from model.issues import Issue, Issues, did_you_mean
from model.network import ANY, CONCERN_OF, Network, Settings, cap_of, most_specific

DEFINED_ON = {"country": "Countries", "product": "Products", "site": "Sites", "scenario": "Scenarios"}
"""The sheet that defines each kind of name that other sheets refer to."""


@dataclass
class Record:
    """One data row of a sheet: its Excel row and its parsed values by header.

    ``values["_invalid"]`` marks a record with an error (it is left out of the ``Network``)."""

    row: int
    values: dict[str, Any]


@dataclass
class SheetData:
    """A sheet read with its schema: the records and the column letter of each header."""

    spec: schema.Sheet
    records: list[Record]
    letters: dict[str, str]


def describe(value: Any) -> str:
    """A cell value as a planner would recognise it in a message."""
    if isinstance(value, str):
        return f"'{value[:60]}{'...' if len(value) > 60 else ''}'"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (_dt.date, _dt.datetime, _dt.time)):
        return f"a date/time ({value})"
    return repr(value)


def valid(sheet: SheetData | None) -> list[Record]:
    """The records of ``sheet`` without an error (none for an absent sheet)."""
    return [] if sheet is None else [r for r in sheet.records if not r.values.get("_invalid")]


# ------------------------------------------------------------------------------------------
# Rules on the records (errors)
# ------------------------------------------------------------------------------------------

KEY_WHAT = {
    "Countries": "country",
    "Products": "product",
    "Sites": "site",
    "Scenarios": "scenario",
    "Recipes": "recipe row",
    "Groups": "group",
    "Periods": "period",
}


def check_duplicates(sheet: SheetData, issues: Issues) -> None:
    """A sheet's unique key (``schema.Sheet.key``) appears on one row only; later rows are errors.

    A row with a key cell that could not be read (an error already, at that cell) is skipped:
    its key is unknown, so it is no duplicate of anything."""
    key = sheet.spec.key
    if not key:
        return
    what = KEY_WHAT.get(sheet.spec.name, "row")
    seen: dict[tuple[Any, ...], int] = {}
    letter = sheet.letters.get(key[0], "A")
    for rec in sheet.records:
        if any(c not in rec.values for c in key):
            continue  # a key cell that could not be read (reported at it): its key is unknown
        k = tuple(rec.values.get(c) for c in key)
        if all(v is None for v in k) and len(key) == 1:
            continue
        if k in seen:
            shown = ", ".join("blank" if v is None else describe(v).strip("'") for v in k)
            issues.error(sheet.spec.name, f"{letter}{rec.row}", f"duplicate {what} ({shown}): already on row {seen[k]}")
            rec.values["_invalid"] = True
        else:
            seen[k] = rec.row


def known_names(data: Mapping[str, SheetData], held_back: set[str]) -> dict[str, dict[str, Record] | None]:
    """Per kind of name (country, product, site, scenario), the names its sheet defines.

    ``None`` for a kind whose defining sheet is in ``held_back`` (a required sheet missing, or a
    sheet that could not be read because of its header): its names are unknown, not absent, so
    references to them are not checked (the cause is reported once, at that sheet)."""
    out: dict[str, dict[str, Record] | None] = {}
    for kind, sheet_name in DEFINED_ON.items():
        if sheet_name in held_back:
            out[kind] = None
            continue
        sheet = data.get(sheet_name)
        column = kind
        out[kind] = {r.values[column]: r for r in (sheet.records if sheet else []) if r.values.get(column)}
    return out


def check_unknown_names(sheet: SheetData, known: Mapping[str, Mapping[str, Any] | None], issues: Issues) -> None:
    """Every reference (country, product, site, scenario) names something its sheet defines."""
    for col in sheet.spec.columns:
        if col.ref is None:
            continue
        names = known.get(col.ref)
        if names is None:
            continue
        letter = sheet.letters.get(col.name, "")
        for rec in sheet.records:
            v = rec.values.get(col.name)
            if v is None or v in names:
                continue
            issues.error(
                sheet.spec.name,
                f"{letter}{rec.row}",
                f"unknown {col.ref} {describe(v)}: it is not on the {DEFINED_ON[col.ref]} sheet"
                + did_you_mean(v, names),
            )
            rec.values["_invalid"] = True


def check_disruption_targets(disruptions: SheetData | None, sites: Mapping[str, Record] | None, issues: Issues) -> None:
    """A Disruptions row names a country or a site; a site's country, if given too, is its own."""
    if disruptions is None:
        return
    letter = disruptions.letters.get("country", "")
    for rec in valid(disruptions):
        site, country = rec.values.get("site"), rec.values.get("country")
        if site is None and country is None:
            issues.error(
                "Disruptions",
                f"{letter}{rec.row}",
                "both 'country' and 'site' are blank; name the country hit, or a single site",
            )
            rec.values["_invalid"] = True
        elif site is not None and country is not None and sites is not None and site in sites:
            site_country = sites[site].values.get("country")
            if site_country != country:
                issues.error(
                    "Disruptions",
                    f"{letter}{rec.row}",
                    f"site '{site}' is in {site_country}, not {country}; leave 'country' blank or correct it",
                )
                rec.values["_invalid"] = True


def check_unmet_penalty_given(
    products: SheetData | None, settings: Settings, issues: Issues, demand: SheetData | None = None
) -> None:
    """Every product has an unmet_penalty: on its row, or Settings.unmet_penalty for all, unless
    every Demand row of the product gives its own (Demand.unmet_penalty, version 3)."""
    if settings.unmet_penalty is not None or products is None:
        return
    priced_rows: dict[str, bool] = {}  # product -> every Demand row of it gives a penalty
    for rec in valid(demand):
        p = rec.values.get("product")
        priced_rows[p] = priced_rows.get(p, True) and rec.values.get("unmet_penalty") is not None
    letter = products.letters.get("unmet_penalty", "")
    for rec in valid(products):
        if priced_rows.get(rec.values["product"]):
            continue
        if rec.values.get("unmet_penalty") is None:
            issues.error(
                "Products",
                f"{letter}{rec.row}" if letter else f"{rec.row}:{rec.row}",
                f"product '{rec.values['product']}' has no unmet_penalty and Settings has no "
                "unmet_penalty either; give one here or set 'unmet_penalty' on the Settings sheet",
            )


def check_recipe_sites(recipes: SheetData | None, sites: Mapping[str, Record] | None, issues: Issues) -> None:
    """A Recipes row that names a site: the site makes the row's product and is not a hub (a hub
    has no recipe: it passes its product on)."""
    if recipes is None or sites is None:
        return
    letter = recipes.letters.get("site", "")
    for rec in valid(recipes):
        site = rec.values.get("site")
        if site is None or site not in sites:
            continue
        made = sites[site].values.get("product")
        if sites[site].values.get("role") == "hub":
            issues.error(
                "Recipes",
                f"{letter}{rec.row}",
                f"site '{site}' is a hub (Sites.role); a hub passes its product on and has no recipe: "
                "remove this row, or make the site a plant",
            )
            rec.values["_invalid"] = True
        elif made != rec.values.get("product"):
            issues.error(
                "Recipes",
                f"{letter}{rec.row}",
                f"site '{site}' makes {made}, not {rec.values.get('product')}; a site row applies to a "
                "plant that makes the row's product",
            )
            rec.values["_invalid"] = True


def check_recipe_cycles(recipes: SheetData | None, issues: Issues) -> None:
    """No product needs itself through any chain of inputs: the error names the whole cycle
    (``magnet -> alloy -> magnet``) at the row that closes it."""
    if recipes is None:
        return
    rows = [
        RecipeRow(r.row, r.values["product"], r.values["input"], float(r.values["quantity"]), r.values.get("site"))
        for r in valid(recipes)
        if r.values.get("product") and r.values.get("input") and r.values.get("quantity") is not None
    ]
    cycle = recipe_cycle(rows)
    if cycle is None:
        return
    chain = " -> ".join([cycle[0].product, *(r.input for r in cycle)])
    letter = recipes.letters.get("input", "")
    cells = ", ".join(f"{letter}{r.row}" for r in cycle)
    issues.error(
        "Recipes",
        f"{letter}{cycle[-1].row}",
        f"the recipes form a cycle: {chain} (rows at {cells}); a product cannot need itself through "
        "its inputs. Remove or correct one of these rows",
    )
    for r in valid(recipes):
        if any(r.row == c.row for c in cycle):
            r.values["_invalid"] = True


def check_group_limits(groups: SheetData | None, issues: Issues) -> None:
    """A Groups row's min_open is at most its max_open."""
    if groups is None:
        return
    letter = groups.letters.get("min_open", "")
    for rec in valid(groups):
        lo, hi = rec.values.get("min_open"), rec.values.get("max_open")
        if lo is not None and hi is not None and lo > hi:
            issues.error(
                "Groups",
                f"{letter}{rec.row}",
                f"group '{rec.values['group']}': min_open {lo} is more than max_open {hi}; no design can meet both",
            )
            rec.values["_invalid"] = True


def check_scenario_weights(scenarios: SheetData | None, issues: Issues) -> None:
    """The Scenarios weights are yearly probabilities beside the normal year: they must sum to
    less than 1 (the normal year keeps 1 - their sum). An error names the sum and the cells."""
    if scenarios is None:
        return
    letter = scenarios.letters.get("weight", "")
    given = [(rec.row, float(rec.values.get("weight") or 0.0)) for rec in valid(scenarios)]
    total = sum(w for _, w in given)
    if total >= 1 - 1e-12:
        cells = ", ".join(f"{letter}{row}" for row, w in given if w > 0)
        issues.error(
            "Scenarios",
            f"{letter}{given[0][0]}" if given else "",
            f"the scenario weights ({cells}) sum to {total:g}; a weight is the yearly probability of its "
            "crisis, and the normal year keeps 1 minus their sum, so they must sum to less than 1 (a "
            "scenario that only tests the design takes weight 0)",
        )


def check_closures(closures: SheetData | None, countries: SheetData | None, issues: Issues) -> None:
    """Each Closures row's origin and destination is a country or a bloc label of the Countries
    sheet (did-you-mean for a near miss), not both blank; a bloc label that is also a country's
    name is ambiguous: an error at the Countries cell."""
    if closures is None or countries is None:
        return
    names = [r.values["country"] for r in valid(countries)]
    blocs = sorted({r.values.get("bloc") for r in valid(countries) if r.values.get("bloc")})
    bloc_letter = countries.letters.get("bloc", "")
    members: dict[str, set[str]] = {}
    for rec in valid(countries):
        if rec.values.get("bloc"):
            members.setdefault(rec.values["bloc"], set()).add(rec.values["country"])
    reported: set[str] = set()
    for rec in valid(countries):
        label = rec.values.get("bloc")
        if label and label in names and members[label] != {label} and closures.records and label not in reported:
            reported.add(label)
            issues.error(
                "Countries",
                f"{bloc_letter}{rec.row}",
                f"bloc '{label}' is also a country's name: a Closures row naming it would be ambiguous; "
                "rename the bloc",
            )
    for rec in valid(closures):
        origin, destination = rec.values.get("origin"), rec.values.get("destination")
        if origin is None and destination is None:
            issues.error(
                "Closures",
                f"{closures.letters.get('origin', '')}{rec.row}",
                "origin and destination are both blank: that would stop all trade everywhere; name the "
                "exporting country (an export ban) or the importing one (an embargo)",
            )
            rec.values["_invalid"] = True
            continue
        for column, name in (("origin", origin), ("destination", destination)):
            if name is None or name in names or name in blocs:
                continue
            issues.error(
                "Closures",
                f"{closures.letters.get(column, '')}{rec.row}",
                f"'{name}' is neither a country nor a bloc label of the Countries sheet"
                + did_you_mean(name, [*names, *blocs]),
            )
            rec.values["_invalid"] = True


def check_caps_of(caps: SheetData | None, countries: SheetData | None, issues: Issues) -> None:
    """Each Caps row's ``of`` is blank, ``concern``, ``any`` or a country of the Countries sheet
    (did-you-mean for a near miss); a single-country row (``of`` a country or ``any``) is measured
    per stage, so a ``lookthrough`` basis on it is an error that says why."""
    if caps is None or "of" not in caps.letters:
        return
    names = [r.values["country"] for r in valid(countries)] if countries is not None else None
    for rec in valid(caps):
        raw = rec.values.get("of")
        of = cap_of(raw)
        if of is None:
            continue
        if of != ANY and names is not None and of not in names:
            issues.error(
                "Caps",
                f"{caps.letters['of']}{rec.row}",
                f"'{raw}' is not a country of the Countries sheet, nor 'concern' or 'any'"
                + did_you_mean(str(raw), [*names, CONCERN_OF, ANY]),
            )
            rec.values["_invalid"] = True
        elif rec.values.get("basis") == "lookthrough":
            issues.error(
                "Caps",
                f"{caps.letters.get('basis', '')}{rec.row}",
                f"a cap on a single country ('of' is {raw}) is measured per stage, on the product as it "
                "arrives from the country that ships it: its basis must be 'direct' (or blank). Looking "
                "through the tiers, a unit made from inputs of several countries belongs to none of them; "
                "to cap a country at each stage, give a row for each stage's product",
            )
            rec.values["_invalid"] = True


def check_observed_shares(observed: SheetData | None, issues: Issues) -> None:
    """The Observed shares of one product are shares of its world production: they sum to at most 1."""
    if observed is None:
        return
    letter = observed.letters.get("share", "")
    by_product: dict[str, list[Record]] = {}
    for rec in valid(observed):
        by_product.setdefault(rec.values["product"], []).append(rec)
    for product, recs in by_product.items():
        total = sum(float(r.values["share"]) for r in recs)
        if total > 1 + 1e-9:
            cells = ", ".join(f"{letter}{r.row}" for r in recs)
            issues.error(
                "Observed",
                f"{letter}{recs[-1].row}",
                f"the observed shares of {product} ({cells}) sum to {total:.3g}; they are shares of the world's "
                "production of it and cannot sum to more than 1",
            )
            for r in recs:
                r.values["_invalid"] = True


# ------------------------------------------------------------------------------------------
# Rules on the assembled network (warnings)
# ------------------------------------------------------------------------------------------

MAGNITUDE_COLUMNS = {
    "Products": ("unmet_penalty",),
    "Sites": ("capacity", "unit_cost", "fixed_cost", "module_capacity", "module_cost", "reserve_cost"),
    "Demand": ("demand",),
    "Lanes": ("freight_cost",),
    "Stockpiles": ("max_stock", "holding_cost"),
}
MAGNITUDE_SPAN = 1e10


def check_magnitudes(net: Network) -> list[Issue]:
    """Warn when the model's numbers span more than ten orders of magnitude (a penalty of 1e12
    beside costs of 0.01): solvers then lose precision. Names the smallest and largest cells."""
    lo: tuple[float, str] | None = None
    hi: tuple[float, str] | None = None
    settings_penalty = net.settings.unmet_penalty
    if settings_penalty:
        cell = net.cell("Settings", "unmet_penalty", "value")
        lo = hi = (abs(settings_penalty), cell)
    for sheet, columns in MAGNITUDE_COLUMNS.items():
        table = net.tables.get(sheet)
        if table is None or not len(table):
            continue
        for col in columns:
            letter = net.columns.get(sheet, {}).get(col, "")
            for row, value in zip(table["row"], table[col]):
                if value is None or value != value or value == 0:
                    continue
                v = abs(float(value))
                if lo is None or v < lo[0]:
                    lo = (v, f"{sheet}!{letter}{row}")
                if hi is None or v > hi[0]:
                    hi = (v, f"{sheet}!{letter}{row}")
    if lo is None or hi is None or hi[0] / lo[0] <= MAGNITUDE_SPAN:
        return []
    span = math.log10(hi[0] / lo[0])
    sheet, cell = hi[1].split("!")
    return [
        Issue(
            "warning",
            sheet,
            cell,
            f"the workbook's numbers span {span:.0f} orders of magnitude (largest {hi[0]:g} here, smallest "
            f"{lo[0]:g} at {lo[1]}); the solver may lose precision. Express money and quantities in "
            "units that keep them closer (e.g. USD million, thousand tonnes), or lower the penalty",
        )
    ]


def check_candidates_can_produce(net: Network) -> list[Issue]:
    """A candidate with capacity 0 and no expansion modules can never produce."""
    return [
        Issue(
            "warning",
            "Sites",
            net.address("Sites", s, "capacity"),
            f"candidate site '{s}' has capacity 0 and no expansion modules; it can never produce",
        )
        for s in net.candidates
        if net.max_capacity(s) <= 0
    ]


def check_sites_reach_a_market(net: Network, needed: frozenset[str] | None = None) -> list[Issue]:
    """A site with no arc (no lane out of its country for its product to a country that demands or
    consumes it, and no demand or use of its product in its own country) can deliver nowhere: its
    production serves no one and its spare capacity is no reserve for anyone.

    Where no country needs its product at all (no demand, no plant that uses it), no lane would
    help: with periods (``net`` one period's view, ``needed`` the products some pool needs in
    some period) that is demand yet to come, and nothing is said; otherwise the warning says that
    nothing needs the product, without telling the planner to add a lane."""
    reaching = {s for s, _ in net.arcs}
    wanted = {p for p, _ in net.pools}
    out: list[Issue] = []
    for s in net.sites:
        if s in reaching:
            continue
        c, p = net.site_country[s], net.site_product[s]
        if p not in wanted:
            if needed is not None and p in needed:
                continue  # its demand starts in a later period
            out.append(
                Issue(
                    "warning",
                    "Sites",
                    net.address("Sites", s, "site"),
                    f"site '{s}' can reach no market: no country demands {p} or has a plant that uses it; it "
                    f"cannot deliver or hold reserve for anyone (check the Demand rows of {p}, or the site's product)",
                )
            )
            continue
        out.append(
            Issue(
                "warning",
                "Sites",
                net.address("Sites", s, "site"),
                f"site '{s}' can reach no market: there is no demand for {p} in {c} and no lane from {c} "
                f"for {p} to a country that demands it or has a plant that uses it (nor such a plant in {c}); "
                "it cannot deliver or hold reserve for anyone "
                "(add a Lanes row from its country, or check its country and product)",
            )
        )
    return out


def check_demand_reachable(net: Network) -> list[Issue]:
    """Demand that no site with capacity has an arc to will show as unmet."""
    reachable = {(net.site_product[s], m) for s, m in net.arcs if net.max_capacity(s) > 0}
    return [
        Issue(
            "warning",
            "Demand",
            net.address("Demand", (p, m), "demand"),
            f"no site can supply {p} to {m} (no site with capacity and an allowed lane); "
            f"all {d:g} {net.unit.get(p, '')} of demand will show as unmet".replace("  ", " "),
        )
        for (p, m), d in net.demand.items()
        if d > 0 and (p, m) not in reachable
    ]


def _capacity_outside_concern(net: Network, product: str) -> float:
    """The most capacity of ``product`` that could be built outside concern countries (plants:
    a hub's throughput makes nothing)."""
    return sum(
        net.max_capacity(s)
        for s in net.sites
        if net.site_product[s] == product and s not in net.concern_sites and s not in net.hubs
    )


def check_inputs_deliverable(net: Network) -> list[Issue]:
    """A plant whose recipe names an input that nothing can deliver to its country (no site makes
    it, or none has a lane there): the plant cannot produce."""
    delivered = {(net.site_product[s], mk) for s, mk in net.arcs if net.max_capacity(s) > 0}
    out: list[Issue] = []
    for s, inputs in net.inputs_of.items():
        if s in net.hubs:
            continue
        c = net.site_country[s]
        for i, _ in inputs:
            if (i, c) in delivered:
                continue
            makers = [x for x in net.sites if net.site_product[x] == i]
            why = "no site makes it" if not makers else f"no site making it has a lane for {i} into {c}"
            out.append(
                Issue(
                    "warning",
                    "Sites",
                    net.address("Sites", s, "site"),
                    f"plant '{s}' in {c} needs {i} (its recipe on the Recipes sheet), but nothing can deliver "
                    f"{i} to {c}: {why}; the plant cannot produce (add a site or a Lanes row)",
                )
            )
    return out


def check_min_output_reachable(net: Network) -> list[Issue]:
    """A site with a ``min_output`` whose output can reach no pool (no arc leaves it), or one of
    whose recipe's inputs nothing can deliver to its country: it cannot make its minimum, so any
    design in which it operates is infeasible (the solve then explains it, exit 3)."""
    leaving = {s for s, _ in net.arcs}
    delivered = {(net.site_product[s], mk) for s, mk in net.arcs if net.max_capacity(s) > 0}
    out: list[Issue] = []
    available = set(net.sites)  # with periods, S(t): a site not yet (or no longer) available owes nothing
    for s, share in net.min_output.items():
        if s not in available or net.max_capacity(s) <= 0:
            continue
        c = net.site_country[s]
        short = [i for i, _ in net.inputs_of.get(s, []) if s not in net.hubs and (i, c) not in delivered]
        if s not in leaving:
            why = f"its {net.site_product[s]} can reach no market or plant (no demand it may supply, no lane)"
        elif short:
            why = f"nothing can deliver its input {', '.join(short)} to {c}"
        else:
            continue
        out.append(
            Issue(
                "warning",
                "Sites",
                net.address("Sites", s, "min_output"),
                f"site '{s}' must make {share:.0%} of its capacity while it operates (min_output), but {why}; "
                "a design that keeps it operating is infeasible (lower min_output, or add a Lanes or Sites row)",
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
        for (p, mk), q in net.max_stock.items()
        if q > 0 and (p, mk) not in pools
    ]


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
        if pd.notna(r.restock_cost) or k[0] in net.customs_value or net.max_stock.get(k, 0) <= 0 or k not in pools:
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


def check_groups_named(net: Network) -> list[Issue]:
    """A group of the Groups sheet that no site names limits nothing."""
    named = set(net.site_group.values())
    return [
        Issue(
            "warning",
            "Groups",
            net.address("Groups", g, "group"),
            f"no site names group '{g}' (Sites.group); its limits apply to nothing",
        )
        for g in net.groups
        if g not in named
    ]


def check_caps_reachable(net: Network) -> list[Issue]:
    """Σ_m (1 − cap[p, m]) D[p, m] must be made outside concern countries; with recipes, so must
    the inputs of that concern-free part (look-through), tier by tier: need_out[i] =
    Σ_m (1 − cap[i, m]) D[i, m] + Σ_q a_P[q, i] need_out[q]. Warn per product (tier) whose need
    outside concern countries is more than the most capacity that could be built there."""
    final = {
        (p, m): (1 - net.cap_each[(p, m)]) * d for (p, m), d in net.demand.items() if d > 0 and (p, m) in net.cap_each
    }
    need_out = gross_requirement(final, net.recipe, net.products)
    out: list[Issue] = []
    for p in net.products:
        avail = _capacity_outside_concern(net, p)
        need = need_out.get(p, 0.0)
        if need <= avail + 1e-9:
            continue
        own = sum(v for (pp, _), v in final.items() if pp == p)
        if own >= need - 1e-9:
            total = sum(d for (pp, _), d in net.demand.items() if pp == p)
            caps = sorted({net.cap_each[(p, m)] for (pp, m) in net.demand if pp == p})
            what = (
                f"{p}: demand {total:g} under dependency cap(s) {', '.join(f'{c:g}' for c in caps)} needs at "
                f"least {need:g} from outside concern countries"
            )
        else:
            users = sorted({q for (q, i) in net.recipe if i == p})
            what = (
                f"{p}: as an input of {', '.join(users)} (Recipes), the concern-free supply the caps ask for "
                f"needs at least {need:g} {p} made outside concern countries (this tier runs short)"
            )
        out.append(
            Issue(
                "warning",
                "Products",
                net.address("Products", p, "product"),
                f"{what}, but the most that could be built there is {avail:g}; the rest will show as unmet demand",
            )
        )
    return out


def check_direct_caps_through_hubs(net: Network) -> list[Issue]:
    """A `direct` cap counts the country of the site that ships (the contract): product p made in a
    concern country c can reach a hub h of p outside the concern countries, (s, c(h)) in A with
    c(s) in C, and leave it for a capped market m, (h, m) in A; it then counts as c(h)'s, so the
    cap can be met by routing concern supply through the hub. A warning per Caps row and hub,
    naming the row's `basis` cell and the hub's site, pointing to the `lookthrough` basis (which
    counts where a unit was made). One hop is looked at (a hub fed by a concern site)."""
    each = [r for r in net.cap_rows if r.basis == "direct" and r.scope == "each"]
    capped: dict[tuple[int, str], list[str]] = {}  # (Caps row, product) -> markets
    for (p, m), _cap in net.cap_each_direct.items():
        row = most_specific(each, p, m, lambda r: r.product, lambda r: r.market)
        if row is not None:
            capped.setdefault((row.row, p), []).append(m)
    for tc in net.cap_total:
        if tc.basis == "direct" and tc.cap < 1:
            capped.setdefault((tc.row, tc.product), []).extend(tc.markets)
    arcs = set(net.arcs)
    letter = net.columns.get("Caps", {}).get("basis", "")
    out: list[Issue] = []
    for (row, p), markets in capped.items():
        for h in (x for x in net.sites if x in net.hubs):
            hc = net.site_country[h]
            if net.site_product[h] != p or h in net.concern_sites:
                continue
            sources = sorted(
                {
                    net.site_country[s]
                    for s in net.sites
                    if net.site_product[s] == p and s in net.concern_sites and (s, hc) in arcs
                }
            )
            reached = [m for m in dict.fromkeys(markets) if (h, m) in arcs]
            if not sources or not reached:
                continue
            out.append(
                Issue(
                    "warning",
                    "Caps",
                    f"{letter}{row}",
                    f"the cap on {p} in {', '.join(reached)} is on the 'direct' basis, which counts the country "
                    f"of the site that ships: {p} made in {', '.join(sources)} can pass through hub '{h}' "
                    f"({hc}, {net.cell('Sites', h, 'site')}) and count as {hc}'s, so the cap can be met by "
                    "routing concern supply through the hub (Dependency would show a low direct share and a "
                    "high look-through share); set basis to 'lookthrough' to count where it was made",
                )
            )
    return out


def check_reserve_reachable(net: Network) -> list[Issue]:
    """reserve_share[p] R[p] of spare capacity outside concern countries (R: the gross requirement
    of constraint 6) must fit in the most capacity that could be built there."""
    out: list[Issue] = []
    gross = gross_requirement(net.demand, net.recipe, net.products)
    for p in net.products:
        avail = _capacity_outside_concern(net, p)
        r_need = net.reserve_share.get(p, 0.0) * gross[p]
        if r_need > avail + 1e-9:
            out.append(
                Issue(
                    "warning",
                    "Products",
                    net.address("Products", p, "reserve_share"),
                    f"{p}: reserve_share asks for {r_need:g} of spare capacity outside concern "
                    f"countries, but at most {avail:g} can be built there; no design can meet it",
                )
            )
    return out


NETWORK_WARNINGS: tuple[Callable[[Network], list[Issue]], ...] = (
    check_magnitudes,
    check_restock_costs,
    check_candidates_can_produce,
    check_sites_reach_a_market,
    check_demand_reachable,
    check_caps_reachable,
    check_reserve_reachable,
    check_inputs_deliverable,
    check_min_output_reachable,
    check_stockpiles_used,
    check_groups_named,
    check_direct_caps_through_hubs,
)
"""The warning rules, in the order their warnings are listed."""


def cross_sheet_warnings(net: Network, needed: frozenset[str] | None = None) -> list[Issue]:
    """Warnings of the contract's cross-sheet rules (they do not stop a run). With periods, ``net``
    is one period's view and ``needed`` the products some pool needs in some period (for
    ``check_sites_reach_a_market``: a product not needed yet is no missing lane)."""
    return [
        issue
        for rule in NETWORK_WARNINGS
        for issue in (check_sites_reach_a_market(net, needed) if rule is check_sites_reach_a_market else rule(net))
    ]
