"""Compare two results workbooks side by side ("what changed since last week's plan?").

Two plans over periods are compared period by period: the cost over the horizon and each period's
yearly cost, and each period's design, flows, shares, stocks and scenarios (every difference names
its periods). A plan over periods against one without is compared by its last period
(``last_period``), and the console says so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import load_workbook

from model.families.dependency import concern_caps
from model.issues import Issue, WorkbookError
from model.report import column_format
from model.xlsx import CHANGED_FILL, Book, CellStyle, save_atomically

TOL = 1e-6


def read_results(path: Path) -> dict[str, pd.DataFrame]:
    """A results workbook of this tool as the comparison reads it (``horizon_totals``)."""
    try:
        sheets = pd.read_excel(path, sheet_name=None, engine="openpyxl")
    except Exception as exc:
        raise WorkbookError([Issue("error", path.name, "", f"cannot be read as a results workbook ({exc})")]) from None
    for needed in ("Summary", "Costs", "Sites", "Dependency"):
        if needed not in sheets:
            raise WorkbookError(
                [Issue("error", path.name, "", f"is not a results workbook of this tool (no '{needed}' sheet)")]
            )
    sheets["Summary"] = _summary_as_written(path, sheets["Summary"])
    return horizon_totals({name: with_booleans(table) for name, table in sheets.items()})


def _summary_as_written(path: Path, summary: pd.DataFrame) -> pd.DataFrame:
    """The Summary's ``value`` column with each cell's own type, read by openpyxl: a column of
    mixed values (numbers, text, TRUE/FALSE) comes back from pandas' reader with its booleans as
    0/1 on some releases (pandas 2.2), which would show a HiGHS switch as a number."""
    if "value" not in summary.columns:
        return summary
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = list(book["Summary"].iter_rows(values_only=True))
    finally:
        book.close()
    header = list(rows[0]) if rows else []
    if "value" not in header or len(rows) - 1 != len(summary):
        return summary
    j = header.index("value")
    out = summary.copy()
    out["value"] = pd.Series([r[j] if j < len(r) else None for r in rows[1:]], index=summary.index, dtype=object)
    return out


BOOLEAN_COLUMNS = frozenset(
    {
        "built",
        "available",
        "concern",
        "at_cap",
        "binding",
        "starved",
        "drawn_for_shortfall",
        "met_by_unserved_demand",
        "equally_cheap",
        "changed",
        "flag",
    }
)
"""Columns of the results sheets that hold TRUE/FALSE. A workbook saved again by LibreOffice
holds them as 1/0: read back, they are booleans again, so that both runs show them alike."""
_TRUE_WORDS, _FALSE_WORDS = {"true", "yes"}, {"false", "no"}


def as_boolean(v: Any) -> Any:
    """``v`` as True or False where it is a boolean written another way (1/0, 1.0/0.0, TRUE/FALSE
    or yes/no text); anything else (a blank, another number, text) as it is."""
    if v is None or isinstance(v, bool):
        return v
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        v = v.item()  # numpy scalar
        if isinstance(v, bool):
            return v
    if isinstance(v, (int, float)) and v in (0, 1):
        return bool(v)
    if isinstance(v, str) and v.strip().casefold() in _TRUE_WORDS | _FALSE_WORDS:
        return v.strip().casefold() in _TRUE_WORDS
    return v


def _is_boolean_like(values: pd.Series) -> bool:
    """Every non-blank value is a boolean, written as one or as 1/0 or TRUE/FALSE."""
    present = [v for v in values if not (v is None or (isinstance(v, float) and pd.isna(v)))]
    return bool(present) and all(isinstance(as_boolean(v), bool) for v in present)


def with_booleans(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with its ``BOOLEAN_COLUMNS`` as booleans where every value reads as one (blanks
    stay blank)."""
    fix = [c for c in table.columns if c in BOOLEAN_COLUMNS and _is_boolean_like(table[c])]
    if not fix:
        return table
    table = table.copy()
    for c in fix:
        converted = [as_boolean(v) for v in table[c]]
        if all(isinstance(v, bool) for v in converted):
            table[c] = pd.Series(converted, index=table.index, dtype=bool)
        else:
            table[c] = pd.Series(converted, index=table.index, dtype=object)
    return table


