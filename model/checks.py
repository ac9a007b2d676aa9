"""The workbook's rules that concern the network as a whole: one small named function per rule.

Two kinds, run by ``model.workbook``:

* rules on the records read from the sheets (``SheetData``), run before the ``Network`` is
  assembled: duplicate keys, unknown names, a penalty for unmet demand; they report errors (the
  run stops) and mark the records they reject;
* rules on the assembled ``Network`` (``NETWORK_WARNINGS``), which report warnings: the run goes
  on, and the planner reads what the numbers will show.

A family's own rules live in the family (``check_records``, ``warnings``: the caps' in
``dependency``, the crises' in ``scenarios``, the recipes', groups', stockpiles', reserve's and
calibration's in theirs); ``cross_sheet_warnings`` adds its warnings after these. Every message
names the sheet and cell, in words a planner can act on. The rules are those of the workbook
contract (``docs/inputs.md``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from model import schema
from model.columns import Record, SheetData, describe, valid
from model.families import FAMILIES
from model.issues import Issue, Issues, did_you_mean
from model.network import Network, Settings

DEFINED_ON = {"country": "Countries", "product": "Products", "site": "Sites", "scenario": "Scenarios"}
"""The sheet that defines each kind of name that other sheets refer to."""


# ------------------------------------------------------------------------------------------
# Rules on the records (errors)
# ------------------------------------------------------------------------------------------


def check_duplicates(sheet: SheetData, issues: Issues) -> None:
    """A sheet's unique key (``schema.Sheet.key``) appears on one row only; later rows are errors.

    A row with a key cell that could not be read (an error already, at that cell) is skipped:
    its key is unknown, so it is no duplicate of anything."""
    key = sheet.spec.key
    if not key:
        return
    what = sheet.spec.row_is
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


# ------------------------------------------------------------------------------------------
# Rules on the assembled network (warnings)
# ------------------------------------------------------------------------------------------

MAGNITUDE_COLUMNS = {
    sheet.name: tuple(c.name for c in sheet.columns if c.magnitude)
    for sheet in schema.SHEETS
    if any(c.magnitude for c in sheet.columns)
}
"""The numbers the model puts in its matrices, by sheet: the columns declared ``magnitude``."""
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


NETWORK_WARNINGS: tuple[Callable[[Network], list[Issue]], ...] = (
    check_magnitudes,
    check_candidates_can_produce,
    check_sites_reach_a_market,
    check_demand_reachable,
)
"""The warning rules of the network as a whole, in the order their warnings are listed; each
family's own (``warnings``) follow, in the order of ``FAMILIES``."""


def cross_sheet_warnings(net: Network, needed: frozenset[str] | None = None) -> list[Issue]:
    """Warnings of the contract's cross-sheet rules (they do not stop a run). With periods, ``net``
    is one period's view and ``needed`` the products some pool needs in some period (for
    ``check_sites_reach_a_market``: a product not needed yet is no missing lane)."""
    core = [
        issue
        for rule in NETWORK_WARNINGS
        for issue in (check_sites_reach_a_market(net, needed) if rule is check_sites_reach_a_market else rule(net))
    ]
    return core + [issue for family in FAMILIES if hasattr(family, "warnings") for issue in family.warnings(net)]
