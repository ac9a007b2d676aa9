"""Compare two results workbooks side by side ("what changed since last week's plan?")."""

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
    return sheets


def _differs(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        if pd.isna(a) and pd.isna(b):
            return False
        return abs(float(a) - float(b)) > TOL * max(1.0, abs(float(a)), abs(float(b)))
    if pd.isna(a) and pd.isna(b):
        return False
    return a != b


def compare_tables(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Side-by-side tables: each keeps A and B columns and a ``changed`` flag per row."""
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
    keys = ["site", "country", "product", "status"]
    cols = ["built", "modules_added", "capacity", "production", "reserve"]
    sites = a["Sites"][keys + cols].merge(b["Sites"][keys + cols], on=keys, how="outer", suffixes=("_A", "_B"))
    out["Sites"] = sites
    dcols = ["concern_share", "cap", "binding", "marginal_cost_per_point"]
    # version 2: a pool may have a row per cap basis (results of version 1 have no basis column)
    dkeys = ["product", "market", *(["basis"] if "basis" in a["Dependency"] and "basis" in b["Dependency"] else [])]
    dep = a["Dependency"][[*dkeys, *dcols]].merge(
        b["Dependency"][[*dkeys, *dcols]], on=dkeys, how="outer", suffixes=("_A", "_B")
    )
    out["Dependency"] = dep
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
        df["changed"] = [any(_differs(row[x], row[y]) for x, y in pairs) for _, row in df.iterrows()]
    return out


def _pairs(df: pd.DataFrame) -> list[tuple[str, str]]:
    if "A" in df.columns:
        return [("A", "B")]
    return [(c, c[:-2] + "_B") for c in df.columns if c.endswith("_A") and c[:-2] + "_B" in df.columns]


def differences(tables: dict[str, pd.DataFrame]) -> list[str]:
    """The main differences in words, for the console."""
    lines = []
    total = tables["Costs"][tables["Costs"]["component"] == "total"].iloc[0]
    if _differs(total["A"], total["B"]):
        pct = (total["B"] - total["A"]) / total["A"] if total["A"] else float("nan")
        lines.append(f"total yearly cost {total['A']:,.2f} -> {total['B']:,.2f} ({pct:+.2%})")
    s = tables["Sites"]
    for r in s.itertuples():
        if r.status == "candidate" and _differs(r.built_A, r.built_B):
            lines.append(
                f"{r.site}: {'built' if r.built_B else 'not built'} in B ({'built' if r.built_A else 'not built'} in A)"
            )
        elif _differs(r.modules_added_A, r.modules_added_B):
            lines.append(f"{r.site}: modules {r.modules_added_A} -> {r.modules_added_B}")
    for r in tables["Dependency"].itertuples():
        if _differs(r.concern_share_A, r.concern_share_B) or _differs(r.cap_A, r.cap_B):
            lines.append(
                f"{r.product} in {r.market}: concern share {r.concern_share_A:.1%} (cap {r.cap_A:.0%}) -> "
                f"{r.concern_share_B:.1%} (cap {r.cap_B:.0%})"
            )
    if "Scenarios" in tables:
        for r in tables["Scenarios"].itertuples():
            if _differs(r.served_share_A, r.served_share_B):
                lines.append(f"{r.scenario}, {r.product}: served {r.served_share_A:.1%} -> {r.served_share_B:.1%}")
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