def _same_kind(a: Any, b: Any) -> tuple[Any, Any]:
    """A pair of values shown alike: where one is a boolean and the other a boolean written as
    1/0 or TRUE/FALSE (a Summary value of a workbook saved by LibreOffice), both as booleans."""
    if isinstance(a, bool) or isinstance(b, bool):
        x, y = as_boolean(a), as_boolean(b)
        if isinstance(x, bool) and isinstance(y, bool):
            return x, y
    return a, b


def horizon_totals(sheets: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """A results workbook as the comparison reads it: without periods, unchanged; with them,
    Costs as each component's total over the horizon, a ``YearlyCost`` table (``period``,
    ``yearly_cost``: the sum of that period's Costs ``yearly_value``), and every other sheet with
    its ``period`` column (each period compared with the same period of the other run)."""
    costs = sheets["Costs"]
    if "period" not in costs.columns:
        return sheets
    out = dict(sheets)
    out["Costs"] = costs[costs["period"].astype(str) == "total"][["component", "value"]].reset_index(drop=True)
    per = costs[costs["period"].astype(str) != "total"]
    yearly = per.groupby("period", sort=False)["yearly_value"].sum()
    out["YearlyCost"] = pd.DataFrame({"period": list(yearly.index), "yearly_cost": list(yearly.values)})
    return out


def _has_periods(sheets: dict[str, pd.DataFrame]) -> bool:
    return "YearlyCost" in sheets


def last_period(sheets: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """A plan over periods (as ``horizon_totals`` reads it) cut to its last period (the design
    the build-out reaches), for a comparison with a run without periods: every sheet with a
    ``period`` column as its rows of the last period, without that column; Costs stay the totals
    over the horizon. Without periods, unchanged."""
    if not _has_periods(sheets):
        return sheets
    out = {k: v for k, v in sheets.items() if k != "YearlyCost"}
    last = max(sheets["YearlyCost"]["period"])
    for name, table in sheets.items():
        if name not in ("Costs", "YearlyCost") and "period" in table.columns:
            out[name] = table[table["period"] == last].drop(columns="period").reset_index(drop=True)
    return out


def _differs(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        if pd.isna(a) or pd.isna(b):
            return bool(pd.isna(a)) != bool(pd.isna(b))  # a row in one run only differs
        return abs(float(a) - float(b)) > TOL * max(1.0, abs(float(a)), abs(float(b)))
    if pd.isna(a) and pd.isna(b):
        return False
    return a != b


SITE_KEYS = ["site", "country", "product", "status"]
SITE_COLUMNS = ["built", "modules_added", "capacity", "production", "reserve"]


def compare_tables(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Side-by-side tables: each keeps A and B columns and a ``changed`` flag per row.

    Flows (per site and market) and Dependency flag ``equally_cheap`` where a quantity or share
    moved but supplying that market took the same quantity at the same delivered cost in both
    runs: two equally cheap routings (a tie the solver broke either way), not a change of plan.

    Sites are matched by name: a site in one run only is ``only in A`` (removed) or ``only in B``
    (new) in ``present``. Unmet compares baseline unmet demand per (product, market) (0 where a run
    has none). Dependency flags ``equally_cheap`` where the concern share moved but supplying that
    market cost the same in both runs (the Flows sheets): two equally cheap routings, a tie.

    Two plans over periods are matched period by period (``period`` is part of every key, and
    ``CostPerPeriod`` sets their yearly costs side by side). Dependency compares, per pool, the
    row that carries its cap (the capped basis where a pool has a row per basis, ``cap_rows``),
    with the basis as a compared column: a cap moved from one basis to the other is a change of
    basis, not of the cap. A plan over periods against one without: its last period."""
    out: dict[str, pd.DataFrame] = {}
    if _has_periods(a) and _has_periods(b):
        pk = ["period"]
        yearly = a["YearlyCost"].merge(b["YearlyCost"], on="period", how="outer", suffixes=("_A", "_B"))
        out["CostPerPeriod"] = yearly
    else:
        pk = []
        a, b = last_period(a), last_period(b)
    out["Summary"] = _summary(a["Summary"], b["Summary"])
    ca = a["Costs"].set_index("component")["value"]
    cb = b["Costs"].set_index("component")["value"]
    comps = list(dict.fromkeys([*ca.index, *cb.index]))
    costs = pd.DataFrame(
        {"component": comps, "A": [ca.get(c, 0.0) for c in comps], "B": [cb.get(c, 0.0) for c in comps]}
    )
    costs.loc[len(costs)] = ["total", costs["A"].sum(), costs["B"].sum()]
    costs["difference"] = costs["B"] - costs["A"]
    out["Costs"] = costs
    out["Sites"] = _sites(a["Sites"], b["Sites"], pk)
    out["Unmet"] = _unmet(a.get("Unmet"), b.get("Unmet"), pk)
    # the normal year's caps on concern supply (a crisis's, and single-country caps, whose `of` is
    # the country each run found highest, are not compared)
    da, db = cap_rows(concern_caps(a["Dependency"])), cap_rows(concern_caps(b["Dependency"]))
    dkeys = [*pk, "product", "market", *(["scope"] if "scope" in da and "scope" in db else [])]
    # version 2: the basis of the cap and the shares on either basis, where both runs give them
    extra = [c for c in ("basis", "concern_share_direct", "concern_share_lookthrough") if c in da and c in db]
    dcols = ["concern_share", "cap", *extra, "binding", "marginal_cost_per_point"]
    dep = da[[*dkeys, *dcols]].merge(db[[*dkeys, *dcols]], on=dkeys, how="outer", suffixes=("_A", "_B"))
    cost_a, cost_b = _supply_costs(a.get("Flows")), _supply_costs(b.get("Flows"))
    dep["equally_cheap"] = [
        _differs(r.concern_share_A, r.concern_share_B) and _same_supply_cost(r.product, r.market, cost_a, cost_b)
        for r in dep.itertuples()
    ]
    out["Dependency"] = dep
    if "Flows" in a and "Flows" in b:
        flows = _merge_on(a["Flows"], b["Flows"], [*pk, "site", "product", "market"], ["quantity"])
        flows["equally_cheap"] = [
            _differs(r.quantity_A, r.quantity_B) and _same_supply_cost(r.product, r.market, cost_a, cost_b)
            for r in flows.itertuples()
        ]
        out["Flows"] = flows
    if "Stockpiles" in a or "Stockpiles" in b:
        out["Stockpiles"] = _merge_on(a.get("Stockpiles"), b.get("Stockpiles"), [*pk, "product", "market"], ["stock"])
    if "ScenarioSummary" in a or "ScenarioSummary" in b:
        out["Scenarios"] = _scenarios(a.get("ScenarioSummary"), b.get("ScenarioSummary"), pk)
    for df in out.values():
        pairs = _pairs(df)
        df["changed"] = [
            any(_differs(row[x], row[y]) for x, y in pairs) or row.get("present", "both") != "both"
            for _, row in df.iterrows()
        ]
    return out


def _union(first: list[Any], second: list[Any]) -> list[Any]:
    """Every item of both lists once: ``first`` in its order, each item only in ``second`` placed
    after the item it follows there (a metric new in B beside its neighbours)."""
    out = list(dict.fromkeys(first))
    seen = set(out)
    after = None
    for item in second:
        if item not in seen:
            at = out.index(after) + 1 if after in seen else len(out) if after is not None else 0
            out.insert(at, item)
            seen.add(item)
        after = item
    return out


def _presence(in_a: bool, in_b: bool) -> str:
    return "both" if in_a and in_b else "only in A" if in_a else "only in B"


def _summary(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """The Summary side by side, every metric of either run (``present``: both, only in A, only in
    B: a new scenario's rows, a setting one run lacks), setting rows (``setting.``) first: a moved
    cap is the first thing to know. Seconds are left out (they always differ)."""
    sa = a.drop_duplicates("metric").set_index("metric")["value"]
    sb = b.drop_duplicates("metric").set_index("metric")["value"]
    metrics = [m for m in _union(list(sa.index), list(sb.index)) if not str(m).startswith("seconds.")]
    metrics = [m for m in metrics if str(m).startswith("setting.")] + [
        m for m in metrics if not str(m).startswith("setting.")
    ]
    pairs = [_same_kind(sa.get(m), sb.get(m)) for m in metrics]
    return pd.DataFrame(
        {
            "metric": metrics,
            "present": [_presence(m in sa.index, m in sb.index) for m in metrics],
            "A": pd.Series([x for x, _ in pairs], dtype=object),
            "B": pd.Series([y for _, y in pairs], dtype=object),
        }
    )


SCENARIO_COLUMNS = ["served_share", "worst_served_share", "stock_drawn", "unmet"]


def _scenarios(a: pd.DataFrame | None, b: pd.DataFrame | None, pk: list[str]) -> pd.DataFrame:
    """ScenarioSummary side by side per (period,) scenario and product, rows of either run kept
    (``present``: a scenario new in B, or one B dropped, has its other side blank)."""
    keys = [*pk, "scenario", "product"]
    empty = pd.DataFrame(columns=[*keys, *SCENARIO_COLUMNS])
    a = empty if a is None else a[[*keys, *SCENARIO_COLUMNS]]
    b = empty if b is None else b[[*keys, *SCENARIO_COLUMNS]]
    merged = a.merge(b, on=keys, how="outer", suffixes=("_A", "_B"), indicator=True, sort=False)
    merged.insert(len(keys), "present", merged.pop("_merge").map(_MERGED).astype(str))
    listed = _union(
        [tuple(k) for k in a[keys].itertuples(index=False)], [tuple(k) for k in b[keys].itertuples(index=False)]
    )
    rank = {k: i for i, k in enumerate(listed)}  # the runs' own order (a merge sorts the keys)
    order = sorted(range(len(merged)), key=lambda i: rank[tuple(merged.loc[i, keys])])
    return merged.iloc[order].reset_index(drop=True)


_MERGED = {"both": "both", "left_only": "only in A", "right_only": "only in B"}


def cap_rows(dep: pd.DataFrame) -> pd.DataFrame:
    """The Dependency row of each pool (period, product, market, scope) that carries its cap: a
    pool capped on the basis other than the default has a row per basis (the default's with cap
    1, the capped one's with its cap); the lowest cap is kept (the first row on a tie)."""
    keys = [c for c in ("period", "product", "market", "scope") if c in dep.columns]
    if "basis" not in dep.columns or not dep.duplicated(keys).any():
        return dep
    order = dep.assign(_row=range(len(dep))).sort_values(["cap", "_row"], kind="stable")
    return order.drop_duplicates(keys).sort_values("_row").drop(columns="_row").reset_index(drop=True)


def _sites(a: pd.DataFrame, b: pd.DataFrame, pk: list[str] | None = None) -> pd.DataFrame:
    """Sites side by side by name (and period: ``pk``), with ``present``: both, only in A, only in B."""
    pk = pk or []
    a = a[pk + SITE_KEYS + SITE_COLUMNS]
    b = b[pk + SITE_KEYS + SITE_COLUMNS]
    sites = a.merge(b, on=[*pk, "site"], how="outer", suffixes=("_A", "_B"), indicator=True)
    for k in SITE_KEYS[1:]:
        sites[k] = sites[f"{k}_A"].where(sites[f"{k}_A"].notna(), sites[f"{k}_B"])
    sites["present"] = sites["_merge"].map({"both": "both", "left_only": "only in A", "right_only": "only in B"})
    cols = [*pk, "site", "country", "product", "status", "present"]
    cols += [f"{c}_{x}" for c in SITE_COLUMNS for x in "AB"]
    names = list(dict.fromkeys([*a["site"], *b["site"]]))
    order = {s: i for i, s in enumerate(names)}
    sites = sites[cols].sort_values([*pk, "site"], key=lambda col: col.map(order) if col.name == "site" else col)
    sites = sites.reset_index(drop=True)
    sites["present"] = sites["present"].astype(str)
    return sites


def _merge_on(a: pd.DataFrame | None, b: pd.DataFrame | None, keys: list[str], values: list[str]) -> pd.DataFrame:
    """``values`` of A and B by ``keys``, 0 where a run has no row."""
    empty = pd.DataFrame(columns=keys + values)
    a = empty if a is None else a[keys + values]
    b = empty if b is None else b[keys + values]
    merged = a.merge(b, on=keys, how="outer", suffixes=("_A", "_B"))
    for v in values:
        for x in "AB":
            merged[f"{v}_{x}"] = pd.to_numeric(merged[f"{v}_{x}"], errors="coerce").fillna(0.0)
    return merged.reset_index(drop=True)


def _unmet(a: pd.DataFrame | None, b: pd.DataFrame | None, pk: list[str] | None = None) -> pd.DataFrame:
    keys = [*(pk or []), "product", "market"]
    unmet = _merge_on(a, b, keys, ["unmet"])
    demand = {}
    for df in (a, b):
        if df is not None and "demand" in df.columns:
            demand.update({tuple(r[k] for k in keys): r["demand"] for _, r in df.iterrows()})
    unmet.insert(len(keys), "demand", [demand.get(tuple(r[k] for k in keys)) for _, r in unmet.iterrows()])
    return unmet


def _supply_costs(flows: pd.DataFrame | None) -> dict[tuple[str, str], tuple[float, float]] | None:
    """(product, market) -> (quantity supplied, its delivered cost), from a Flows sheet."""
    if flows is None or not {"product", "market", "quantity", "total_cost"} <= set(flows.columns):
        return None
    g = flows.groupby(["product", "market"])[["quantity", "total_cost"]].sum()
    return {k: (float(v["quantity"]), float(v["total_cost"])) for k, v in g.iterrows()}


def _same_supply_cost(product: str, market: str, a: dict | None, b: dict | None) -> bool:
    """Supplying ``market`` (a `total` cap's markets: all of them) with ``product`` took the same
    quantity at the same delivered cost in both runs."""
    if a is None or b is None:
        return False
    markets = str(market).split(", ")
    qa = sum(a.get((product, m), (0.0, 0.0))[0] for m in markets)
    qb = sum(b.get((product, m), (0.0, 0.0))[0] for m in markets)
    ka = sum(a.get((product, m), (0.0, 0.0))[1] for m in markets)
    kb = sum(b.get((product, m), (0.0, 0.0))[1] for m in markets)
    return not _differs(qa, qb) and not _differs(ka, kb)


def _pairs(df: pd.DataFrame) -> list[tuple[str, str]]:
    if "A" in df.columns:
        return [("A", "B")]
    return [(c, c[:-2] + "_B") for c in df.columns if c.endswith("_A") and c[:-2] + "_B" in df.columns]


def _num(v: Any) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (int, float)):
        return f"{v:,.0f}" if abs(v) >= 100 or float(v).is_integer() else f"{v:,.3g}"
    return str(v)


def _pct(v: Any, digits: int = 1) -> str:
    return "-" if v is None or (isinstance(v, float) and pd.isna(v)) else f"{v:.{digits}%}"


def _one_side_uncapped_and_clean(r: Any) -> bool:
    """A pool in one run only, with no concern supply and no cap there: nothing to report."""
    for x, y in (("A", "B"), ("B", "A")):
        if pd.isna(getattr(r, f"concern_share_{x}")) and not pd.isna(getattr(r, f"concern_share_{y}")):
            return getattr(r, f"concern_share_{y}") <= TOL and getattr(r, f"cap_{y}") >= 1 - TOL
    return False


def _in_periods(lines: list[tuple[str, Any]], periods: list[Any]) -> list[str]:
    """Lines (text, period) with the same text said once, with the periods they hold in:
    ``(in 2025)``, ``(in 2027, 2030)``, ``(in every period)``; a line without a period as is."""
    by_text: dict[str, list[Any]] = {}
    for text, period in lines:
        by_text.setdefault(text, []).append(period)
    out = []
    for text, ps in by_text.items():
        ps = [p for p in dict.fromkeys(ps) if p is not None and p == p]
        if not ps:
            out.append(text)
        elif len(periods) > 1 and len(ps) == len(periods):
            out.append(f"{text} (in every period)")
        else:
            out.append(f"{text} (in {', '.join(str(p) for p in ps)})")
    return out


def differences(tables: dict[str, pd.DataFrame]) -> list[str]:
    """The differences in words, for the console: the settings that moved first (a cap from 1
    to 0.8 is the first thing a planner wants to know), then costs, then the design (sites new
    or removed, built or closed, modules, capacity, reserve, production), unmet demand, stocks,
    scenario service (a scenario in one run only named as such), and concern shares and caps
    (and their basis) where they are not ties; equally cheap routings are counted, not listed,
    and two runs that differ only by them are said to. Two plans over periods: the cost over
    the horizon, each period's yearly cost, and every other difference with the periods it
    holds in."""
    lines: list[str] = _setting_lines(tables.get("Summary"))
    costs = tables["Costs"]
    per_period = tables.get("CostPerPeriod")
    total = costs[costs["component"] == "total"].iloc[0]
    what = "total cost over the horizon" if per_period is not None else "total yearly cost"
    if _differs(total["A"], total["B"]):
        pct = (total["B"] - total["A"]) / total["A"] if total["A"] else float("nan")
        lines.append(f"{what} {total['A']:,.2f} -> {total['B']:,.2f} ({pct:+.2%})")
        for r in costs[costs["component"] != "total"].itertuples():
            if _differs(r.A, r.B):
                lines.append(f"  {r.component}: {r.A:,.2f} -> {r.B:,.2f} ({r.B - r.A:+,.2f})")
    periods: list[Any] = []
    if per_period is not None:
        periods = list(per_period["period"])
        for r in per_period.itertuples():
            if _differs(r.yearly_cost_A, r.yearly_cost_B):
                lines.append(f"  yearly cost in {r.period}: {_num(r.yearly_cost_A)} -> {_num(r.yearly_cost_B)}")
    found: list[tuple[str, Any]] = []  # (text, period)

    def period_of(r: Any) -> Any:
        return getattr(r, "period", None)

    found += _design_lines(tables["Sites"])
    unmet = tables.get("Unmet")
    if unmet is not None:
        for r in unmet.itertuples():
            if _differs(r.unmet_A, r.unmet_B):
                word = "new unmet demand" if r.unmet_A <= TOL and r.unmet_B > TOL else "unmet demand"
                of = f" of {_num(r.demand)}" if r.demand is not None and r.demand == r.demand else ""
                text = f"{r.product} in {r.market}: {word} {_num(r.unmet_A)} -> {_num(r.unmet_B)}{of}"
                found.append((text, period_of(r)))
    stock = tables.get("Stockpiles")
    if stock is not None:
        for r in stock.itertuples():
            if _differs(r.stock_A, r.stock_B):
                found.append((f"{r.product} stock in {r.market}: {_num(r.stock_A)} -> {_num(r.stock_B)}", period_of(r)))
    if "Scenarios" in tables:
        found += _scenario_lines(tables["Scenarios"])
    ties: list[tuple[str, Any]] = []
    cap_only: list[tuple[str, Any]] = []
    dep = tables["Dependency"]
    for r in dep.itertuples():
        where = f"{r.product} in {r.market}"
        basis_a, basis_b = getattr(r, "basis_A", None), getattr(r, "basis_B", None)
        rebased = "basis_A" in dep.columns and _differs(basis_a, basis_b) and not (pd.isna(basis_a) or pd.isna(basis_b))
        if rebased:
            shares = ""
            if "concern_share_direct_A" in dep.columns:
                shares = (
                    f"; concern share direct {_pct(r.concern_share_direct_A)} -> {_pct(r.concern_share_direct_B)}, "
                    f"look-through {_pct(r.concern_share_lookthrough_A)} -> {_pct(r.concern_share_lookthrough_B)}"
                )
            cap = f"cap {_pct(r.cap_A, 0)}" + (f" -> {_pct(r.cap_B, 0)}" if _differs(r.cap_A, r.cap_B) else "")
            found.append((f"{where}: {cap} on the {basis_b} basis (was {basis_a}){shares}", period_of(r)))
            continue
        if not (_differs(r.concern_share_A, r.concern_share_B) or _differs(r.cap_A, r.cap_B)):
            continue
        if _one_side_uncapped_and_clean(r):
            continue
        if not _differs(r.concern_share_A, r.concern_share_B):
            cap_only.append(
                (f"cap {_pct(r.cap_A, 0)} -> {_pct(r.cap_B, 0)}, concern share unchanged: {where}", period_of(r))
            )
            continue
        if r.equally_cheap and not _differs(r.cap_A, r.cap_B):
            ties.append((where, period_of(r)))
            continue
        found.append(
            (
                f"{where}: concern share {_pct(r.concern_share_A)} (cap {_pct(r.cap_A, 0)}) -> "
                f"{_pct(r.concern_share_B)} (cap {_pct(r.cap_B, 0)})",
                period_of(r),
            )
        )
    lines += _in_periods(found + cap_only, periods)
    tie_names = _in_periods(ties, periods)
    if tie_names:
        if not lines:
            lines.append(
                "The two runs differ only by equally cheap routings: the same design and costs; the concern "
                f"share moved, at the same cost of supply, in {', '.join(tie_names)}."
            )
        else:
            lines.append(
                f"{len(tie_names)} concern share{'s' if len(tie_names) != 1 else ''} moved by an equally cheap routing "
                f"(the same cost of supplying that market in both runs; not a change of plan): {', '.join(tie_names)}"
            )
    return lines


def _shown(v: Any) -> str:
    """A Summary value for the console: TRUE/FALSE for a boolean (as in the workbooks), a number
    as typed (0.8, 120), text as it is, "-" for a blank."""
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return "-"
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, float)):
        return f"{v:g}"
    return str(v)


def _setting_lines(summary: pd.DataFrame | None) -> list[str]:
    """The settings that differ (the Summary's ``setting.`` rows), one line each, for the top of
    the differences: ``setting dependency_cap: 1 -> 0.8``; a setting one run lacks says so."""
    if summary is None or "present" not in summary.columns:
        return []
    lines = []
    for r in summary.itertuples():
        metric = str(r.metric)
        if not metric.startswith("setting."):
            continue
        name = metric.removeprefix("setting.")
        if r.present == "only in A":
            lines.append(f"setting {name}: {_shown(r.A)} in A, not given in B")
        elif r.present == "only in B":
            lines.append(f"setting {name}: not given in A, {_shown(r.B)} in B")
        elif _differs(r.A, r.B):
            lines.append(f"setting {name}: {_shown(r.A)} -> {_shown(r.B)}")
    return lines


def _scenario_lines(scenarios: pd.DataFrame) -> list[tuple[str, Any]]:
    """(text, period) for the scenarios: one line per scenario in one run only, with the share of
    demand it serves per product (``Port strike: a scenario only in B; served NdFeB magnets
    100.0%, ...``), and one per product whose served share moved."""
    out: list[tuple[str, Any]] = []
    present = scenarios["present"] if "present" in scenarios.columns else pd.Series("both", index=scenarios.index)
    one_side = scenarios[present != "both"]
    keys = ["period", "scenario"] if "period" in scenarios.columns else ["scenario"]
    for key, group in one_side.groupby(keys, sort=False):
        period = key[0] if len(keys) == 2 else None
        scenario = key[-1] if isinstance(key, tuple) else key
        side = "B" if group["present"].iloc[0] == "only in B" else "A"
        served = ", ".join(f"{r.product} {_pct(getattr(r, f'served_share_{side}'))}" for r in group.itertuples())
        which = "a new scenario, only in B" if side == "B" else "a scenario only in A (dropped in B)"
        out.append((f"{scenario}: {which}; served {served}", period))
    for r in scenarios[present == "both"].itertuples():
        if _differs(r.served_share_A, r.served_share_B):
            text = f"{r.scenario}, {r.product}: served {_pct(r.served_share_A)} -> {_pct(r.served_share_B)}"
            out.append((text, getattr(r, "period", None)))
    return out


def _built(v: Any) -> str:
    return "built" if v else "not built"


def _design_lines(sites: pd.DataFrame) -> list[tuple[str, Any]]:
    """Sites new or removed, built or closed, and their modules, capacity, reserve, production:
    (text, period: None without periods)."""
    lines: list[tuple[str, Any]] = []
    for r in sites.itertuples():
        period = getattr(r, "period", None)
        if r.present == "only in B":
            lines.append(
                (
                    f"{r.site}: new site in B ({r.status}, {'built' if r.built_B else 'not built'}, "
                    f"capacity {_num(r.capacity_B)}, production {_num(r.production_B)})",
                    period,
                )
            )
            continue
        if r.present == "only in A":
            lines.append(
                (
                    f"{r.site}: removed in B (in A: {'built' if r.built_A else 'not built'}, "
                    f"capacity {_num(r.capacity_A)}, production {_num(r.production_A)})",
                    period,
                )
            )
            continue
        words = []
        if _differs(r.built_A, r.built_B):
            words.append(f"{_built(r.built_B)} in B ({_built(r.built_A)} in A)")
        for col, label in (
            ("modules_added", "modules"),
            ("capacity", "capacity"),
            ("reserve", "reserve"),
            ("production", "production"),
        ):
            x, y = getattr(r, f"{col}_A"), getattr(r, f"{col}_B")
            if _differs(x, y):
                words.append(f"{label} {_num(x)} -> {_num(y)}")
        if words:
            lines.append((f"{r.site}: " + "; ".join(words), period))
    return lines


def write_comparison(a_path: Path, b_path: Path, out: Path) -> tuple[Path, list[str]]:
    """Write the comparison workbook (changed cells highlighted); return its path and the differences."""
    tables = compare_tables(read_results(Path(a_path)), read_results(Path(b_path)))

    def fill(book: Book) -> None:
        readme = book.wb.add_worksheet("Compare")
        readme.write_row(0, 0, ["A", str(Path(a_path).resolve())])
        readme.write_row(1, 0, ["B", str(Path(b_path).resolve())])
        readme.write_row(2, 0, ["", "Rows that differ are marked changed = TRUE; the differing cells are highlighted."])
        readme.set_column(1, 1, 90)
        for name, df in tables.items():
            book.table(name, df, _changed_cells(name, df), column_format(name))

    return save_atomically(fill, Path(out)), differences(tables)


def _changed_cells(name: str, df: pd.DataFrame) -> CellStyle:
    """The A/B cells that differ (and a Costs difference that is not 0), filled in yellow."""
    marked: set[tuple[int, str]] = set()
    pairs = _pairs(df)
    for i, (_, row) in enumerate(df.iterrows()):
        for x, y in pairs:
            if _differs(row[x], row[y]):
                marked.update({(i, x), (i, y)})
        if name == "Costs" and _differs(row["A"], row["B"]):
            marked.add((i, "difference"))
    return lambda i, col: (None, CHANGED_FILL) if (i, col) in marked else None
