"""Compare two results workbooks side by side ("what changed since last week's plan?").

A plan over periods is compared by its cost over the horizon and the design of its last period
(``last_period``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from model.issues import Issue, WorkbookError
from model.report import CHANGED_FILL, Book, CellStyle, save_atomically

TOL = 1e-6


def _read(path: Path) -> dict[str, pd.DataFrame]:
    try:
        sheets = pd.read_excel(path, sheet_name=None, engine="openpyxl")
    except Exception as exc:
        raise WorkbookError([Issue("error", path.name, "", f"cannot be read as a results workbook ({exc})")]) from None
    for needed in ("Summary", "Costs", "Sites", "Dependency"):
        if needed not in sheets:
            raise WorkbookError(
                [Issue("error", path.name, "", f"is not a results workbook of this tool (no '{needed}' sheet)")]
            )
    return last_period(sheets)


def last_period(sheets: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """A results workbook of a plan over periods as the comparison reads it: Costs as each
    component's total over the horizon, and every other sheet with a ``period`` column as its
    rows of the last period (the design the build-out reaches). Without periods, unchanged."""
    costs = sheets["Costs"]
    if "period" not in costs.columns:
        return sheets
    out = dict(sheets)
    out["Costs"] = costs[costs["period"].astype(str) == "total"][["component", "value"]].reset_index(drop=True)
    periods = [p for p in costs["period"] if str(p) != "total"]
    last = max(periods) if periods else None
    for name, table in sheets.items():
        if name != "Costs" and "period" in table.columns:
            out[name] = table[table["period"] == last].drop(columns="period").reset_index(drop=True)
    return out


def _differs(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        if pd.isna(a) and pd.isna(b):
            return False
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
    market cost the same in both runs (the Flows sheets): two equally cheap routings, a tie."""
    out: dict[str, pd.DataFrame] = {}
    sa = a["Summary"].set_index("metric")["value"]
    sb = b["Summary"].set_index("metric")["value"]
    metrics = [m for m in sa.index if m in sb.index and not str(m).startswith("seconds.")]
    out["Summary"] = pd.DataFrame({"metric": metrics, "A": [sa[m] for m in metrics], "B": [sb[m] for m in metrics]})
    ca = a["Costs"].set_index("component")["value"]
    cb = b["Costs"].set_index("component")["value"]
    comps = list(dict.fromkeys([*ca.index, *cb.index]))
    costs = pd.DataFrame(
        {"component": comps, "A": [ca.get(c, 0.0) for c in comps], "B": [cb.get(c, 0.0) for c in comps]}
    )
    costs.loc[len(costs)] = ["total", costs["A"].sum(), costs["B"].sum()]
    costs["difference"] = costs["B"] - costs["A"]
    out["Costs"] = costs
    out["Sites"] = _sites(a["Sites"], b["Sites"])
    out["Unmet"] = _unmet(a.get("Unmet"), b.get("Unmet"))
    dcols = ["concern_share", "cap", "binding", "marginal_cost_per_point"]
    # version 2: a pool may have a row per cap basis (results of version 1 have no basis column)
    dkeys = ["product", "market", *(["basis"] if "basis" in a["Dependency"] and "basis" in b["Dependency"] else [])]
    dep = a["Dependency"][[*dkeys, *dcols]].merge(
        b["Dependency"][[*dkeys, *dcols]], on=dkeys, how="outer", suffixes=("_A", "_B")
    )
    cost_a, cost_b = _supply_costs(a.get("Flows")), _supply_costs(b.get("Flows"))
    dep["equally_cheap"] = [
        _differs(r.concern_share_A, r.concern_share_B) and _same_supply_cost(r.product, r.market, cost_a, cost_b)
        for r in dep.itertuples()
    ]
    out["Dependency"] = dep
    if "Flows" in a and "Flows" in b:
        flows = _merge_on(a["Flows"], b["Flows"], ["site", "product", "market"], ["quantity"])
        flows["equally_cheap"] = [
            _differs(r.quantity_A, r.quantity_B) and _same_supply_cost(r.product, r.market, cost_a, cost_b)
            for r in flows.itertuples()
        ]
        out["Flows"] = flows
    if "Stockpiles" in a or "Stockpiles" in b:
        out["Stockpiles"] = _merge_on(a.get("Stockpiles"), b.get("Stockpiles"), ["product", "market"], ["stock"])
    if "ScenarioSummary" in a and "ScenarioSummary" in b:
        scols = ["served_share", "worst_served_share", "stock_drawn", "unmet"]
        out["Scenarios"] = a["ScenarioSummary"][["scenario", "product", *scols]].merge(
            b["ScenarioSummary"][["scenario", "product", *scols]],
            on=["scenario", "product"],
            how="outer",
            suffixes=("_A", "_B"),
        )
    for df in out.values():
        pairs = _pairs(df)
        df["changed"] = [
            any(_differs(row[x], row[y]) for x, y in pairs) or row.get("present", "both") != "both"
            for _, row in df.iterrows()
        ]
    return out


def _sites(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Sites side by side by name, with ``present``: both, only in A, only in B."""
    a = a[SITE_KEYS + SITE_COLUMNS]
    b = b[SITE_KEYS + SITE_COLUMNS]
    sites = a.merge(b, on="site", how="outer", suffixes=("_A", "_B"), indicator=True)
    for k in SITE_KEYS[1:]:
        sites[k] = sites[f"{k}_A"].where(sites[f"{k}_A"].notna(), sites[f"{k}_B"])
    sites["present"] = sites["_merge"].map({"both": "both", "left_only": "only in A", "right_only": "only in B"})
    cols = ["site", "country", "product", "status", "present"] + [f"{c}_{x}" for c in SITE_COLUMNS for x in "AB"]
    order = {s: i for i, s in enumerate(list(a["site"]) + [s for s in b["site"] if s not in set(a["site"])])}
    sites = sites[cols].sort_values("site", key=lambda col: col.map(order)).reset_index(drop=True)
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


def _unmet(a: pd.DataFrame | None, b: pd.DataFrame | None) -> pd.DataFrame:
    unmet = _merge_on(a, b, ["product", "market"], ["unmet"])
    demand = {}
    for df in (a, b):
        if df is not None and "demand" in df.columns:
            demand.update({(r.product, r.market): r.demand for r in df.itertuples()})
    unmet.insert(2, "demand", [demand.get((r.product, r.market)) for r in unmet.itertuples()])
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


def differences(tables: dict[str, pd.DataFrame]) -> list[str]:
    """The differences in words, for the console: costs, then the design (sites new or removed,
    built or closed, modules, capacity, reserve, production), unmet demand, stocks, scenario
    service, and concern shares where they are not ties; equally cheap routings are counted, not
    listed, and two runs that differ only by them are said to."""
    lines: list[str] = []
    costs = tables["Costs"]
    total = costs[costs["component"] == "total"].iloc[0]
    if _differs(total["A"], total["B"]):
        pct = (total["B"] - total["A"]) / total["A"] if total["A"] else float("nan")
        lines.append(f"total yearly cost {total['A']:,.2f} -> {total['B']:,.2f} ({pct:+.2%})")
        for r in costs[costs["component"] != "total"].itertuples():
            if _differs(r.A, r.B):
                lines.append(f"  {r.component}: {r.A:,.2f} -> {r.B:,.2f} ({r.B - r.A:+,.2f})")
    design = _design_lines(tables["Sites"])
    lines += design
    unmet = tables.get("Unmet")
    if unmet is not None:
        for r in unmet.itertuples():
            if _differs(r.unmet_A, r.unmet_B):
                word = "new unmet demand" if r.unmet_A <= TOL and r.unmet_B > TOL else "unmet demand"
                of = f" of {_num(r.demand)}" if r.demand is not None and r.demand == r.demand else ""
                lines.append(f"{r.product} in {r.market}: {word} {_num(r.unmet_A)} -> {_num(r.unmet_B)}{of}")
    stock = tables.get("Stockpiles")
    if stock is not None:
        for r in stock.itertuples():
            if _differs(r.stock_A, r.stock_B):
                lines.append(f"{r.product} stock in {r.market}: {_num(r.stock_A)} -> {_num(r.stock_B)}")
    if "Scenarios" in tables:
        for r in tables["Scenarios"].itertuples():
            if _differs(r.served_share_A, r.served_share_B):
                lines.append(f"{r.scenario}, {r.product}: served {r.served_share_A:.1%} -> {r.served_share_B:.1%}")
    ties = []
    cap_only: dict[tuple[float, float], list[str]] = {}
    for r in tables["Dependency"].itertuples():
        if not (_differs(r.concern_share_A, r.concern_share_B) or _differs(r.cap_A, r.cap_B)):
            continue
        if not _differs(r.concern_share_A, r.concern_share_B):
            cap_only.setdefault((r.cap_A, r.cap_B), []).append(f"{r.product} in {r.market}")
            continue
        if r.equally_cheap and not _differs(r.cap_A, r.cap_B):
            ties.append(f"{r.product} in {r.market}")
            continue
        lines.append(
            f"{r.product} in {r.market}: concern share {r.concern_share_A:.1%} (cap {r.cap_A:.0%}) -> "
            f"{r.concern_share_B:.1%} (cap {r.cap_B:.0%})"
        )
    for (x, y), pairs in cap_only.items():
        lines.append(f"cap {x:.0%} -> {y:.0%}, concern share unchanged: {', '.join(pairs)}")
    if ties:
        if not lines:
            lines.append(
                "The two runs differ only by equally cheap routings: the same design and costs; the concern "
                f"share moved, at the same cost of supply, in {', '.join(ties)}."
            )
        else:
            lines.append(
                f"{len(ties)} concern share{'s' if len(ties) != 1 else ''} moved by an equally cheap routing "
                f"(the same cost of supplying that market in both runs; not a change of plan): {', '.join(ties)}"
            )
    return lines


def _built(v: Any) -> str:
    return "built" if v else "not built"


def _design_lines(sites: pd.DataFrame) -> list[str]:
    """Sites new or removed, built or closed, and their modules, capacity, reserve, production."""
    lines = []
    for r in sites.itertuples():
        if r.present == "only in B":
            lines.append(
                f"{r.site}: new site in B ({r.status}, {'built' if r.built_B else 'not built'}, "
                f"capacity {_num(r.capacity_B)}, production {_num(r.production_B)})"
            )
            continue
        if r.present == "only in A":
            lines.append(
                f"{r.site}: removed in B (in A: {'built' if r.built_A else 'not built'}, "
                f"capacity {_num(r.capacity_A)}, production {_num(r.production_A)})"
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
            lines.append(f"{r.site}: " + "; ".join(words))
    return lines


def write_comparison(a_path: Path, b_path: Path, out: Path) -> tuple[Path, list[str]]:
    """Write the comparison workbook (changed cells highlighted); return its path and the differences."""
    tables = compare_tables(_read(Path(a_path)), _read(Path(b_path)))

    def fill(book: Book) -> None:
        readme = book.wb.add_worksheet("Compare")
        readme.write_row(0, 0, ["A", str(Path(a_path).resolve())])
        readme.write_row(1, 0, ["B", str(Path(b_path).resolve())])
        readme.write_row(2, 0, ["", "Rows that differ are marked changed = TRUE; the differing cells are highlighted."])
        readme.set_column(1, 1, 90)
        for name, df in tables.items():
            book.table(name, df, _changed_cells(name, df))

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
